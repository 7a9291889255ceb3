"""When the signaling client reconnects, how long it waits, and when it gives up. No I/O here."""

from __future__ import annotations

import random

import attrs

__all__ = ["ReconnectPolicy", "ReconnectState", "ice_refresh_due", "should_reconnect"]

# Close codes after which a fresh connection is expected to work: going away (GO_AWAY, the idle
# cut, the 1-hour limit), abnormal closure (a dropped TCP connection), internal error, try again.
_RECONNECT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


@attrs.frozen(kw_only=True)
class ReconnectPolicy:
    """How `SignalingClient` reconnects after the service (or the network) ends a connection.

    Each outage gets up to `attempts` connection attempts, the n-th after a full-jitter backoff
    of up to `min(max_delay, base_delay * 2**n)` seconds, and at most `deadline` seconds in all.
    `budget` bounds the failed attempts over the client's life, so a channel that keeps refusing
    ends the client instead of looping. `max_connection_age` reconnects, with a fresh URL, before
    the service's 1-hour limit cuts the connection.
    """

    attempts: int = 6
    """Connection attempts per outage (the first one included)."""
    base_delay: float = 0.2
    """Seconds; the first retry waits up to this long."""
    max_delay: float = 5.0
    """Seconds; no single wait is longer."""
    deadline: float = 30.0
    """Seconds an outage may last before the client gives up."""
    budget: int = 50
    """Failed attempts allowed over the client's life."""
    max_connection_age: float = 3600.0 - 60.0
    """Seconds after which a healthy connection is replaced (the service closes it at 3600)."""

    def __attrs_post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.deadline <= 0:
            raise ValueError("base_delay and max_delay must not be negative, deadline must be positive")
        if self.budget < 0:
            raise ValueError("budget must not be negative")
        if self.max_connection_age <= 0:
            raise ValueError("max_connection_age must be positive")


@attrs.define
class ReconnectState:
    """The decisions of one client's reconnects: the budget spent, the current outage."""

    policy: ReconnectPolicy
    rng: random.Random = attrs.field(factory=random.Random)
    failures: int = 0
    """Failed attempts so far, over the client's life."""
    _outage_attempts: int = 0
    _outage_started: float | None = None

    def begin(self, now: float) -> None:
        """An outage starts (the connection ended and a reconnect is wanted)."""
        self._outage_attempts = 0
        self._outage_started = now

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up.

        Called before every attempt of an outage: the first comes at once.
        """
        started = self._outage_started if self._outage_started is not None else now
        if self._outage_attempts >= self.policy.attempts or self.failures >= self.policy.budget:
            return None
        if now - started >= self.policy.deadline:
            return None
        attempt = self._outage_attempts
        self._outage_attempts += 1
        if attempt == 0:
            return 0.0
        cap = min(self.policy.max_delay, self.policy.base_delay * 2 ** (attempt - 1))
        return min(self.rng.uniform(0, cap), max(0.0, started + self.policy.deadline - now))

    def failed(self) -> None:
        """An attempt failed."""
        self.failures += 1

    def succeeded(self) -> None:
        """An attempt connected: the outage is over."""
        self._outage_started = None
        self._outage_attempts = 0


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
