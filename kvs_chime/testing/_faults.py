"""Fault injection: failures, dropped connections, latency and altered responses, set from tests."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping

import attrs

from ._model import load_services
from ._types import JsonObject, JsonValue
from ._wire import status_for

MAX_LATENCY = 10.0
"""Upper bound, in seconds, of the latency one answer can be given (it is a real sleep)."""

Mutation = Callable[[JsonObject], JsonValue]
"""Turns a response body (a fresh copy of the JSON object) into the body to send instead."""


@attrs.frozen
class FailSpec:
    """An error to answer instead of applying the request."""

    code: str
    status: int
    message: str


@attrs.frozen
class RawSpec:
    """Bytes to answer, verbatim, after applying the request."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


@attrs.frozen
class ArrivalPlan:
    """What the faults decided for one request when it arrived."""

    latency: float = 0.0
    fail: FailSpec | None = None
    drop_before_apply: bool = False
    drop_after_apply: bool = False
    raw: RawSpec | None = None

    @property
    def fault(self) -> str | None:
        """The name of the fault shaping the answer, as recorded in the journal."""
        if self.fail is not None:
            return "fail"
        if self.drop_before_apply:
            return "drop_before_apply"
        if self.drop_after_apply:
            return "drop_after_apply"
        if self.raw is not None:
            return "raw"
        return None


@attrs.define
class _Rule:
    kind: str
    operation: str
    service: str | None
    remaining: int | None
    fail: FailSpec | None = None
    seconds: float = 0.0
    raw: RawSpec | None = None
    mutation: Mutation | None = None

    def matches(self, service: str | None, operation: str | None) -> bool:
        return (self.operation == "*" or self.operation == operation) and (
            self.service is None or self.service == service
        )


def _split(path: str) -> list[str]:
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise ValueError(f"not a member path: {path!r} (use dots, e.g. 'ChannelInfo.ChannelStatus')")
    return parts


def _step(node: JsonValue, part: str, path: str) -> JsonValue:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise LookupError(f"fault mutation: {path!r} is not in the response")


def _set_member(body: JsonObject, path: str, value: JsonValue) -> JsonValue:
    parts = _split(path)
    node: JsonValue = body
    for part in parts[:-1]:
        node = _step(node, part, path)
    last = parts[-1]
    if isinstance(node, dict):
        node[last] = copy.deepcopy(value)
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = copy.deepcopy(value)
    else:
        raise LookupError(f"fault mutation: {path!r} is not in the response")
    return body


def _drop_member(body: JsonObject, path: str) -> JsonValue:
    parts = _split(path)
    node: JsonValue = body
    for part in parts[:-1]:
        node = _step(node, part, path)
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node):
        del node[int(last)]
    else:
        raise LookupError(f"fault mutation: {path!r} is not in the response")
    return body


