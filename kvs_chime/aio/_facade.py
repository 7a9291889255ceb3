"""The base every async facade shares: owning an aiobotocore client (`async with`) or wrapping
one. Generated methods call its pipeline (`aio/_pipeline.py`) directly."""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, ClassVar, TypeVar

from .._facade import CLIENT_DEFAULTS, FacadeBase, check_type
from .._retry import RetryBudget, RetryPolicy
from .._steps import Steps
from .._waiter import Poll
from ._pipeline import AsyncPipeline, arun

__all__ = ["AsyncServiceFacade"]

T = TypeVar("T")
F = TypeVar("F", bound="AsyncServiceFacade")
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


class AsyncServiceFacade(FacadeBase):
    """Common construction for the async facades (`AsyncKinesisVideo`, ...).

    Own a client: `async with AsyncKinesisVideo(region_name=...) as kv:` builds an aiobotocore
    client (from `session`, an `aiobotocore.session.AioSession`, or a new one) on entry and
    closes it on exit. Or wrap one you already have, `AsyncKinesisVideo(client=client)`: usable
    at once, and never closed by the facade.

    Everything else is as for the sync facades: `retry` alone decides retries (botocore's own
    never run for the facade's calls), `retry_budget` is shared by all of this facade's calls
    and tasks, and `sleep` and `clock` are injectable for tests (defaults: `asyncio.sleep`,
    `time.monotonic`).
    """

    _service_name: ClassVar[str]

    def __init__(
        self,
        *,
        client: object | None = None,
        session: Any | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Any | None = None,
        retry: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if client is not None and (
            session is not None or region_name is not None or endpoint_url is not None or config is not None
        ):
            raise TypeError("pass either client= or session/region_name/endpoint_url/config, not both")
        check_type("retry", retry, RetryPolicy)
        check_type("retry_budget", retry_budget, RetryBudget)
        self._session = session
        self._client_args = {"region_name": region_name, "endpoint_url": endpoint_url, "config": config}
        self._owner: Any = None
        self._pipeline = AsyncPipeline(
            client,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            clock=clock,
            budget=retry_budget,
            reconcilers=self._reconcilers(),
        )
        self._calls = self._pipeline

    async def __aenter__(self: F) -> F:
        if self._pipeline.closed is not None:
            raise RuntimeError(f"{type(self).__name__} is closed: make a new one")
        if self._owner is None and self._pipeline._client is None:  # pyright: ignore[reportPrivateUsage]  # the facade owns its pipeline
            # The `aio` extra; imported on first use so `kvs_chime.aio` imports without it.
            session: Any = self._session or importlib.import_module("aiobotocore.session").get_session()
            self._session = session
            config = self._client_args["config"]
            merged = CLIENT_DEFAULTS.merge(config) if config is not None else CLIENT_DEFAULTS  # pyright: ignore[reportUnknownMemberType]  # botocore is untyped
            args = {**self._client_args, "config": merged}
            owner = session.create_client(self._service_name, **args)
            self._pipeline.bind(await owner.__aenter__())
            self._owner = owner
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the facade: every call after this raises `RuntimeError` and sends nothing. The
        client it built is closed; a wrapped client stays open (it is yours)."""
        self._pipeline.close(type(self).__name__)
        owner, self._owner = self._owner, None
        if owner is not None:
            self._pipeline._client = None  # pyright: ignore[reportPrivateUsage]  # the facade owns its pipeline
            await owner.__aexit__(None, None, None)

    @property
    def session(self) -> Any | None:
        """The aiobotocore session the client is built from (None for a wrapped client)."""
        return self._session

    @property
    def client(self) -> object:
        """The underlying aiobotocore client, for what the facade does not cover."""
        return self._pipeline.client

    async def _wait(self, waiter: Callable[[Callable[[], float]], Steps[T]], poll: Poll | None) -> T:
        """Run a waiter's polling loop (shared with the sync facade) on this facade's sleep; the
        polls run under the waiter's timeout as their deadline."""
        with self._pipeline.within((poll or Poll()).timeout):
            return await arun(waiter(self._pipeline.clock), self._pipeline.sleep)
