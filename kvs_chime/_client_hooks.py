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
from typing import Any, cast

from ._response import screen_answer
from ._user_agent import memoize_user_agent
from ._watchdog import Watch, watchdog

__all__ = ["ERROR_BODY", "RAW_BODY_LIMIT", "InFlight", "in_flight", "install"]

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
    if response is not None:
        _keep_error_body(*response)
    # False (not None) is botocore's "do not retry" and, registered first, wins over its handler.
    return False


def _read_body(http_response: Any) -> bytes | None:
    """The body botocore read, or None. aiobotocore's `content` is a coroutine: by after-call it
    has read the body and cached it, so the cache is read (a stub response has none)."""
    cached = getattr(http_response, "_content", None)
    if isinstance(cached, bytes) or getattr(http_response, "raw", None) is None:
        return cached if isinstance(cached, bytes) else None
    if hasattr(type(cast(object, http_response)), "_content_prop"):
        return None  # aiobotocore's response, body not read: nothing to await in a sync hook
    return cast(bytes, http_response.content)


def _keep_error_body(http_response: Any, parsed: dict[str, Any]) -> None:
    # botocore replaces a 5xx HTML body by the status text, and puts other non-JSON error
    # bodies in the message unbounded: keep what was sent, bounded, beside the parsed error.
    status = getattr(http_response, "status_code", 200)
    if status < 300 or getattr(http_response, "raw", None) is None:
        return
    body = _read_body(http_response)
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


def _install_watched_connections(client: Any) -> None:
    session: Any = getattr(getattr(client, "_endpoint", None), "http_session", None)
    classes = getattr(session, "_pool_classes_by_scheme", None)
    if not isinstance(classes, dict):
        return  # not botocore's urllib3 session (aiobotocore: cancellation bounds its calls)
    watched = {scheme: _watched_pool(pool) for scheme, pool in classes.items()}  # pyright: ignore[reportUnknownVariableType]
    if watched == classes:
        return
    # botocore has no public hook for its connection classes; this private one exists from 1.11 on.
    session._pool_classes_by_scheme = watched
    managers = [getattr(session, "_manager", None), *getattr(session, "_proxy_managers", {}).values()]
    for manager in managers:
        if manager is not None and hasattr(manager, "pool_classes_by_scheme"):
            manager.pool_classes_by_scheme = watched
            manager.clear()  # pools made before keep their classes: drop them (idle connections only)


def install(client: Any) -> None:
    """Hook the facade's behaviour into `client` (once per client; other calls are untouched)."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is None:
        return
    # botocore asks the most specific handlers first: one level below its own retry handler
    # (`needs-retry.<service>`), so this answer comes before botocore's. One handler per event:
    # each handler botocore calls costs the call's time.
    service_id = client.meta.service_model.service_id.hyphenize()
    events.register_first(f"needs-retry.{service_id}.*", _after_attempt, unique_id="kvs_chime-after-attempt")
    events.register("before-parse", _before_parse, unique_id="kvs_chime-before-parse")
    _install_watched_connections(client)
    memoize_user_agent(client)
