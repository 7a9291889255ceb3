"""The decisions of one logical call, written once with no I/O in them.

A `Call` holds one call's state across its attempts; the sync pipeline (`_pipeline.py`) and an
async one drive it the same way:

    call = Call.start(...)             validate, unstructure, idempotency token (once), scope
    in_flight = call.begin_attempt()   per attempt: count it, arm the deadline watch
    ... the client call (the only I/O) ...
    call.succeeded(raw) / raise call.failed(exc, in_flight)

and tenacity's `Retrying` or `AsyncRetrying` decide with the strategies below (`retry_if`,
`stop_if`, `wait_for`, `log_retry`), which read the call's one `Failure` classification.
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, cast

import attrs
import tenacity

from ._callinfo import CallInfo
from ._client_hooks import InFlight
from ._convert import unstructure_request
from ._failure import Failure, classify
from ._model import WIRE
from ._operation import Operation
from ._retry import RetryBudget, RetryPolicy, backoff
from ._validate import validate_request
from ._watchdog import watchdog
from .errors import CallError, KvsChimeError

__all__ = [
    "Call",
    "Plan",
    "Scope",
    "current_scope",
    "log_retry",
    "plan_for",
    "retry_if",
    "stop_if",
    "wait_for",
]

logger = logging.getLogger("kvs_chime")

# Deletes, tags and untags leave the same state however often they are applied.
_IDEMPOTENT_PREFIXES = ("Delete", "Tag", "Untag")


@attrs.frozen
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


@attrs.frozen
class Scope:
    """The outermost call in this context: calls made inside it (a reconciling look-up, a
    waiter's polls) run under its policy and deadline."""

    policy: RetryPolicy
    deadline_at: float | None
    """The outer call's deadline on the facade's clock, or None."""
    records: bool
    """Whether calls inside it are what `last_call()` reports (a waiter's polls are)."""


current_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("kvs_chime_scope", default=None)


class Call:
    """One logical call's state across its attempts.

    A plain slotted class, not attrs: it is made once per call on the success path, and its
    constructor sets only what every call needs.
    """

    __slots__ = (
        "_real_start",
        "_wall_start",
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
        self.server_start: float | None = None
        """The call's start on the service's clock (epoch s), estimated from an answer's Date header."""
        self._real_start = time.monotonic()
        self._wall_start = time.time()

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
            call.token = cast("str | None", params.get(plan.token_wire)) or str(uuid.uuid4())
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

    def begin_attempt(self) -> InFlight:
        self.attempts += 1
        remaining = self.remaining()
        # The watchdog runs on real time: the deadline's remainder becomes a real-time limit.
        return InFlight(None if remaining is None else time.monotonic() + max(remaining, 0.0))

    def end_attempt(self, in_flight: InFlight) -> None:
        watch = in_flight.watched
        if watch is not None:
            watchdog.done(watch)

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
        self.request_id = cast("str | None", raw.get("ResponseMetadata", {}).get("RequestId"))
        self.failure = None
        self.budget.refund(self.retry_cost if self.attempts > 1 else self.budget.success_refund)

    def started_at(self) -> datetime.datetime:
        """The call's start, on the service's clock where an answer told it, else this machine's
        (one second earlier for the Date header's whole seconds)."""
        start = self.server_start if self.server_start is not None else self._wall_start - 1.0
        return datetime.datetime.fromtimestamp(start, datetime.timezone.utc)

    def stamp(self, error: CallError) -> CallError:
        """`error` with this call's attempts, token and request id (for an error about the call
        raised by a step after its attempts, such as reconciliation)."""
        error.attempts = self.attempts
        error.idempotency_token = self.token
        error.request_id = error.request_id or self.request_id
        error.http_status = error.http_status or self.http_status
        return error


# -- tenacity strategies: the same for the sync and the async driver --------------------------


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
