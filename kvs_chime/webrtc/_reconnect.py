"""When the signaling client reconnects, how long it waits, and when it gives up. No I/O here.

The decisions are driven by the times the shell passes in (an injected clock in tests) and a
random source, so every rule below is checked without sockets or sleeps.
"""

from __future__ import annotations

import collections
import random

import attrs

__all__ = ["ReconnectPolicy", "ReconnectState", "ice_refresh_due", "should_reconnect"]

# Close codes after which a fresh connection is expected to work: going away (GO_AWAY, the idle
# cut, the 1-hour limit), abnormal closure (a dropped TCP connection), internal error, try again.
_RECONNECT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


@attrs.frozen(kw_only=True)
class ReconnectPolicy:
    """How `SignalingClient` reconnects after the service (or the network) ends a connection.

    Each wait is a full-jitter backoff: uniform in `[0, min(max_delay, base_delay * 2**(n-1))]`
    seconds before the n-th attempt since the last *stable* connection, the first attempt at once.
    A connection that ends within `stable_after` seconds of opening does not reset that count, so
    a server that accepts and then drops every connection (GO_AWAY at once, close 1011, a TCP
    reset) sees the waits grow as it would for refused attempts. Whatever the backoff draws, at
    most `max_connects` attempts start in any `connect_window` seconds.

    The client gives up when `attempts` attempts in a row fail without any connection opening,
    when such a run of failures has lasted `deadline` seconds (time spent waiting for the
    `connect_window` not counted), or when `budget` attempts have failed over the client's life.
    A connection that opens, however briefly, ends the run of failures but not the backoff.
    `max_connection_age` reconnects, with a fresh URL, before the service's 1-hour limit cuts
    the connection.
    """

    attempts: int = 6
    """Failed attempts in a row (no connection opening in between) before the client gives up."""
    base_delay: float = 0.2
    """Seconds; the first retry waits up to this long."""
    max_delay: float = 5.0
    """Seconds; no backoff wait is longer (the `connect_window` bound may add to it)."""
    deadline: float = 30.0
    """Seconds a run of failed attempts may last before the client gives up."""
    budget: int = 50
    """Failed attempts allowed over the client's life."""
    max_connection_age: float = 3600.0 - 60.0
    """Seconds after which a healthy connection is replaced (the service closes it at 3600)."""
    stable_after: float = 5.0
    """Seconds a connection must stay open to count as stable: only then does the next outage
    start its backoff afresh (with an immediate first attempt)."""
    max_connects: int = 20
    """Connection attempts allowed in any `connect_window` seconds (the service allows 3 per
    second per channel; endpoint and ICE look-ups are at most one per attempt)."""
    connect_window: float = 60.0
    """Seconds of the sliding window that `max_connects` applies to."""

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline <= 0:
            raise ValueError("base_delay and max_delay must not be negative, deadline must be positive")
        if self.budget < 0:
            raise ValueError("budget must not be negative")
        if self.max_connection_age <= 0:
            raise ValueError("max_connection_age must be positive")
        if self.stable_after < 0:
            raise ValueError("stable_after must not be negative")
        if self.max_connects < 1 or self.connect_window <= 0:
            raise ValueError("max_connects must be at least 1 and connect_window positive")


@attrs.define
class ReconnectState:
    """The decisions of one client's reconnects: the backoff, the window, the budget spent."""

    policy: ReconnectPolicy
    rng: random.Random = attrs.field(factory=random.Random)
    failures: int = 0
    """Failed attempts so far, over the client's life."""
    _step: int = 0  # attempts since a connection was last stable: the backoff's exponent
    _failed_in_row: int = 0  # attempts since a connection last opened
    _run_started: float | None = None  # when this run of attempts began (for the deadline)
    _opened_at: float | None = None  # when the current connection opened
    _attempt_times: collections.deque[float] = attrs.field(factory=lambda: collections.deque[float]())

    def attempted(self, at: float) -> None:
        """An attempt (a WebSocket handshake) starts at `at`: it counts in the window."""
        self._attempt_times.append(at)

    def opened(self, now: float) -> None:
        """A connection opened: the run of failures is over (the backoff is not, until it is stable)."""
        self._opened_at = now
        self._failed_in_row = 0
        self._run_started = None

    def begin(self, now: float) -> None:
        """The connection ended and a reconnect is wanted: an outage starts, or a flapping one goes on."""
        if self._opened_at is not None and now - self._opened_at >= self.policy.stable_after:
            self._step = 0  # it was stable: this outage starts its backoff afresh
        self._opened_at = None
        self._failed_in_row = 0
        self._run_started = now

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        Called before every attempt of an outage; the attempt itself is recorded with
        `attempted` when it starts.
        """
        policy = self.policy
        started = self._run_started if self._run_started is not None else now
        self._run_started = started
        if self._failed_in_row >= policy.attempts or self.failures >= policy.budget:
            return None
        if now - started >= policy.deadline:
            return None
        step = self._step
        self._step += 1
        self._failed_in_row += 1
        backoff = 0.0
        if step > 0:
            cap = min(policy.max_delay, policy.base_delay * 2 ** min(step - 1, 62))
            backoff = min(self.rng.uniform(0, cap), max(0.0, started + policy.deadline - now))
        delay = max(backoff, self._window_wait(now))
        # Waiting for the window is not trying: it does not count against the deadline.
        self._run_started = started + (delay - backoff)
        return delay

    def _window_wait(self, now: float) -> float:
        """Seconds until one more attempt fits `max_connects` per `connect_window`."""
        times = self._attempt_times
        window = self.policy.connect_window
        while times and times[0] <= now - window:
            times.popleft()
        if len(times) < self.policy.max_connects:
            return 0.0
        # The attempt that must leave the window first for one more to fit.
        return max(0.0, times[len(times) - self.policy.max_connects] + window - now)

    def failed(self) -> None:
        """An attempt failed."""
        self.failures += 1


def should_reconnect(close_code: int | None, *, closing: bool) -> bool:
    """Whether a connection that ended with `close_code` (None: no close frame) is worth reopening.

    Never when the client itself is closing. 1000 (normal) and policy or protocol errors are final;
    going away, abnormal closure and server trouble are not.
    """
    if closing:
        return False
    return close_code is None or close_code in _RECONNECT_CODES


def ice_refresh_due(fetched_at: float, ttl: float, now: float, margin: float = 30.0) -> bool:
    """Whether ICE servers fetched at `fetched_at` with `ttl` seconds to live should be fetched again.

    `margin` seconds before they lapse (the C SDK refreshes 30 s early), or at half their life
    when that is shorter.
    """
    return now >= fetched_at + max(ttl - margin, ttl / 2)
