"""What the facades hook into a botocore client, and the per-attempt state those hooks read.

Two handlers per client, one per event (`before-parse`, and `needs-retry`, which botocore emits
after parsing each HTTP answer). The pipeline marks each HTTP attempt it makes with an `InFlight`
in a context variable (botocore hands its handlers nothing of the caller's); the handlers do
nothing at all for an unmarked attempt, so a wrapped client's other users see it unchanged, and
what they learn about an attempt they keep on its `InFlight`, never in the response:

- botocore's own retries are vetoed (`needs-retry` answers False first): the pipeline is the one
  retry layer, on clients the facades build and on clients users wrap, in every retry mode;
- the raw body is kept where botocore would drop it: an error body that is not the service's
  JSON (a proxy's HTML 502), and any body its parser chokes on; a 2xx answer botocore would
  misread is screened before it parses it (`_response.screen_answer`);
- the User-Agent header is built once per feature set, not per request (`_user_agent.py`);
- sockets are registered with the deadline watchdog (`_watchdog.py`), and a new connection's
  connect timeout is cut to the time left, so an attempt cannot outlive its call's deadline.
"""

from __future__ import annotations

import contextvars
import json
import logging
from typing import Any, cast

from ._response import screen_answer
from ._user_agent import memoize_user_agent
from ._watchdog import Watch, watchdog

__all__ = ["ERROR_BODY", "RAW_BODY_LIMIT", "InFlight", "in_flight", "install"]

logger = logging.getLogger("kvs_chime")

#: Where a kept error body goes in botocore's parsed error (`ClientError.response`).
ERROR_BODY = "kvs_chime:error-body"
#: At most this many characters of an unreadable body are kept.
RAW_BODY_LIMIT = 4096


class InFlight:
    """One HTTP attempt the pipeline is making in this context."""

    __slots__ = ("_watch", "answer", "body", "deadline", "parsing", "refusal")

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        """`time.monotonic()` value at which the attempt is cut, or None (no deadline)."""
        self._watch: Watch | None = None
        self.body: bytes | None = None
        """The raw response body, kept for the error if botocore cannot parse it."""
        self.answer: dict[str, Any] | None = None
        """A 2xx HTTP answer botocore was handed to parse (status, headers, body)."""
        self.refusal: str | None = None
        """Why that answer was refused before botocore parsed it (botocore parsed `{}` instead)."""
        self.parsing = False
        """botocore is parsing `answer`: an exception it raises now is about the body."""

    @property
    def watch(self) -> Watch | None:
        """The deadline watch: made when the attempt first touches a socket (a stubbed call never
        does, and pays nothing for it); None when the call has no deadline."""
        if self._watch is None and self.deadline is not None:
            self._watch = watchdog.start(self.deadline)
        return self._watch

    def end(self) -> None:
        """The attempt is over: its socket watch, if one was made, is dropped."""
        if self._watch is not None:
            watchdog.done(self._watch)

    @property
    def watched(self) -> Watch | None:
        """The watch if one was made (without making one)."""
        return self._watch


in_flight: contextvars.ContextVar[InFlight | None] = contextvars.ContextVar(
    "kvs_chime_in_flight", default=None
)


def _before_parse(response_dict: dict[str, Any], **kwargs: Any) -> None:
    attempt = in_flight.get()
    if attempt is None:
        return  # not the facade's attempt: botocore parses it as it would without the facade
    body = response_dict.get("body")
    attempt.body = body if isinstance(body, bytes) else None
    answer, refusal = screen_answer(kwargs["operation_model"], response_dict)
    attempt.answer, attempt.refusal, attempt.parsing = answer, refusal, answer is not None


def _after_attempt(response: tuple[Any, dict[str, Any]] | None = None, **_: object) -> bool | None:
    """botocore's `needs-retry`, emitted once per HTTP attempt after the answer is parsed (not
    for a Stubber's answers, which never reach the endpoint)."""
    attempt = in_flight.get()
    if attempt is None:
        return None  # not the facade's attempt: botocore's own retry handler decides
    attempt.parsing = False
    if response is not None and _is_error(response[0]):
        # botocore has read the body by now: `content` (public) hands it over.
        _keep_error_body(cast(bytes, response[0].content), response[1])
    # False (not None) is botocore's "do not retry" and, registered first, wins over its handler.
    return False


