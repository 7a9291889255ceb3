"""What a facade call did (attempts, token, request id): `last_call()` for the most recent call in
this thread or task, and `call_info(response)` for the call that returned a given response."""

from __future__ import annotations

import contextvars
import weakref
from typing import Protocol

from ._model import frozen

__all__ = ["CallInfo", "attach_call", "call_info", "last_call", "record_call"]


@frozen
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


class _Attached(weakref.ref[object]):
    """A weak reference to a response, carrying its key in `_by_response` and its call's record
    (one object per call, and one callback shared by all: cheaper than a closure per call)."""

    __slots__ = ("key", "record")
    key: int
    record: CallRecord


def _forget(ref: _Attached) -> None:
    if _by_response.get(ref.key) is ref:
        del _by_response[ref.key]


# Responses are frozen, slotted attrs values (weak-referenceable, not writable): their call facts
# live here, keyed by identity, and go when the response does.
_by_response: dict[int, _Attached] = {}


def attach_call(response: object, record: CallRecord) -> None:
    """Make `record` what `call_info(response)` describes (the pipeline calls this)."""
    try:
        ref = _Attached(response, _forget)
    except TypeError:
        return  # None (an operation without output) or a value that cannot be referenced weakly
    ref.key = key = id(response)
    ref.record = record
    _by_response[key] = ref


def call_info(response: object) -> CallInfo | None:
    """The `CallInfo` of the facade call that returned `response`, or None if it did not come
    from a facade call. Unlike `last_call()`, it does not depend on which call ran last in this
    thread or task::

        created = kv.create_signaling_channel(request)
        info = call_info(created)
        assert info is not None and info.attempts >= 1
    """
    entry = _by_response.get(id(response))
    if entry is None or entry() is not response:
        return None
    return entry.record.info()


def last_call() -> CallInfo | None:
    """The `CallInfo` of the most recent facade call in this thread (or asyncio task), or None.

    Calls a facade makes inside a call (a reconciling look-up) are not recorded: this is always
    the call you made. A waiter records its polls.

    Use it to read the idempotency token a create used, e.g. to retry it with the same token
    from another process after a crash::

        media.create_media_stream_pipeline(request)
        info = last_call()
        assert info is not None
        token = info.idempotency_token
    """
    record = _last.get()
    return record.info() if record is not None else None
