"""Conversion between typed shapes and the dicts botocore takes and returns.

The rules: wire names read from each field's metadata, `None` members left out of requests, open
enums (an unknown value stays a `str`), strict scalars (a number where the model says string is a
parse error, not silently `"5"`), `datetime` and `bytes` passed through as botocore produces and
expects them, keys the model does not know yet ignored.

Each shape class gets straight-line code of its own on first use (one function per class and
direction, compiled once), which stores each member in its slot rather than calling the class's
keyword `__init__`: faster than a hand-written walk calling the constructors, and the per-item
cost of every response and of every page of a paginated walk. Anything that code
cannot read is read again by the cattrs converter of `_explain`, which follows the same rules
with detailed validation and names every failing field path for the `ResponseParseError`; the
success path never imports cattrs.
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from ._model import WIRE
from ._shape_rules import SCALARS, is_list, is_shape, open_enum, optional_of, structure_stream, union_args
from ._stream import PayloadStream
from .errors import ResponseParseError

if TYPE_CHECKING:
    import cattrs

    #: The cattrs converter with detailed validation (`_explain`), loaded when first asked for.
    converter: cattrs.Converter

__all__ = ["converter", "structure_response", "unstructure_request"]

T = TypeVar("T")

_Structure = Callable[[Any], Any]
_Unstructure = Callable[[Any], Any]


class _Unsupported(Exception):
    """A member type the straight-line code does not know: that class converts through cattrs."""


class _Writer:
    """Straight-line source for one class and direction, with the names it refers to.

    Every check raises a bare `TypeError`: the message of a failure on this path is never shown
    (the response is read again by `_explain`, which words the problems).
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, object] = {"Mapping": Mapping, "TypeError": TypeError}

    def name(self, value: object, hint: str) -> str:
        key = f"_{hint}{len(self.names)}"
        self.names[key] = value
        return key

    def compile(self, header: str, what: str) -> Callable[[Any], Any]:
        source = "\n".join([header, *("    " + line for line in self.lines)])
        # The source is built here from the shapes' own field names, wire names and types only.
        exec(compile(source, f"<kvs_chime._convert {what}>", "exec"), self.names)
        return cast("Callable[[Any], Any]", self.names["convert"])

    # -- structuring: `var` holds the value read off the response, rewritten in place --

    def structure(self, tp: Any, var: str, indent: str, *, none_checked: bool = False) -> None:
        add = self.lines.append
        member = optional_of(tp)
        if member is not None:
            if not none_checked:
                add(f"{indent}if {var} is not None:")
                indent += "    "
            self.structure(member, var, indent)
            return
        enum_cls = open_enum(tp)
        if enum_cls is not None:
            known = self.name(enum_cls._value2member_map_, "known")
            if type(None) in union_args(tp) and not none_checked:
                add(f"{indent}if {var} is not None:")
                indent += "    "
            add(f"{indent}if not isinstance({var}, str): raise TypeError")
            add(f"{indent}{var} = {known}.get({var}, {var})")
        elif tp in SCALARS:
            kinds = SCALARS[tp][0]
            kind = self.name(kinds[0] if len(kinds) == 1 else kinds, "kind")
            # bool is an int subclass; a true/false where the model says integer is wrong.
            wrong = f" or {var}.__class__ is bool" if tp is int else ""
            add(f"{indent}if not isinstance({var}, {kind}){wrong}: raise TypeError")
        elif tp is float:
            add(f"{indent}if {var}.__class__ is bool or not isinstance({var}, (int, float)): raise TypeError")
            add(f"{indent}{var} = float({var})")
        elif tp is PayloadStream:
            add(f"{indent}{var} = {self.name(structure_stream, 'stream')}({var})")
        elif is_shape(tp):
            add(f"{indent}{var} = {self.name(_structure_hook(tp), 'shape')}({var})")
        elif is_list(tp):
            (item,) = typing.get_args(tp)
            add(f"{indent}if not isinstance({var}, list): raise TypeError")
            add(f"{indent}{var} = [{self._item(item)}(x) for x in {var}]")
        elif typing.get_origin(tp) is dict:
            key, value = typing.get_args(tp)
            add(f"{indent}if not isinstance({var}, Mapping): raise TypeError")
            add(f"{indent}{var} = {{{self._item(key)}(k): {self._item(value)}(v) for k, v in {var}.items()}}")
        else:
            raise _Unsupported(tp)

    def _item(self, tp: Any) -> str:
        """The name of a one-argument function structuring one item of type `tp`."""
        if is_shape(tp):
            return self.name(_structure_hook(tp), "shape")
        convert = _items.get(tp)
        if convert is None:  # only while building a hook: under `_build_lock`
            item = _Writer()
            item.structure(tp, "value", "")
            item.lines.append("return value")
            convert = _items[tp] = item.compile("def convert(value):", str(tp))
        return self.name(convert, "item")


