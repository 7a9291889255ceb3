"""The one cattrs Converter: typed shapes <-> the dicts botocore takes and returns.

Configured once, here: wire-name renames read from each field's metadata, `None` members left
out of requests, open enums (an unknown value stays a `str`), strict scalars (a number where the
model says string is a parse error, not silently `"5"`), `datetime` and `bytes` passed through
as botocore produces and expects them. Structuring ignores keys the model does not know yet.
Hooks are built per class on first use (cattrs caches them), so import stays cheap.
"""

from __future__ import annotations

import datetime
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._model import WIRE
from .errors import ResponseParseError

__all__ = ["structure_response", "unstructure_request"]

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)


def _renames(cls: type) -> dict[str, Any]:
    return {f.name: override(rename=f.metadata[WIRE]) for f in attrs.fields(cls) if WIRE in f.metadata}


def _is_shape(cls: Any) -> bool:
    return isinstance(cls, type) and attrs.has(cls) and any(WIRE in f.metadata for f in attrs.fields(cls))


def _structure_shape(cls: Any) -> Callable[[Any, Any], Any]:
    fields = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=False, **_renames(cls))

    def structure(value: object, tp: Any) -> Any:
        # The generated function only looks keys up; a string or list would pass as "no keys".
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        return fields(cast("Mapping[str, Any]", value), tp)

    return structure


def _unstructure_shape(cls: Any) -> Callable[[Any], Any]:
    return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **_renames(cls))


converter.register_structure_hook_factory(_is_shape, _structure_shape)
converter.register_unstructure_hook_factory(_is_shape, _unstructure_shape)


def _expect(kind: type | tuple[type, ...], label: str) -> Callable[[object, object], Any]:
    def check(value: object, _: object) -> object:
        # bool is an int subclass; a true/false where the model says integer is still wrong.
        if not isinstance(value, kind) or (isinstance(value, bool) and label != "boolean"):
            raise TypeError(f"expected {label}, got {type(value).__name__} {value!r:.40}")
        return value

    return check


converter.register_structure_hook(str, _expect(str, "string"))
converter.register_structure_hook(int, _expect(int, "integer"))
converter.register_structure_hook(bool, _expect(bool, "boolean"))
converter.register_structure_hook(datetime.datetime, _expect(datetime.datetime, "timestamp"))
converter.register_structure_hook(bytes, _expect((bytes, bytearray), "blob"))


def _structure_float(value: object, _: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected number, got {type(value).__name__}")
    return float(value)


converter.register_structure_hook(float, _structure_float)


def _identity(value: object) -> object:
    return value


def _identity_factory(_: object) -> Callable[[object], object]:
    return _identity


for _scalar in (str, int, bool, float, datetime.datetime, bytes):
    converter.register_unstructure_hook(_scalar, _identity)


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


def _structure_open_enum(tp: Any) -> Callable[[object, object], object]:
    known = _open_enum(tp)._value2member_map_  # type: ignore[union-attr]  # predicate guarantees an enum
    allows_none = type(None) in _union_args(tp)

    def structure(value: object, _: object) -> object:
        if value is None and allows_none:
            return None
        if not isinstance(value, str):
            raise TypeError(f"expected string, got {type(value).__name__} {value!r:.40}")
        # A value this model version does not know stays a plain str: AWS adds enum values.
        return known.get(value, value)

    return structure


converter.register_structure_hook_factory(lambda tp: _open_enum(tp) is not None, _structure_open_enum)
converter.register_unstructure_hook_factory(lambda tp: _open_enum(tp) is not None, _identity_factory)


def _is_list(tp: Any) -> bool:
    return typing.get_origin(tp) is list


def _structure_list(tp: Any) -> Callable[[object, object], object]:
    # cattrs accepts any iterable for a list, so a string would become a list of characters.
    items = list_structure_factory(tp, converter)

    def structure(value: object, _: object) -> object:
        if not isinstance(value, list):
            raise TypeError(f"expected list, got {type(value).__name__}")
        return items(value, tp)

    return structure


converter.register_structure_hook_factory(_is_list, _structure_list)


def unstructure_request(request: object) -> dict[str, object]:
    """A request shape as the keyword arguments its boto3 method takes."""
    result: dict[str, object] = converter.unstructure(request)
    return result


def structure_response(operation: str, raw: Mapping[str, object], cls: type[T]) -> T:
    """Read a botocore response into its shape; on failure raise `ResponseParseError` naming
    each field path and carrying `raw` unchanged."""
    try:
        return converter.structure(raw, cls)
    except Exception as exc:  # cattrs raises ExceptionGroups and plain errors alike
        problems = (
            cattrs.transform_error(exc, path="$")
            if isinstance(exc, cattrs.BaseValidationError)
            else [repr(exc)]
        )
        raise ResponseParseError(operation, problems, raw) from exc
