"""Request validation against the model's constraints, before any network call.

Every violation is collected (not just the first) with its snake_case field path. The rules are
the services' own: a pattern must match the whole value (as the services check it, whatever the
model language says about anchoring), read with Java's regex semantics (`_pattern.translate`);
integer members are 32-bit and long members 64-bit; floating-point members must be finite (JSON
has no NaN or infinity); timestamps must be timezone-aware (botocore would read a naive one in
this machine's zone); strings must be valid Unicode (a lone surrogate cannot be encoded). Enum
members are not checked: the service may accept a value newer than this model, and the client
must never reject what the service accepts. Responses are never validated.

`checked_request` guards the call itself: the request object must be the operation's own class.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import attrs

from ._model import SPEC, Spec
from ._operation import Operation
from ._pattern import translate
from .errors import ValidationError, Violation

__all__ = ["checked_request", "takes_request", "validate_request"]

Req = TypeVar("Req")
P = ParamSpec("P")
R = TypeVar("R")

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


def _matcher(pattern: str) -> Callable[[str], object]:
    """`fullmatch` of the Python translation of the model's Java `pattern`, compiled once."""
    matcher = _patterns.get(pattern)
    if matcher is None:
        python, needs_regex = translate(pattern)
        if needs_regex:
            # Unicode classes (\p{L}) need `regex` (tens of ms to import): loaded only then.
            import regex  # type: ignore[import-untyped]  # no stubs

            matcher = cast("Callable[[str], object]", regex.compile(python).fullmatch)
        else:
            matcher = cast("Callable[[str], object]", re.compile(python).fullmatch)
        _patterns[pattern] = matcher
    return matcher


_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(value: str) -> bool:
    """No lone surrogate: botocore could not encode the value as UTF-8, nor a service read it."""
    return value.isascii() or _SURROGATE.search(value) is None


# The wire width of the model's integer types: a larger Python int is refused, not truncated.
_WIDTH = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _limits(spec: Spec) -> tuple[float, float]:
    """The inclusive bounds a value (or length, or size) must lie within."""
    lo, hi = _WIDTH.get(spec.kind, (-math.inf, math.inf))
    if spec.min is not None:
        lo = max(lo, spec.min)
    if spec.max is not None:
        hi = min(hi, spec.max)
    return lo, hi


def _number(value: float) -> str:
    # Written in full: a rule reading "at most 2e+06" is harder to act on than "at most 2000000".
    return str(int(value)) if float(value).is_integer() else str(value)


def _bounds(lo: float, hi: float) -> str:
    if lo > -math.inf and hi < math.inf:
        return f"between {_number(lo)} and {_number(hi)}"
    return f"at least {_number(lo)}" if lo > -math.inf else f"at most {_number(hi)}"


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


def _aware(value: datetime.datetime) -> bool:
    return value.tzinfo is not None and value.utcoffset() is not None


