"""A typed, read-only view of the botocore models of the emulated services.

botocore ships no type information, so everything untyped is confined here: the models are read
once per process through small Protocols and copied into the plain classes below, which the rest
of the package uses (they are also faster to walk than botocore's lazily resolved shapes).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping, Sequence
from typing import Protocol, cast

import attrs

KINESIS_VIDEO = "kinesisvideo"
SIGNALING = "kinesis-video-signaling"
MEDIA_PIPELINES = "chime-sdk-media-pipelines"
MEETINGS = "chime-sdk-meetings"
MEDIA = "kinesis-video-media"
ARCHIVED_MEDIA = "kinesis-video-archived-media"
WEBRTC_STORAGE = "kinesis-video-webrtc-storage"
SERVICE_NAMES = (KINESIS_VIDEO, SIGNALING, MEDIA_PIPELINES, MEETINGS, MEDIA, ARCHIVED_MEDIA, WEBRTC_STORAGE)
DATA_PLANE = frozenset({MEDIA, ARCHIVED_MEDIA})
"""The services answered only on a stream's data endpoint (GetDataEndpoint), never on the control plane."""

# What each service answers for input that breaks the model's constraints, and for a body that is
# not JSON at all. Kinesis Video is a Coral service (SerializationException for unreadable bodies);
# the media pipelines API answers BadRequestException for both.
_VALIDATION_ERROR = {
    KINESIS_VIDEO: "InvalidArgumentException",
    SIGNALING: "InvalidArgumentException",
    MEDIA_PIPELINES: "BadRequestException",
    MEETINGS: "BadRequestException",
    MEDIA: "InvalidArgumentException",
    ARCHIVED_MEDIA: "InvalidArgumentException",
    WEBRTC_STORAGE: "InvalidArgumentException",
}
_SERIALIZATION_ERROR = {
    KINESIS_VIDEO: "SerializationException",
    SIGNALING: "SerializationException",
    MEDIA_PIPELINES: "BadRequestException",
    MEETINGS: "BadRequestException",
    MEDIA: "InvalidArgumentException",
    ARCHIVED_MEDIA: "InvalidArgumentException",
    WEBRTC_STORAGE: "SerializationException",
}


class Pattern(Protocol):
    """The part of a compiled `regex` pattern used here (`regex` has no type information)."""

    def fullmatch(self, string: str) -> object | None: ...


class _RegexModule(Protocol):
    def compile(self, pattern: str) -> Pattern: ...


# Java's \d, \w and \s are ASCII-only, and its `.` excludes Java's line terminators; Python's
# differ. Spelled out so the emulator accepts exactly what the services' Java patterns accept.
_JAVA_ASCII = {"d": "0-9", "w": "a-zA-Z0-9_", "s": " \\t\\n\\x0B\\f\\r"}
_JAVA_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"


def java_to_python(pattern: str) -> str:
    """A Java regex rewritten for the `regex` module with Java's meaning of \\d \\w \\s and `.`."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            ascii_class = _JAVA_ASCII.get(escaped.lower())
            if ascii_class is not None and escaped.islower():
                out.append(ascii_class if in_class else f"[{ascii_class}]")
            elif ascii_class is not None and not in_class:
                out.append(f"[^{ascii_class}]")
            else:
                out.append(char + escaped)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "." and not in_class:
            out.append(_JAVA_DOT)
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


# The models' patterns are Java regexes using Unicode classes such as \p{L}, which `re` rejects.
_regex = cast(_RegexModule, importlib.import_module("regex"))


class _BotoShape(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type_name(self) -> str: ...
    @property
    def metadata(self) -> Mapping[str, object]: ...
    @property
    def serialization(self) -> Mapping[str, object]: ...
    @property
    def members(self) -> Mapping[str, _BotoShape]: ...
    @property
    def required_members(self) -> Sequence[str]: ...
    @property
    def member(self) -> _BotoShape: ...
    @property
    def key(self) -> _BotoShape: ...
    @property
    def value(self) -> _BotoShape: ...
    @property
    def enum(self) -> Sequence[str]: ...


class _BotoOperation(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def http(self) -> Mapping[str, object]: ...
    @property
    def input_shape(self) -> _BotoShape | None: ...
    @property
    def output_shape(self) -> _BotoShape | None: ...
    @property
    def error_shapes(self) -> Sequence[_BotoShape]: ...


class _BotoService(Protocol):
    @property
    def signing_name(self) -> str: ...
    @property
    def operation_names(self) -> Sequence[str]: ...
    @property
    def error_shapes(self) -> Sequence[_BotoShape]: ...
    def operation_model(self, operation_name: str) -> _BotoOperation: ...


class _BotoSession(Protocol):
    def get_service_model(self, service_name: str) -> _BotoService: ...


@attrs.define(eq=False)
class Shape:
    """One model shape with its constraints; aggregates point at their members' shapes."""

    name: str
    type: str
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    compiled_pattern: Pattern | None = attrs.field(default=None, repr=False)
    enum: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    # Not in the repr: shapes may be recursive.
    members: dict[str, Member] = attrs.field(factory=dict[str, "Member"], repr=False)
    member: Member | None = attrs.field(default=None, repr=False)
    key: Member | None = attrs.field(default=None, repr=False)
    value: Member | None = attrs.field(default=None, repr=False)
    timestamp_format: str | None = None
    error_status: int | None = None
    sensitive: bool = False


