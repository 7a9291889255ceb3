"""Reading a successful answer: every 2xx body is a typed response or a `ResponseParseError`.

botocore reads a body the model does not describe in one of three ways: silently (a JSON array
for an output without members, a body that is not JSON at all, an empty body), as an unrelated
builtin exception (`AttributeError` on a JSON array, `UnicodeDecodeError`, `RecursionError`,
`ValueError` on an unparseable timestamp), or as a success (a 200 carrying `x-amzn-ErrorType`).
The client hooks (`_client_hooks.py`, one set per client) hand this module the HTTP answer of
each of the facade's own attempts before botocore parses it (`screen_answer`), and keep what it
says on the attempt (`InFlight`):

- what can be decided from the status, headers and first byte is decided there, and botocore is
  handed an empty object to parse instead (so it cannot fail on it);
- otherwise the answer is kept until botocore has parsed it, so that an exception botocore
  raises meanwhile is known to be about this body (`unreadable_body`).

`read_response` then turns botocore's result into the typed response. Every `ResponseParseError`
carries the request id (`raw["ResponseMetadata"]["RequestId"]`) and the body exactly as received
(`raw["Body"]`, bytes). Problems name the field path and the kind of failure, never a value: no
error, and no exception chained to one, carries what the service sent (it can be sensitive).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar, cast

import attrs
from botocore import xform_name  # pyright: ignore[reportUnknownVariableType]  # botocore is untyped
from botocore.response import StreamingBody

from ._convert import structure_response
from ._operation import Operation
from ._stream import PayloadStream
from .errors import ResponseParseError

__all__ = ["BODY", "read_response", "screen_answer", "unreadable_body"]

Resp = TypeVar("Resp")

BODY = "Body"
"""The key of `ResponseParseError.raw` holding the body as received (bytes)."""

# What these look-ups learn about an operation is kept per botocore operation model, weakly:
# every client has its own models, and a program that makes a facade per request must not keep
# each client's models alive through them.
_body_members: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _has_body_members(operation_model: Any) -> bool:
    """Whether the operation's output has members read from a JSON body (not headers, status
    or a streaming payload)."""
    known = _body_members.get(operation_model)
    if known is None:
        shape = operation_model.output_shape
        members = shape.members.values() if shape is not None else ()
        known = "payload" not in (shape.serialization if shape is not None else {}) and any(
            m.serialization.get("location") is None for m in members
        )
        _body_members[operation_model] = known
    return known


_string_lists: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _has_string_lists(shape: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether `shape` holds a list of strings anywhere: botocore reads a JSON string where such
    a list belongs as the list of its characters, so those bodies are checked before it parses."""
    kind = shape.type_name
    if kind == "list":
        return shape.member.type_name == "string" or _has_string_lists(shape.member, seen)
    if kind == "map":
        return _has_string_lists(shape.value, seen)
    if kind == "structure" and shape.name not in seen:
        inner = seen | {shape.name}
        return any(_has_string_lists(m, inner) for m in shape.members.values())
    return False


def _misread_list(shape: Any, value: object, path: str) -> str | None:
    """The path of the first string where `shape` has a list, or None."""
    kind = shape.type_name
    if kind == "list":
        if isinstance(value, str):
            return f"{path}: expected list, got str"
        if isinstance(value, list):
            for i, item in enumerate(cast("list[object]", value)):
                found = _misread_list(shape.member, item, f"{path}[{i}]")
                if found:
                    return found
    elif kind == "map" and isinstance(value, dict):
        for item in cast("dict[str, object]", value).values():
            found = _misread_list(shape.value, item, f"{path}[<key>]")
            if found:
                return found
    elif kind == "structure" and isinstance(value, dict):
        document = cast("dict[str, object]", value)
        for name, member in shape.members.items():
            if member.serialization.get("location") is None:
                key = member.serialization.get("name", name)
                found = _misread_list(member, document.get(key), f"{path}.{xform_name(name)}")
                if found:
                    return found
    return None


def _string_list_refusal(operation_model: Any, body: bytes) -> str | None:
    known = _string_lists.get(operation_model)
    if known is None:
        known = _string_lists[operation_model] = _has_string_lists(operation_model.output_shape)
    if not known:
        return None  # the operations the facades call most have none: nothing to pay
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # botocore's parser refuses it, and the error says so
    return _misread_list(operation_model.output_shape, document, "$")


def _refusal(operation_model: Any, response: Mapping[str, Any]) -> str | None:
    headers = response["headers"]
    if headers.get("x-amzn-ErrorType"):
        return "$: a success status carrying an error type (x-amzn-ErrorType)"
    body = cast(bytes, response["body"])
    stripped = body.lstrip()
    if not stripped:
        return "$: an empty body where the output has members" if _has_body_members(operation_model) else None
    if stripped[:1] != b"{":
        return "$: the body is not a JSON object"
    return _string_list_refusal(operation_model, body)


