"""How calls are retried, as values: `RetryPolicy` (attempts, deadline, backoff) per facade or call,
and `RetryBudget` (a token bucket shared by one facade's calls and threads).

The decisions that use them (retry or not, how long to wait, when to stop) are tenacity
strategies in `_call.py`, asked by a call's steps on its own `tenacity.RetryCallState`; the sync
and async loops only perform what those steps say (attempt, sleep).
"""

from __future__ import annotations

import math
import random
import threading
from typing import Any

import attrs

from ._model import frozen

__all__ = ["RetryBudget", "RetryPolicy", "backoff"]

# The package's own generator: a user's `random.seed(42)` must not make clients retry in step.
_jitter = random.Random()


def _finite_positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "deadline":
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"RetryPolicy.{attribute.name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be a positive, finite number, got {value!r}")


def _attempts(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"RetryPolicy.max_attempts must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"RetryPolicy.max_attempts must be at least 1, got {value}")


@frozen
class RetryPolicy:
    """How the call pipeline retries throttling and transient failures.

    Delays grow exponentially from `initial_delay` (doubling per attempt) up to `max_delay`, each
    drawn uniformly from zero to that bound ("full jitter", so many clients throttled at once do
    not retry in step). A wait the service asks for (`Retry-After`) is the least delay, still
    capped by `max_delay`. The call gives up after `max_attempts` HTTP attempts, as soon as the
    next delay would end past the deadline, or when the facade's `RetryBudget` is spent.

    `deadline` bounds the whole call, attempts and waits included: an attempt still in flight
    when it passes is cut short (`DeadlineExceededError`), so the call returns or raises within
    the deadline plus a small slack (a quarter of a second covers it). Calls nested in a call
    (a reconciling look-up, a waiter's polls) run under the outer call's policy and deadline.

    >>> RetryPolicy(max_attempts=8, deadline=60.0)
    RetryPolicy(max_attempts=8, deadline=60.0, initial_delay=0.2, max_delay=10.0)
    """

    max_attempts: int = attrs.field(default=5, validator=_attempts)
    """Total HTTP attempts for one call, the first included; 1 disables retries."""
    deadline: float | None = attrs.field(default=30.0, validator=_finite_positive)
    """Seconds from the call's start by which it returns or raises; None for no deadline."""
    initial_delay: float = attrs.field(default=0.2, validator=_finite_positive)
    """Upper bound of the first retry's delay, in seconds."""
    max_delay: float = attrs.field(default=10.0, validator=_finite_positive)
    """Cap on any single delay, in seconds (a longer `Retry-After` is cut to it)."""

    def delay_bound(self, retry_number: int) -> float:
        """The upper bound of the delay before retry number `retry_number` (1 = first retry)."""
        return min(self.max_delay, self.initial_delay * 2.0 ** (retry_number - 1))


def backoff(policy: RetryPolicy, retry_number: int, retry_after: float | None) -> float:
    """The delay before retry number `retry_number`: full jitter, at least `retry_after`, at
    most `policy.max_delay`."""
    delay = _jitter.uniform(0, policy.delay_bound(retry_number))
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_delay))
    return delay


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
        raise ValueError(f"RetryBudget.{attribute.name} must be a non-negative number, got {value!r}")


@attrs.define
class RetryBudget:
    """A token bucket that bounds how much one facade retries, across its calls and threads.

    A retry costs `retry_cost` tokens (`timeout_cost` after a timeout or dropped connection);
    a call that succeeds at once refunds `success_refund`, and one that succeeds after retrying
    refunds what its last retry cost. With too few tokens left a call stops retrying and raises
    its last error at once, so a fleet of clients does not multiply an outage's load. The
    defaults are botocore's standard retry mode's quota (500, 5, 10, 1).
    `RetryBudget(capacity=math.inf)` never runs out.
    """

    capacity: float = attrs.field(default=500, validator=_non_negative)
    retry_cost: float = attrs.field(default=5, validator=_non_negative)
    timeout_cost: float = attrs.field(default=10, validator=_non_negative)
    success_refund: float = attrs.field(default=1, validator=_non_negative)
    _available: float = attrs.field(init=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._available = self.capacity

    @property
    def available(self) -> float:
        """Tokens left now."""
        return self._available

    def try_acquire(self, *, timeout: bool) -> float | None:
        """Take the cost of one retry; return it, or None (and take nothing) if too few are left."""
        cost = self.timeout_cost if timeout else self.retry_cost
        with self._lock:
            if cost > self._available:
                return None
            self._available -= cost
        return cost

    def refund(self, amount: float) -> None:
        """Give back `amount` (what a successful call's last retry cost, or `success_refund`)."""
        # Nearly every call succeeds at once with the bucket full: no lock for a no-op.
        if amount and self._available < self.capacity:
            with self._lock:
                self._available = min(self.capacity, self._available + amount)
