"""Request validation against the model's constraints, before any network call.

Every violation is collected (not just the first) with its snake_case field path. Patterns
follow Smithy semantics: not implicitly anchored (`search`, not `match`), written in Java's
dialect: Java's ASCII `\\d`/`\\w`/`\\s` are spelled out, and the few patterns with Unicode
classes (`\\p{L}`) are compiled with the `regex` module, the rest with `re`. Enum members are not checked:
the service may accept a value newer than this model, and the client must never reject what the
service accepts. Responses are never validated.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable
from typing import cast

import attrs

from ._model import SPEC, Spec
from .errors import ValidationError, Violation

__all__ = ["validate_request"]

_Fields = tuple[tuple[str, bool, Spec], ...]
_fields_by_class: dict[type, _Fields] = {}
_patterns: dict[str, Callable[[str], object]] = {}


def _fields(cls: type) -> _Fields:
    fields = _fields_by_class.get(cls)
    if fields is None:
        fields = tuple(
            (f.name, f.default is attrs.NOTHING, f.metadata[SPEC])
            for f in attrs.fields(cls)
            if SPEC in f.metadata
        )
        _fields_by_class[cls] = fields
    return fields


def _search(pattern: str) -> Callable[[str], object]:
    search = _patterns.get(pattern)
    if search is None:
        python = _java_classes(pattern)
        try:
            # The standard re covers every pattern but those with Unicode classes (\p{L}), and
            # is already imported: `regex` (tens of ms to import) is loaded only when needed.
            search = cast("Callable[[str], object]", re.compile(python).search)
        except re.error:
            import regex  # type: ignore[import-untyped]  # no stubs

            search = cast("Callable[[str], object]", regex.compile(python).search)
        _patterns[pattern] = search
    return search


# Java's \d, \w and \s are ASCII-only (so the service's `\S` accepts U+00A0) while Python's
# are Unicode; \p{L} and friends are Unicode in both. Spelled out so the client never rejects
# what the service's own pattern accepts.
_JAVA_ASCII = {"d": "0-9", "w": "a-zA-Z0-9_", "s": " \\t\\n\\x0B\\f\\r"}


def _java_classes(pattern: str) -> str:
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
            else:  # other escapes, and negated classes inside a class, stay as written
                out.append(char + escaped)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _number(value: float | None) -> str:
    # Written in full: a rule reading "at most 2e+06" is harder to act on than "at most 2000000".
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


def _bounds(spec: Spec) -> str:
    if spec.min is not None and spec.max is not None:
        return f"between {_number(spec.min)} and {_number(spec.max)}"
    return f"at least {_number(spec.min)}" if spec.min is not None else f"at most {_number(spec.max)}"


def _out_of_bounds(spec: Spec, measure: float) -> bool:
    return (spec.min is not None and measure < spec.min) or (spec.max is not None and measure > spec.max)


def _type_name(value: object) -> str:
    return type(value).__name__


_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "boolean": (bool,),
    "timestamp": (datetime.datetime,),
    "blob": (bytes, bytearray),
}


def _check(value: object, spec: Spec, path: str, out: list[Violation]) -> None:
    kind = spec.kind
    if kind == "string":
        if not isinstance(value, str):
            out.append(Violation(path, f"must be a string, got {_type_name(value)}"))
            return
        if _out_of_bounds(spec, len(value)):
            out.append(Violation(path, f"length must be {_bounds(spec)}, got {len(value)}"))
        # The value itself is never echoed: names and tags can be sensitive.
        if spec.pattern is not None and _search(spec.pattern)(value) is None:
            out.append(Violation(path, f"must match the pattern {spec.pattern}"))
    elif kind == "structure":
        if spec.cls is not None and not isinstance(value, spec.cls):
            out.append(Violation(path, f"must be a {spec.cls.__name__}, got {_type_name(value)}"))
            return
        _check_fields(value, path + ".", out)
    elif kind == "list":
        if not isinstance(value, list):
            out.append(Violation(path, f"must be a list, got {_type_name(value)}"))
            return
        value = cast("list[object]", value)
        if _out_of_bounds(spec, len(value)):
            out.append(Violation(path, f"must have {_bounds(spec)} items, got {len(value)}"))
        assert spec.member is not None
        for index, item in enumerate(value):
            _check(item, spec.member, f"{path}[{index}]", out)
    elif kind == "map":
        if not isinstance(value, dict):
            out.append(Violation(path, f"must be a dict, got {_type_name(value)}"))
            return
        value = cast("dict[object, object]", value)
        if _out_of_bounds(spec, len(value)):
            out.append(Violation(path, f"must have {_bounds(spec)} entries, got {len(value)}"))
        assert spec.key is not None and spec.member is not None
        for index, (key, item) in enumerate(value.items()):
            _check(key, spec.key, f"{path}<key {index}>", out)
            # Entries are named by position: map keys (tag names) can be sensitive.
            _check(item, spec.member, f"{path}<value {index}>", out)
    else:
        wanted = _SCALAR_TYPES[kind]
        # bool is an int subclass, but True is not a valid integer member.
        if not isinstance(value, wanted) or (isinstance(value, bool) and kind != "boolean"):
            out.append(Violation(path, f"must be {kind}, got {_type_name(value)}"))
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool) and _out_of_bounds(spec, value):
            out.append(Violation(path, f"must be {_bounds(spec)}, got {value}"))
        elif isinstance(value, (bytes, bytearray)) and _out_of_bounds(spec, len(value)):
            out.append(Violation(path, f"length must be {_bounds(spec)}, got {len(value)}"))


def _check_fields(shape: object, prefix: str, out: list[Violation]) -> None:
    for name, required, spec in _fields(type(shape)):
        value = getattr(shape, name)
        if value is None:
            if required:
                out.append(Violation(prefix + name, "is required"))
            continue
        _check(value, spec, prefix + name, out)


# Two passes. Nearly every request is valid, so validity is first decided by `_valid`: the same
# checks as `_check`, compiled once per class and member spec into closures that build no paths
# or messages. Only a request it rejects is walked again by `_check_fields` above, which
# collects every violation with its path; that walk alone decides what is raised.

_Test = Callable[[object], bool]
_tests_by_class: dict[type, tuple[tuple[str, bool, _Test], ...]] = {}


def _valid(shape: object) -> bool:
    tests = _tests_by_class.get(type(shape))
    if tests is None:
        fields = _fields(type(shape))
        tests = _tests_by_class[type(shape)] = tuple((n, r, _compile(s)) for n, r, s in fields)
    for name, required, test in tests:
        value = getattr(shape, name)
        if value is None:
            if required:
                return False
        elif not test(value):
            return False
    return True


def _compile(spec: Spec) -> _Test:
    kind = spec.kind
    # Infinite defaults keep each test one chained comparison; `not (x < lo or x > hi)` for
    # numbers, so that NaN passes the bounds as it does in `_out_of_bounds`.
    lo = -math.inf if spec.min is None else spec.min
    hi = math.inf if spec.max is None else spec.max
    if kind == "string":
        pattern = spec.pattern
        if pattern is None:
            return lambda v: isinstance(v, str) and lo <= len(v) <= hi
        # Looked up per value, as `_check` does: a pattern is compiled (and `regex` imported)
        # only once a value for its member turns up.
        return lambda v: isinstance(v, str) and lo <= len(v) <= hi and _search(pattern)(v) is not None
    if kind == "structure":
        cls = spec.cls
        # `_valid` compiles the class on first use, so recursive shapes compile lazily.
        return lambda v: (cls is None or isinstance(v, cls)) and _valid(v)
    if kind == "list":
        assert spec.member is not None
        item = _compile(spec.member)

        def test_list(v: object) -> bool:
            if not isinstance(v, list):
                return False
            items = cast("list[object]", v)
            return lo <= len(items) <= hi and all(map(item, items))

        return test_list
    if kind == "map":
        assert spec.key is not None and spec.member is not None
        key, value = _compile(spec.key), _compile(spec.member)

        def test_map(v: object) -> bool:
            if not isinstance(v, dict):
                return False
            entries = cast("dict[object, object]", v)
            return lo <= len(entries) <= hi and all(key(k) and value(x) for k, x in entries.items())

        return test_map
    if kind == "boolean":
        return lambda v: isinstance(v, bool)
    if kind == "timestamp":
        return lambda v: isinstance(v, datetime.datetime)
    if kind == "blob":
        return lambda v: isinstance(v, (bytes, bytearray)) and lo <= len(v) <= hi
    # bool is an int subclass, but True is not a valid number.
    if kind in ("integer", "long"):
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and not (v < lo or v > hi)
    return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and not (v < lo or v > hi)


def validate_request(request: object) -> None:
    """Raise `ValidationError` listing every constraint `request` breaks; return if none."""
    if _valid(request):
        return
    violations: list[Violation] = []
    _check_fields(request, "", violations)
    if violations:
        raise ValidationError(type(request).__name__, violations)