def screen_answer(operation_model: Any, response_dict: Any) -> tuple[dict[str, Any] | None, str | None]:
    """botocore's `before-parse` for one of the facade's attempts: the 2xx answer to keep (None
    for an error status or a streaming payload) and why it is refused, if it can be refused from
    the status, headers and first byte (botocore is then handed an empty object to parse)."""
    status = response_dict.get("status_code", 0)
    if status >= 300 or not isinstance(response_dict.get("body"), bytes):
        return None, None  # errors are classified elsewhere; a streaming payload is read by the caller
    if operation_model.output_shape is None:
        return None, None
    refusal = _refusal(operation_model, response_dict)
    if refusal is not None:
        answer = dict(response_dict)
        response_dict["body"] = b"{}"  # what botocore parses next: nothing it can fail on
        return answer, refusal
    return response_dict, None


def _metadata(answer: Mapping[str, Any]) -> dict[str, object]:
    headers = {str(k).lower(): str(v) for k, v in answer["headers"].items()}
    request_id = headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")
    return {"RequestId": request_id, "HTTPStatusCode": answer["status_code"], "HTTPHeaders": headers}


def unreadable_body(
    operation: str, exc: BaseException, parsing: Mapping[str, Any] | None
) -> ResponseParseError | None:
    """The `ResponseParseError` for `exc` if botocore raised it while parsing `parsing`, the
    attempt's 2xx answer (None: it was not parsing one); else None, and `exc` is someone else's
    to classify.

    Only the exception's type is kept: its message can quote the body (botocore's timestamp
    error does). Raise the result outside the `except` block, so it is not chained to `exc`."""
    answer = parsing
    if answer is None:
        return None
    problem = f"$: the body could not be read ({type(exc).__name__})"
    return ResponseParseError(
        operation, [problem], {"ResponseMetadata": _metadata(answer), BODY: answer["body"]}
    )


def read_response(
    operation: Operation[Any, Resp],
    raw: dict[str, Any],
    answer: Mapping[str, Any] | None = None,
    refusal: str | None = None,
) -> Resp:
    """The typed response of `operation` from botocore's result, or `ResponseParseError`;
    `answer` is the HTTP answer botocore parsed it from (None: a stub's result), `refusal` why
    that answer was refused before botocore parsed it (`screen_answer`)."""
    if answer is not None and refusal is None and len(raw) <= 1:
        # Nothing but ResponseMetadata was read: botocore turns a body that is not JSON into an
        # empty result, so check that this one was JSON.
        refusal = _not_json(cast(bytes, answer["body"]))
    if answer is not None and refusal is not None:
        raise ResponseParseError(
            operation.name, [refusal], {"ResponseMetadata": _metadata(answer), BODY: answer["body"]}
        )
    cls = operation.response
    if cls is type(None):
        return cls()  # NoneType() is None: the model declares no output
    streams = _wrap_streams(operation.name, raw) if answer is None and _streams(cls) else ()
    try:
        return structure_response(operation.name, raw, cls)
    except ResponseParseError as error:
        if answer is not None:
            error.raw = {**raw, BODY: answer["body"]}
        elif streams:
            error.raw = _closed_streams(raw, streams)
        failure = error
    raise failure


_has_streams: dict[type, bool] = {}


def _streams(cls: type) -> bool:
    """Whether the response class `cls` has a payload stream (looked up once per class)."""
    known = _has_streams.get(cls)
    if known is None:
        known = _has_streams[cls] = any(
            field.type in (PayloadStream, "PayloadStream", "PayloadStream | None")
            for field in attrs.fields(cls)
        )
    return known


_UNREAD = "<the payload stream, closed unread: the response around it could not be parsed>"


def _wrap_streams(operation: str, raw: dict[str, Any]) -> tuple[str, ...]:
    """Wrap a streaming payload (botocore's `StreamingBody`, the HTTP body still on the wire)
    as the `PayloadStream` the typed response carries; its keys. A streaming output has no
    JSON body, so botocore hands it over unread and nothing here reads it."""
    keys = tuple(k for k, v in raw.items() if isinstance(v, StreamingBody))
    if keys:
        request_id = cast("str | None", raw.get("ResponseMetadata", {}).get("RequestId"))
        for key in keys:
            raw[key] = PayloadStream(raw[key], operation=operation, request_id=request_id)
    return keys


def _closed_streams(raw: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """`raw` with its streams closed (no connection leaks from a failed call) and replaced by a
    note: an exception must pickle, and a stream the caller never got cannot be read later."""
    kept = dict(raw)
    for key in keys:
        cast(PayloadStream, kept[key]).close()
        kept[key] = _UNREAD
    return kept


def _not_json(body: bytes) -> str | None:
    if not body.strip():
        return None
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        return "$: the body is not valid JSON"
    return None
