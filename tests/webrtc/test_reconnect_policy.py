"""The reconnect decisions, on an injected clock and random source: bounded per run of failures,
by a budget and a deadline; backoff that keeps growing while connections die young; a bound on
attempts per window; ICE refreshed early."""

from __future__ import annotations

import itertools
import random

import pytest

from kvs_chime.webrtc import ReconnectPolicy
from kvs_chime.webrtc._reconnect import ReconnectState, ice_refresh_due, should_reconnect


class _Highest(random.Random):
    """Full jitter at its worst for the server: every wait is its cap."""

    def uniform(self, a: float, b: float) -> float:
        return b


class _Lowest(random.Random):
    """Full jitter at its worst for the window: every wait is zero."""

    def uniform(self, a: float, b: float) -> float:
        return a


def test_an_outage_gets_its_attempts_with_capped_jittered_waits() -> None:
    state = ReconnectState(
        ReconnectPolicy(attempts=5, base_delay=0.5, max_delay=1.0, deadline=100), random.Random(1)
    )
    state.begin(0.0)
    delays = [state.next_delay(0.0) for _ in range(6)]
    assert delays[0] == 0.0  # the first attempt at once
    assert all(
        d is not None and 0 <= d <= cap for d, cap in zip(delays[1:5], [0.5, 1.0, 1.0, 1.0], strict=True)
    )
    assert delays[5] is None  # bounded


def test_the_deadline_ends_an_outage() -> None:
    state = ReconnectState(ReconnectPolicy(attempts=100, deadline=10.0))
    state.begin(0.0)
    assert state.next_delay(0.0) == 0.0
    delay = state.next_delay(9.9)
    assert delay is not None and delay <= 0.1 + 1e-9  # never waits past the deadline
    assert state.next_delay(10.0) is None


def test_the_budget_spans_outages() -> None:
    state = ReconnectState(ReconnectPolicy(attempts=3, budget=4))
    now = 0.0
    for _ in range(2):
        state.begin(now)
        while state.next_delay(now) is not None and state.failures < 4:
            state.failed()
        now += 100.0
        state.opened(now)
        now += 100.0
    state.begin(now)
    assert state.failures == 4
    assert state.next_delay(now) is None


def _flap(state: ReconnectState, cycles: int, lifetime: float) -> list[float]:
    """Connections that open at each attempt and end `lifetime` s later; the attempt times."""
    now = 0.0
    state.attempted(now)
    state.opened(now)
    times = [now]
    for _ in range(cycles):
        now += lifetime
        state.begin(now)
        delay = state.next_delay(now)
        assert delay is not None  # connections open: the client never gives up
        now += delay
        state.attempted(now)
        state.opened(now)
        times.append(now)
    return times


def test_connections_that_die_young_do_not_end_the_outage_the_backoff_grows() -> None:
    policy = ReconnectPolicy(base_delay=0.2, max_delay=5.0, stable_after=5.0)
    times = _flap(ReconnectState(policy, _Highest()), 8, lifetime=0.01)
    waits = [round(b - a - 0.01, 6) for a, b in itertools.pairwise(times)]
    assert waits == [0.0, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_a_stable_connection_ends_the_outage_the_next_attempt_is_at_once() -> None:
    policy = ReconnectPolicy(stable_after=5.0)
    state = ReconnectState(policy, _Highest())
    _flap(state, 5, lifetime=0.01)
    state.begin(1000.0)  # the last connection lived long: stable
    assert state.next_delay(1000.0) == 0.0
    assert state.next_delay(1000.0) == policy.base_delay  # and the backoff starts afresh


@pytest.mark.parametrize("lifetime", [0.0, 0.01, 6.0])
def test_no_window_holds_more_than_max_connects_attempts(lifetime: float) -> None:
    # Even when the jitter always draws zero, and even when each connection counts as stable.
    policy = ReconnectPolicy(max_connects=20, connect_window=60.0, stable_after=5.0)
    times = _flap(ReconnectState(policy, _Lowest()), 500, lifetime=lifetime)
    busiest = max(sum(1 for t in times if start <= t < start + 60.0) for start in times)
    assert busiest <= 20
    assert busiest == 20 or lifetime * 20 > 60.0  # the bound is reached when connections are short
    per_minute = len(times) / (times[-1] / 60.0)
    assert per_minute <= 20 * 1.05  # over a long run: the bound, not a multiple of it


def test_waiting_for_the_window_does_not_count_against_the_deadline() -> None:
    policy = ReconnectPolicy(max_connects=2, connect_window=100.0, deadline=10.0, attempts=10)
    state = ReconnectState(policy, _Lowest())
    times = _flap(state, 1, lifetime=0.0)  # two attempts at 0: the window is full until 100
    state.begin(times[-1])
    delay = state.next_delay(times[-1])
    assert delay == pytest.approx(100.0)
    state.attempted(100.0)
    state.failed()  # that attempt (at 100) fails: the run of failures has lasted 0 s, not 100
    assert state.next_delay(100.0) is not None


@pytest.mark.parametrize(
    ("code", "again"),
    [(1001, True), (1006, True), (None, True), (1011, True), (1000, False), (1008, False), (1002, False)],
)
def test_which_closes_are_worth_reconnecting(code: int | None, again: bool) -> None:
    assert should_reconnect(code, closing=False) is again
    assert should_reconnect(code, closing=True) is False


def test_ice_servers_are_refreshed_30_s_before_their_ttl() -> None:
    assert not ice_refresh_due(100.0, 300.0, 369.9)
    assert ice_refresh_due(100.0, 300.0, 370.0)
    assert ice_refresh_due(0.0, 40.0, 20.0) and not ice_refresh_due(0.0, 40.0, 19.9)  # half a short life


def test_a_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="attempts"):
        ReconnectPolicy(attempts=0)
    with pytest.raises(ValueError, match="deadline"):
        ReconnectPolicy(deadline=0)
    with pytest.raises(ValueError, match="stable_after"):
        ReconnectPolicy(stable_after=-1)
    with pytest.raises(ValueError, match="max_connects"):
        ReconnectPolicy(max_connects=0)
    with pytest.raises(ValueError, match="connect_window"):
        ReconnectPolicy(connect_window=0)
