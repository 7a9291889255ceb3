"""The sync call pipeline: the I/O shell around the decisions of `_call.py`.

    validate -> unstructure -> idempotency token (once) -> attempts (tenacity, with the shared
    retry/stop/wait strategies) -> structure the response, or the classified typed error
    -> reconcile a create whose outcome was unknown, treat a repeated delete's "not found" as done

botocore's own retry layer never runs for a facade's attempt (`_client_hooks.py` vetoes it, on
clients the facades build and on clients users wrap), so one call makes at most
`RetryPolicy.max_attempts` HTTP attempts, all within the call's deadline.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any, TypeVar, cast

import attrs
import tenacity
from botocore.exceptions import StubResponseError

from ._call import Call, Plan, Scope, current_scope, log_retry, plan_for, retry_if, stop_if, wait_for
from ._callinfo import attach_call, record_call
from ._client_hooks import in_flight, install
from ._operation import Operation, Pages
from ._response import read_response, unreadable_body, watch_responses
from ._retry import RetryBudget, RetryPolicy
from ._validate import checked_request, validate_request
from .errors import (
    KvsChimeError,
    NotFoundError,
    ReconciliationConflictError,
    ResourceInUseError,
    ResponseParseError,
)

__all__ = ["Pipeline", "Reconciler"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")

logger = logging.getLogger("kvs_chime")

Reconciler = Callable[[Any, Any], object]
"""Given the create request and the call's start (an aware datetime on the service's clock),
return the response for the resource an earlier attempt created, or raise
`ReconciliationConflictError`: the resource holding the name is not this call's."""


