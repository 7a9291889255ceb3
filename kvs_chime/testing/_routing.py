"""Route table built from the botocore models, and reading an operation's input off the wire.

Every operation of the three models gets a route from its `http.method` and `http.requestUri`
(path template plus static query such as `?operation=tag-resource`). Input members are read from
where the model puts them (`uri`, `querystring`, `header`, `headers` or the JSON body) and converted
to Python types, keyed by the model's member names, exactly as a botocore client serialised them.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import unquote

import attrs

from ._errors import ServiceError
from ._model import SIGNALING, WEBRTC_STORAGE, Member, Operation, Service, Shape
from ._types import Params, as_dict, as_list

SIGNALING_PREFIX = "/signaling/"
"""Path prefix of a channel's own signaling endpoint: `/signaling/<endpoint-id>`."""
WEBRTC_ENDPOINT_PREFIX = "w-"
"""Endpoint ids of a channel's WEBRTC endpoint start so: there only kinesis-video-webrtc-storage answers."""

_TEMPLATE_VARIABLE = re.compile(r"(\{[^}]+\})")


@attrs.frozen
class RouteMatch:
    """The operation a request addresses, with the decoded path parameters."""

    operation: Operation
    uri_params: Mapping[str, str]
    signaling_endpoint: str | None
    """The endpoint id when the request arrived on a channel's signaling endpoint."""


@attrs.frozen
class _Route:
    operation: Operation
    path: re.Pattern[str]
    variables: tuple[str, ...]
    static_query: tuple[tuple[str, str], ...]
    signing_name: str


