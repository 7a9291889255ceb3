"""One classification per failure, made once and with no I/O.

`classify` turns whatever a client call raised into a `Failure`: what kind of failure it is, the
exception the caller gets, whether repeating the call is safe, and how long the service asked
to wait. The retry decision (`_call.py`) and the exception class both come from this one
result, so they cannot disagree: whatever is retried as throttling is raised as
`ThrottlingError`, and so on.
"""

from __future__ import annotations

import email.utils
import enum
import math
import time
from collections.abc import Mapping
from typing import Any, cast

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ParamValidationError,
    ProxyConnectionError,
    SSLError,
)
from botocore.parsers import ResponseParserError

from ._client_hooks import ERROR_BODY, RAW_BODY_LIMIT
from ._model import frozen
from .errors import (
    CallError,
    ConfigurationError,
    DeadlineExceededError,
    KvsChimeError,
    ResponseParseError,
    ServerError,
    ThrottlingError,
    TransportError,
    error_class_for,
)

__all__ = ["Failure", "Kind", "classify"]


class Kind(enum.Enum):
    THROTTLING = "throttling"
    """The service refused for rate and did not act: always safe to repeat."""
    SERVER_ERROR = "server error"
    """HTTP 5xx: the service may or may not have acted."""
    NOT_SENT = "not sent"
    """The request never left (connection refused, connect timeout, proxy): safe to repeat."""
    OUTCOME_UNKNOWN = "outcome unknown"
    """Sent, no readable answer (read timeout, dropped connection, garbled answer)."""
    CLIENT_ERROR = "client error"
    """The service refused the request as it stands (or the client could not make it)."""


@frozen
class Failure:
    """What one failed attempt means."""

    kind: Kind
    error: KvsChimeError
    """The exception the caller gets if this is the call's last failure."""
    retryable: bool
    """Repeating is safe for this operation and useful for this kind of failure."""
    retry_after: float | None = None
    """Seconds the service asked to wait (`Retry-After`, `retry-after-ms`), if it did."""
    server_date: float | None = None
    """The answer's `Date` header as epoch seconds: the service's clock when it answered."""

    @property
    def may_have_applied(self) -> bool:
        return self.kind in (Kind.SERVER_ERROR, Kind.OUTCOME_UNKNOWN)

    @property
    def timed_out(self) -> bool:
        """A timeout or dropped connection: costs the retry budget more than an answer does."""
        return self.kind in (Kind.OUTCOME_UNKNOWN, Kind.NOT_SENT)


