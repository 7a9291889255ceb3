"""One polling loop behind every waiter (botocore ships no waiters for these services).

Each poll goes through the facade's call pipeline, so a throttled poll is retried like any call.
Time comes from the facade's injected clock and sleep, so tests never wait for real.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs

from .errors import WaiterError

__all__ = ["Poll", "wait"]

T = TypeVar("T")


@attrs.frozen
class Poll:
    """How long and how often a waiter polls."""

    timeout: float = 300.0
    """Seconds before giving up with `WaiterError` (carrying the last state seen)."""
    interval: float = 2.0
    """Seconds between polls."""


def wait(
    name: str,
    read: Callable[[], T | None],
    *,
    done: Callable[[T | None], bool],
    failure: Callable[[T | None], str | None],
    poll: Poll,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> T | None:
    """Call `read` until `done(state)`; raise `WaiterError` when `failure(state)` names a
    reason or when `poll.timeout` passes. `read` returns None for "does not exist"."""
    start = clock()
    while True:
        state = read()
        if done(state):
            return state
        reason = failure(state)
        if reason is not None:
            raise WaiterError(name, reason, state)
        elapsed = clock() - start
        if elapsed + poll.interval > poll.timeout:
            raise WaiterError(name, f"timed out after {elapsed:.1f}s (timeout {poll.timeout:g}s)", state)
        sleep(poll.interval)
