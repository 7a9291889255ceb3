"""The decisions of one logical call, written once with no I/O in them.

A `Call` holds one call's state across its attempts, and `Call.steps` is the call as a generator
of steps (`_steps.py`), run by the one sync loop (`_pipeline.py`) or the one async loop
(`aio/_pipeline.py`):

    call = calls.start(operation, request, policy)   options, plan, validate, unstructure, token
    call.steps(reconciler):
        yield Send(call)                             the loop makes one attempt: inside
                                                     `with Attempt(call) as attempt` the client
                                                     call (the only I/O) and `attempt.read(raw)`;
                                                     it sends back the typed response or
                                                     throws in the classified, typed error
        call.next_delay(error)                       tenacity's retry, wait and stop strategies
                                                     (`retry_if`, `wait_for`, `stop_if`) on the
                                                     call's own `tenacity.RetryCallState`
        yield Sleep(delay)                           and send again, or give up:
        call.recover(error, reconciler)              steps that reconcile a create (`Invoke`
                                                     the facade's look-ups), call a delete done,
                                                     or raise the error
        call.finish(response)                        record it for `last_call()`/`call_info()`

tenacity's control flow (`Retrying`) never runs: its exceptions cannot reach the caller.
`Pager` holds the decisions of a paginated walk.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
import os
import sys
import time
from collections.abc import Callable, Generator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

import attrs
from botocore.exceptions import StubResponseError

from ._bounded import remember
from ._callinfo import CallInfo, attach_call, record_call
from ._client_hooks import InFlight, in_flight
from ._convert import unstructure_request
from ._failure import Failure, classify
from ._model import WIRE, frozen
from ._operation import Operation, Pages
from ._response import read_response, unreadable_body
from ._retry import RetryBudget, RetryPolicy, backoff
from ._steps import Send, Sleep, Steps
from ._validate import checked_request, validate_request
from .errors import (
    CallError,
    KvsChimeError,
    NotFoundError,
    ReconciliationConflictError,
    ResourceInUseError,
)

if TYPE_CHECKING:
    # At run time `Call.next_delay` imports it, at a call's first failed attempt: a process whose
    # calls all succeed never pays for it (nor for the asyncio it imports).
    import tenacity

__all__ = [
    "Attempt",
    "Call",
    "Calls",
    "Pager",
    "Plan",
    "Scope",
    "check_options",
    "current_scope",
    "log_retry",
    "new_token",
    "plan_for",
    "retry_if",
    "stop_if",
    "wait_for",
]

logger = logging.getLogger("kvs_chime")

# Deletes, tags and untags leave the same state however often they are applied.
_IDEMPOTENT_PREFIXES = ("Delete", "Tag", "Untag")


@frozen
class Plan:
    """What every call of one operation shares, worked out on its first call."""

    safe_to_repeat: bool
    """Read-only, idempotent, token-carrying or reconciled: safe to repeat after an unknown outcome."""
    token_wire: str | None
    """The wire name of the idempotency token member, if the operation has one."""
    idempotent_delete: bool
    """A delete: "not found" after an attempt that may have applied means it did."""


def plan_for(operation: Operation[Any, Any], reconciled: bool) -> Plan:
    wire = None
    if operation.idempotency_token is not None:
        shape = cast("type[attrs.AttrsInstance]", operation.request)
        wire = attrs.fields_dict(shape)[operation.idempotency_token].metadata[WIRE]
    idempotent = operation.name.startswith(_IDEMPOTENT_PREFIXES)
    safe = operation.read_only or idempotent or wire is not None or reconciled
    return Plan(safe, wire, operation.name.startswith("Delete"))


@frozen
class Scope:
    """The outermost call in this context: calls made inside it (a reconciling look-up, a
    waiter's polls) run under its policy and deadline."""

    policy: RetryPolicy
    deadline_at: float | None
    """The outer call's deadline on the facade's clock, or None."""
    records: bool
    """Whether calls inside it are what `last_call()` reports (a waiter's polls are)."""


current_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("kvs_chime_scope", default=None)


def new_token() -> str:
    """A fresh idempotency token: a random (version 4) UUID in its usual text form, as botocore
    makes one. Written out rather than `str(uuid.uuid4())`, which builds a `UUID` object and
    formats it in Python: 2.5x slower, on every create."""
    h = os.urandom(16).hex()
    # The version nibble is 4; the variant's top two bits are 10 (RFC 9562), so 8, 9, a or b.
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class Call:
    """One logical call's state across its attempts.

    A plain slotted class, not attrs: it is made once per call on the success path, and its
    constructor sets only what every call needs.
    """

    __slots__ = (
        "_real_start",
        "attempts",
        "budget",
        "clock",
        "deadline_at",
        "failure",
        "http_status",
        "may_have_applied",
        "operation",
        "params",
        "plan",
        "policy",
        "reconciled",
        "records",
        "request",
        "request_id",
        "retry_cost",
        "retry_state",
        "server_start",
        "start",
        "token",
    )

    def __init__(
        self,
        operation: Operation[Any, Any],
        request: object,
        params: dict[str, object],
        plan: Plan,
        policy: RetryPolicy,
        budget: RetryBudget,
        clock: Callable[[], float],
        start: float,
        deadline_at: float | None,
        records: bool,
    ) -> None:
        self.operation = operation
        self.request = request
        self.params = params
        self.plan = plan
        self.policy = policy
        self.budget = budget
        self.clock = clock
        self.start = start
        self.deadline_at = deadline_at
        self.records = records
        self.token: str | None = None
        self.attempts = 0
        self.request_id: str | None = None
        self.http_status: int | None = None
        self.may_have_applied = False
        self.reconciled = False
        self.failure: Failure | None = None
        self.retry_cost = 0.0
        self.retry_state: tenacity.RetryCallState | None = None
        """What tenacity's strategies decide on: made at the first failed attempt."""
        self.server_start: float | None = None
        """The call's start on the service's clock (epoch s), estimated from an answer's Date header."""
        self._real_start = time.monotonic()

    @classmethod
    def start_call(
        cls,
        operation: Operation[Any, Any],
        request: object,
        plan: Plan,
        *,
        policy: RetryPolicy,
        budget: RetryBudget,
        clock: Callable[[], float],
    ) -> Call:
        """Validate and prepare `request`; the call starts now, in the current scope."""
        validate_request(request)
        params = unstructure_request(request)
        scope = current_scope.get()
        now = clock()
        if scope is not None:
            policy, deadline_at, records = scope.policy, scope.deadline_at, scope.records
        else:
            deadline_at = None if policy.deadline is None else now + policy.deadline
            records = True
        call = cls(operation, request, params, plan, policy, budget, clock, now, deadline_at, records)
        if plan.token_wire is not None:
            # Set before the first attempt: botocore would otherwise fill a fresh token per attempt.
            given = params.get(plan.token_wire)
            call.token = given if isinstance(given, str) and given else new_token()
            params[plan.token_wire] = call.token
        return call

    def info(self) -> CallInfo:
        return CallInfo(self.operation.name, self.attempts, self.request_id, self.token, self.reconciled)

    def scope(self, *, records: bool) -> Scope:
        """The scope calls nested in this one run in."""
        return Scope(self.policy, self.deadline_at, records)

    def remaining(self) -> float | None:
        """Seconds left before the deadline, on the facade's clock (None: no deadline)."""
        return None if self.deadline_at is None else self.deadline_at - self.clock()

    def failed(self, exc: BaseException, in_flight: InFlight) -> KvsChimeError:
        """Classify what the attempt raised; return the error to raise in its place."""
        watch = in_flight.watched
        failure = classify(
            exc,
            operation=self.operation.name,
            safe_to_repeat=self.plan.safe_to_repeat,
            attempts=self.attempts,
            idempotency_token=self.token,
            deadline_cut=watch is not None and watch.fired,
            sent=None if watch is None else watch.sent,
            body=in_flight.body,
            changes_state=not self.operation.read_only,
        )
        self.failure = failure
        error = failure.error
        if isinstance(error, CallError):
            self.request_id = error.request_id or self.request_id
            self.http_status = error.http_status
        if failure.may_have_applied:
            self.may_have_applied = True
        if failure.server_date is not None:
            # Date has whole seconds: one second earlier, so our own create is never "too old".
            elapsed = time.monotonic() - self._real_start
            self.server_start = failure.server_date - elapsed - 1.0
        return error

    def succeeded(self, raw: dict[str, Any]) -> None:
        metadata = raw.get("ResponseMetadata")
        self.request_id = metadata.get("RequestId") if metadata else None
        self.failure = None
        budget = self.budget
        budget.refund(self.retry_cost if self.attempts > 1 else budget.success_refund)

    def started_at(self) -> datetime.datetime:
        """The call's start, on the service's clock where an answer told it, else this machine's
        (one second earlier for the Date header's whole seconds)."""
        start = self.server_start
        if start is None:  # the start on this machine's wall clock, from its monotonic reading
            start = time.time() - (time.monotonic() - self._real_start) - 1.0
        return datetime.datetime.fromtimestamp(start, datetime.timezone.utc)

    def stamp(self, error: CallError) -> CallError:
        """`error` with this call's attempts, token and request id (for an error about the call
        raised by a step after its attempts, such as reconciliation)."""
        error.attempts = self.attempts
        error.idempotency_token = self.token
        error.request_id = error.request_id or self.request_id
        error.http_status = error.http_status or self.http_status
        return error

    def steps(self, reconciler: Reconciler | None) -> Steps[Any]:
        """The whole call after `start`: its attempts, the waits between them, and what follows
        the last failed one; returns the typed response."""
        send = Send(self)
        while True:
            try:
                response = yield send
            except KvsChimeError as failed:
                error = failed
            else:
                return self.finish(response)
            delay = self.next_delay(error)
            if delay is None:
                return (yield from self.recover(error, reconciler))
            yield Sleep(delay)

    def next_delay(self, error: KvsChimeError) -> float | None:
        """After the attempt that raised `error`: the seconds to wait before the next attempt, or
        None to stop. tenacity's strategies decide on the call's retry state, in the order its
        `Retrying` asks them (retry?, then the wait, then stop? with that wait known)."""
        state = self.retry_state
        if state is None:
            import tenacity

            # The strategies find the call as the state's first argument (`_call` below).
            state = self.retry_state = tenacity.RetryCallState(cast(Any, None), None, (self,), {})
        else:
            state.prepare_for_next_attempt()
        state.set_exception((type(error), error, error.__traceback__))
        if not retry_if(state):
            return None
        state.upcoming_sleep = wait_for(state)
        if stop_if(state):
            return None
        state.idle_for += state.upcoming_sleep
        log_retry(state)
        return state.upcoming_sleep

    def recover(self, error: KvsChimeError, reconciler: Reconciler | None) -> Steps[Any]:
        """What follows attempts that ended in `error`: reconcile a create whose name is taken
        after an outcome-unknown attempt, call a delete done whose target is gone after one, or
        raise `error`. Steps (`_steps.py`): the reconciling look-ups are calls of the facade."""
        name = self.operation.name
        if isinstance(error, ResourceInUseError) and reconciler is not None and self.may_have_applied:
            logger.info("%s: name taken after an outcome-unknown attempt; reconciling", name)
            return (yield from self._reconcile(reconciler, error))
        if isinstance(error, NotFoundError) and self.plan.idempotent_delete and self.may_have_applied:
            # An earlier attempt whose answer was lost deleted it: the delete is done.
            logger.info("%s: not found after an outcome-unknown attempt; the delete applied", name)
            self.failure = None
            return self.finish(self.operation.response())
        self.record()
        raise error

    def _reconcile(self, reconciler: Reconciler, in_use: ResourceInUseError) -> Steps[Any]:
        """The name is taken after an attempt that may have created it: ours if it was created
        after this call started and matches what was asked."""
        scope = current_scope.set(self.scope(records=False))
        try:
            result = yield from reconciler(self.request, self.started_at())
        except ReconciliationConflictError as conflict:
            self.record()
            raise self.stamp(conflict) from (conflict.__cause__ or in_use)
        except KvsChimeError as lookup:
            self.record()
            failed = ReconciliationConflictError(self.operation.name, "", {"look-up failed": (True, False)})
            raise self.stamp(failed) from lookup
        finally:
            current_scope.reset(scope)
        self.reconciled = True
        return self.finish(result)

    def finish(self, response: object) -> Any:
        if self.records:
            record_call(self)
        attach_call(response, self)
        return response

    def record(self) -> None:
        if self.records:
            record_call(self)

    def interrupted(self, exc: BaseException, in_flight: InFlight) -> None:
        """An attempt interrupted by a cancellation or Ctrl-C: the call is over, and its outcome
        unknown when the request may have been sent (its token is on `last_call()` and, on
        Python 3.11+, in a note on the exception)."""
        watch = in_flight.watched
        sent = watch is None or watch.sent or watch.registered
        self.may_have_applied = self.may_have_applied or sent
        self.record()
        if sys.version_info >= (3, 11) and (self.token is not None or sent):  # pragma: no branch
            exc.add_note(
                f"kvs_chime: {self.operation.name} interrupted after {self.attempts} attempt(s); "
                f"outcome {'unknown' if sent else 'not applied'}; idempotency token {self.token}"
            )


class Attempt(InFlight):
    """One attempt of `call`: `with Attempt(call) as attempt:` around the client call.

    What the client hooks learn about its HTTP answer is on it (it is their `InFlight`). It
    counts the attempt, arms the deadline, marks the attempt for the hooks, and turns what the
    client call raises into the classified, typed error (raised from it).
    """

    __slots__ = ("call", "marker", "unreadable")

    def __init__(self, call: Call) -> None:
        call.attempts += 1
        # The watchdog runs on real time: the deadline's remainder becomes a real-time limit.
        at = call.deadline_at
        InFlight.__init__(self, None if at is None else time.monotonic() + max(at - call.clock(), 0.0))
        # The attempt knows its call, never the other way round: a call and its attempts make no
        # reference cycle, so each is freed when its last user lets go of it (a walk's pages),
        # not at the collector's next pass.
        self.call = call
        self.marker = in_flight.set(self)
        self.unreadable: KvsChimeError | None = None

    def read(self, raw: dict[str, Any]) -> Any:
        """The typed response of this attempt's `raw` result, read with what the client hooks
        learnt about its HTTP answer. Called inside the attempt: a `ResponseParseError` is
        classified as the attempt's failure (`_failure.classify`)."""
        call = self.call
        call.succeeded(raw)
        return read_response(call.operation, raw, self.answer, self.refusal)

    def raise_unreadable(self) -> NoReturn:
        """After the `with` block: it ended without returning only when the body was unreadable."""
        assert self.unreadable is not None
        raise self.unreadable

    def __enter__(self) -> Attempt:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        in_flight.reset(self.marker)
        self.end()
        if exc is None or isinstance(exc, (AssertionError, StubResponseError)):
            return False  # success, or botocore's Stubber reporting a test's mistake: for the test
        if not isinstance(exc, Exception):
            self.call.interrupted(exc, self)
            return False
        unreadable = unreadable_body(self.call.operation.name, exc, self.answer if self.parsing else None)
        if unreadable is not None:
            # A 2xx body botocore choked on: its exception (whose message can quote the body) must
            # be neither the cause nor the context of the error raised in its place, so it is
            # swallowed here and `raise_unreadable` raises the error after the `with` block.
            self.unreadable = self.call.failed(unreadable, self)
            return True
        error = self.call.failed(exc, self)
        if error is not exc:
            raise error from exc
        return False


Reconciler = Callable[[Any, Any], Steps[object]]
"""Given the create request and the call's start (an aware datetime on the service's clock),
return the steps (`_steps.py`) that find the response for the resource an earlier attempt
created, or raise `ReconciliationConflictError`: the resource holding the name is not this
call's."""


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


class Calls:
    """What a pipeline (sync or async) decides for every call of one facade: default policy,
    budget, clock, plans per operation, and which creates it reconciles."""

    def __init__(
        self,
        *,
        retry: RetryPolicy,
        clock: Callable[[], float],
        budget: RetryBudget | None,
        reconcilers: Mapping[str, Reconciler] | None,
    ) -> None:
        self.retry = retry
        self.clock = clock
        self.budget = budget if budget is not None else RetryBudget()
        self.reconcilers = dict(reconcilers or {})
        self._plans: dict[str, Plan] = {}
        self.closed: str | None = None
        """The facade's name once it is closed: every call after that is refused, nothing sent."""

    def close(self, facade: str) -> None:
        self.closed = facade

    def _refuse_closed(self, facade: str) -> NoReturn:
        raise RuntimeError(
            f"{facade} is closed (its `with` block ended, or close() was called): "
            f"it sends nothing more; make a new {facade}"
        )

    def start(self, operation: Operation[Any, Any], request: object, policy: RetryPolicy | None) -> Call:
        if self.closed is not None:
            self._refuse_closed(self.closed)
        if policy is not None or type(request) is not operation.request:  # else nothing to check
            check_options(operation.method, policy)
            request = checked_request(operation, request)
        plan = self._plans.get(operation.name)
        if plan is None:
            plan = self._plans[operation.name] = plan_for(operation, operation.name in self.reconcilers)
        return Call.start_call(
            operation, request, plan, policy=policy or self.retry, budget=self.budget, clock=self.clock
        )

    def pager(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req | None,
        page_size: int | None,
        max_items: int | None,
        policy: RetryPolicy | None,
    ) -> Pager[Req, Resp, Item]:
        """A paginated walk's state; its first request is validated here, so bad input fails
        at the call, not at the first item."""
        if self.closed is not None:
            self._refuse_closed(self.closed)
        check_options(operation.method, policy, page_size, max_items)
        request = checked_request(operation, request)
        if page_size is not None:
            if pages.limit is None:
                raise TypeError(f"{operation.method}(): this operation takes no page_size")
            request = attrs.evolve(request, **{pages.limit: page_size})  # type: ignore[misc]  # attrs instance by construction
        validate_request(request)
        return Pager(operation, pages, request, max_items)

    @contextlib.contextmanager
    def within(self, deadline: float | None, policy: RetryPolicy | None = None) -> Generator[None]:
        """Run the calls in the block under one deadline (`deadline` seconds from now on the
        facade's clock) and policy, each recorded for `last_call()`: a waiter's polls. Inside
        a call already, its deadline wins."""
        if current_scope.get() is not None:
            yield
            return
        at = None if deadline is None else self.clock() + deadline
        token = current_scope.set(Scope(policy or self.retry, at, records=True))
        try:
            yield
        finally:
            current_scope.reset(token)


Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


#: A walk remembers this many of its latest page tokens: a service looping through at most this
#: many pages is caught, and a walk of any length holds a bounded set of tokens.
TOKENS_REMEMBERED = 1024


class Pager(Generic[Req, Resp, Item]):
    """The decisions of a paginated walk: the next request, and which items of a page to give."""

    def __init__(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req,
        max_items: int | None,
    ) -> None:
        self.operation = operation
        self._pages = pages
        self._request: Req | None = request
        self._left = max_items
        self._seen: dict[str, None] = {}
        self._error: KvsChimeError | None = None

    @property
    def request(self) -> Req | None:
        """The next page's request; None when the walk is over. Raises once the service sent a
        page token twice (after the items of that page were given)."""
        if self._error is not None:
            raise self._error
        return self._request

    def take(self, response: Resp) -> list[Item]:
        """The items to give from `response`, the page `request` asked for; moves to the next."""
        items = list(self._pages.items(response) or ())
        if self._left is not None:
            items = items[: self._left]
            self._left -= len(items)
        token = self._pages.next_token(response)
        if not token or self._left == 0:
            self._request = None
        elif token in self._seen:
            self._error = KvsChimeError(
                f"{self.operation.name}: the service returned the same page token twice"
            )
        else:
            remember(self._seen, token, None, limit=TOKENS_REMEMBERED)
            self._request = attrs.evolve(self._request, **{self._pages.input_token: token})  # type: ignore[misc]  # attrs instance by construction
        return items


# -- tenacity strategies, asked by `Call.next_delay` ------------------------------------------


def _call(rs: tenacity.RetryCallState) -> Call:
    return cast(Call, rs.args[0])


def retry_if(rs: tenacity.RetryCallState) -> bool:
    if rs.outcome is None or not rs.outcome.failed:
        return False
    failure = _call(rs).failure
    return failure is not None and failure.retryable


def wait_for(rs: tenacity.RetryCallState) -> float:
    call = _call(rs)
    failure = call.failure
    return backoff(call.policy, rs.attempt_number, failure.retry_after if failure is not None else None)


def stop_if(rs: tenacity.RetryCallState) -> bool:
    call = _call(rs)
    if rs.attempt_number >= call.policy.max_attempts:
        return True
    remaining = call.remaining()
    if remaining is not None and (rs.upcoming_sleep or 0.0) >= remaining:
        return True
    # Last: the budget is spent only on a retry that will happen.
    failure = call.failure
    cost = call.budget.try_acquire(timeout=failure is not None and failure.timed_out)
    if cost is None:
        logger.warning(
            "%s: retry budget spent; not retrying attempt %d", call.operation.name, rs.attempt_number
        )
        return True
    call.retry_cost = cost
    return False


def log_retry(rs: tenacity.RetryCallState) -> None:
    call = _call(rs)
    failure = call.failure
    error = failure.error if failure is not None else None
    code = getattr(error, "code", None) or type(error).__name__
    # Operation, attempt, code, request id and delay only: never parameters or credentials.
    logger.info(
        "retrying %s after attempt %d failed with %s (request id %s); sleeping %.3fs",
        call.operation.name,
        rs.attempt_number,
        code,
        call.request_id,
        rs.upcoming_sleep,
    )
