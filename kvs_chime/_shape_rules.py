"""The one cattrs configuration of the package (`configure`), and the type rules it reads.

Both converters are configured here: the fast one that converts every request and response
(`_convert`) and the one with detailed validation that explains a response it refuses
(`_explain`). The rules: wire-name renames read from each field's metadata (cattrs'
`override(rename=...)`), `None` members left out of requests (`omit_if_default`), open enums
(`TheEnum | str`: an unknown value stays a `str`), strict scalars (no `str(1)`, no bool from an
int, no list from a string), `datetime` and `bytes` passed through as botocore produces and
expects them, keys the model does not know ignored. The hooks are cattrs' own generated ones
(`make_dict_structure_fn`, `make_dict_unstructure_fn`)."""

from __future__ import annotations

import datetime
import enum
import io
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._model import WIRE
from ._stream import PayloadStream

__all__ = [
    "SCALARS",
    "configure",
    "is_list",
    "is_shape",
    "open_enum",
    "optional_of",
    "structure_stream",
    "union_args",
]


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


_Structure = Callable[[Any, Any], Any]
_Unstructure = Callable[[Any], Any]


def _renames(cls: type) -> dict[str, Any]:
    return {f.name: override(rename=f.metadata[WIRE]) for f in attrs.fields(cls) if WIRE in f.metadata}


def _checker(kind: tuple[type, ...], label: str, *, optional: bool) -> _Structure:
    int_like = label != "boolean"

    def check(value: object, _: object) -> object:
        if value is None and optional:
            return None
        # bool is an int subclass; a true/false where the model says integer is still wrong.
        if not isinstance(value, kind) or (int_like and isinstance(value, bool)):
            # The type only, never the value: it can be sensitive, and this message reaches
            # ResponseParseError.problems.
            raise TypeError(f"expected {label}, got {type(value).__name__}")
        return value

    return check


def _structure_float(value: object, _: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected number, got {type(value).__name__}")
    return float(value)


def _identity_factory(_: object) -> _Unstructure:
    return identity


def configure(conv: cattrs.Converter) -> None:
    """Register the package's hooks on `conv` (each shape's hooks made on first use)."""

    def structure_shape(cls: Any) -> _Structure:
        fields = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **_renames(cls))

        def structure(value: object, tp: Any) -> Any:
            # The generated function only looks keys up; a string or list would pass as "no keys".
            if type(value) is not dict and not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return fields(cast("Mapping[str, Any]", value), tp)

        return structure

    def unstructure_shape(cls: Any) -> _Unstructure:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True, **_renames(cls))

    def structureopen_enum(tp: Any) -> _Structure:
        known = cast(type[enum.Enum], open_enum(tp))._value2member_map_
        allows_none = type(None) in union_args(tp)

        def structure(value: object, _: object) -> object:
            if value is None and allows_none:
                return None
            if not isinstance(value, str):
                raise TypeError(f"expected string, got {type(value).__name__}")
            # A value this model version does not know stays a plain str: AWS adds enum values.
            return known.get(value, value)

        return structure

    def structure_optional(tp: Any) -> _Structure:
        # Resolved once: cattrs' own optional hook dispatches on the member type per value.
        member = optional_of(tp)
        if member in SCALARS:
            return _checker(*SCALARS[member], optional=True)
        inner = conv.get_structure_hook(member)
        return lambda value, _: None if value is None else inner(value, member)

    def unstructure_optional(tp: Any) -> _Unstructure:
        inner: _Unstructure = conv.get_unstructure_hook(optional_of(tp))
        if inner is identity:
            return identity
        return lambda value: None if value is None else inner(value)

    def structure_list(tp: Any) -> _Structure:
        # cattrs accepts any iterable for a list, so a string would become a list of characters.
        items = list_structure_factory(tp, conv)

        def structure(value: object, _: object) -> object:
            if not isinstance(value, list):
                raise TypeError(f"expected list, got {type(value).__name__}")
            return items(value, tp)

        return structure

    def unstructure_list(tp: Any) -> _Unstructure:
        (member,) = typing.get_args(tp)
        inner: _Unstructure = conv.get_unstructure_hook(member)
        if inner is identity:
            return list
        return lambda values: [inner(v) for v in values]

    for scalar, (kind, label) in SCALARS.items():
        conv.register_structure_hook(scalar, _checker(kind, label, optional=False))
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(PayloadStream, structure_stream)
    # cattrs inlines the attribute read in generated code only for its own `identity`.
    for scalar in (str, int, bool, float, datetime.datetime, bytes):
        conv.register_unstructure_hook(scalar, identity)
    conv.register_structure_hook_factory(is_shape, structure_shape)
    conv.register_unstructure_hook_factory(is_shape, unstructure_shape)
    conv.register_structure_hook_factory(lambda tp: open_enum(tp) is not None, structureopen_enum)
    conv.register_unstructure_hook_factory(lambda tp: open_enum(tp) is not None, _identity_factory)
    conv.register_structure_hook_factory(lambda tp: optional_of(tp) is not None, structure_optional)
    conv.register_unstructure_hook_factory(lambda tp: optional_of(tp) is not None, unstructure_optional)
    conv.register_structure_hook_factory(is_list, structure_list)
    conv.register_unstructure_hook_factory(is_list, unstructure_list)
