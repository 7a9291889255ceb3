"""The sync call pipeline: the I/O shell around the decisions of `_call.py`.

    validate -> unstructure -> idempotency token (once) -> attempts (tenacity, with the shared
    retry/stop/wait strategies) -> structure the response, or the classified typed error
    -> reconcile a create whose outcome was unknown, treat a repeated delete's "not found" as done

botocore's own retry layer never runs for a facade's attempt (`_client_hooks.py` vetoes it, on
clients the facades build and on clients users wrap), so one call makes at most
`RetryPolicy.max_attempts` HTTP attempts, all within the call's deadline. The async pipeline
(`aio/_pipeline.py`) is the same shell over aiobotocore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

from ._call import Attempt, Call, Calls, Pager, Reconciler, log_retry, retry_if, stop_if, wait_for
from ._client_hooks import install
from ._operation import Operation
from ._retry import RetryBudget, RetryPolicy
from ._steps import run
from .errors import KvsChimeError

__all__ = ["Pipeline", "Reconciler"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


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
        self._retrying: Any = None  # tenacity's Retrying, made at the first retry
        install(client)

    # -- one attempt ---------------------------------------------------------------------------

    def _method(self, name: str) -> Callable[..., dict[str, Any]]:
        method = self._methods.get(name)
        if method is None:
            method = self._methods[name] = getattr(self.client, name)
        return method

    def _attempt(self, call: Call) -> Any:
        replay = call.take_replay()
        if replay is not None:
            raise replay
        guard = Attempt(call)
        with guard as attempt:
            raw = self._method(call.operation.method)(**call.params)
            watch = attempt.watched
            if watch is not None and watch.fired:
                # Cut mid-body, a response can look complete: what was read cannot be trusted.
                raise TimeoutError("the call's deadline passed during the attempt")
            return call.read(raw)
        guard.raise_unreadable()

    def _run(self, call: Call) -> Any:
        """The attempts of one call. The first runs outside tenacity, so a call that succeeds at
        once (nearly all of them) never builds tenacity's per-call state."""
        try:
            return self._attempt(call)
        except KvsChimeError as exc:
            call.replay = exc
        retrying = self._retrying
        if retrying is None:
            # One Retrying for every call: the strategies read each call's state from the attempt
            # function's argument (`rs.args[0]`), and tenacity keeps per-call state per call.
            # Made here, not at start-up: a process whose calls all succeed never imports it.
            import tenacity

            retrying = self._retrying = tenacity.Retrying(
                retry=retry_if,
                stop=stop_if,
                wait=wait_for,
                sleep=self.sleep,
                before_sleep=log_retry,
                reraise=True,
            )
        return retrying(self._attempt, call)

    # -- the whole call ------------------------------------------------------------------------

    def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        call = self.start(operation, request, policy)
        try:
            response = self._run(call)
        except KvsChimeError as exc:
            return cast(Resp, run(call.recover(exc, self.reconcilers.get(operation.name)), self.sleep))
        return cast(Resp, call.finish(response))

    # -- pagination ----------------------------------------------------------------------------

    def pages(self, pager: Pager[Req, Resp, Item], policy: RetryPolicy | None) -> Iterator[Item]:
        """The items of the walk `pager` (from `Calls.pager`), each page fetched (and retried)
        through `call` only when iteration needs it."""
        while pager.request is not None:
            yield from pager.take(self.call(pager.operation, pager.request, policy))
