"""The cattrs converter that explains why a response could not be read, field by field.

The success path never comes here: `_convert` reads responses with straight-line code of its own.
When that code fails, `structure_response` structures the response again with `converter`, whose
detailed validation names every failing field path for the `ResponseParseError`. It is built on
first use, so neither cattrs nor this configuration is imported until a response fails to read.

One configuration (`_configure`): wire-name renames read from each field's metadata, `None`
members left out of requests, open enums (an unknown value stays a `str`), strict scalars (a
number where the model says string is a parse error, not silently `"5"`), `datetime` and `bytes`
passed through as botocore produces and expects them, keys the model does not know ignored. The
straight-line code of `_convert` follows the same rules; the round-trip property tests hold the
two to the same results.
"""

from __future__ import annotations

import datetime
import enum
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any, cast

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._model import WIRE
from ._shape_rules import SCALARS, is_list, is_shape, open_enum, optional_of, structure_stream, union_args
from ._stream import PayloadStream

__all__ = ["converter", "structure_explained"]

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


#: Explains failures: cattrs' detailed validation gives every failing field its path.
converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
_configure(converter)


def structure_explained(raw: object, cls: type) -> tuple[Any, list[str]]:
    """`raw` read as `cls` and no problems, or None and every problem that keeps it from reading
    (each with its field path, never quoting a value)."""
    try:
        return converter.structure(raw, cast("type[Any]", cls)), []
    except Exception as exc:  # cattrs raises ExceptionGroups and plain errors alike
        if not isinstance(exc, cattrs.BaseValidationError):
            return None, [f"$: {type(exc).__name__}"]
        problems = cattrs.transform_error(exc, path="$", format_exception=_problem)
        return None, [_MAP_KEY.sub("[<key>]", p) for p in problems]


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
