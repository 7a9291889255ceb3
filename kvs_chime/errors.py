"""The exceptions kvs_chime raises: one hierarchy, with families that hold across services.

    KvsChimeError
    ├── ValidationError            a request broke the model's constraints (no call was made)
    ├── ConfigurationError         the client cannot make the call (no credentials, no region)
    ├── WaiterError                a waiter timed out, or the resource failed or never appeared
    └── CallError                  a call was made and failed; carries operation, HTTP status,
        │                          request id, attempts, idempotency token and `call_info`
        ├── ResponseParseError     a response could not be read into its typed shape
        ├── TransportError         no HTTP answer (connection refused/reset, timeout), or a
        │                          streaming payload's read failed
        │   └── DeadlineExceededError   the call's deadline cut an attempt short
        ├── ReconciliationConflictError  a retried create found a resource that is not ours
        └── ServiceError           the service answered an error code
            ├── ThrottlingError    (retried) ClientLimitExceeded, ThrottledClient, Throttling,
            │                      ConnectionLimitExceeded, any 429
            ├── ServerError        (retried where safe) any 5xx: ServiceFailure, ServiceUnavailable
            ├── NotFoundError      NotFound, ResourceNotFound, StreamEdgeConfigurationNotFound
            ├── ConflictError      Conflict, ResourceInUse
            ├── AccessDeniedError  AccessDenied, Forbidden, NotAuthorized, Unauthorized(Client), any 403
            ├── LimitExceededError account, resource and tag limits (LimitExceeded, TooManyTags)
            ├── InvalidRequestError  InvalidArgument, BadRequest, InvalidResourceFormat, Validation,
            │                        UnprocessableEntity, InvalidEndpoint
            └── ... one class per other modelled code: VersionMismatchError, ...

The families are the classes to catch: `except NotFoundError:` catches Kinesis Video's
`ResourceNotFoundException` and the media pipelines' `NotFoundException` alike. A code no model
declares raises its family's class (by code name or HTTP status), else `ServiceError`, with the
code on it. Every error pickles to an equal error (for `ProcessPoolExecutor`, Celery).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._callinfo import CallInfo

__all__ = [
    "AccessDeniedError",
    "AccountChannelLimitExceededError",
    "AccountStreamLimitExceededError",
    "BadRequestError",
    "CallError",
    "ClientLimitExceededError",
    "ConfigurationError",
    "ConflictError",
    "ConnectionLimitExceededError",
    "DeadlineExceededError",
    "DeviceStreamLimitExceededError",
    "ForbiddenError",
    "InvalidArgumentError",
    "InvalidClientError",
    "InvalidCodecPrivateDataError",
    "InvalidDeviceError",
    "InvalidEndpointError",
    "InvalidMediaFrameError",
    "InvalidRequestError",
    "InvalidResourceFormatError",
    "KvsChimeError",
    "LimitExceededError",
    "MissingCodecPrivateDataError",
    "NoDataRetentionError",
    "NotAuthorizedError",
    "NotFoundError",
    "ReconciliationConflictError",
    "ResourceInUseError",
    "ResourceLimitExceededError",
    "ResourceNotFoundError",
    "ResponseParseError",
    "ServerError",
    "ServiceError",
    "ServiceFailureError",
    "ServiceUnavailableError",
    "SessionExpiredError",
    "StreamEdgeConfigurationNotFoundError",
    "TagsPerResourceExceededLimitError",
    "ThrottledClientError",
    "ThrottlingError",
    "TooManyTagsError",
    "TransportError",
    "UnauthorizedClientError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "UnsupportedStreamMediaTypeError",
    "ValidationError",
    "VersionMismatchError",
    "Violation",
    "WaiterError",
    "error_class_for",
]


def _rebuild(cls: type[KvsChimeError], args: tuple[object, ...], state: dict[str, Any]) -> KvsChimeError:
    # BaseException.__new__ sets `args` without running the (keyword-only) __init__.
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class KvsChimeError(Exception):
    """Base of every exception kvs_chime raises.

    Errors are values: they pickle (keyword-only constructors included) and compare equal when
    their type, message and attributes are equal.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.args == other.args and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.args))


