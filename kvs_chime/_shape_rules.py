"""What the converters read off a shape's type annotations: shapes, open enums, optionals, lists
and strict scalars; shared by the fast converter (`_convert`) and the explaining one
(`_explain`), which import it and not each other at import time."""

from __future__ import annotations

import datetime
import enum
import io
import types
import typing
from typing import Any

import attrs

from ._model import WIRE
from ._stream import PayloadStream

__all__ = ["SCALARS", "is_list", "is_shape", "open_enum", "optional_of", "structure_stream", "union_args"]


def is_shape(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and any(WIRE in f.metadata for f in attrs.fields(tp))


def union_args(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return ()


def open_enum(tp: Any) -> type[enum.Enum] | None:
    """The enum of `TheEnum | str` (or `TheEnum | str | None`), else None."""
    args = union_args(tp)
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(enums) == 1 and str in args and set(args) <= {enums[0], str, type(None)}:
        return enums[0]
    return None


def optional_of(tp: Any) -> Any:
    """X of `X | None` (open enums excluded: they have their own rule), else None."""
    args = union_args(tp)
    if len(args) != 2 or type(None) not in args or open_enum(tp) is not None:
        return None
    return args[0] if args[1] is type(None) else args[1]


def is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


# Strict scalars: the runtime types a member of each model type may arrive as.
SCALARS: dict[Any, tuple[tuple[type, ...], str]] = {
    str: ((str,), "string"),
    int: ((int,), "integer"),
    bool: ((bool,), "boolean"),
    datetime.datetime: ((datetime.datetime,), "timestamp"),
    bytes: ((bytes, bytearray), "blob"),
}


def structure_stream(value: object, _: object = None) -> PayloadStream:
    # The pipeline wraps botocore's StreamingBody with the call's operation and request id; any
    # other readable (a test's file object) is wrapped here. Never read: it is the caller's.
    # Bytes (what botocore's Stubber hands back when a test stubs the payload as bytes) are
    # already in memory: served as a stream over them.
    if isinstance(value, PayloadStream):
        return value
    if isinstance(value, (bytes, bytearray)):
        return PayloadStream(io.BytesIO(value))
    if not callable(getattr(value, "read", None)):
        raise TypeError(f"expected stream, got {type(value).__name__}")
    return PayloadStream(value)
