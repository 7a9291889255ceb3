"""The reconnect decisions: bounded per outage, by a budget and a deadline; ICE refreshed early."""

from __future__ import annotations

import random

import pytest

from kvs_chime.webrtc import ReconnectPolicy
from kvs_chime.webrtc._reconnect import ReconnectState, ice_refresh_due, should_reconnect


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
    for _ in range(2):
        state.begin(0.0)
        while state.next_delay(0.0) is not None and state.failures < 4:
            state.failed()
        state.succeeded()
    state.begin(0.0)
    assert state.failures == 4
    assert state.next_delay(0.0) is None


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
