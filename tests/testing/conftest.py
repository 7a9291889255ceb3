"""Fixtures for the local endpoint's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kvs_chime.testing import LocalEndpoint, ManualClock

# The plugin's fixture, re-exported so these tests exercise it as users get it.
from kvs_chime.testing.pytest_plugin import local_endpoint as local_endpoint

DELAY = 5.0


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when a test advances it."""
    return ManualClock(1000.0)


@pytest.fixture
def slow_endpoint(clock: ManualClock) -> Iterator[LocalEndpoint]:
    """An endpoint whose asynchronous transitions take DELAY seconds of the manual clock."""
    with LocalEndpoint(activation_delay=DELAY, clock=clock) as endpoint:
        yield endpoint
