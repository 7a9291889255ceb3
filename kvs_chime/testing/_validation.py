"""The models' input constraints: required, length, range, list and map size, enum and pattern.

Messages follow the services' "1 validation error detected: Value at 'X' failed to satisfy
constraint: ..." form. They name the field, never its value, so they cannot leak parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._model import Shape
from ._types import Params, as_dict, as_list

_NUMBERS = frozenset({"integer", "long", "float", "double"})


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else str(number)


def _check(shape: Shape, value: object, path: str, problems: list[str]) -> None:
    def fail(constraint: str) -> None:
        problems.append(f"Value at '{path}' failed to satisfy constraint: {constraint}")

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
        # Java regexes as the model spells them: not implicitly anchored, hence search().
        if shape.compiled_pattern is not None and shape.compiled_pattern.search(value) is None:
            fail(f"Member must satisfy regular expression pattern: {shape.pattern}")
    elif kind in _NUMBERS and isinstance(value, (int, float)) and not isinstance(value, bool):
        if shape.min is not None and value < shape.min:
            fail(f"Member must have value greater than or equal to {_fmt(shape.min)}")
        if shape.max is not None and value > shape.max:
            fail(f"Member must have value less than or equal to {_fmt(shape.max)}")
    elif kind == "list" and items is not None:
        assert shape.member is not None
        for i, item in enumerate(items):
            _check(shape.member.shape, item, f"{path}[{i}]", problems)
    elif kind == "map" and entries is not None:
        assert shape.key is not None and shape.value is not None
        for key, item in entries.items():
            _check(shape.key.shape, key, f"{path}.<key>", problems)
            _check(shape.value.shape, item, f"{path}.<value>", problems)


def _check_structure(shape: Shape, value: Mapping[str, object], path: str, problems: list[str]) -> None:
    for name, member in shape.members.items():
        member_path = f"{path}.{name}" if path else name
        item = value.get(name)
        if item is None:
            if name in shape.required:
                problems.append(
                    f"Value at '{member_path}' failed to satisfy constraint: Member must not be null"
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
