"""Async facades against the local endpoint, through aiobotocore and real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

pytest.importorskip("aiobotocore")  # the `aio` extra: `nox -s aio` runs these tests

from aiobotocore.session import get_session  # after the skip

from kvs_chime.testing import LocalEndpoint

T = TypeVar("T")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0.0) as ep:  # changes at once: these tests are not about states
        yield ep


@pytest.fixture
def ep(endpoint: LocalEndpoint) -> LocalEndpoint:
    endpoint.reset()
    return endpoint


class FakeAsyncTime:
    """An injected clock and async sleep: retries and polls advance it instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def raw_client(ep: LocalEndpoint, service: str) -> Any:
    """An aiobotocore client context for the endpoint (dummy credentials, like ep.client)."""
    return get_session().create_client(
        service,
        region_name=ep.region,
        endpoint_url=ep.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `main` in a fresh loop and check no task is left pending when it returns."""

    async def checked() -> T:
        result = await main()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == [], others
        return result

    return asyncio.run(checked())


async def aitems(iterator: AsyncIterator[T]) -> list[T]:
    return [item async for item in iterator]