@attrs.frozen
class Member:
    """A reference to a shape from a structure, list or map, with the reference's wire traits."""

    name: str
    shape: Shape
    location: str | None = None
    location_name: str = ""
    timestamp_format: str | None = None
    json_value: bool = False
    idempotency_token: bool = False


@attrs.frozen
class Operation:
    """One operation: where it lives on the wire and the shapes of its input and output."""

    service: str
    name: str
    method: str
    path_template: str
    static_query: tuple[tuple[str, str], ...]
    input: Shape | None
    output: Shape | None
    status: int
    errors: frozenset[str]


@attrs.frozen
class Service:
    """One service model: its operations, its error shapes and how it answers bad input."""

    name: str
    signing_name: str
    operations: Mapping[str, Operation]
    errors: Mapping[str, Shape]
    validation_error: str
    serialization_error: str


def _number_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class _Converter:
    def __init__(self) -> None:
        self._shapes: dict[str, Shape] = {}

    def shape(self, boto: _BotoShape) -> Shape:
        known = self._shapes.get(boto.name)
        if known is not None:
            return known
        meta = boto.metadata
        pattern = meta.get("pattern")
        error = cast("Mapping[str, object]", meta.get("error") or {})
        status = error.get("httpStatusCode")
        timestamp_format = boto.serialization.get("timestampFormat")
        shape = Shape(
            name=boto.name,
            type=boto.type_name,
            min=_number_or_none(meta.get("min")),
            max=_number_or_none(meta.get("max")),
            pattern=pattern if isinstance(pattern, str) else None,
            compiled_pattern=_regex.compile(java_to_python(pattern)) if isinstance(pattern, str) else None,
            sensitive=bool(meta.get("sensitive")),
            timestamp_format=timestamp_format if isinstance(timestamp_format, str) else None,
            error_status=status if isinstance(status, int) else None,
        )
        # Registered before its members are converted, so recursive shapes terminate.
        self._shapes[boto.name] = shape
        if boto.type_name == "string":
            shape.enum = frozenset(boto.enum)
        elif boto.type_name == "structure":
            shape.required = frozenset(boto.required_members)
            shape.members = {name: self.member(name, ref) for name, ref in boto.members.items()}
        elif boto.type_name == "list":
            shape.member = self.member("member", boto.member)
        elif boto.type_name == "map":
            shape.key = self.member("key", boto.key)
            shape.value = self.member("value", boto.value)
        return shape

    def member(self, name: str, ref: _BotoShape) -> Member:
        ser = ref.serialization
        location = ser.get("location")
        location_name = ser.get("name")
        timestamp_format = ser.get("timestampFormat")
        return Member(
            name=name,
            shape=self.shape(ref),
            location=location if isinstance(location, str) else None,
            location_name=location_name if isinstance(location_name, str) else name,
            timestamp_format=timestamp_format if isinstance(timestamp_format, str) else None,
            json_value=bool(ser.get("jsonvalue")),
            idempotency_token=bool(ref.metadata.get("idempotencyToken")),
        )


def _operation(service: str, boto: _BotoOperation, convert: _Converter) -> Operation:
    http = boto.http
    method = str(http.get("method", "POST"))
    request_uri = str(http.get("requestUri", "/"))
    path, _, query = request_uri.partition("?")
    static_query: list[tuple[str, str]] = []
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        static_query.append((key, value))
    status = http.get("responseCode", 200)
    return Operation(
        service=service,
        name=boto.name,
        method=method,
        path_template=path,
        static_query=tuple(static_query),
        input=convert.shape(boto.input_shape) if boto.input_shape is not None else None,
        output=convert.shape(boto.output_shape) if boto.output_shape is not None else None,
        status=status if isinstance(status, int) else 200,
        errors=frozenset(shape.name for shape in boto.error_shapes),
    )


@functools.cache
def load_services() -> Mapping[str, Service]:
    """The emulated services, read from botocore's bundled models once per process."""
    botocore_session = importlib.import_module("botocore.session")
    session = cast(_BotoSession, botocore_session.get_session())
    services: dict[str, Service] = {}
    for name in SERVICE_NAMES:
        model = session.get_service_model(name)
        convert = _Converter()
        operations = {
            op: _operation(name, model.operation_model(op), convert) for op in model.operation_names
        }
        services[name] = Service(
            name=name,
            signing_name=model.signing_name,
            operations=operations,
            errors={shape.name: convert.shape(shape) for shape in model.error_shapes},
            validation_error=_VALIDATION_ERROR[name],
            serialization_error=_SERIALIZATION_ERROR[name],
        )
    return services