async def _after_attempt_async(
    response: tuple[Any, dict[str, Any]] | None = None, **_: object
) -> bool | None:
    """`_after_attempt` for aiobotocore, whose emitter awaits a handler's coroutine: there the
    body is `await response.content` (aiobotocore's public, cached read)."""
    attempt = in_flight.get()
    if attempt is None:
        return None
    attempt.parsing = False
    if response is not None and _is_error(response[0]):
        _keep_error_body(cast(bytes, await response[0].content), response[1])
    return False


def _is_error(http_response: Any) -> bool:
    """An HTTP error answer (a stub's has no `raw`, and nothing to keep)."""
    status = getattr(http_response, "status_code", 200)
    return status >= 300 and getattr(http_response, "raw", None) is not None


def _keep_error_body(body: bytes | None, parsed: dict[str, Any]) -> None:
    # botocore replaces a 5xx HTML body by the status text, and puts other non-JSON error
    # bodies in the message unbounded: keep what was sent, bounded, beside the parsed error.
    if not body:
        return
    try:
        if isinstance(json.loads(body), dict):
            return  # the service's own error document: botocore read it
    except ValueError:
        pass
    text = body[: RAW_BODY_LIMIT * 4].decode("utf-8", "replace")[:RAW_BODY_LIMIT]
    metadata = parsed.setdefault("ResponseMetadata", {})
    if isinstance(metadata, dict):
        metadata[ERROR_BODY] = text


def _watched(base: Any) -> type:
    """`base` (botocore's urllib3 connection class) reporting its sockets to the attempt's watch."""

    def connect(self: Any) -> None:
        attempt = in_flight.get()
        watch = attempt.watch if attempt is not None else None
        if watch is not None:
            remaining = max(watch.remaining(), 0.001)
            if self.timeout is None or not isinstance(self.timeout, (int, float)) or self.timeout > remaining:
                self.timeout = remaining
        base.connect(self)
        if watch is not None and self.sock is not None:
            watch.watch(self.sock)

    def send(self: Any, data: Any) -> Any:
        attempt = in_flight.get()
        watch = attempt.watch if attempt is not None else None
        if watch is not None and self.sock is not None:
            watch.sent = True
            watch.watch(self.sock)
        return base.send(self, data)

    return type(f"Deadline{base.__name__}", (base,), {"connect": connect, "send": send})


_watched_classes: dict[Any, type] = {}


def _watched_pool(pool: Any) -> type:
    cls = _watched_classes.get(pool)
    if cls is None:
        connection = _watched(pool.ConnectionCls)
        cls = _watched_classes[pool] = type(
            f"Deadline{pool.__name__}", (pool,), {"ConnectionCls": connection}
        )
    return cls


def _install_watched_connections(client: Any) -> bool:
    """Whether the deadline watch is attached to `client`'s connections (logged when it cannot
    be: an attempt then ends only by botocore's own timeouts, not by the call's deadline)."""
    session: Any = getattr(getattr(client, "_endpoint", None), "http_session", None)
    classes = getattr(session, "_pool_classes_by_scheme", None)
    if not isinstance(classes, dict):
        logger.warning(
            "kvs_chime: cannot watch this client's connections (%s has no urllib3 pool classes): "
            "a call's deadline is enforced between attempts only, not within one",
            type(session).__name__,
        )
        return False
    watched = {scheme: _watched_pool(pool) for scheme, pool in classes.items()}  # pyright: ignore[reportUnknownVariableType]
    if watched == classes:
        return True
    # botocore has no public hook for its connection classes; this private one exists from 1.11 on.
    session._pool_classes_by_scheme = watched
    managers = [getattr(session, "_manager", None), *getattr(session, "_proxy_managers", {}).values()]
    for manager in managers:
        if manager is not None and hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = watched
            manager.clear()  # pools made before keep their classes: drop them (idle connections only)
    return True


def install(client: Any, *, asynchronous: bool = False) -> None:
    """Hook the facade's behaviour into `client` (once per client; other calls are untouched).
    An aiobotocore client (`asynchronous`) gets the awaiting handler and no socket watch: its
    attempts are bounded by cancelling them."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    # botocore asks the most specific handlers first: one level below its own retry handler
    # (`needs-retry.<service>`), so this answer comes before botocore's. One handler per event:
    # each handler botocore calls costs the call's time.
    service_id = client.meta.service_model.service_id.hyphenize()
    after = _after_attempt_async if asynchronous else _after_attempt
    events.register_first(f"needs-retry.{service_id}.*", after, unique_id="kvs_chime-after-attempt")
    events.register("before-parse", _before_parse, unique_id="kvs_chime-before-parse")
    if not asynchronous:
        _install_watched_connections(client)
    memoize_user_agent(client)
