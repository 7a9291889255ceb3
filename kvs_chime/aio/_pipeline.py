"""The async call pipeline: the same decisions as the sync one (`_call.py`), over aiobotocore.

Each attempt runs under the time left of the call's deadline (`asyncio.timeout`, or
`asyncio.wait_for` on Python 3.10): at the deadline the attempt's task is cancelled, which
cancels its HTTP request, and the call raises `DeadlineExceededError`. Retries are tenacity's
`AsyncRetrying` with the strategies the sync pipeline uses.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from .._call import Attempt, Call, Calls, Pager, Reconciler, log_retry, retry_if, stop_if, wait_for
from .._client_hooks import InFlight, in_flight, install
from .._operation import Operation
from .._retry import RetryBudget, RetryPolicy
from .._steps import arun
from ..errors import KvsChimeError

__all__ = ["AsyncPipeline"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")
T = TypeVar("T")


def _mark_sent(**_: object) -> None:
    # aiobotocore exposes no socket: "about to send" is as close as it gets to "sent".
    attempt = in_flight.get()
    if attempt is not None and attempt.watch is not None:
        attempt.watch.sent = True


async def _bounded(awaitable: Awaitable[T], seconds: float, attempt: InFlight) -> T:
    """`awaitable` cancelled after `seconds`; a cut marks the attempt's watch as fired."""
    try:
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(max(seconds, 0.0)) as limit:
                return await awaitable
        return await asyncio.wait_for(awaitable, max(seconds, 0.0))
    except asyncio.TimeoutError:
        if sys.version_info < (3, 11) or limit.expired():
            assert attempt.watch is not None  # a deadline arms a watch
            attempt.watch.fired = True
        raise


class AsyncPipeline(Calls):
    """Runs calls against one aiobotocore client, from any number of tasks at once."""

    def __init__(
        self,
        client: object | None,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], Awaitable[None]],
        clock: Callable[[], float],
        budget: RetryBudget | None = None,
        reconcilers: Mapping[str, Reconciler] | None = None,
    ) -> None:
        super().__init__(retry=retry, clock=clock, budget=budget, reconcilers=reconcilers)
        self.sleep = sleep
        self._retrying: Any = None  # tenacity's AsyncRetrying, made at the first retry
        self._client: object | None = None
        self._methods: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {}
        if client is not None:
            self.bind(client)

    def bind(self, client: object) -> None:
        """Use `client` (an aiobotocore client) for the calls from now on."""
        install(client, asynchronous=True)
        events: Any = getattr(getattr(client, "meta", None), "events", None)
        if events is not None:
            events.register("before-send", _mark_sent, unique_id="kvs_chime-aio-sent")
        self._client = client
        self._methods = {}

    @property
    def client(self) -> object:
        if self._client is None:
            raise RuntimeError("this facade owns its client: use it inside `async with facade:`")
        return self._client

    def _method(self, name: str) -> Callable[..., Awaitable[dict[str, Any]]]:
        method = self._methods.get(name)
        if method is None:
            method = self._methods[name] = getattr(self.client, name)
        return method

    async def _attempt(self, call: Call) -> Any:
        replay = call.take_replay()
        if replay is not None:
            raise replay
        method = self._method(call.operation.method)  # outside the attempt: no client is no failure to retry
        guard = Attempt(call)
        with guard as attempt:
            request = method(**call.params)
            remaining = call.remaining()
            raw = await (request if remaining is None else _bounded(request, remaining, attempt))
            return call.read(raw)
        guard.raise_unreadable()

    async def _run(self, call: Call) -> Any:
        try:
            return await self._attempt(call)
        except KvsChimeError as exc:
            call.replay = exc
        retrying = self._retrying
        if retrying is None:
            import tenacity  # at the first retry, as the sync pipeline does

            retrying = self._retrying = tenacity.AsyncRetrying(
                retry=retry_if,
                stop=stop_if,
                wait=wait_for,
                sleep=self.sleep,
                before_sleep=log_retry,
                reraise=True,
            )
        return await retrying(self._attempt, call)

    async def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        call = self.start(operation, request, policy)
        try:
            response = await self._run(call)
        except KvsChimeError as exc:
            return cast(Resp, await arun(call.recover(exc, self.reconcilers.get(operation.name)), self.sleep))
        return cast(Resp, call.finish(response))

    async def pages(self, pager: Pager[Req, Resp, Item], policy: RetryPolicy | None) -> AsyncIterator[Item]:
        """The items of the walk `pager` (from `Calls.pager`), each page fetched (and retried)
        through `call` only when iteration needs it."""
        while pager.request is not None:
            for item in pager.take(await self.call(pager.operation, pager.request, policy)):
                yield item
