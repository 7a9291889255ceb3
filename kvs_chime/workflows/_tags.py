"""Tags as a plain mapping: every workflow takes `{"team": "video"}` as well as a list of Tag."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeAlias, TypeVar

__all__ = ["TagLike", "TagsLike", "as_mapping", "as_tag_list"]


class TagLike(Protocol):
    """A key and value pair: either service's `Tag` shape."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...


T = TypeVar("T", bound=TagLike)

TagsLike: TypeAlias = Mapping[str, str] | Sequence[TagLike]
"""A `Mapping[str, str]`, or a sequence of either service's `Tag` shape."""


def as_mapping(tags: TagsLike | None) -> dict[str, str] | None:
    if tags is None:
        return None
    if isinstance(tags, Mapping):
        return dict(tags)
    return {t.key: t.value for t in tags}


def as_tag_list(tags: TagsLike | None, make: Callable[..., T]) -> list[T] | None:
    """The tags as a list of the service's Tag class (`make(key=..., value=...)`); None when
    there are none, since some models reject an empty list."""
    mapping = as_mapping(tags)
    if not mapping:
        return None
    return [make(key=k, value=v) for k, v in mapping.items()]
