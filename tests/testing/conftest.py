"""Fixtures for the local endpoint's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kvs_chime.testing import LocalEndpoint, ManualClock

DELAY = 5.0


@pytest.fixture
def local_endpoint() -> Iterator[LocalEndpoint]:
    """An endpoint whose changes are immediate, for the tests that are not about states.

    The plugin's own fixture is asynchronous, as the services are (tested in test_local_states).
    """
    with LocalEndpoint(activation_delay=0) as endpoint:
        yield endpoint


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when a test advances it."""
    return ManualClock(1000.0)


@pytest.fixture
def slow_endpoint(clock: ManualClock) -> Iterator[LocalEndpoint]:
    """An endpoint whose asynchronous transitions take DELAY seconds of the manual clock."""
    with LocalEndpoint(activation_delay=DELAY, clock=clock) as endpoint:
        yield endpoint