class Violation:
    """One broken constraint: the field path in snake_case (`sinks[0].reserved_stream_capacity`)
    and the rule it breaks (`must be between 1 and 10, got 11`)."""

    __slots__ = ("path", "rule")

    def __init__(self, path: str, rule: str) -> None:
        self.path: str = path
        self.rule: str = rule

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}"

    def __repr__(self) -> str:
        return f"Violation({self.path!r}, {self.rule!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Violation) and (self.path, self.rule) == (other.path, other.rule)

    def __hash__(self) -> int:
        return hash((self.path, self.rule))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Violation, (self.path, self.rule))


class ValidationError(KvsChimeError, ValueError):
    """A request broke the model's constraints; raised before any network call.

    `violations` lists every broken constraint, not just the first. (What the service itself
    rejects as invalid is an `InvalidRequestError`.)
    """

    def __init__(self, request_type: str, violations: Sequence[Violation]) -> None:
        self.request_type: str = request_type
        self.violations: tuple[Violation, ...] = tuple(violations)
        lines = "\n".join(f"  {v}" for v in self.violations)
        super().__init__(f"{request_type} is invalid ({len(self.violations)} problem(s)):\n{lines}")


class ConfigurationError(KvsChimeError):
    """The client cannot make the call at all: no credentials, no region, no endpoint for it.

    Nothing was sent. The botocore exception is the `__cause__`.
    """

    def __init__(self, operation: str, detail: str) -> None:
        self.operation: str = operation
        self.detail: str = detail
        super().__init__(f"{operation}: {detail}")


class WaiterError(KvsChimeError):
    """A waiter gave up: it timed out, the resource reached a failure state, or it never
    appeared.

    `last_state` is the last value the waiter read (a typed response, or None if the resource was
    never found); `reason` says which, in words.
    """

    def __init__(self, waiter: str, reason: str, last_state: object) -> None:
        self.waiter: str = waiter
        self.reason: str = reason
        self.last_state: object = last_state
        super().__init__(f"{waiter}: {reason}")


class CallError(KvsChimeError):
    """A call reached the point of being sent and failed. Carries what the call did.

    `attempts` counts the HTTP attempts made for the call; `idempotency_token` is the token sent
    on every attempt, where the operation has one, so a crashed process can retry with it;
    `call_info` is the same facts as `kvs_chime.last_call()` would give, for this call.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str,
        http_status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        idempotency_token: str | None = None,
    ) -> None:
        self.operation: str = operation
        """The model's operation name (`CreateSignalingChannel`)."""
        self.http_status: int | None = http_status
        """The HTTP status of the last answer, if one arrived."""
        self.request_id: str | None = request_id
        """The service's request id of the last answer, for support cases."""
        self.attempts: int = attempts
        """The HTTP attempts the call made."""
        self.idempotency_token: str | None = idempotency_token
        """The token sent on every attempt, where the operation has one."""
        super().__init__(message)

    @property
    def call_info(self) -> CallInfo:
        """The call's operation, attempts, request id and idempotency token as a `CallInfo`."""
        return CallInfo(
            self.operation,
            self.attempts,
            self.request_id,
            self.idempotency_token,
            reconciled=False,
        )


class ResponseParseError(CallError):
    """A response could not be read into its typed shape (missing required member, wrong type,
    malformed body). `raw` holds the response exactly as botocore returned it, so nothing the
    service sent is lost; `problems` lists each failure with its field path, written with the
    shapes' attribute names (`$.channel_info.channel_name`)."""

    def __init__(
        self,
        operation: str,
        problems: Sequence[str],
        raw: Mapping[str, object],
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        idempotency_token: str | None = None,
    ) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        self.raw: Mapping[str, object] = raw
        super().__init__(
            f"{operation}: response could not be parsed: " + "; ".join(self.problems),
            operation=operation,
            http_status=http_status,
            request_id=request_id,
            attempts=attempts,
            idempotency_token=idempotency_token,
        )


