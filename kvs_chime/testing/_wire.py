"""HTTP requests and responses, and writing outputs and errors the way botocore's rest-json parser reads them."""

from __future__ import annotations

import base64
import email.utils
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone

import attrs

from ._model import Member, Operation, Service, Shape
from ._types import JsonObject, JsonValue, Params, as_dict, as_list

# Codes that are not modeled error shapes but that the services (or this emulator) answer.
_UNMODELED_STATUS = {
    "SerializationException": 400,
    "ValidationException": 400,
    "UnknownOperationException": 404,
    "NotImplemented": 501,
    "InternalFailure": 500,
}


@attrs.frozen
class HttpRequest:
    """A request as read off the socket."""

    method: str
    path: str
    """Still percent-encoded, without the query string."""
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    """Header names lower-cased."""
    body: bytes
    body_stream: Iterator[bytes] | None = None
    """For the requests the server streams (PutMedia): the body's bytes as they arrive; `body` is empty."""


@attrs.frozen
class HttpResponse:
    """A complete answer; the server adds Content-Length and the connection headers."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class ConnectionDropped(Exception):
    """Raised by a streamed answer's chunks to cut the connection mid-body (an injected fault)."""


@attrs.frozen
class StreamingResponse:
    """An answer whose body is written as it is produced, with chunked transfer encoding.

    The server writes each chunk as the iterable yields it (a live `GetMedia`, PutMedia's acks).
    Raising ConnectionDropped from it closes the connection without ending the body.
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    chunks: Iterable[bytes]


@attrs.frozen
class StreamedPayload:
    """A handler's streaming payload member (`Payload` of GetMedia): sent as the body, as it comes."""

    chunks: Iterable[bytes]


def _timestamp(value: object, fmt: str) -> JsonValue:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, timezone.utc)
    else:
        raise TypeError(f"not a timestamp: {type(value).__name__}")
    if fmt == "iso8601":
        utc = moment.astimezone(timezone.utc)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
    if fmt == "rfc822":
        return email.utils.format_datetime(moment.astimezone(timezone.utc), usegmt=True)
    # The rest-json default for bodies: epoch seconds as a number, to the millisecond.
    return round(moment.timestamp(), 3)


def _encode(member: Member, value: object, default_timestamp: str) -> JsonValue:
    shape = member.shape
    kind = shape.type
    if kind == "structure":
        structure = as_dict(value)
        if structure is None:
            raise TypeError(f"{shape.name} must be a dict")
        return _encode_structure(shape, structure)
    if kind == "list":
        items = as_list(value)
        if items is None:
            raise TypeError(f"{shape.name} must be a list")
        assert shape.member is not None
        item = shape.member
        return [_encode(item, v, default_timestamp) for v in items]
    if kind == "map":
        entries = as_dict(value)
        if entries is None:
            raise TypeError(f"{shape.name} must be a dict")
        assert shape.value is not None
        entry = shape.value
        return {str(k): _encode(entry, v, default_timestamp) for k, v in entries.items()}
    if kind == "timestamp":
        return _timestamp(value, member.timestamp_format or shape.timestamp_format or default_timestamp)
    if kind == "blob":
        if not isinstance(value, bytes):
            raise TypeError(f"{shape.name} must be bytes")
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"{shape.name} cannot hold a {type(value).__name__}")


def _encode_structure(shape: Shape, value: Mapping[str, object]) -> JsonObject:
    out: JsonObject = {}
    for name, item in value.items():
        member = shape.members.get(str(name))
        if member is None:
            # The handlers' outputs are checked against the model, so emulator bugs cannot
            # produce responses the real service never would.
            raise ValueError(f"{shape.name} has no member {name}")
        if item is not None:
            out[member.location_name] = _encode(member, item, "unixTimestamp")
    return out


def serialize_output(operation: Operation, output: Params) -> tuple[int, dict[str, str], JsonObject | None]:
    """Status, headers and JSON body (None when the answer has no body) for an operation's output."""
    status = operation.status
    headers: dict[str, str] = {}
    shape = operation.output
    if shape is None:
        if output:
            raise ValueError(f"{operation.name} has no output")
        return status, headers, None
    body_values: Params = {}
    for name, value in output.items():
        member = shape.members.get(name)
        if member is None:
            raise ValueError(f"{shape.name} has no member {name}")
        if value is None:
            continue
        if member.location == "header":
            encoded = _encode(member, value, "rfc822")
            headers[member.location_name] = encoded if isinstance(encoded, str) else json.dumps(encoded)
        elif member.location == "statusCode":
            if isinstance(value, int):
                status = value
        elif member.location == "headers":
            prefixed = as_dict(value) or {}
            headers.update({f"{member.location_name}{k}": str(v) for k, v in prefixed.items()})
        else:
            body_values[name] = value
    if status == 204:
        return status, headers, None
    return status, headers, _encode_structure(shape, body_values)


def json_bytes(value: JsonValue) -> bytes:
    """Compact JSON, as the services answer it."""
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def status_for(service: Service | None, code: str) -> int | None:
    """The HTTP status the model declares for an error code, if it declares one."""
    if service is not None:
        shape = service.errors.get(code)
        if shape is not None and shape.error_status is not None:
            return shape.error_status
    return _UNMODELED_STATUS.get(code)


def _error_code_member(shape: Shape, code: str) -> str | None:
    # Media pipelines errors also carry an ErrorCode enum value in the body ("BadRequest", ...).
    member = shape.members.get("Code")
    if member is None:
        return None
    candidate = "Throttling" if code == "ThrottledClientException" else code.removesuffix("Exception")
    return candidate if candidate in member.shape.enum else None


def error_response(
    service: Service | None,
    code: str,
    message: str,
    request_id: str,
    status: int | None = None,
) -> HttpResponse:
    """An error botocore reads as `Error.Code == code`, with the model's HTTP status for it.

    The code travels in `x-amzn-ErrorType` (which botocore's rest-json parser prefers) and the body
    holds the message under the member name the error shape uses.
    """
    resolved = status if status is not None else status_for(service, code)
    shape = service.errors.get(code) if service is not None else None
    body: JsonObject = {}
    if shape is not None:
        code_value = _error_code_member(shape, code)
        if code_value is not None:
            body["Code"] = code_value
        body["message" if "message" in shape.members else "Message"] = message
        if "RequestId" in shape.members:
            body["RequestId"] = request_id
    else:
        body["message"] = message
    headers = (
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", code),
    )
    return HttpResponse(resolved if resolved is not None else 400, headers, json_bytes(body))