def check_options(method: str, retry: object, page_size: object = None, max_items: object = None) -> None:
    """Refuse options of the wrong kind before any network call."""
    if retry is None and page_size is None and max_items is None:
        return
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise TypeError(f"{method}(): retry= must be a kvs_chime.RetryPolicy, got {type(retry).__name__}")
    for name, value in (("page_size", page_size), ("max_items", max_items)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{method}(): {name}= must be a positive int, got {type(value).__name__}")
        if value < 1:
            raise ValueError(f"{method}(): {name}= must be a positive int, got {value}")


class Pipeline:
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
        self.client = client
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self.budget = budget if budget is not None else RetryBudget()
        self._reconcilers = dict(reconcilers or {})
        self._methods: dict[str, Callable[..., dict[str, Any]]] = {}
        self._plans: dict[str, Plan] = {}
        # One Retrying for every call: the strategies read each call's state from the attempt
        # function's argument (`rs.args[0]`), and tenacity keeps per-call state per call.
        self._retrying = tenacity.Retrying(
            retry=retry_if,
            stop=stop_if,
            wait=wait_for,
            sleep=sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        install(client)
        watch_responses(client)

    # -- one attempt ---------------------------------------------------------------------------

    def _method(self, name: str) -> Callable[..., dict[str, Any]]:
        method = self._methods.get(name)
        if method is None:
            method = self._methods[name] = getattr(self.client, name)
        return method

    def _attempt(self, call: Call) -> dict[str, Any]:
        attempt = call.begin_attempt()
        marker = in_flight.set(attempt)
        try:
            raw = self._method(call.operation.method)(**call.params)
            watch = attempt.watched
            if watch is not None and watch.fired:
                # Cut mid-body, a response can look complete: what was read cannot be trusted.
                raise TimeoutError("the call's deadline passed during the attempt")
            return raw
        except (AssertionError, StubResponseError):
            raise  # botocore's Stubber reporting a test's mistake: for the test, unchanged
        except Exception as exc:
            unreadable = unreadable_body(call.operation.name, exc)
            if unreadable is None:
                error = call.failed(exc, attempt)
                if error is exc:
                    raise
                raise error from exc
        finally:
            in_flight.reset(marker)
            call.end_attempt(attempt)
        # A 2xx body botocore choked on: raised outside the except block, so that botocore's
        # exception (whose message can quote the body) is not chained to it.
        raise call.failed(unreadable, attempt)

    def _run(self, call: Call) -> dict[str, Any]:
        """The attempts of one call. The first runs outside tenacity, so a call that succeeds at
        once (nearly all of them) never builds tenacity's per-call state; after a failure,
        Retrying takes over with that failure as its attempt 1, so its retry, stop, wait and
        logging decisions and the attempt count are as if it had run from the start."""
        try:
            return self._attempt(call)
        except KvsChimeError as exc:
            first_failure: list[KvsChimeError] = [exc]

        def replay_then_attempt(state: Call) -> dict[str, Any]:
            if first_failure:
                raise first_failure.pop()
            return self._attempt(state)

        return self._retrying(replay_then_attempt, call)

    # -- the whole call ------------------------------------------------------------------------

    def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        check_options(operation.method, policy)
        request = checked_request(operation, request)
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = plan_for(operation, operation.name in self._reconcilers)
        call = Call.start_call(
            operation, request, plan, policy=policy or self.retry, budget=self.budget, clock=self.clock
        )
        try:
            raw = self._run(call)
        except ResourceInUseError as exc:
            if operation.name not in self._reconcilers or not call.may_have_applied:
                self._record(call)
                raise
            return cast(Resp, self._reconcile(call, exc))
        except NotFoundError:
            if not (plan.idempotent_delete and call.may_have_applied):
                self._record(call)
                raise
            # An earlier attempt whose answer was lost deleted it: the delete is done.
            logger.info("%s: not found after an outcome-unknown attempt; the delete applied", operation.name)
            call.failure = None
            return self._finish(call, operation.response())
        except KvsChimeError:
            self._record(call)
            raise
        call.succeeded(raw)
        try:
            response = read_response(operation, raw)
        except ResponseParseError as exc:
            self._record(call)
            raise call.stamp(exc) from None  # nothing chained: a cause could quote the body
        return self._finish(call, response)

    def _finish(self, call: Call, response: Resp) -> Resp:
        self._record(call)
        attach_call(response, call)
        return response

    def _reconcile(self, call: Call, in_use: ResourceInUseError) -> object:
        """The name is taken after an attempt that may have created it: ours if it was created
        after this call started and matches what was asked."""
        name = call.operation.name
        logger.info("%s: name taken after an outcome-unknown attempt; reconciling", name)
        scope = current_scope.set(call.scope(records=False))
        try:
            result = self._reconcilers[name](call.request, call.started_at())
        except ReconciliationConflictError as conflict:
            self._record(call)
            raise call.stamp(conflict) from (conflict.__cause__ or in_use)
        except KvsChimeError as lookup:
            self._record(call)
            raise call.stamp(
                ReconciliationConflictError(name, "", {"look-up failed": (True, False)})
            ) from lookup
        finally:
            current_scope.reset(scope)
        call.reconciled = True
        return self._finish(call, result)

    def _record(self, call: Call) -> None:
        if call.records:
            record_call(call)

    # -- nested calls and pagination -------------------------------------------------------------

    @contextlib.contextmanager
    def within(self, deadline: float | None, policy: RetryPolicy | None = None) -> Generator[None]:
        """Run the calls in the block under one deadline (`deadline` seconds from now on the
        facade's clock) and policy, each recorded for `last_call()`: a waiter's polls."""
        outer = current_scope.get()
        if outer is not None:
            yield  # already inside a call: its deadline wins
            return
        at = None if deadline is None else self.clock() + deadline
        token = current_scope.set(Scope(policy or self.retry, at, records=True))
        try:
            yield
        finally:
            current_scope.reset(token)

    def paginate(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req | None,
        page_size: int | None,
        max_items: int | None,
        policy: RetryPolicy | None,
    ) -> Iterator[Item]:
        """Items across pages, each page fetched (and retried) through `call` only when needed.

        The first request is validated here, so bad input fails at the call, not at first `next()`.
        """
        check_options(operation.method, policy, page_size, max_items)
        request = checked_request(operation, request)
        if page_size is not None:
            if pages.limit is None:
                raise TypeError(f"{operation.method}(): this operation takes no page_size")
            request = attrs.evolve(request, **{pages.limit: page_size})  # type: ignore[misc]  # attrs instance by construction
        validate_request(request)
        return self._pages(operation, pages, request, max_items, policy)

    def _pages(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req,
        max_items: int | None,
        policy: RetryPolicy | None,
    ) -> Iterator[Item]:
        count = 0
        seen: set[str] = set()
        while max_items is None or count < max_items:
            response = self.call(operation, request, policy)
            for item in pages.items(response) or ():
                yield item
                count += 1
                if max_items is not None and count >= max_items:
                    return
            token = pages.next_token(response)
            if not token:
                return
            if token in seen:
                raise KvsChimeError(f"{operation.name}: the service returned the same page token twice")
            seen.add(token)
            request = attrs.evolve(request, **{pages.input_token: token})  # type: ignore[misc]  # attrs instance by construction
