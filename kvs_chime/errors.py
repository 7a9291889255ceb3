"""The exceptions kvs_chime raises: one hierarchy, one class per error code the models declare.

    KvsChimeError
    ├── ValidationError           a request broke the model's constraints (no call was made)
    ├── ResponseParseError        a response could not be read into its typed shape
    ├── TransportError            no HTTP answer (connection refused/reset, timeout)
    ├── ReconciliationConflictError  a retried create found a different resource of that name
    ├── WaiterError               a waiter timed out or reached a failure state
    └── ServiceError              the service answered an error code
        ├── ThrottlingError       (retried) ClientLimitExceeded, ThrottledClient
        ├── ... one subclass per modeled code: ResourceInUseError, AccessDeniedError, ...

`except ResourceInUseError:` catches `ResourceInUseException` from any of the three services.
A code no model declares raises `ServiceError` itself, with the code on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    "AccessDeniedError",
    "AccountChannelLimitExceededError",
    "AccountStreamLimitExceededError",
    "BadRequestError",
    "ClientLimitExceededError",
    "ConflictError",
    "DeviceStreamLimitExceededError",
    "ForbiddenError",
    "InvalidArgumentError",
    "InvalidClientError",
    "InvalidDeviceError",
    "InvalidResourceFormatError",
    "KvsChimeError",
    "NoDataRetentionError",
    "NotAuthorizedError",
    "NotFoundError",
    "ReconciliationConflictError",
    "ResourceInUseError",
    "ResourceLimitExceededError",
    "ResourceNotFoundError",
    "ResponseParseError",
    "ServiceError",
    "ServiceFailureError",
    "ServiceUnavailableError",
    "SessionExpiredError",
    "StreamEdgeConfigurationNotFoundError",
    "TagsPerResourceExceededLimitError",
    "ThrottledClientError",
    "ThrottlingError",
    "TransportError",
    "UnauthorizedClientError",
    "ValidationError",
    "VersionMismatchError",
    "Violation",
    "WaiterError",
    "error_class_for",
]


class KvsChimeError(Exception):
    """Base of every exception kvs_chime raises."""


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


class ValidationError(KvsChimeError, ValueError):
    """A request broke the model's constraints; raised before any network call.

    `violations` lists every broken constraint, not just the first.
    """

    def __init__(self, request_type: str, violations: Sequence[Violation]) -> None:
        self.request_type: str = request_type
        self.violations: tuple[Violation, ...] = tuple(violations)
        lines = "\n".join(f"  {v}" for v in self.violations)
        super().__init__(f"{request_type} is invalid ({len(self.violations)} problem(s)):\n{lines}")


class ResponseParseError(KvsChimeError):
    """A response could not be read into its typed shape (missing required member, wrong type,
    malformed body). `raw` holds the response exactly as botocore returned it, so nothing the
    service sent is lost; `problems` lists each failure with its field path, written with the
    shapes' attribute names (`$.channel_info.channel_name`)."""

    def __init__(self, operation: str, problems: Sequence[str], raw: Mapping[str, object]) -> None:
        self.operation: str = operation
        self.problems: tuple[str, ...] = tuple(problems)
        self.raw: Mapping[str, object] = raw
        super().__init__(f"{operation}: response could not be parsed: " + "; ".join(self.problems))


class TransportError(KvsChimeError):
    """No HTTP answer arrived: connection refused or reset, or a timeout.

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
    ) -> None:
        self.operation: str = operation
        self.detail: str = detail
        self.outcome_unknown: bool = outcome_unknown
        self.attempts: int = attempts
        self.idempotency_token: str | None = idempotency_token
        super().__init__(f"{operation}: {detail} (attempt {attempts})")


class ReconciliationConflictError(KvsChimeError):
    """A create was retried after an outcome-unknown failure, the retry found the name taken, and
    the existing resource differs from what was asked: someone else's resource, not ours.

    `differences` maps each differing field to (asked, found).
    """

    def __init__(self, operation: str, name: str, differences: Mapping[str, tuple[object, object]]) -> None:
        self.operation: str = operation
        self.name: str = name
        self.differences: dict[str, tuple[object, object]] = dict(differences)
        shown = ", ".join(f"{k}: asked {a!r}, found {f!r}" for k, (a, f) in self.differences.items())
        super().__init__(f"{operation}: {name!r} exists with a different configuration ({shown})")


class WaiterError(KvsChimeError):
    """A waiter gave up: it timed out, or the resource reached a failure state.

    `last_state` is the last value the waiter read (a typed response, or None if the resource was
    never found); `reason` says which, in words.
    """

    def __init__(self, waiter: str, reason: str, last_state: object) -> None:
        self.waiter: str = waiter
        self.reason: str = reason
        self.last_state: object = last_state
        super().__init__(f"{waiter}: {reason}")


class ServiceError(KvsChimeError):
    """The service answered with an error code.

    The botocore `ClientError` is the `__cause__`. `attempts` counts the HTTP attempts made for
    the call; `idempotency_token` is the token sent on every attempt, where the operation has one,
    so a crashed process can retry with it.
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
    ) -> None:
        self.code = code
        self.message: str = message
        self.operation: str = operation
        self.http_status: int | None = http_status
        self.request_id: str | None = request_id
        self.attempts: int = attempts
        self.idempotency_token: str | None = idempotency_token
        super().__init__(f"{operation}: {code}: {message} (HTTP {http_status}, attempt {attempts})")

    def __str__(self) -> str:
        # Built from the attributes so it stays true after the pipeline updates `attempts`.
        status = f"HTTP {self.http_status}, " if self.http_status else ""
        rid = f", request id {self.request_id}" if self.request_id else ""
        return f"{self.operation}: {self.code}: {self.message} ({status}attempt {self.attempts}{rid})"


