"""The models' input constraints, checked and reported the way the services' Coral frontends do.

Required members, lengths, ranges, list and map sizes, enums, and patterns matched against the
whole value (Java regexes, see `_model.java_to_python`). Messages have AWS's form and wording:
`1 validation error detected: Value 'a b' at 'channelName' failed to satisfy constraint: Member
must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`, with camelCase member paths
(`singleMasterConfiguration.messageTtlSeconds`, list items as `tags.1.member.key`) and the value
echoed as AWS echoes it, except for members the model marks sensitive.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._model import Shape
from ._types import Params, as_dict, as_list

_NUMBERS = frozenset({"integer", "long", "float", "double"})
# Java's int and long: what the services' frontends can hold.
_INT_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _echo(value: object) -> str:
    """A value as Java's toString shows it (AWS echoes the value that failed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    items = as_list(value)
    if items is not None:
        return "[" + ", ".join(_echo(item) for item in items) + "]"
    entries = as_dict(value)
    if entries is not None:
        return "{" + ", ".join(f"{k}={_echo(v)}" for k, v in entries.items()) + "}"
    if isinstance(value, bytes):
        return "java.nio.HeapByteBuffer[pos=0 lim=" + str(len(value)) + "]"
    return str(value)


def _check(shape: Shape, value: object, path: str, problems: list[str]) -> None:
    def fail(constraint: str) -> None:
        shown = "" if shape.sensitive else f" '{_echo(value)}'"
        problems.append(f"Value{shown} at '{path}' failed to satisfy constraint: {constraint}")

    kind = shape.type
    items = as_list(value)
    entries = as_dict(value)
    if kind == "structure":
        if entries is not None:
            _check_structure(shape, entries, path, problems)
        return
    if kind in ("string", "blob", "list", "map"):
        sized = value if isinstance(value, (str, bytes)) else (items if items is not None else entries)
        if sized is None:
            return
        size = len(sized)
        noun = "length" if kind in ("string", "blob") else "size"
        if shape.min is not None and size < shape.min:
            fail(f"Member must have {noun} greater than or equal to {_fmt(shape.min)}")
        if shape.max is not None and size > shape.max:
            fail(f"Member must have {noun} less than or equal to {_fmt(shape.max)}")
    if kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            fail(f"Member must satisfy enum value set: [{', '.join(sorted(shape.enum))}]")
        # As the services check them: the whole value must match, not a part of it.
        if shape.compiled_pattern is not None and shape.compiled_pattern.fullmatch(value) is None:
            fail(f"Member must satisfy regular expression pattern: {shape.pattern}")
    elif kind in _NUMBERS and isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = _INT_RANGE.get(kind, (None, None))
        if low is not None and high is not None and not low <= value <= high:
            fail(f"Member must be a {'32' if kind == 'integer' else '64'}-bit integer")
            return
        if shape.min is not None and value < shape.min:
            fail(f"Member must have value greater than or equal to {_fmt(shape.min)}")
        if shape.max is not None and value > shape.max:
            fail(f"Member must have value less than or equal to {_fmt(shape.max)}")
    elif kind == "list" and items is not None:
        assert shape.member is not None
        for i, item in enumerate(items):
            _check(shape.member.shape, item, f"{path}.{i + 1}.member", problems)
    elif kind == "map" and entries is not None:
        assert shape.key is not None and shape.value is not None
        inner: list[str] = []
        for key, item in entries.items():
            _check(shape.key.shape, key, path, inner)
            _check(shape.value.shape, item, path, inner)
        for problem in dict.fromkeys(inner):
            constraint = problem.partition("failed to satisfy constraint: ")[2]
            fail(f"Map entries must satisfy constraint: [{constraint}]")


def _check_structure(shape: Shape, value: Mapping[str, object], path: str, problems: list[str]) -> None:
    for name, member in shape.members.items():
        member_path = f"{path}.{_camel(name)}" if path else _camel(name)
        item = value.get(name)
        if item is None:
            if name in shape.required:
                problems.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
                )
            continue
        _check(member.shape, item, member_path, problems)


def validate(shape: Shape | None, params: Params) -> str | None:
    """A message describing every constraint `params` breaks, or None when it meets them all."""
    if shape is None:
        return None
    problems: list[str] = []
    _check_structure(shape, params, "", problems)
    if not problems:
        return None
    count = len(problems)
    return f"{count} validation error{'s' if count > 1 else ''} detected: {'; '.join(problems)}"
