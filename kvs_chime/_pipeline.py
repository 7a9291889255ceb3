"""The call pipeline, written once for every operation of every facade:

    validate -> unstructure -> idempotency token (once) -> retry loop around the boto3 call
             -> structure the response -> typed errors

Retries are tenacity's, driven by a `RetryPolicy`. botocore's own retry layer is switched off on
the clients the facades build (see `_facade.py`), so one call makes at most
`RetryPolicy.max_attempts` HTTP attempts.

What is retried: throttling (always: the service did not act), connection failures before the
request was sent (always), and failures whose outcome is unknown (read timeout, connection
dropped, HTTP 5xx) only where repeating is safe: read-only operations, operations with an
idempotency token (the same token goes on every attempt), and the creates a facade can
reconcile (after such a failure, "already exists" is checked against what was asked).
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

import attrs
import tenacity
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
)

from ._callinfo import CallInfo, record_call
from ._convert import unstructure_request
from ._model import WIRE
from ._operation import Operation, Pages
from ._response import read_response, unreadable_body, watch_responses
from ._retry import RetryPolicy
from ._validate import checked_request, validate_request
from .errors import (
    KvsChimeError,
    ResourceInUseError,
    ServiceError,
    ThrottlingError,
    TransportError,
    error_class_for,
)

__all__ = ["Pipeline"]

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")

logger = logging.getLogger("kvs_chime")

# Codes AWS services use for throttling without modelling them; HTTP 429 counts too.
_UNMODELED_THROTTLING = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)
_OUTCOME_UNKNOWN = (ReadTimeoutError, ConnectionClosedError, HTTPClientError)

Reconciler = Callable[[Any], object]
"""Given the create request, return the response for the existing resource or raise a conflict."""


@attrs.define
class _Call:
    """One logical call's state across its attempts."""

    operation: Operation[Any, Any]
    params: dict[str, object]
    policy: RetryPolicy
    start: float
    safe_to_repeat: bool
    token: str | None = None
    attempts: int = 0
    may_have_applied: bool = False
    request_id: str | None = None
    reconciled: bool = False

    def info(self) -> CallInfo:
        return CallInfo(self.operation.name, self.attempts, self.request_id, self.token, self.reconciled)


@attrs.frozen
class _Plan:
    safe_to_repeat: bool
    """Read-only, idempotency token, or reconciled: safe to repeat after an unknown outcome."""
    token_wire: str | None
    """The wire name of the idempotency token member, if the operation has one."""


def _service_error(exc: ClientError, call: _Call) -> ServiceError:
    response = cast("dict[str, Any]", exc.response)
    error = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    code = str(error.get("Code") or "Unknown")
    return error_class_for(code)(
        code=code,
        message=str(error.get("Message") or error.get("message") or ""),
        operation=call.operation.name,
        http_status=meta.get("HTTPStatusCode"),
        request_id=meta.get("RequestId"),
        attempts=call.attempts,
        idempotency_token=call.token,
    )


def _is_throttling(exc: ServiceError) -> bool:
    return isinstance(exc, ThrottlingError) or exc.http_status == 429 or exc.code in _UNMODELED_THROTTLING