class ThrottlingError(ServiceError):
    """The service refused the call for rate; retried by the pipeline."""


class ClientLimitExceededError(ThrottlingError):
    """Kinesis Video: the call exceeded the allowed client calls; retried."""

    code = "ClientLimitExceededException"


class ThrottledClientError(ThrottlingError):
    """Media pipelines: the client exceeded its request rate limit (HTTP 429); retried."""

    code = "ThrottledClientException"


class ServiceFailureError(ServiceError):
    """Media pipelines: the service encountered an unexpected error (HTTP 500)."""

    code = "ServiceFailureException"


class ServiceUnavailableError(ServiceError):
    """Media pipelines: the service is currently unavailable (HTTP 503)."""

    code = "ServiceUnavailableException"


class AccessDeniedError(ServiceError):
    """You do not have required permissions to perform this operation."""

    code = "AccessDeniedException"


class AccountChannelLimitExceededError(ServiceError):
    """You have reached the maximum number of active signaling channels for this account."""

    code = "AccountChannelLimitExceededException"


class AccountStreamLimitExceededError(ServiceError):
    """The number of streams created for the account is too high."""

    code = "AccountStreamLimitExceededException"


class BadRequestError(ServiceError):
    """Media pipelines: the input parameters don't match the service's restrictions."""

    code = "BadRequestException"


class ConflictError(ServiceError):
    """Media pipelines: the request could not be processed because of a conflict in the current
    state of the resource (HTTP 409)."""

    code = "ConflictException"


class DeviceStreamLimitExceededError(ServiceError):
    """Not implemented by the service."""

    code = "DeviceStreamLimitExceededException"


class ForbiddenError(ServiceError):
    """Media pipelines: the client is permanently forbidden from making the request."""

    code = "ForbiddenException"


class InvalidArgumentError(ServiceError):
    """The value for this input parameter is invalid."""

    code = "InvalidArgumentException"


class InvalidClientError(ServiceError):
    """Signaling: the specified client is invalid."""

    code = "InvalidClientException"


class InvalidDeviceError(ServiceError):
    """Not implemented by the service."""

    code = "InvalidDeviceException"


class InvalidResourceFormatError(ServiceError):
    """The format of the StreamARN is invalid."""

    code = "InvalidResourceFormatException"


class NoDataRetentionError(ServiceError):
    """The Stream data retention in hours is equal to zero."""

    code = "NoDataRetentionException"


class NotAuthorizedError(ServiceError):
    """The caller is not authorized to perform this operation."""

    code = "NotAuthorizedException"


class NotFoundError(ServiceError):
    """Media pipelines: one or more of the resources in the request does not exist."""

    code = "NotFoundException"


class ResourceInUseError(ServiceError):
    """The resource is in use or its name is taken (Kinesis Video)."""

    code = "ResourceInUseException"


class ResourceLimitExceededError(ServiceError):
    """Media pipelines: the request exceeds the resource limit."""

    code = "ResourceLimitExceededException"


class ResourceNotFoundError(ServiceError):
    """Kinesis Video: the resource could not be found."""

    code = "ResourceNotFoundException"


class SessionExpiredError(ServiceError):
    """Signaling: the session has expired and a new one must be created."""

    code = "SessionExpiredException"


class StreamEdgeConfigurationNotFoundError(ServiceError):
    """The stream has no edge configuration (or it was deleted)."""

    code = "StreamEdgeConfigurationNotFoundException"


class TagsPerResourceExceededLimitError(ServiceError):
    """The resource would exceed the limit of 50 tags."""

    code = "TagsPerResourceExceededLimitException"


class UnauthorizedClientError(ServiceError):
    """Media pipelines: the client is not currently authorized to make the request."""

    code = "UnauthorizedClientException"


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


def error_class_for(code: str) -> type[ServiceError]:
    """The class for an error code (`ResourceInUseException` -> `ResourceInUseError`);
    `ServiceError` for a code no model declares."""
    return _BY_CODE.get(code, ServiceError)
