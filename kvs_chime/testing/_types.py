"""Value types shared by the modules of the local endpoint."""

from __future__ import annotations

from typing import TypeAlias, cast

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
"""A value as JSON can carry it."""

JsonObject: TypeAlias = "dict[str, JsonValue]"
"""A JSON object, such as a response body."""

Params: TypeAlias = "dict[str, object]"
"""An operation's input or output keyed by the model's member names.

Values are Python values (str, int, bool, float, datetime, bytes, lists, dicts), so this is not JSON.
"""


def as_list(value: object) -> list[object] | None:
    """`value` as a list of unknown items, or None when it is not a list."""
    return cast("list[object]", value) if isinstance(value, list) else None


def as_dict(value: object) -> dict[str, object] | None:
    """`value` as a dict of unknown items, or None when it is not a dict.

    Only for dicts decoded from JSON or built by this package, whose keys are always strings.
    """
    return cast("dict[str, object]", value) if isinstance(value, dict) else None