_items: dict[Any, _Structure] = {}
"""Functions structuring one list item or map key/value that is not a shape (`str`, an open enum)."""


def _fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    if any(isinstance(f.type, str) for f in attrs.fields(cls)):
        attrs.resolve_types(cls)
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(cls)
    # Every generated member is required or defaults to None; anything else takes cattrs' road.
    if any(f.default is not attrs.NOTHING and f.default is not None for f in fields):
        raise _Unsupported(cls)
    return fields


def _make_structure(cls: type) -> _Structure:
    out = _Writer()
    add = out.lines.append
    # A string or list would otherwise pass as "no keys"; a Mapping other than dict is read too.
    add("if value.__class__ is not dict and not isinstance(value, Mapping): raise TypeError")
    if any(f.default is not attrs.NOTHING for f in _fields(cls)):
        add("get = value.get")
    fields = _fields(cls)
    for i, f in enumerate(fields):
        var = f"v{i}"
        wire = repr(f.metadata[WIRE])
        if f.default is attrs.NOTHING:
            add(f"{var} = value[{wire}]")
            out.structure(f.type, var, "")
        else:
            # An absent member and a null one both read as None, the default.
            add(f"{var} = get({wire})")
            add(f"if {var} is not None:")
            out.structure(f.type, var, "    ", none_checked=True)
    if _plain_slots(cls):
        # Every field is set here, and the class's __init__ would only set them (a generated
        # shape has no validator, converter or hook): each value goes straight into its slot,
        # building an object in about 60% of the time of the keyword call into __init__.
        add(f"obj = {out.name(object.__new__, 'new')}({out.name(cls, 'cls')})")
        for i, f in enumerate(fields):
            add(f"{out.name(getattr(cls, f.name).__set__, 'set')}(obj, v{i})")
        add("return obj")
    else:
        args = ", ".join(f"{f.name}=v{i}" for i, f in enumerate(fields))
        add(f"return {out.name(cls, 'cls')}({args})")
    return out.compile("def convert(value):", cls.__qualname__)


def _plain_slots(cls: type) -> bool:
    """Whether `cls.__init__` does nothing but store each field in its slot."""
    return (
        "__slots__" in vars(cls)
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.validator is None
            and f.converter is None
            and f.init
            and f.alias == f.name
            and isinstance(getattr(cls, f.name, None), types.MemberDescriptorType)
            for f in attrs.fields(cls)
        )
    )


def _make_unstructure(cls: type) -> _Unstructure:
    out = _Writer()
    required = ", ".join(
        f"{f.metadata[WIRE]!r}: {_unstructure_expression(out, f.type, f'request.{f.name}', 0)}"
        for f in _fields(cls)
        if f.default is attrs.NOTHING
    )
    out.lines.append(f"out = {{{required}}}")
    for f in _fields(cls):
        if f.default is not attrs.NOTHING:  # None members are left out of the request
            expression = _unstructure_expression(out, optional_of(f.type) or f.type, "v", 0)
            out.lines.append(f"v = request.{f.name}")
            out.lines.append(f"if v is not None: out[{f.metadata[WIRE]!r}] = {expression}")
    out.lines.append("return out")
    return out.compile("def convert(request):", cls.__qualname__)


