"""pytest fixture for the local endpoint.

Enable it with `pytest_plugins = ["kvs_chime.testing.pytest_plugin"]` in your top-level conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._endpoint import LocalEndpoint


@pytest.fixture
def local_endpoint() -> Iterator[LocalEndpoint]:
    """A started LocalEndpoint for one test, stopped (with the clients it made) afterwards.

    Asynchronous like the services (resources are CREATING at first): wait for them with the
    facades' `wait_until_*`, or build your own fixture with `LocalEndpoint(activation_delay=0)`.
    """
    with LocalEndpoint() as endpoint:
        yield endpoint