def _check(value: object, spec: Spec, path: str, out: list[Violation]) -> None:
    kind = spec.kind
    lo, hi = _limits(spec)
    if kind == "string":
        if not isinstance(value, str):
            out.append(Violation(path, f"must be a string, got {_type_name(value)}"))
            return
        if not lo <= len(value) <= hi:
            out.append(Violation(path, f"length must be {_bounds(lo, hi)}, got {len(value)}"))
        if not _encodable(value):
            out.append(Violation(path, "must be valid Unicode (it holds a lone surrogate)"))
        # The value itself is never echoed: names and tags can be sensitive.
        elif spec.pattern is not None and _matcher(spec.pattern)(value) is None:
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
        if not lo <= len(value) <= hi:
            out.append(Violation(path, f"must have {_bounds(lo, hi)} items, got {len(value)}"))
        assert spec.member is not None
        for index, item in enumerate(value):
            _check(item, spec.member, f"{path}[{index}]", out)
    elif kind == "map":
        if not isinstance(value, dict):
            out.append(Violation(path, f"must be a dict, got {_type_name(value)}"))
            return
        value = cast("dict[object, object]", value)
        if not lo <= len(value) <= hi:
            out.append(Violation(path, f"must have {_bounds(lo, hi)} entries, got {len(value)}"))
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
        if isinstance(value, float) and not math.isfinite(value):
            out.append(Violation(path, f"must be a finite number, got {value}"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and not lo <= value <= hi:
            out.append(Violation(path, f"must be {_bounds(lo, hi)}, got {value}"))
        elif isinstance(value, (bytes, bytearray)) and not lo <= len(value) <= hi:
            out.append(Violation(path, f"length must be {_bounds(lo, hi)}, got {len(value)}"))
        elif isinstance(value, datetime.datetime) and not _aware(value):
            out.append(
                Violation(
                    path,
                    "must be timezone-aware (a naive datetime would be read in this machine's "
                    "time zone); use e.g. datetime.now(timezone.utc)",
                )
            )


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
    # Infinite defaults keep each test one chained comparison (a NaN fails every comparison).
    lo, hi = _limits(spec)
    if kind == "string":
        pattern = spec.pattern
        # `_encodable` written out: these run for every string member of every request.
        surrogate = _SURROGATE.search
        if pattern is None:
            return lambda v: (
                isinstance(v, str) and lo <= len(v) <= hi and (v.isascii() or surrogate(v) is None)
            )
        # Compiled (and `regex` imported) only once a value for its member turns up, as `_check`
        # does; then kept here.
        matcher: list[Callable[[str], object]] = []

        def test_pattern(v: object) -> bool:
            if not (isinstance(v, str) and lo <= len(v) <= hi and (v.isascii() or surrogate(v) is None)):
                return False
            if not matcher:
                matcher.append(_matcher(pattern))
            return matcher[0](v) is not None

        return test_pattern
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
        return lambda v: isinstance(v, datetime.datetime) and _aware(v)
    if kind == "blob":
        return lambda v: isinstance(v, (bytes, bytearray)) and lo <= len(v) <= hi
    # bool is an int subclass, but True is not a valid number.
    if kind in ("integer", "long"):
        return lambda v: isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
    # A NaN fails `lo <= v`; infinities fail `math.isfinite`.
    return lambda v: (
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and lo <= v <= hi
    )


def validate_request(request: object) -> None:
    """Raise `ValidationError` listing every constraint `request` breaks; return if none."""
    if _valid(request):
        return
    violations: list[Violation] = []
    _check_fields(request, "", violations)
    if violations:
        raise ValidationError(type(request).__name__, violations)


def checked_request(operation: Operation[Req, Any], request: object) -> Req:
    """`request` if it is the operation's own request class (or None for an operation whose
    request has no required member: then an empty request); else a `TypeError` naming the method
    and the class it takes. Raised before any network call, as the type checker would have."""
    cls = operation.request
    if isinstance(request, cls):
        return request
    call = f"{operation.method}({cls.__name__}(...))"
    if request is None:
        if not any(required for _, required, _ in _fields(cls)):
            return cls()
        problem = "no request (None)"
    elif isinstance(request, dict):
        problem = f"a dict; build the request as {cls.__name__}(field=...) with snake_case fields"
    else:
        problem = f"a {_type_name(request)}"
    raise TypeError(f"{operation.method}() takes a {cls.__name__}, got {problem}: call {call}")


def takes_request(operation: Operation[Any, Any]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a generated facade method so that a request's fields passed as keyword arguments
    (`create_signaling_channel(channel_name=...)`) raise a `TypeError` showing the right call,
    instead of Python's bare "unexpected keyword argument". The signature is unchanged, so type
    checkers still reject the mistake; a correct call pays one membership test."""

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        code = method.__code__  # the method's own keyword-only parameters: retry, page_size, ...
        own = frozenset(code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount])
        name = method.__name__

        @functools.wraps(method)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs and not own.issuperset(kwargs):
                raise _keywords_misused(operation, name, [k for k in kwargs if k not in own])
            return method(*args, **kwargs)

        return checked

    return decorate


def _keywords_misused(operation: Operation[Any, Any], method: str, keywords: list[str]) -> TypeError:
    cls = operation.request
    fields = {f.name for f in attrs.fields(cls)}
    unknown = [k for k in keywords if k not in fields]
    if unknown:  # not a field of the request either: Python's own wording
        return TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    # Names only, never the values: they can be sensitive.
    shown = ", ".join(f"{k}=..." for k in keywords)
    return TypeError(
        f"{method}() takes its request as one {cls.__name__} object, not as keyword arguments: "
        f"call {method}({cls.__name__}({shown}))"
    )
