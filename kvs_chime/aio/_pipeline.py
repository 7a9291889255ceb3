"""The async shell: one loop (`arun`) that awaits the steps of every call, waiter, reconcile and
workflow on async facades, and the one attempt (`AsyncPipeline.send`) a call's `Send` step asks
for, over aiobotocore. The decisions are the sync shell's (`_call.py`, `_steps.py`).

Each attempt runs under the time left of the call's deadline (`asyncio.timeout`, or
`asyncio.wait_for` on Python 3.10): at the deadline the attempt's task is cancelled, which
cancels its HTTP request, and the call raises `DeadlineExceededError`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from .._call import Attempt, Call, Calls, Pager, Reconciler
from .._client_hooks import InFlight, in_flight, install
from .._operation import Operation
from .._retry import RetryBudget, RetryPolicy
from .._steps import Steps, check_facade, perform, signed_like

__all__ = ["AsyncPipeline", "arun", "asynchronous"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")
R = TypeVar("R")
F = TypeVar("F")
T = TypeVar("T")
P = ParamSpec("P")


async def arun(
    steps: Steps[R],
    sleep: Callable[[float], Awaitable[None]] | None = None,
    send: Callable[[Call], Awaitable[Any]] | None = None,
) -> R:
    """Await `steps` and return what the generator returns: the sync loop (`_pipeline.run`),
    awaiting each step, on async facades.

    A cancellation is thrown into the generator like any exception, so it can clean up (its
    cleanup steps are awaited; the generator re-raises `CancelledError` when done).
    """
    if sleep is None:
        sleep = asyncio.sleep  # looked up when run, not when defined
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.send(value) if error is None else steps.throw(error)
        except StopIteration as stop:
            return cast(R, stop.value)
        try:
            value, error = await perform(step, sleep, send), None
        except BaseException as exc:  # CancelledError too: the generator decides
            value, error = None, exc


def asynchronous(
    facade: type[F], steps: Callable[Concatenate[Any, P], Steps[R]], then: Callable[[F, R], T]
) -> Callable[[Callable[..., object]], Callable[Concatenate[F, P], Coroutine[Any, Any, T]]]:
    """As `_pipeline.synchronous`, for an async `facade`: a coroutine function that awaits the
    steps (`arun`)."""

    def decorate(named: Callable[..., object]) -> Callable[Concatenate[F, P], Coroutine[Any, Any, T]]:
        async def performer(target: F, /, *args: P.args, **kwargs: P.kwargs) -> T:
            check_facade(facade, target, named.__name__)
            return then(target, await arun(steps(target, *args, **kwargs)))

        signed_like(performer, steps, named, facade, then, awaited=True)
        return performer

    return decorate


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

    async def send(self, call: Call) -> Any:
        """One attempt of `call` (its `Send` step): the typed response, or the classified error."""
        method = self._method(call.operation.method)  # outside the attempt: no client is no failure to retry
        guard = Attempt(call)
        with guard as attempt:
            request = method(**call.params)
            remaining = call.remaining()
            raw = await (request if remaining is None else _bounded(request, remaining, attempt))
            return attempt.read(raw)
        guard.raise_unreadable()

    async def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        call = self.start(operation, request, policy)
        steps = call.steps(self.reconcilers.get(operation.name))
        return cast(Resp, await arun(steps, self.sleep, self.send))

    async def pages(self, pager: Pager[Req, Resp, Item], policy: RetryPolicy | None) -> AsyncIterator[Item]:
        """The items of the walk `pager` (from `Calls.pager`), each page fetched (and retried)
        through `call` only when iteration needs it."""
        while pager.request is not None:
            for item in pager.take(await self.call(pager.operation, pager.request, policy)):
                yield item
