"""The one cattrs configuration of the package (`configure`), and the type rules it reads.

Both converters are configured here: the fast one that converts every request and response
(`_convert`) and the one with detailed validation that explains a response it refuses
(`_explain`). The rules: wire-name renames read from each field's metadata (cattrs'
`override(rename=...)`), `None` members left out of requests (`omit_if_default`), open enums
(`TheEnum | str`: an unknown value stays a `str`), strict scalars (no `str(1)`, no bool from an
int, no list from a string), `datetime` and `bytes` passed through as botocore produces and
expects them, keys the model does not know ignored. The hooks are cattrs' own generated ones
(`make_dict_structure_fn`, `make_dict_unstructure_fn`), except the fast converter's for plain
slotted shapes, made by this configuration's hook factory: one object (`_slot_structure`) and a
long list of them, member by member (`_columns`), under the same rules."""

from __future__ import annotations

import datetime
import enum
import io
import types
import typing
from collections import deque
from collections.abc import Callable, Mapping
from itertools import repeat
from operator import itemgetter
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


def _plain_slots(cls: type) -> bool:
    """Whether `cls.__init__` does nothing but store each field in its slot (every generated
    shape: no validator, converter or hook), each field required or defaulting to None."""
    return (
        "__slots__" in vars(cls)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.validator is None
            and f.converter is None
            and f.init
            and f.alias == f.name
            and (f.default is attrs.NOTHING or f.default is None)
            and isinstance(getattr(cls, f.name, None), types.MemberDescriptorType)
            for f in attrs.fields(cls)
        )
    )


_Step = tuple[str, Callable[[object, object], None], bool, "tuple[type, ...] | None", bool, Any, Any, Any]
_Many = Callable[[list[Any]], list[Any]]
#: Runs an iterator to its end, keeping nothing (the standard library's "consume" recipe).
_consume = deque[object](maxlen=0).extend


def _slot_structure(cls: Any, conv: cattrs.Converter, many_hooks: dict[type, _Many]) -> _Structure:
    """A structure hook for a plain slotted shape that checks each scalar in line and stores
    each value straight into its slot (the fast converter's: about 60% of the time of the keyword
    call into a frozen class's `__init__`, and no hook call per scalar member). Nested shapes,
    lists and maps go through `conv`'s hooks. Same rules, and the same verdicts, as the hooks of
    cattrs' generator the explaining converter uses (a property test holds the two together).

    Also records in `many_hooks` the hook for a whole list of `cls` (`_columns`)."""
    steps: list[_Step] = []
    for f in attrs.fields(cls):
        tp = f.type
        required = f.default is attrs.NOTHING
        member = optional_of(tp) or tp
        enum_cls = open_enum(tp)
        kinds: tuple[type, ...] | None = None
        no_bool = False
        known: Any = None
        hook: Any = None
        if enum_cls is not None:
            known = enum_cls._value2member_map_
        elif member in SCALARS:
            kinds = SCALARS[member][0]
            no_bool = member is int
        else:
            hook = conv.get_structure_hook(member)
        setter = getattr(cls, f.name).__set__
        steps.append((f.metadata[WIRE], setter, required, kinds, no_bool, known, hook, member))
    plan = tuple(steps)
    new = object.__new__

    def structure(value: Any, _: object) -> Any:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        obj = new(cls)
        document = cast("Mapping[str, Any]", value)
        get = document.get
        for wire, setter, required, kinds, no_bool, known, hook, member in plan:
            v: Any = document[wire] if required else get(wire)
            if v is None:
                if required:
                    raise TypeError("expected a value, got NoneType")
            elif kinds is not None:
                if not isinstance(v, kinds) or (no_bool and v.__class__ is bool):
                    raise TypeError(f"expected {member.__name__}, got {type(v).__name__}")
            elif known is not None:
                if not isinstance(v, str):
                    raise TypeError(f"expected string, got {type(v).__name__}")
                v = known.get(v, v)
            else:
                v = hook(v, member)
            setter(obj, v)
        return obj

    many_hooks[cls] = _columns(cls, plan, structure, many_hooks)
    return structure


#: From this many items a list is read member by member (below, item by item is faster).
_COLUMNS_FROM = 16