def _unstructure_expression(out: _Writer, tp: Any, var: str, depth: int) -> str:
    """An expression of `var`'s value as botocore takes it; `depth` names list items apart."""
    member = optional_of(tp)
    if member is not None:
        inner = _unstructure_expression(out, member, var, depth)
        return var if inner == var else f"(None if {var} is None else {inner})"
    if is_shape(tp):
        fields = _fields(tp)
        if len(fields) <= 8 and all(f.default is attrs.NOTHING for f in fields):
            # A small all-required shape (a tag, a sink) is written out in place, as by hand.
            items = (
                f"{f.metadata[WIRE]!r}: {_unstructure_expression(out, f.type, f'{var}.{f.name}', depth)}"
                for f in fields
            )
            return f"{{{', '.join(items)}}}"
        return f"{out.name(_unstructure_hook(tp), 'shape')}({var})"
    if is_list(tp):
        (item,) = typing.get_args(tp)
        x = f"x{depth}"
        inner = _unstructure_expression(out, item, x, depth + 1)
        return f"list({var})" if inner == x else f"[{inner} for {x} in {var}]"
    if typing.get_origin(tp) is dict:
        key, value = typing.get_args(tp)
        k, x = f"k{depth}", f"x{depth}"
        if _unstructure_expression(out, key, k, depth + 1) != k:
            raise _Unsupported(tp)
        inner = _unstructure_expression(out, value, x, depth + 1)
        return f"dict({var})" if inner == x else f"{{{k}: {inner} for {k}, {x} in {var}.items()}}"
    if tp in SCALARS or tp in (float, PayloadStream) or open_enum(tp) is not None:
        return var  # sent as given: botocore serialises scalars, enums are str
    raise _Unsupported(tp)


# Each class's function, built on first use. A class the straight-line code does not cover
# (none today) converts through the cattrs converter instead.
_structure_hooks: dict[type, _Structure] = {}
_unstructure_hooks: dict[type, _Unstructure] = {}

# Hooks are built under one lock, so each is built once however many threads make their first
# call at once. A shape that contains itself needs its own hook while that hook is being written:
# the placeholder it gets lives in `_building`, seen only by the thread holding the lock, and
# only the finished hook goes into the caches other threads read without the lock.
_build_lock = threading.RLock()
_building: dict[tuple[str, type], Callable[[Any], Any]] = {}


def _built(
    cache: dict[type, Callable[[Any], Any]],
    direction: str,
    cls: type,
    make: Callable[[type], Callable[[Any], Any]],
    fallback: Callable[[type], Callable[[Any], Any]],
) -> Callable[[Any], Any]:
    with _build_lock:
        hook = cache.get(cls) or _building.get((direction, cls))
        if hook is not None:
            return hook
        _building[(direction, cls)] = lambda value: cache[cls](value)
        try:
            try:
                hook = make(cls)
            except _Unsupported:
                hook = fallback(cls)
            cache[cls] = hook
        finally:
            del _building[(direction, cls)]
        return hook


def _cattrs_structure(cls: type) -> _Structure:
    from ._explain import converter

    return _with_type(converter.get_structure_hook(cls), cls)


def _cattrs_unstructure(cls: type) -> _Unstructure:
    from ._explain import converter

    return converter.get_unstructure_hook(cls)


def _structure_hook(cls: type) -> _Structure:
    hook = _structure_hooks.get(cls)
    if hook is None:
        hook = _built(_structure_hooks, "structure", cls, _make_structure, _cattrs_structure)
    return hook


def _with_type(structure: Callable[[Any, Any], Any], cls: type) -> _Structure:
    return lambda value: structure(value, cls)


def _unstructure_hook(cls: type) -> _Unstructure:
    hook = _unstructure_hooks.get(cls)
    if hook is None:
        hook = _built(_unstructure_hooks, "unstructure", cls, _make_unstructure, _cattrs_unstructure)
    return hook


def unstructure_request(request: object) -> dict[str, object]:
    """A request shape as the keyword arguments its boto3 method takes."""
    hook = _unstructure_hooks.get(type(request)) or _unstructure_hook(type(request))
    return cast("dict[str, object]", hook(request))


def structure_response(operation: str, raw: Mapping[str, object], cls: type[T]) -> T:
    """Read a botocore response into its shape; on failure raise `ResponseParseError` naming
    each field path and carrying `raw` unchanged."""
    hook = _structure_hooks.get(cls) or _structure_hook(cls)
    try:
        return cast(T, hook(raw))
    except Exception:  # explained below, field by field
        pass
    from ._explain import structure_explained

    value, problems = structure_explained(raw, cls)
    if not problems:
        return cast(T, value)
    # Raised outside the `except` block and without a cause: the exceptions cattrs and the hooks
    # raised may quote a value, and no exception chained to this one may carry one.
    raise ResponseParseError(operation, problems, raw)


def __getattr__(name: str) -> object:
    # The cattrs converter: only the error path and tests need it, so cattrs loads on first use.
    if name == "converter":
        from ._explain import converter

        return converter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
