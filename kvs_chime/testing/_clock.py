"""Time sources: the monotonic clock driving asynchronous transitions, and a manual one for tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeAlias

Clock: TypeAlias = Callable[[], float]
"""A monotonic time source in seconds, like `time.monotonic`."""


class ManualClock:
    """A clock that only moves when told to, for tests of CREATING -> ACTIVE and similar transitions.

    >>> clock = ManualClock()
    >>> clock.advance(2.5)
    >>> clock()
    2.5
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (which must not be negative)."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go backwards")
        with self._lock:
            self._now += seconds
