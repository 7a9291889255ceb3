"""Fixtures: the plugin's `local_endpoint`, and a facade bound to it."""

from __future__ import annotations

import pytest

from kvs_chime import KinesisVideo, RetryPolicy
from kvs_chime.testing import LocalEndpoint

pytest_plugins = ["kvs_chime.testing.pytest_plugin"]  # the `local_endpoint` fixture


@pytest.fixture
def kv(local_endpoint: LocalEndpoint) -> KinesisVideo:
    """A facade talking to this test's endpoint; retries with millisecond delays."""
    return KinesisVideo(
        session=local_endpoint.boto3_session(),
        endpoint_url=local_endpoint.url,
        region_name=local_endpoint.region,
        retry=RetryPolicy(initial_delay=0.001, max_delay=0.01),
    )
