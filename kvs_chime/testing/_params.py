"""Typed reads of already validated operation inputs."""

from __future__ import annotations

from collections.abc import Mapping

from ._types import Params, as_dict, as_list


def opt_str(params: Mapping[str, object], name: str) -> str | None:
    """The string member `name`, or None when absent."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def req_str(params: Mapping[str, object], name: str) -> str:
    """The string member `name`, which validation guarantees is present."""
    value = params.get(name)
    if not isinstance(value, str):
        raise TypeError(f"{name} is not a string")
    return value


def opt_int(params: Mapping[str, object], name: str) -> int | None:
    """The integer member `name`, or None when absent."""
    value = params.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def req_int(params: Mapping[str, object], name: str) -> int:
    """The integer member `name`, which validation guarantees is present."""
    value = opt_int(params, name)
    if value is None:
        raise TypeError(f"{name} is not an integer")
    return value


def opt_struct(params: Mapping[str, object], name: str) -> Params | None:
    """The structure member `name`, or None when absent."""
    value = as_dict(params.get(name))
    if value is None:
        return None
    return {str(k): v for k, v in value.items()}


def struct_list(params: Mapping[str, object], name: str) -> list[Params]:
    """The list-of-structures member `name` (empty when absent)."""
    items = as_list(params.get(name)) or []
    return [{str(k): v for k, v in item.items()} for item in map(as_dict, items) if item is not None]


def str_list(params: Mapping[str, object], name: str) -> list[str]:
    """The list-of-strings member `name` (empty when absent)."""
    return [item for item in as_list(params.get(name)) or [] if isinstance(item, str)]


def str_map(params: Mapping[str, object], name: str) -> dict[str, str]:
    """The string-to-string map member `name` (empty when absent)."""
    value = as_dict(params.get(name)) or {}
    return {str(k): str(v) for k, v in value.items()}


def tag_list(params: Mapping[str, object], name: str) -> dict[str, str]:
    """A list of {Key, Value} structures as a dict; later duplicates win."""
    return {req_str(tag, "Key"): req_str(tag, "Value") for tag in struct_list(params, name)}
