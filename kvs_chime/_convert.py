"""Conversion between typed shapes and the dicts botocore takes and returns, configured once here.

One configuration (`_configure`): wire-name renames read from each field's metadata, `None`
members left out of requests, open enums (an unknown value stays a `str`), strict scalars (a
number where the model says string is a parse error, not silently `"5"`), `datetime` and `bytes`
passed through as botocore produces and expects them. Structuring ignores keys the model does not
know yet. Hooks are built per class on first use, so import stays cheap.

It is applied to two cattrs converters that differ in one switch: `converter` keeps cattrs'
detailed validation, which explains a failure field by field; `_fast` drops it and handles every
response that parses. A response that fails on `_fast` is structured again by `converter` to
build the `ResponseParseError`, so the success path does not pay for error bookkeeping.
"""

from __future__ import annotations

import datetime
import enum
import io
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._model import WIRE
from ._stream import PayloadStream
from .errors import ResponseParseError

__all__ = ["converter", "structure_response", "unstructure_request"]

T = TypeVar("T")

_Structure = Callable[[Any, Any], Any]
_Unstructure = Callable[[Any], Any]


def _renames(cls: type) -> dict[str, Any]:
    return {f.name: override(rename=f.metadata[WIRE]) for f in attrs.fields(cls) if WIRE in f.metadata}


def _is_shape(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and any(WIRE in f.metadata for f in attrs.fields(tp))


def _union_args(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return ()


def _open_enum(tp: Any) -> type[enum.Enum] | None:
    """The enum of `TheEnum | str` (or `TheEnum | str | None`), else None."""
    args = _union_args(tp)
    enums = [a for a in args if isinstance(a, type) and issubclass(a, enum.Enum)]
    if len(enums) == 1 and str in args and set(args) <= {enums[0], str, type(None)}:
        return enums[0]
    return None


def _optional_of(tp: Any) -> Any:
    """X of `X | None` (open enums excluded: they have their own hook), else None."""
    args = _union_args(tp)
    if len(args) != 2 or type(None) not in args or _open_enum(tp) is not None:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


# Strict scalars: the runtime types a member of each model type may arrive as.
_SCALARS: dict[Any, tuple[tuple[type, ...], str]] = {
    str: ((str,), "string"),
    int: ((int,), "integer"),
    bool: ((bool,), "boolean"),
    datetime.datetime: ((datetime.datetime,), "timestamp"),
    bytes: ((bytes, bytearray), "blob"),
}


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


def _structure_stream(value: object, _: object) -> PayloadStream:
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


def _configure(conv: cattrs.Converter) -> None:
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

    def structure_open_enum(tp: Any) -> _Structure:
        known = cast(type[enum.Enum], _open_enum(tp))._value2member_map_
        allows_none = type(None) in _union_args(tp)

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
        member = _optional_of(tp)
        if member in _SCALARS:
            return _checker(*_SCALARS[member], optional=True)
        inner = conv.get_structure_hook(member)
        return lambda value, _: None if value is None else inner(value, member)

    def unstructure_optional(tp: Any) -> _Unstructure:
        inner: _Unstructure = conv.get_unstructure_hook(_optional_of(tp))
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

    for scalar, (kind, label) in _SCALARS.items():
        conv.register_structure_hook(scalar, _checker(kind, label, optional=False))
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(PayloadStream, _structure_stream)
    # cattrs inlines the attribute read in generated code only for its own `identity`.
    for scalar in (str, int, bool, float, datetime.datetime, bytes):
        conv.register_unstructure_hook(scalar, identity)
    conv.register_structure_hook_factory(_is_shape, structure_shape)
    conv.register_unstructure_hook_factory(_is_shape, unstructure_shape)
    conv.register_structure_hook_factory(lambda tp: _open_enum(tp) is not None, structure_open_enum)
    conv.register_unstructure_hook_factory(lambda tp: _open_enum(tp) is not None, _identity_factory)
    conv.register_structure_hook_factory(lambda tp: _optional_of(tp) is not None, structure_optional)
    conv.register_unstructure_hook_factory(lambda tp: _optional_of(tp) is not None, unstructure_optional)
    conv.register_structure_hook_factory(_is_list, structure_list)
    conv.register_unstructure_hook_factory(_is_list, unstructure_list)


#: Explains failures: cattrs' detailed validation gives every failing field its path.
converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
_fast = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
_configure(converter)
_configure(_fast)

# Each request/response class's top-level hook, looked up once instead of dispatched per call.
_structure_hooks: dict[type, _Structure] = {}
_unstructure_hooks: dict[type, _Unstructure] = {}


def unstructure_request(request: object) -> dict[str, object]:
    """A request shape as the keyword arguments its boto3 method takes."""
    cls = type(request)
    hook = _unstructure_hooks.get(cls)
    if hook is None:
        hook = _unstructure_hooks[cls] = _fast.get_unstructure_hook(cls)
    return cast("dict[str, object]", hook(request))


def structure_response(operation: str, raw: Mapping[str, object], cls: type[T]) -> T:
    """Read a botocore response into its shape; on failure raise `ResponseParseError` naming
    each field path and carrying `raw` unchanged."""
    hook = _structure_hooks.get(cls)
    if hook is None:
        hook = _structure_hooks[cls] = _fast.get_structure_hook(cls)
    try:
        return cast(T, hook(raw, cls))
    except Exception:  # explained below, field by field
        pass
    try:
        return converter.structure(raw, cls)
    except Exception as exc:  # cattrs raises ExceptionGroups and plain errors alike
        problems = (
            [
                _MAP_KEY.sub("[<key>]", p)
                for p in cattrs.transform_error(exc, path="$", format_exception=_problem)
            ]
            if isinstance(exc, cattrs.BaseValidationError)
            else [f"$: {type(exc).__name__}"]
        )
    # Raised outside the `except` block and without a cause: the exceptions cattrs and the hooks
    # raised may quote a value, and no exception chained to this one may carry one.
    raise ResponseParseError(operation, problems, raw)


# A map entry's path names its key (`$.tags['project-x']`): tag keys can be sensitive, so the key
# is left out, as validation leaves it out of request paths.
_MAP_KEY = re.compile(r"""\[(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""")


def _problem(exc: BaseException, tp: type | None) -> str:
    """A problem in words that never quote the value (cattrs' default formats some of them)."""
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError):
        return str(exc)  # our hooks' messages: "expected string, got int"
    return f"invalid value ({type(exc).__name__})"