def _headers(response: Mapping[str, Any]) -> Mapping[str, str]:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders")
    if not isinstance(headers, Mapping):
        return {}
    # Header names keep the case the server sent them in.
    return {str(k).lower(): str(v) for k, v in cast("Mapping[object, object]", headers).items()}


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for, in seconds: `retry-after-ms`, or `Retry-After` as seconds
    or as an HTTP date (read against the response's own `Date`, so clock skew does not count)."""
    millis = headers.get("retry-after-ms") or headers.get("x-ms-retry-after-ms")
    if millis is not None:
        try:
            value = float(millis) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return max(value, 0.0)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        value = float(raw)
    except ValueError:
        when = _http_date(raw)
        if when is None:
            return None
        now = _http_date(headers.get("date")) or time.time()
        return max(when - now, 0.0)
    return max(value, 0.0) if math.isfinite(value) else None


def _service_failure(exc: ClientError, facts: dict[str, Any], safe: bool) -> Failure:
    response = cast("dict[str, Any]", exc.response)
    error = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    code = str(error.get("Code") or status or "Unknown")
    body = meta.get(ERROR_BODY)
    message = str(error.get("Message") or error.get("message") or "")
    if body is not None and len(message) > RAW_BODY_LIMIT:
        message = message[:RAW_BODY_LIMIT]  # the body itself is on `body`
    cls = error_class_for(code, status if isinstance(status, int) else None)
    typed = cls(
        code=code,
        message=message,
        http_status=status,
        request_id=meta.get("RequestId"),
        body=body,
        **facts,
    )
    headers = _headers(response)
    if isinstance(typed, ThrottlingError):
        kind = Kind.THROTTLING
    elif isinstance(typed, ServerError) or (isinstance(status, int) and status >= 500):
        kind = Kind.SERVER_ERROR
    else:
        kind = Kind.CLIENT_ERROR
    return Failure(
        kind,
        typed,
        retryable=kind is Kind.THROTTLING or (kind is Kind.SERVER_ERROR and safe),
        retry_after=retry_after(headers),
        server_date=_http_date(headers.get("date")),
    )


def classify(
    exc: BaseException,
    *,
    operation: str,
    safe_to_repeat: bool,
    attempts: int,
    idempotency_token: str | None,
    deadline_cut: bool = False,
    sent: bool | None = None,
    body: bytes | None = None,
    changes_state: bool = False,
) -> Failure:
    """Classify what one attempt of `operation` raised.

    `safe_to_repeat` says whether the operation may be repeated after an unknown outcome;
    `deadline_cut` that the deadline watchdog cut the attempt; `sent` whether request bytes left
    (None: not known); `body` the raw answer, when one arrived and could not be parsed;
    `changes_state` that the operation is not a read (a 2xx answer to it that cannot be read
    leaves its outcome unknown).
    """
    facts: dict[str, Any] = {
        "operation": operation,
        "attempts": attempts,
        "idempotency_token": idempotency_token,
    }
    if isinstance(exc, ClientError):
        return _service_failure(exc, facts, safe_to_repeat)
    if isinstance(exc, ResponseParseError):
        return _unreadable_answer(exc, facts, safe_to_repeat, changes_state)
    if isinstance(exc, CallError):
        return Failure(Kind.CLIENT_ERROR, exc, retryable=False)
    detail = type(exc).__name__
    if deadline_cut:
        unknown = sent is not False
        return Failure(
            Kind.OUTCOME_UNKNOWN if unknown else Kind.NOT_SENT,
            DeadlineExceededError(
                operation,
                "the call's deadline passed during the attempt",
                outcome_unknown=unknown,
                **_t(facts),
            ),
            retryable=False,
        )
    if isinstance(exc, (ConnectTimeoutError, EndpointConnectionError, ProxyConnectionError)) or (
        isinstance(exc, SSLError) and sent is False
    ):
        return Failure(
            Kind.NOT_SENT,
            TransportError(
                operation, f"{detail}: the request was not sent", outcome_unknown=False, **_t(facts)
            ),
            retryable=True,
        )
    if isinstance(exc, (HTTPClientError, SSLError)):
        return Failure(
            Kind.OUTCOME_UNKNOWN,
            TransportError(operation, f"{detail}: no answer was read", outcome_unknown=True, **_t(facts)),
            retryable=safe_to_repeat,
        )
    if isinstance(exc, ResponseParserError) or (body is not None and isinstance(exc, Exception)):
        # The service answered something botocore could not read (bad encoding, broken XML/JSON).
        raw = {} if body is None else {"Body": body}  # as received, like `_response.py`'s
        return Failure(
            Kind.OUTCOME_UNKNOWN,
            ResponseParseError(
                operation, [f"$: the response could not be read ({detail})"], raw, **_t(facts)
            ),
            retryable=safe_to_repeat,
        )
    if isinstance(exc, BotoCoreError):
        # No credentials, no region, no endpoint: the client could not make the call at all.
        # botocore's parameter report can echo values, so only its kind is kept.
        text = detail if isinstance(exc, ParamValidationError) else f"{detail}: {exc}"
        return Failure(Kind.CLIENT_ERROR, ConfigurationError(operation, text), retryable=False)
    if isinstance(exc, KvsChimeError):
        return Failure(Kind.CLIENT_ERROR, exc, retryable=False)
    # Anything else escaped botocore's own wrapping (an OSError from a socket, a bug in a
    # user's event hook): no answer was read, and the request may have left.
    return Failure(
        Kind.OUTCOME_UNKNOWN,
        TransportError(operation, f"{detail}: no answer was read", outcome_unknown=True, **_t(facts)),
        retryable=safe_to_repeat,
    )


def _unreadable_answer(
    error: ResponseParseError, facts: dict[str, Any], safe: bool, changes_state: bool
) -> Failure:
    """A 2xx answer that could not be read. For a read, the error itself (repeating would read
    the same answer). For a call that changes state, the service said it acted but not what it
    did: the outcome is unknown, as for a dropped answer (repeated when that is safe, then
    reconciled or cleaned up), and the parse error, with the body, is the cause."""
    error.attempts = facts["attempts"]
    error.idempotency_token = facts["idempotency_token"]
    if not changes_state:
        return Failure(Kind.CLIENT_ERROR, error, retryable=False)
    unknown = TransportError(
        facts["operation"],
        "a success answer could not be read: the operation may have applied",
        outcome_unknown=True,
        request_id=error.request_id,
        **_t(facts),
    )
    unknown.http_status = error.http_status
    unknown.__cause__ = error
    return Failure(Kind.OUTCOME_UNKNOWN, unknown, retryable=safe)


def _t(facts: dict[str, Any]) -> dict[str, Any]:
    """TransportError takes the operation positionally."""
    return {k: v for k, v in facts.items() if k != "operation"}