class TransportError(CallError):
    """No HTTP answer arrived: connection refused or reset, TLS or proxy failure, or a timeout.

    `outcome_unknown` is True when the request may have reached the service (read timeout,
    connection closed after sending): the operation may or may not have been applied.
    The botocore exception is the `__cause__`.
    """

    def __init__(
        self,
        operation: str,
        detail: str,
        *,
        outcome_unknown: bool,
        attempts: int = 1,
        idempotency_token: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.detail: str = detail
        self.outcome_unknown: bool = outcome_unknown
        super().__init__(
            f"{operation}: {detail}",
            operation=operation,
            request_id=request_id,
            attempts=attempts,
            idempotency_token=idempotency_token,
        )

    def __str__(self) -> str:
        unknown = ", outcome unknown" if self.outcome_unknown else ""
        return f"{self.operation}: {self.detail} (attempt {self.attempts}{unknown})"


class DeadlineExceededError(TransportError):
    """The call's deadline (`RetryPolicy.deadline`) passed while an attempt was in flight, and
    the attempt was cut short. `outcome_unknown` says whether the request may have been sent."""


class ReconciliationConflictError(CallError):
    """A create's name was taken, and the resource that holds it is not this call's: it differs
    from what was asked, or it existed before the call started.

    `differences` maps each differing field to (asked, found); the message names the fields
    only, never their values (names and tags can be sensitive). For a retried create, the
    attempts, token and request id are the create's, and a failed look-up is the `__cause__`.
    """

    def __init__(
        self,
        operation: str,
        name: str,
        differences: Mapping[str, tuple[object, object]],
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        attempts: int = 1,
        idempotency_token: str | None = None,
    ) -> None:
        self.name: str = name
        self.differences: dict[str, tuple[object, object]] = dict(differences)
        fields = ", ".join(self.differences) or "unknown"
        super().__init__(
            f"{operation}: the name is taken by a resource that is not this call's (differs in: {fields})",
            operation=operation,
            http_status=http_status,
            request_id=request_id,
            attempts=attempts,
            idempotency_token=idempotency_token,
        )


class ServiceError(CallError):
    """The service answered with an error code.

    The botocore `ClientError` is the `__cause__`. `body` keeps an error body that was not the
    service's JSON (a proxy's HTML 502, a plain-text 500), cut to its first 4 KiB.
    """

    code: str = ""
    """The error code: on a subclass, the one it stands for; on an instance, the one answered."""

    def __init__(
        self,
        *,
        code: str,
        message: str,
        operation: str,
        http_status: int | None,
        request_id: str | None,
        attempts: int = 1,
        idempotency_token: str | None = None,
        body: str | None = None,
    ) -> None:
        self.code = code
        self.message: str = message
        self.body: str | None = body
        super().__init__(
            f"{operation}: {code}: {message}",
            operation=operation,
            http_status=http_status,
            request_id=request_id,
            attempts=attempts,
            idempotency_token=idempotency_token,
        )

    def __str__(self) -> str:
        # Built from the attributes so it stays true after the pipeline updates `attempts`.
        status = f"HTTP {self.http_status}, " if self.http_status else ""
        rid = f", request id {self.request_id}" if self.request_id else ""
        return f"{self.operation}: {self.code}: {self.message} ({status}attempt {self.attempts}{rid})"


# -- families: catch these ------------------------------------------------------------------


class ThrottlingError(ServiceError):
    """The service refused the call for rate (any throttling code, or HTTP 429); retried; also
    meetings' `ThrottlingException` itself."""

    code = "ThrottlingException"


class ServerError(ServiceError):
    """The service failed (HTTP 5xx, modelled or not); retried where repeating is safe."""


class NotFoundError(ServiceError):
    """The resource does not exist (any service's not-found code); also media pipelines'
    `NotFoundException` itself."""

    code = "NotFoundException"


class ConflictError(ServiceError):
    """The resource's state conflicts with the call: name taken, in use (HTTP 409 or Kinesis
    Video's `ResourceInUseException`); also media pipelines' `ConflictException` itself."""

    code = "ConflictException"


class AccessDeniedError(ServiceError):
    """The caller may not do this (any service's access-denied code, or HTTP 403); also
    `AccessDeniedException` itself."""

    code = "AccessDeniedException"


class LimitExceededError(ServiceError):
    """An account, resource or tag limit would be exceeded (not a rate: that is throttling);
    also meetings' `LimitExceededException` itself."""

    code = "LimitExceededException"


class InvalidRequestError(ServiceError):
    """The service rejected the request's input (what client-side validation could not know)."""


# -- one class per modelled code --------------------------------------------------------------


class ClientLimitExceededError(ThrottlingError):
    """Kinesis Video: the call exceeded the allowed client calls; retried."""

    code = "ClientLimitExceededException"


class ThrottledClientError(ThrottlingError):
    """Media pipelines: the client exceeded its request rate limit (HTTP 429); retried."""

    code = "ThrottledClientException"


class ConnectionLimitExceededError(ThrottlingError):
    """GetMedia: the stream's limit of client connections is reached; retried."""

    code = "ConnectionLimitExceededException"


class ServiceFailureError(ServerError):
    """Media pipelines: the service encountered an unexpected error (HTTP 500)."""

    code = "ServiceFailureException"


class ServiceUnavailableError(ServerError):
    """Media pipelines: the service is currently unavailable (HTTP 503)."""

    code = "ServiceUnavailableException"


class ResourceNotFoundError(NotFoundError):
    """Kinesis Video: the resource could not be found."""

    code = "ResourceNotFoundException"


class StreamEdgeConfigurationNotFoundError(NotFoundError):
    """The stream has no edge configuration (or it was deleted)."""

    code = "StreamEdgeConfigurationNotFoundException"


class ResourceInUseError(ConflictError):
    """The resource is in use or its name is taken (Kinesis Video)."""

    code = "ResourceInUseException"


class ForbiddenError(AccessDeniedError):
    """Media pipelines: the client is permanently forbidden from making the request."""

    code = "ForbiddenException"


class NotAuthorizedError(AccessDeniedError):
    """The caller is not authorized to perform this operation."""

    code = "NotAuthorizedException"


class UnauthorizedClientError(AccessDeniedError):
    """Media pipelines: the client is not currently authorized to make the request."""

    code = "UnauthorizedClientException"


class UnauthorizedError(AccessDeniedError):
    """Meetings: the caller is not authorized to make the request (HTTP 401)."""

    code = "UnauthorizedException"


class AccountChannelLimitExceededError(LimitExceededError):
    """You have reached the maximum number of active signaling channels for this account."""

    code = "AccountChannelLimitExceededException"


class AccountStreamLimitExceededError(LimitExceededError):
    """The number of streams created for the account is too high."""

    code = "AccountStreamLimitExceededException"


class DeviceStreamLimitExceededError(LimitExceededError):
    """Not implemented by the service."""

    code = "DeviceStreamLimitExceededException"


class ResourceLimitExceededError(LimitExceededError):
    """Media pipelines: the request exceeds the resource limit."""

    code = "ResourceLimitExceededException"


class TagsPerResourceExceededLimitError(LimitExceededError):
    """The resource would exceed the limit of 50 tags."""

    code = "TagsPerResourceExceededLimitException"


class TooManyTagsError(LimitExceededError):
    """Meetings: the resource would exceed its limit of tags."""

    code = "TooManyTagsException"


class InvalidArgumentError(InvalidRequestError):
    """The value for this input parameter is invalid."""

    code = "InvalidArgumentException"


class BadRequestError(InvalidRequestError):
    """Media pipelines: the input parameters don't match the service's restrictions."""

    code = "BadRequestException"


class InvalidResourceFormatError(InvalidRequestError):
    """The format of the StreamARN is invalid."""

    code = "InvalidResourceFormatException"


class UnprocessableEntityError(InvalidRequestError):
    """Meetings: the request was well-formed but could not be processed (HTTP 422)."""

    code = "UnprocessableEntityException"


class InvalidEndpointError(InvalidRequestError):
    """Media: the call reached the wrong endpoint; ask `GetDataEndpoint` for the stream's again."""

    code = "InvalidEndpointException"


class InvalidCodecPrivateDataError(ServiceError):
    """Archived media: the codec private data of the stream's first track is not valid for the
    requested playback or clip."""

    code = "InvalidCodecPrivateDataException"


class InvalidMediaFrameError(ServiceError):
    """Archived media: a frame of the requested images could not be decoded."""

    code = "InvalidMediaFrameException"


class MissingCodecPrivateDataError(ServiceError):
    """Archived media: a fragment of the requested media has no codec private data."""

    code = "MissingCodecPrivateDataException"


class UnsupportedStreamMediaTypeError(ServiceError):
    """Archived media: the stream's media type (its first track's codec) is not supported for
    the requested playback, clip or images."""

    code = "UnsupportedStreamMediaTypeException"


class InvalidClientError(ServiceError):
    """Signaling: the specified client is invalid."""

    code = "InvalidClientException"


class InvalidDeviceError(ServiceError):
    """Not implemented by the service."""

    code = "InvalidDeviceException"


class NoDataRetentionError(ServiceError):
    """The Stream data retention in hours is equal to zero."""

    code = "NoDataRetentionException"


class SessionExpiredError(ServiceError):
    """Signaling: the session has expired and a new one must be created."""

    code = "SessionExpiredException"


class VersionMismatchError(ServiceError):
    """The stream or channel version passed does not match its latest version."""

    code = "VersionMismatchException"


def _subclasses(cls: type[ServiceError]) -> list[type[ServiceError]]:
    found: list[type[ServiceError]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


_BY_CODE: dict[str, type[ServiceError]] = {c.code: c for c in _subclasses(ServiceError) if c.code}

# Codes AWS services answer without modelling them, by family. HTTP status decides the rest.
_UNMODELLED: dict[str, type[ServiceError]] = {
    **dict.fromkeys(
        (
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "TooManyRequestsException",
            "RequestLimitExceeded",
            "RequestThrottled",
            "RequestThrottledException",
            "ProvisionedThroughputExceededException",
            "SlowDown",
            "BandwidthLimitExceeded",
            "PriorRequestNotComplete",
            "EC2ThrottledException",
        ),
        ThrottlingError,
    ),
    **dict.fromkeys(
        ("InternalFailure", "InternalError", "InternalServerError", "InternalServerException"), ServerError
    ),
    **dict.fromkeys(("ServiceUnavailable", "ServiceUnavailableException"), ServiceUnavailableError),
    **dict.fromkeys(("ValidationException", "SerializationException"), InvalidRequestError),
    **dict.fromkeys(
        (
            "AccessDenied",
            "UnrecognizedClientException",
            "InvalidSignatureException",
            "IncompleteSignature",
            "MissingAuthenticationToken",
            "MissingAuthenticationTokenException",
            "ExpiredToken",
            "ExpiredTokenException",
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
        ),
        AccessDeniedError,
    ),
}
_BY_STATUS: dict[int, type[ServiceError]] = {
    403: AccessDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: ThrottlingError,
}


def error_class_for(code: str, http_status: int | None = None) -> type[ServiceError]:
    """The class for an error code (`ResourceInUseException` -> `ResourceInUseError`).

    A code no model declares maps to its family by name (`ThrottlingException` ->
    `ThrottlingError`) or by `http_status` (429 -> `ThrottlingError`, any 5xx -> `ServerError`,
    403, 404, 409), else to `ServiceError`. A modelled code keeps its class whatever the status,
    except that a throttling status never yields a non-throttling class.
    """
    cls = _BY_CODE.get(code) or _UNMODELLED.get(code)
    if http_status == 429 and (cls is None or not issubclass(cls, ThrottlingError)):
        return ThrottlingError
    if cls is not None:
        return cls
    if http_status is not None:
        if http_status >= 500:
            return ServerError
        return _BY_STATUS.get(http_status, ServiceError)
    return ServiceError