def _compile(template: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pattern: list[str] = []
    variables: list[str] = []
    for part in _TEMPLATE_VARIABLE.split(template):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            greedy = name.endswith("+")
            pattern.append(f"(?P<v{len(variables)}>{'.+' if greedy else '[^/]+'})")
            variables.append(name.rstrip("+"))
        else:
            pattern.append(re.escape(part))
    return re.compile("".join(pattern)), tuple(variables)


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.startswith("/") and len(path) > 1 else ""


class Router:
    """Finds the operation for a method, path and query; built once from the models."""

    def __init__(self, services: Mapping[str, Service]) -> None:
        buckets: dict[tuple[str, str | None], list[_Route]] = {}
        for service in services.values():
            for op in service.operations.values():
                path, variables = _compile(op.path_template)
                first = _first_segment(op.path_template)
                key = (op.method, None if first.startswith("{") else first)
                buckets.setdefault(key, []).append(
                    _Route(op, path, variables, op.static_query, service.signing_name)
                )
        for routes in buckets.values():
            # Most specific first: a static query part, then more literal path characters.
            routes.sort(
                key=lambda r: (
                    -len(r.static_query),
                    -len(_TEMPLATE_VARIABLE.sub("", r.operation.path_template)),
                )
            )
        self._buckets = buckets

    def match(
        self,
        method: str,
        path: str,
        query: Mapping[str, Sequence[str]],
        signing_name: str | None,
    ) -> RouteMatch | None:
        """The operation addressed, or None when no operation of the models has this route.

        `path` is still percent-encoded, so encoded slashes inside a parameter (an ARN in the
        path) do not split it. On a channel's signaling endpoint only the signaling service answers
        (kinesis-video-webrtc-storage on its WEBRTC endpoint).
        """
        endpoint: str | None = None
        if path.startswith(SIGNALING_PREFIX):
            endpoint, slash, rest = path[len(SIGNALING_PREFIX) :].partition("/")
            if not endpoint or not slash:
                return None
            path = "/" + rest
        first = _first_segment(path)
        served_there = (
            WEBRTC_STORAGE
            if endpoint is not None and endpoint.startswith(WEBRTC_ENDPOINT_PREFIX)
            else SIGNALING
        )
        candidates: list[tuple[_Route, dict[str, str]]] = []
        for key in ((method, first), (method, None)):
            for route in self._buckets.get(key, ()):
                if endpoint is not None and route.operation.service != served_there:
                    continue
                if not all(value in query.get(name, ()) for name, value in route.static_query):
                    continue
                found = route.path.fullmatch(path)
                if found is not None:
                    params = {name: unquote(found.group(f"v{i}")) for i, name in enumerate(route.variables)}
                    candidates.append((route, params))
        if not candidates:
            return None
        chosen, params = candidates[0]
        if len(candidates) > 1 and signing_name is not None:
            # Services share this port; the SigV4 credential scope says which one was meant.
            chosen, params = next(
                ((route, found) for route, found in candidates if route.signing_name == signing_name),
                (chosen, params),
            )
        return RouteMatch(chosen.operation, params, endpoint)


def _camel(name: str) -> str:
    # Member paths in error messages as the services spell them: `channelName`, not `ChannelName`.
    return name[:1].lower() + name[1:]


class _Reader:
    """Converts wire values to Python values for one request, raising on the first type error."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def bad(self, path: str, expected: str) -> ServiceError:
        return ServiceError(
            self._service.validation_error,
            f"1 validation error detected: Value at '{path}' failed to satisfy constraint: "
            f"Member must be {expected}",
        )

    def timestamp(self, value: object, path: str) -> datetime:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return datetime.fromtimestamp(value, timezone.utc)
            except (ValueError, OverflowError, OSError):
                raise self.bad(path, "a timestamp") from None
        if isinstance(value, str):
            text = value.strip()
            try:
                return datetime.fromtimestamp(float(text), timezone.utc)
            except (ValueError, OverflowError, OSError):
                pass
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                try:
                    parsed = email.utils.parsedate_to_datetime(text)
                except (TypeError, ValueError):
                    raise self.bad(path, "a timestamp") from None
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
        raise self.bad(path, "a timestamp")

    def json(self, member: Member, value: object, path: str) -> object:
        shape = member.shape
        kind = shape.type
        if kind == "structure":
            structure = as_dict(value)
            if structure is None:
                raise self.bad(path, "a structure")
            return self.structure_body(shape, structure, path)
        if kind == "list":
            items = as_list(value)
            if items is None:
                raise self.bad(path, "a list")
            assert shape.member is not None
            return [self.json(shape.member, item, f"{path}.{i + 1}.member") for i, item in enumerate(items)]
        if kind == "map":
            entries = as_dict(value)
            if entries is None:
                raise self.bad(path, "a map")
            assert shape.key is not None and shape.value is not None
            return {
                self.json(shape.key, k, f"{path}.<key>"): self.json(shape.value, v, f"{path}.<value>")
                for k, v in entries.items()
            }
        return self.scalar(member, value, path)

    def scalar(self, member: Member, value: object, path: str) -> object:
        kind = member.shape.type
        if kind == "string":
            if member.json_value:
                return value
            if not isinstance(value, str):
                raise self.bad(path, "a string")
            return value
        if kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.bad(path, "an integer")
            return value
        if kind in ("float", "double"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.bad(path, "a number")
            return float(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise self.bad(path, "a boolean")
            return value
        if kind == "timestamp":
            return self.timestamp(value, path)
        if kind == "blob":
            if not isinstance(value, str):
                raise self.bad(path, "base64-encoded bytes")
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise self.bad(path, "base64-encoded bytes") from None
        raise self.bad(path, f"a {kind}")

    def text(self, member: Member, value: str, path: str) -> object:
        """A value from the path, query or a header, where everything arrives as text."""
        kind = member.shape.type
        if kind == "string":
            if member.json_value:
                try:
                    return json.loads(base64.b64decode(value))
                except (binascii.Error, ValueError):
                    raise self.bad(path, "base64-encoded JSON") from None
            return value
        if kind in ("integer", "long"):
            try:
                return int(value)
            except ValueError:
                raise self.bad(path, "an integer") from None
        if kind in ("float", "double"):
            try:
                return float(value)
            except ValueError:
                raise self.bad(path, "a number") from None
        if kind == "boolean":
            if value.lower() not in ("true", "false"):
                raise self.bad(path, "a boolean")
            return value.lower() == "true"
        if kind == "timestamp":
            return self.timestamp(value, path)
        if kind == "blob":
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise self.bad(path, "base64-encoded bytes") from None
        raise self.bad(path, f"a {kind}")

    def structure_body(self, shape: Shape, body: Mapping[str, object], path: str) -> Params:
        out: Params = {}
        for name, member in shape.members.items():
            if member.location is not None:
                continue
            value = body.get(member.location_name)
            if value is not None:
                out[name] = self.json(member, value, f"{path}.{_camel(name)}" if path else _camel(name))
        return out


def parse_input(
    service: Service,
    match: RouteMatch,
    query: Mapping[str, Sequence[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> Params:
    """The operation's input from the request, keyed by member name with Python values.

    Raises ServiceError (the service's validation or serialization error) when a value does not
    have the model's type or the body is not JSON. Unknown JSON members are ignored, as services do.
    """
    shape = match.operation.input
    if shape is None:
        return {}
    reader = _Reader(service)
    params: Params = {}
    has_body_members = False
    for name, member in shape.members.items():
        location = member.location
        if location is None:
            has_body_members = True
        elif location == "uri":
            if member.location_name in match.uri_params:
                params[name] = reader.text(member, match.uri_params[member.location_name], _camel(name))
        elif location == "querystring":
            if member.shape.type == "map":
                consumed = {m.location_name for m in shape.members.values() if m.location == "querystring"}
                consumed |= {key for key, _ in match.operation.static_query}
                params[name] = {k: v[0] for k, v in query.items() if k not in consumed and v}
            elif member.location_name in query:
                values = query[member.location_name]
                if member.shape.type == "list":
                    item = member.shape.member
                    assert item is not None
                    params[name] = [
                        reader.text(item, v, f"{_camel(name)}.{i + 1}.member") for i, v in enumerate(values)
                    ]
                elif values:
                    params[name] = reader.text(member, values[0], _camel(name))
        elif location == "header":
            raw = headers.get(member.location_name.lower())
            if raw is not None:
                if member.shape.type == "list":
                    item = member.shape.member
                    assert item is not None
                    parts = [p.strip() for p in raw.split(",")]
                    params[name] = [
                        reader.text(item, v, f"{_camel(name)}.{i + 1}.member") for i, v in enumerate(parts)
                    ]
                else:
                    params[name] = reader.text(member, raw, _camel(name))
        elif location == "headers":
            prefix = member.location_name.lower()
            params[name] = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
    if has_body_members and body.strip():
        try:
            document = as_dict(json.loads(body))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ServiceError(service.serialization_error, "The request body is not valid JSON") from None
        if document is None:
            raise ServiceError(service.serialization_error, "The request body must be a JSON object")
        params.update(reader.structure_body(shape, document, ""))
    return params
