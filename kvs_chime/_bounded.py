"""Caches that keep their most recent entries only: what a long-running program learns from the
service per stream or channel (endpoints, the facades bound to them) or per page (a walk's
tokens) must not grow with every one it ever touched.

A plain `dict` in insertion order, the most recent entry last; where threads share one, the
caller holds its own lock.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["recall", "remember"]

K = TypeVar("K")
V = TypeVar("V")


def recall(cache: dict[K, V], key: K) -> V | None:
    """The entry for `key`, now the most recent; None if there is none."""
    found = cache.pop(key, None)
    if found is not None:
        cache[key] = found
    return found


def remember(cache: dict[K, V], key: K, value: V, *, limit: int, replace: bool = True) -> V:
    """Store `value` for `key` as the most recent entry (with `replace=False`, an entry already
    there wins and is kept instead) and drop the oldest beyond `limit`; return what is kept."""
    kept = cache.pop(key, value)
    cache[key] = kept = value if replace else kept
    while len(cache) > limit:
        del cache[next(iter(cache))]
    return kept
