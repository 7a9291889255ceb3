"""`last_call()`: what the most recent facade call in this thread did (attempts, token, request id)."""

from __future__ import annotations

import contextvars
from typing import Protocol

import attrs

__all__ = ["CallInfo", "last_call", "record_call"]


@attrs.frozen
class CallInfo:
    """What happened on one call made through a facade."""

    operation: str
    """The model's operation name, e.g. `CreateSignalingChannel`."""
    attempts: int
    """HTTP attempts made (botocore's own retries are off on the clients facades build)."""
    request_id: str | None
    """The request id of the last answer received, if any."""
    idempotency_token: str | None
    """The token sent on every attempt, where the operation has one."""
    reconciled: bool = False
    """True when a retried create found the resource an earlier attempt made and returned it."""


class CallRecord(Protocol):
    """What the pipeline records per call; turned into a `CallInfo` only when asked for, so a
    call nobody inspects does not pay for building one."""

    def info(self) -> CallInfo: ...


_last: contextvars.ContextVar[CallRecord | None] = contextvars.ContextVar("kvs_chime_last_call", default=None)


def record_call(record: CallRecord) -> None:
    """Make `record` what `last_call()` describes in this thread (the pipeline calls this)."""
    _last.set(record)


def last_call() -> CallInfo | None:
    """The `CallInfo` of the most recent facade call in this thread (or asyncio task), or None.

    Use it to read the idempotency token a create used, e.g. to retry it with the same token
    from another process after a crash::

        media.create_media_stream_pipeline(request)
        info = last_call()
        assert info is not None
        token = info.idempotency_token
    """
    record = _last.get()
    return record.info() if record is not None else None
