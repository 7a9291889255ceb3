"""The sync and async public surfaces offer the same features with the same defaults.

Walks every facade class, workflow and data-plane helper of `kvs_chime` / `kvs_chime.workflows`
and its async twin in `kvs_chime.aio`: the same public names, and for each callable the same
parameters (names, kinds and defaults), constructors included. The only differences allowed
are the ones async makes necessary, listed here: `with` is `async with`, `close` may be spelt
`aclose` (asyncio's spelling), and a constructor's default sleep is `asyncio.sleep` where the
sync one's is `time.sleep`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any

import kvs_chime
import kvs_chime.aio
import kvs_chime.workflows

# What being async changes, and nothing else.
_CONTEXT = {"__enter__": "__aenter__", "__exit__": "__aexit__"}


def _twins() -> list[tuple[str, object, object]]:
    pairs: list[tuple[str, object, object]] = []
    for name in kvs_chime.aio.__all__:
        async_obj = getattr(kvs_chime.aio, name)
        sync_name = name.removeprefix("Async")
        sync_obj = getattr(kvs_chime.workflows, sync_name, None) or getattr(kvs_chime, sync_name, None)
        assert sync_obj is not None, f"{name} has no sync twin {sync_name}"
        pairs.append((sync_name, sync_obj, async_obj))
    return pairs


def _public(cls: type) -> set[str]:
    names = {n for n in dir(cls) if not n.startswith("_")}
    return names | {n for n in _CONTEXT.values() | _CONTEXT.keys() if hasattr(cls, n)}


def _parameters(fn: Any) -> list[tuple[str, object, object]]:
    signature = inspect.signature(fn)
    # The one default that must differ: a blocking sleep cannot be awaited.
    same = {asyncio.sleep: time.sleep}
    return [(p.name, p.kind, same.get(p.default, p.default)) for p in signature.parameters.values()]


def _differences() -> list[str]:
    found: list[str] = []
    for name, sync_obj, async_obj in _twins():
        if isinstance(sync_obj, type):
            assert isinstance(async_obj, type)
            renames = dict(_CONTEXT)
            if hasattr(async_obj, "aclose") and not hasattr(async_obj, "close"):
                renames["close"] = "aclose"
            sync_names = {renames.get(n, n) for n in _public(sync_obj)} | {"__init__"}
            async_names = _public(async_obj) | {"__init__"}
            for missing in sorted(sync_names - async_names):
                found.append(f"{name}.{missing}: sync only")
            for missing in sorted(async_names - sync_names):
                found.append(f"{name}.{missing}: async only")
            for member in sorted(sync_names & async_names):
                if member in _CONTEXT.values() or member == "aclose":
                    continue
                sync_member = inspect.getattr_static(sync_obj, member)
                async_member = inspect.getattr_static(async_obj, member)
                if isinstance(sync_member, property) != isinstance(async_member, property):
                    found.append(f"{name}.{member}: a property on one side only")
                    continue
                sync_fn, async_fn = getattr(sync_obj, member), getattr(async_obj, member)
                compared = callable(sync_fn) and callable(async_fn) and not isinstance(sync_member, property)
                if compared and _parameters(sync_fn) != _parameters(async_fn):
                    found.append(f"{name}.{member}: {_parameters(sync_fn)} != {_parameters(async_fn)}")
        elif callable(sync_obj) and _parameters(sync_obj) != _parameters(async_obj):
            found.append(f"{name}: {_parameters(sync_obj)} != {_parameters(async_obj)}")
    return found


def test_sync_and_async_surfaces_are_the_same() -> None:
    assert _differences() == []
