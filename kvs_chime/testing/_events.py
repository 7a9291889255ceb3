"""The event sink: the EventBridge events the emulated media pipelines and pools emit.

Each event is the JSON document EventBridge delivers (`version`, `id`, `detail-type`, `source`,
`account`, `time`, `region`, `resources`, `detail`), so `kvs_chime.events.parse_event` and any
Lambda or SQS consumer read it as they would AWS's. Tests read them in process
(`LocalEndpoint.events`) or over the admin API (`GET /_kvs_chime/events`).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from ._types import JsonObject, JsonValue

SOURCE = "aws.chime"
PIPELINE_DETAIL_TYPE = "Chime Media Pipeline State Change"
POOL_DETAIL_TYPE = "Chime Media Pipeline Kinesis Video Pool State Change"

Subscriber = Callable[[JsonObject], None]
"""Called with each event (a copy) as it is emitted, on the emulator's thread that emitted it,
while the emulator's state is locked: hand the event on (a queue) and return; calling the
endpoint from a subscriber would wait for itself."""


def iso_millis(epoch_ms: int) -> str:
    """Epoch milliseconds as EventBridge and the pipeline events write times: `...T12:00:00.123Z`."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, timezone.utc)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{epoch_ms % 1000:03d}Z"


def envelope(
    detail_type: str, detail: JsonObject, *, account: str, region: str, epoch_ms: int, resources: list[str]
) -> JsonObject:
    """One event as EventBridge delivers it (the `time` member has second precision, as AWS's)."""
    moment = datetime.fromtimestamp(epoch_ms // 1000, timezone.utc)
    listed: list[JsonValue] = list(resources)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": account,
        "time": f"{moment:%Y-%m-%dT%H:%M:%S}Z",
        "region": region,
        "resources": listed,
        "detail": detail,
    }


class EventSink:
    """Every event emitted, in order; thread-safe. Read, wait for, or subscribe to them.

    >>> sink = EventSink()
    >>> len(sink.events())
    0
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._events: list[JsonObject] = []
        self._subscribers: list[Subscriber] = []

    def emit(self, event: JsonObject) -> None:
        """Record an event and hand it to the subscribers."""
        with self._cond:
            self._events.append(event)
            subscribers = list(self._subscribers)
            self._cond.notify_all()
        for subscriber in subscribers:
            subscriber(copy.deepcopy(event))

    def events(self, event_type: str | None = None, *, after: int = 0) -> list[JsonObject]:
        """Copies of the events from position `after`, optionally only one `detail.eventType`."""
        with self._cond:
            snapshot = self._events[after:]
        return [
            copy.deepcopy(e)
            for e in snapshot
            if event_type is None or _event_type(e) in (event_type, f"chime:{event_type}")
        ]

    def __len__(self) -> int:
        with self._cond:
            return len(self._events)

    def wait_for(
        self, predicate: Callable[[JsonObject], bool], *, timeout: float = 5.0, after: int = 0
    ) -> JsonObject | None:
        """The first event from position `after` that satisfies `predicate`, waiting up to `timeout`
        real seconds for it (None if none came). Emitting needs the emulator to advance: with a
        ManualClock, advance it from another thread or before waiting."""
        deadline = time.monotonic() + timeout
        seen = after
        with self._cond:
            while True:
                for event in self._events[seen:]:
                    if predicate(event):
                        return copy.deepcopy(event)
                seen = len(self._events)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call `subscriber` with every later event; returns a function that unsubscribes it."""
        with self._cond:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._cond:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def clear(self) -> None:
        """Forget every event (subscribers stay)."""
        with self._cond:
            self._events.clear()


def _event_type(event: JsonObject) -> str | None:
    detail = event.get("detail")
    if isinstance(detail, dict):
        value = detail.get("eventType")
        return value if isinstance(value, str) else None
    return None
