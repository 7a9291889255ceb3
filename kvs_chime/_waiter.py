"""One polling loop behind every waiter (botocore ships no waiters for these services).

Each poll goes through the facade's call pipeline, so a throttled poll is retried like any call,
and all polls run under one deadline: the waiter's timeout bounds its polls too. Time comes from
the facade's injected clock and sleep, so tests never wait for real. The loop is a generator of
steps (`_steps.py`): sync and async facades run the same one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ._model import frozen
from ._steps import Steps, pause
from .errors import DeadlineExceededError, WaiterError

__all__ = ["Poll", "wait"]

T = TypeVar("T")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"Poll.{attribute.name} must be a positive, finite number, got {value!r}")


@frozen
class Poll:
    """How long and how often a waiter polls."""

    timeout: float = attrs.field(default=300.0, validator=_positive)
    """Seconds before giving up with `WaiterError` (carrying the last state seen)."""
    interval: float = attrs.field(default=2.0, validator=_positive)
    """Seconds between polls."""
    missing_timeout: float = attrs.field(default=30.0, validator=_positive)
    """Seconds a waiter for a state (ACTIVE, InProgress) keeps polling a resource it has never
    seen before failing: a resource just created can take a moment to show, one that was never
    created should not cost the whole `timeout`."""


def wait(
    name: str,
    read: Callable[[], Steps[T | None]],
    *,
    done: Callable[[T | None], bool],
    failure: Callable[[T | None], str | None],
    poll: Poll,
    clock: Callable[[], float],
    must_appear: bool = False,
) -> Steps[T | None]:
    """Run `read` until `done(state)`; raise `WaiterError` when `failure(state)` names a
    reason or when `poll.timeout` passes. `read` returns None for "does not exist"; with
    `must_appear`, a resource not seen within `poll.missing_timeout` fails the wait."""
    start = clock()
    seen = False
    state: T | None = None
    while True:
        try:
            state = yield from read()
        except DeadlineExceededError as exc:  # the last poll ran into the waiter's timeout
            raise WaiterError(name, f"timed out (timeout {poll.timeout:g}s)", state) from exc
        if done(state):
            return state
        reason = failure(state)
        if reason is not None:
            raise WaiterError(name, reason, state)
        seen = seen or state is not None
        elapsed = clock() - start
        if must_appear and not seen and elapsed + poll.interval > min(poll.missing_timeout, poll.timeout):
            raise WaiterError(name, f"the resource does not exist (not found for {elapsed:.1f}s)", None)
        if elapsed + poll.interval >= poll.timeout:
            raise WaiterError(name, f"timed out after {elapsed:.1f}s (timeout {poll.timeout:g}s)", state)
        yield from pause(poll.interval)