def _columns(cls: Any, plan: tuple[_Step, ...], one: _Structure, many_hooks: dict[type, _Many]) -> _Many:
    """The hook for a list of `cls` (a page of 100 channels): member by member over the whole
    list, each loop over the items run by a builtin (`map`, `set`), not by bytecode per item.

    A shortcut, never a second set of rules: it takes a list only when every item is a `dict`
    and every member's values are of the exact types a valid response has (`str`, `int` but not
    `bool`, `datetime`, `None` where the member is optional, ...). Anything else (a subclass, a
    bool, a missing required member) goes to `one`, the per-item hook, which gives the verdict."""
    none = type(None)
    columns: list[
        tuple[str, Any, Callable[[object, object], None], frozenset[type] | None, Any, Any, Any]
    ] = []
    for wire, setter, required, kinds, _, known, hook, member in plan:
        base: frozenset[type] = frozenset() if required else frozenset({none})
        allowed: frozenset[type] | None
        if kinds is not None:
            allowed = base | frozenset(kinds)  # exact types: `int` does not admit a bool
        elif known is not None:
            allowed = base | {str}
        elif member in many_hooks:
            allowed = base | {dict}
        else:  # lists, maps, floats, streams: their own hook per value, which checks its type
            allowed = None
        # A required member's column is read with `itemgetter` (a missing key: KeyError, which
        # sends the list to the per-item hook); an optional one's with `dict.get`.
        read = itemgetter(wire) if required else None
        columns.append(
            (wire, read, setter, None if allowed is None else frozenset(allowed), known, member, hook)
        )
    new = object.__new__
    get: Callable[[dict[str, Any], str], Any] = dict[str, Any].get

    def structure_many(items: list[Any]) -> list[Any]:
        count = len(items)
        if count < _COLUMNS_FROM or set(map(type, items)) != {dict}:
            return [one(v, cls) for v in items]
        objs = list(map(new, repeat(cls, count)))
        for wire, read, setter, allowed, known, member, hook in columns:
            if read is None:
                values: list[Any] = list(map(get, items, repeat(wire, count)))
            else:
                try:
                    values = list(map(read, items))
                except KeyError:  # a required member missing
                    return [one(v, cls) for v in items]
            if allowed is None:
                if read is not None and none in set(map(type, values)):
                    return [one(v, cls) for v in items]  # a required member is null
                values = [None if v is None else hook(v, member) for v in values]
            else:
                kinds = set(map(type, values))
                if not kinds <= allowed:
                    return [one(v, cls) for v in items]  # the per-item hook gives the verdict
                if known is not None:
                    values = list(map(known.get, values, values))
                elif hook is not None:  # a nested shape: all of its column at once
                    if none in kinds:
                        built = iter(many_hooks[member]([v for v in values if v is not None]))
                        values = [None if v is None else next(built) for v in values]
                    else:
                        values = many_hooks[member](values)
            _consume(map(setter, objs, values))
        return objs

    return structure_many


def configure(conv: cattrs.Converter, *, fast: bool = False) -> None:
    """Register the package's hooks on `conv` (each shape's hooks made on first use). With
    `fast`, a plain slotted shape is structured by `_slot_structure`'s hook (the converter
    without detailed validation that reads every response)."""

    # The fast converter's hooks for whole lists of plain slotted shapes, by shape.
    many_hooks: dict[type, _Many] = {}

    def structure_shape(cls: Any) -> _Structure:
        if fast and _plain_slots(cls):
            return _slot_structure(cls, conv, many_hooks)
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
        (member,) = typing.get_args(tp)
        conv.get_structure_hook(member)  # made first: a plain slotted shape's adds its list hook
        many = many_hooks.get(member)
        if many is not None:

            def structure_shapes(value: Any, _: object) -> object:
                # Typed as what it must be; the check is the rule (a member's value can be anything).
                items: list[Any] = value
                if items.__class__ is not list and not isinstance(items, list):  # pyright: ignore[reportUnnecessaryIsInstance]
                    raise TypeError(f"expected list, got {type(items).__name__}")
                return many(items)

            return structure_shapes
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
