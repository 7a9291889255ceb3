"""RetryPolicy: how often and how long a call is retried, as a value users set per facade or call."""

from __future__ import annotations

import attrs

__all__ = ["RetryPolicy"]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be positive, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How the call pipeline retries throttling and transient failures.

    Delays grow exponentially from `initial_delay` (doubling per attempt) up to `max_delay`, each
    drawn uniformly from zero to that bound ("full jitter", so many clients throttled at once do
    not retry in step). The call gives up after `max_attempts` HTTP attempts, or as soon as the
    next delay would end past `deadline` seconds from the call's start.

    >>> RetryPolicy(max_attempts=8, deadline=60.0)
    RetryPolicy(max_attempts=8, deadline=60.0, initial_delay=0.2, max_delay=10.0)
    """

    max_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    """Total HTTP attempts for one call, the first included; 1 disables retries."""
    deadline: float | None = attrs.field(default=30.0, validator=_positive)
    """Seconds from the call's start after which no retry starts; None for no deadline."""
    initial_delay: float = attrs.field(default=0.2, validator=_positive)
    """Upper bound of the first retry's delay, in seconds."""
    max_delay: float = attrs.field(default=10.0, validator=_positive)
    """Cap on any single delay's upper bound, in seconds."""

    def delay_bound(self, retry_number: int) -> float:
        """The upper bound of the delay before retry number `retry_number` (1 = first retry)."""
        return min(self.max_delay, self.initial_delay * 2.0 ** (retry_number - 1))
