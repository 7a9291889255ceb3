"""The sync shell: one loop (`run`) that performs the steps of every call, waiter, reconcile and
workflow, and the one attempt (`Pipeline.send`) a call's `Send` step asks for.

The decisions are steps written once with no I/O in them (`_call.py` for a call, `_steps.py`):

    validate -> unstructure -> idempotency token (once) -> Send an attempt -> classify ->
    retry? wait? stop? (tenacity's strategies) -> Sleep and Send again, or structure the response
    / the classified typed error -> reconcile a create whose outcome was unknown, treat a
    repeated delete's "not found" as done

botocore's own retry layer never runs for a facade's attempt (`_client_hooks.py` vetoes it, on
clients the facades build and on clients users wrap), so one call makes at most
`RetryPolicy.max_attempts` HTTP attempts, all within the call's deadline. The async shell
(`aio/_pipeline.py`) is the same loop over aiobotocore.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar

from ._call import Attempt, Call, Calls, Pager, Reconciler
from ._client_hooks import install
from ._operation import Operation
from ._retry import RetryBudget, RetryPolicy
from ._steps import Steps, check_facade, perform, signed_like

__all__ = ["Pipeline", "Reconciler", "run", "synchronous"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")
R = TypeVar("R")
F = TypeVar("F")
T = TypeVar("T")
P = ParamSpec("P")


def run(
    steps: Steps[R],
    sleep: Callable[[float], None] = time.sleep,
    send: Callable[[Call], Any] | None = None,
) -> R:
    """Perform `steps` and return what the generator returns: `Send` with `send` (a pipeline's
    attempt), `Sleep` with `sleep`, `Invoke` on the sync facade it names. What a step raises is
    thrown into the generator, which decides (KeyboardInterrupt included)."""
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = steps.send(value) if error is None else steps.throw(error)
        except StopIteration as stop:
            result: R = stop.value  # a typed local, not `cast`: a call on every call's path
            return result
        try:
            value, error = perform(step, sleep, send), None
        except BaseException as exc:  # the generator decides
            value, error = None, exc


def synchronous(
    facade: type[F], steps: Callable[Concatenate[Any, P], Steps[R]], then: Callable[[F, R], T]
) -> Callable[[Callable[..., object]], Callable[Concatenate[F, P], T]]:
    """Decorates a stub `def name(): ...` into `steps` as a function of a sync `facade` that
    performs them (`run`); `then(facade, result)` makes what it returns. The stub gives only
    the public name: the signature is the steps', so it is written once for sync and async."""

    def decorate(named: Callable[..., object]) -> Callable[Concatenate[F, P], T]:
        def performer(target: F, /, *args: P.args, **kwargs: P.kwargs) -> T:
            check_facade(facade, target, named.__name__)
            return then(target, run(steps(target, *args, **kwargs)))

        signed_like(performer, steps, named, facade, then, awaited=False)
        return performer

    return decorate


class Pipeline(Calls):
    """Runs calls against one boto3 client. Thread-safe: facades may be shared across threads."""

    def __init__(
        self,
        client: object,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        budget: RetryBudget | None = None,
        reconcilers: Mapping[str, Reconciler] | None = None,
    ) -> None:
        super().__init__(retry=retry, clock=clock, budget=budget, reconcilers=reconcilers)
        self.client = client
        self.sleep = sleep
        self._methods: dict[str, Callable[..., dict[str, Any]]] = {}
        self._send = self.send  # bound once: every call's loop is handed it
        install(client)

    def _bind(self, name: str) -> Callable[..., dict[str, Any]]:
        method: Callable[..., dict[str, Any]] = getattr(self.client, name)
        self._methods[name] = method
        return method

    def send(self, call: Call) -> Any:
        """One attempt of `call` (its `Send` step): the typed response, or the classified error."""
        guard = Attempt(call)
        with guard as attempt:
            name = call.operation.method
            raw = (self._methods.get(name) or self._bind(name))(**call.params)
            watch = attempt.watched
            if watch is not None and watch.fired:
                # Cut mid-body, a response can look complete: what was read cannot be trusted.
                raise TimeoutError("the call's deadline passed during the attempt")
            return attempt.read(raw)
        guard.raise_unreadable()

    def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        call = self.start(operation, request, policy)
        response: Resp = run(call.steps(self.reconcilers.get(operation.name)), self.sleep, self._send)
        return response

    def pages(self, pager: Pager[Req, Resp, Item], policy: RetryPolicy | None) -> Iterator[Item]:
        """The items of the walk `pager` (from `Calls.pager`), each page fetched (and retried)
        through `call` only when iteration needs it."""
        while pager.request is not None:
            yield from pager.take(self.call(pager.operation, pager.request, policy))