class Pipeline:
    """Runs calls against one boto3 client. Thread-safe: facades may be shared across threads."""

    def __init__(
        self,
        client: object,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        reconcilers: Mapping[str, Reconciler] | None = None,
    ) -> None:
        self.client = client
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self._reconcilers = dict(reconcilers or {})
        self._retrying: dict[RetryPolicy, tenacity.Retrying] = {}
        self._methods: dict[str, Callable[..., dict[str, Any]]] = {}
        self._plans: dict[str, _Plan] = {}
        watch_responses(client)

    # -- the retry loop, built once per policy -------------------------------------------------

    def _retrying_for(self, policy: RetryPolicy) -> tenacity.Retrying:
        retrying = self._retrying.get(policy)
        if retrying is None:
            # One Retrying per policy, reused by every call (tenacity keeps per-call state in a
            # RetryCallState and per-thread state in a threading.local). Per-call facts (start
            # time, safety) travel as the attempt function's argument, `rs.args[0]`.
            retrying = tenacity.Retrying(
                retry=self._should_retry,
                stop=self._should_stop,
                wait=lambda rs: random.uniform(0, policy.delay_bound(rs.attempt_number)),
                sleep=self.sleep,
                before_sleep=self._log_retry,
                reraise=True,
            )
            self._retrying[policy] = retrying
        return retrying

    @staticmethod
    def _should_retry(rs: tenacity.RetryCallState) -> bool:
        exc = rs.outcome.exception() if rs.outcome is not None else None
        call = cast(_Call, rs.args[0])
        if isinstance(exc, TransportError):
            return not exc.outcome_unknown or call.safe_to_repeat
        if isinstance(exc, ServiceError):
            if _is_throttling(exc):
                return True
            return exc.http_status is not None and exc.http_status >= 500 and call.safe_to_repeat
        return False

    def _should_stop(self, rs: tenacity.RetryCallState) -> bool:
        call = cast(_Call, rs.args[0])
        if rs.attempt_number >= call.policy.max_attempts:
            return True
        deadline = call.policy.deadline
        return deadline is not None and self.clock() - call.start + rs.upcoming_sleep > deadline

    @staticmethod
    def _log_retry(rs: tenacity.RetryCallState) -> None:
        call = cast(_Call, rs.args[0])
        exc = rs.outcome.exception() if rs.outcome is not None else None
        code = exc.code if isinstance(exc, ServiceError) else type(exc).__name__
        # Operation, attempt, code, request id and delay only: never parameters or credentials.
        logger.info(
            "retrying %s after attempt %d failed with %s (request id %s); sleeping %.3fs",
            call.operation.name,
            rs.attempt_number,
            code,
            call.request_id,
            rs.upcoming_sleep,
        )

    # -- one attempt ---------------------------------------------------------------------------

    def _plan(self, operation: Operation[Any, Any]) -> _Plan:
        """What every call of `operation` shares, worked out on its first call."""
        wire = None
        if operation.idempotency_token is not None:
            shape = cast("type[attrs.AttrsInstance]", operation.request)
            wire = attrs.fields_dict(shape)[operation.idempotency_token].metadata[WIRE]
        safe = operation.read_only or wire is not None or operation.name in self._reconcilers
        plan = self._plans[operation.name] = _Plan(safe, wire)
        return plan

    def _method(self, name: str) -> Callable[..., dict[str, Any]]:
        method = self._methods.get(name)
        if method is None:
            method = self._methods[name] = getattr(self.client, name)
        return method

    def _attempt(self, call: _Call) -> dict[str, Any]:
        call.attempts += 1
        try:
            raw = self._method(call.operation.method)(**call.params)
        except ClientError as exc:
            error = _service_error(exc, call)
            call.request_id = error.request_id
            meta = cast("dict[str, Any]", exc.response).get("ResponseMetadata", {})
            retried_inside_botocore = bool(meta.get("RetryAttempts"))
            if retried_inside_botocore or (error.http_status or 0) >= 500:
                call.may_have_applied = True
            raise error from exc
        except _NOT_SENT as exc:
            raise TransportError(
                call.operation.name,
                str(exc),
                outcome_unknown=False,
                attempts=call.attempts,
                idempotency_token=call.token,
            ) from exc
        except _OUTCOME_UNKNOWN as exc:
            call.may_have_applied = True
            raise TransportError(
                call.operation.name,
                str(exc),
                outcome_unknown=True,
                attempts=call.attempts,
                idempotency_token=call.token,
            ) from exc
        except Exception as exc:
            unreadable = unreadable_body(call.operation.name, exc)
            if unreadable is None:
                raise
        else:
            return raw
        raise unreadable  # outside the except block: not chained to botocore's exception

    # -- the whole call ------------------------------------------------------------------------

    def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        """Run one logical call of `operation` and return its typed response."""
        request = checked_request(operation, request)
        validate_request(request)
        params = unstructure_request(request)
        plan = self._plans.get(operation.name) or self._plan(operation)
        call = _Call(operation, params, policy or self.retry, self.clock(), plan.safe_to_repeat)
        wire = plan.token_wire
        if wire is not None:
            # Set before the first attempt: botocore would otherwise fill a fresh token per attempt.
            call.token = cast("str | None", params.get(wire)) or str(uuid.uuid4())
            params[wire] = call.token
        try:
            raw = self._run(call)
        except ResourceInUseError:
            reconcile = self._reconcilers.get(operation.name)
            if reconcile is None or not call.may_have_applied:
                self._record(call)
                raise
            # An earlier attempt may have created it: ours if it matches what was asked.
            logger.info("%s: name taken after an outcome-unknown attempt; reconciling", operation.name)
            result = cast("Resp", reconcile(request))
            self._record(call, reconciled=True)
            return result
        except KvsChimeError:
            self._record(call)
            raise
        call.request_id = raw.get("ResponseMetadata", {}).get("RequestId")
        self._record(call)
        return read_response(operation, raw)

    def _run(self, call: _Call) -> dict[str, Any]:
        """The attempts of one call. The first runs outside tenacity, so a call that succeeds at
        once (nearly all of them) never builds tenacity's per-call state; after a failure, the
        policy's Retrying takes over with that failure as its attempt 1, so its retry, stop,
        wait and logging decisions and the attempt count are as if it had run from the start."""
        try:
            return self._attempt(call)
        except KvsChimeError as exc:
            first_failure: list[KvsChimeError] = [exc]

        def replay_then_attempt(state: _Call) -> dict[str, Any]:
            if first_failure:
                raise first_failure.pop()
            return self._attempt(state)

        return self._retrying_for(call.policy)(replay_then_attempt, call)

    def _record(self, call: _Call, *, reconciled: bool = False) -> None:
        call.reconciled = reconciled
        record_call(call)

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
        request = checked_request(operation, request)
        if page_size is not None:
            if pages.limit is None:
                raise ValueError(f"{operation.name} takes no page size")
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