class Faults:
    """Faults to inject into the next calls of an operation; thread-safe, settable while serving.

    `operation` is a model operation name such as "CreateSignalingChannel", or "*" for any.
    Names shared by two services (TagResource, UntagResource, ListTagsForResource) match both
    unless `service` ("kinesisvideo", "kinesis-video-signaling" or "chime-sdk-media-pipelines")
    narrows them. `times` counts matching calls. Each call is shaped by at most one of fail,
    drop_before_apply, drop_after_apply and raw (the earliest added that matches), plus latency
    and mutations.

    >>> faults = Faults()
    >>> faults.fail_next("CreateStream", "ClientLimitExceededException", times=2)
    >>> faults.pending()
    1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []

    @staticmethod
    def _check_target(operation: str, service: str | None) -> None:
        # Typos in a test's fault set-up would otherwise silently never match.
        services = load_services()
        if service is not None and service not in services:
            raise ValueError(f"unknown service {service!r}")
        if operation != "*" and not any(
            operation in svc.operations
            for name, svc in services.items()
            if service is None or name == service
        ):
            raise ValueError(f"unknown operation {operation!r}")

    def _add(self, rule: _Rule, times: int | None) -> None:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        self._check_target(rule.operation, rule.service)
        with self._lock:
            self._rules.append(rule)

    def fail_next(
        self,
        operation: str,
        code: str,
        status: int | None = None,
        *,
        message: str | None = None,
        times: int = 1,
        service: str | None = None,
    ) -> None:
        """Answer the next `times` calls with error `code` without applying them.

        `status` defaults to the HTTP status the model declares for `code` (e.g. 400 for
        ClientLimitExceededException, 429 for ThrottledClientException, 503 for
        ServiceUnavailableException); codes the model does not declare need an explicit status.
        """
        if not code:
            raise ValueError("code must not be empty")
        self._check_target(operation, service)
        if status is None:
            services = load_services()
            candidates = [
                status_for(svc, code)
                for name, svc in services.items()
                if (service is None or name == service) and (operation == "*" or operation in svc.operations)
            ]
            status = next((s for s in candidates if s is not None), None)
            if status is None:
                raise ValueError(f"{code} is not a modeled error here; pass its HTTP status")
        if not 300 <= status <= 599:
            raise ValueError("an error status must be between 300 and 599")
        fail = FailSpec(code, status, message if message is not None else f"Injected fault: {code}")
        self._add(_Rule("fail", operation, service, times, fail=fail), times)

    def drop_before_apply(self, operation: str, *, times: int = 1, service: str | None = None) -> None:
        """Close the connection without answering, and without applying the next `times` calls."""
        self._add(_Rule("drop_before_apply", operation, service, times), times)

    def drop_after_apply(self, operation: str, *, times: int = 1, service: str | None = None) -> None:
        """Apply the next `times` calls, then close the connection without answering.

        The ambiguous failure: the state changed but the client sees a connection error.
        """
        self._add(_Rule("drop_after_apply", operation, service, times), times)

    def add_latency(
        self,
        operation: str,
        seconds: float,
        *,
        times: int | None = None,
        service: str | None = None,
    ) -> None:
        """Delay the answers of the next `times` calls (every call when None) by `seconds`.

        The server thread really sleeps (stopping the endpoint interrupts it); at most MAX_LATENCY.
        """
        if not 0 <= seconds <= MAX_LATENCY:
            raise ValueError(f"latency must be between 0 and {MAX_LATENCY} seconds")
        self._add(_Rule("latency", operation, service, times, seconds=seconds), times)

    def raw_next(
        self,
        operation: str,
        body: bytes,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        service: str | None = None,
    ) -> None:
        """Apply the next `times` calls, then answer `body` verbatim (e.g. malformed JSON).

        Content-Type defaults to application/json; a request id header is always added.
        """
        if not 100 <= status <= 599:
            raise ValueError("status must be between 100 and 599")
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        raw = RawSpec(status, bytes(body), tuple(all_headers.items()))
        self._add(_Rule("raw", operation, service, times, raw=raw), times)

    def mutate_next(
        self,
        operation: str,
        mutation: Mutation,
        *,
        times: int = 1,
        service: str | None = None,
    ) -> None:
        """Pass the JSON body of the next `times` successful answers through `mutation`.

        The callable gets a copy of the body (an empty object for bodiless answers) and returns
        the JSON value to send instead. Error answers are not mutated and do not count.
        """
        self._add(_Rule("mutate", operation, service, times, mutation=mutation), times)

    def set_member_next(
        self,
        operation: str,
        path: str,
        value: JsonValue,
        *,
        times: int = 1,
        service: str | None = None,
    ) -> None:
        """Set the member at dotted `path` in the next successful answers to `value`.

        Use it to send an unknown enum value (`"ChannelInfo.ChannelStatus", "HIBERNATING"`) or an
        unknown member (`"ChannelInfo.Colour", "blue"`); list items are addressed by index
        (`"ChannelInfoList.0.ChannelStatus"`). A path whose parent is missing answers a 500.
        """
        _split(path)
        self.mutate_next(operation, lambda body: _set_member(body, path, value), times=times, service=service)

    def drop_member_next(
        self, operation: str, path: str, *, times: int = 1, service: str | None = None
    ) -> None:
        """Remove the member at dotted `path` from the next successful answers (e.g. a required one).

        A path that is not in the answer makes the endpoint answer a 500 InternalFailure instead.
        """
        _split(path)
        self.mutate_next(operation, lambda body: _drop_member(body, path), times=times, service=service)

    def clear(self) -> None:
        """Remove every pending fault, including unlimited latency."""
        with self._lock:
            self._rules.clear()

    def pending(self) -> int:
        """How many fault rules are still waiting for calls (unlimited latency counts as one)."""
        with self._lock:
            return len(self._rules)

    def _consume(self, rule: _Rule) -> None:
        # Caller holds the lock.
        if rule.remaining is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._rules.remove(rule)

    def _take(self, kinds: tuple[str, ...], service: str | None, operation: str | None) -> _Rule | None:
        # Caller holds the lock. Rules apply first-in, first-out.
        for rule in self._rules:
            if rule.kind in kinds and rule.matches(service, operation):
                self._consume(rule)
                return rule
        return None

    def on_arrival(self, service: str | None, operation: str | None) -> ArrivalPlan:
        """Consume the faults that shape this call (the endpoint calls this once per request)."""
        with self._lock:
            if not self._rules:
                return ArrivalPlan()
            latency_rule = self._take(("latency",), service, operation)
            latency = latency_rule.seconds if latency_rule is not None else 0.0
            rule = self._take(("fail", "drop_before_apply", "drop_after_apply", "raw"), service, operation)
        if rule is None:
            return ArrivalPlan(latency=latency)
        return ArrivalPlan(
            latency=latency,
            fail=rule.fail,
            drop_before_apply=rule.kind == "drop_before_apply",
            drop_after_apply=rule.kind == "drop_after_apply",
            raw=rule.raw,
        )

    def on_success(self, service: str | None, operation: str | None) -> list[Mutation]:
        """Consume the mutations for a successful answer: every matching one, in the order added."""
        with self._lock:
            found = [
                rule for rule in self._rules if rule.kind == "mutate" and rule.matches(service, operation)
            ]
            for rule in found:
                self._consume(rule)
        return [rule.mutation for rule in found if rule.mutation is not None]
