"""The admin API's media routes: the event sink, media faults and pipeline failures over HTTP.

GET    /_kvs_chime/events?after=N&type=T    the events from position N (of detail.eventType T)
DELETE /_kvs_chime/events                   forget them
POST   /_kvs_chime/media-faults             {"kind": "drop_get_media", "after_fragments", "times", "clean"}
                                            or {"kind": "delay_fragments", "seconds", "times"}
DELETE /_kvs_chime/media-faults             remove every pending media fault
POST   /_kvs_chime/pipeline-failure         {"media_pipeline_id", "permanent", "seconds"}
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ._dispatch import Dispatcher
from ._faults import MAX_LATENCY
from ._hub import MediaHub
from ._types import JsonValue
from ._wire import HttpRequest, HttpResponse, json_bytes

Route = Callable[[HttpRequest, dict[str, object]], HttpResponse]


def _answer(status: int, body: dict[str, JsonValue]) -> HttpResponse:
    return HttpResponse(status, (("Content-Type", "application/json"),), json_bytes(body))


def _int(body: dict[str, object], key: str, default: int | None) -> int | None:
    value = body.get(key, default)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"'{key}' must be an integer")
    return value


def _seconds(body: dict[str, object], key: str, default: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"'{key}' must be a number of seconds")
    return float(value)


def _type_of(event: dict[str, JsonValue]) -> str | None:
    detail = event.get("detail")
    value = detail.get("eventType") if isinstance(detail, dict) else None
    return value if isinstance(value, str) else None


def media_routes(hub: MediaHub, dispatcher: Dispatcher) -> dict[tuple[str, str], Route]:
    """The routes, keyed by (method, name under the admin prefix)."""

    def read_events(request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        dispatcher.advance()
        raw_after = next(iter(request.query.get("after") or ()), "0")
        if not raw_after.isdigit():
            raise ValueError("'after' must be a position (a whole number)")
        event_type = next(iter(request.query.get("type") or ()), None)
        raw_wait = next(iter(request.query.get("wait") or ()), "0")
        try:
            wait = float(raw_wait)
        except ValueError:
            wait = math.nan
        if not 0 <= wait <= MAX_LATENCY:
            raise ValueError(f"'wait' must be a number of seconds from 0 to {MAX_LATENCY:g}")
        after = int(raw_after)
        if wait > 0:
            # Long polling: the answer waits for the first new event (of the type asked), or `wait`.
            hub.events.wait_for(
                lambda e: event_type is None or _type_of(e) in (event_type, f"chime:{event_type}"),
                timeout=wait,
                after=after,
            )
        events: list[JsonValue] = list(hub.events.events(event_type, after=after))
        return _answer(200, {"events": events, "next": len(hub.events)})

    def clear_events(request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        hub.events.clear()
        return _answer(200, {"events": []})

    def add_media_fault(request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        kind = body.get("kind")
        if kind == "drop_get_media":
            after = _int(body, "after_fragments", 1)
            times = _int(body, "times", 1)
            assert after is not None and times is not None
            hub.faults.drop_get_media(after_fragments=after, times=times, clean=body.get("clean") is True)
        elif kind == "delay_fragments":
            hub.faults.delay_fragments(_seconds(body, "seconds", math.nan), times=_int(body, "times", None))
        else:
            raise ValueError("'kind' must be drop_get_media or delay_fragments")
        return _answer(201, {"pending": hub.faults.pending()})

    def clear_media_faults(request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        hub.faults.clear()
        return _answer(200, {"pending": 0})

    def fail_pipeline(request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        pipeline_id = body.get("media_pipeline_id")
        if not isinstance(pipeline_id, str) or not pipeline_id:
            raise ValueError("'media_pipeline_id' must be a non-empty string")
        permanent = body.get("permanent", False)
        if not isinstance(permanent, bool):
            raise ValueError("'permanent' must be true or false")
        seconds = _seconds(body, "seconds", 5.0)
        if seconds < 0:
            raise ValueError("'seconds' must not be negative")
        dispatcher.fail_pipeline(pipeline_id, permanent=permanent, seconds=seconds)
        return _answer(200, {"failed": pipeline_id, "permanent": permanent})

    return {
        ("GET", "events"): read_events,
        ("DELETE", "events"): clear_events,
        ("POST", "media-faults"): add_media_fault,
        ("DELETE", "media-faults"): clear_media_faults,
        ("POST", "pipeline-failure"): fail_pipeline,
    }
