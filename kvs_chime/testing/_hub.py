"""What the media emulation shares across regions and accounts: the event sink and media faults."""

from __future__ import annotations

import threading

import attrs

from ._events import EventSink
from ._faults import MAX_LATENCY


@attrs.frozen
class MediaPlan:
    """What the media faults decided for one GetMedia or GetMediaForFragmentList answer."""

    drop_after: int | None = None
    """Cut the connection inside the fragment after this many whole ones (None: never)."""
    clean: bool = False
    """End the answer cleanly at `drop_after` instead, at an element boundary inside the fragment."""
    delay: float = 0.0
    """Real seconds to wait before writing each fragment."""


@attrs.define
class _DelayRule:
    seconds: float
    remaining: int | None


class MediaFaults:
    """Faults of the media data plane, for the next streaming answers; thread-safe.

    >>> faults = MediaFaults()
    >>> faults.drop_get_media(after_fragments=2)
    >>> faults.pending()
    1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drops: list[tuple[int, bool]] = []
        self._delays: list[_DelayRule] = []

    def drop_get_media(self, *, after_fragments: int = 1, times: int = 1, clean: bool = False) -> None:
        """Cut the next `times` GetMedia connections in the middle of a fragment, after
        `after_fragments` whole ones: the reader sees a truncated fragment and a broken connection,
        and resumes with the last continuation token it read. `clean=True` ends the answer
        normally instead, at the element boundary inside the fragment before its closing tags
        (the continuation token): no transport error, only a fragment whose end never came."""
        if after_fragments < 0 or times < 1:
            raise ValueError("after_fragments must not be negative and times at least 1")
        with self._lock:
            self._drops.extend([(after_fragments, clean)] * times)

    def delay_fragments(self, seconds: float, *, times: int | None = None) -> None:
        """Delay each fragment the next `times` media answers (GetMedia, GetMediaForFragmentList)
        write by `seconds` (real time, at most MAX_LATENCY); every answer when `times` is None."""
        if not 0 <= seconds <= MAX_LATENCY:
            raise ValueError(f"the delay must be between 0 and {MAX_LATENCY} seconds")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._delays.append(_DelayRule(seconds, times))

    def pending(self) -> int:
        """How many media fault rules are still waiting for answers."""
        with self._lock:
            return len(self._drops) + len(self._delays)

    def clear(self) -> None:
        """Remove every pending media fault."""
        with self._lock:
            self._drops.clear()
            self._delays.clear()

    def plan(self, *, get_media: bool) -> MediaPlan:
        """Consume the faults shaping one answer (drops apply to GetMedia only)."""
        with self._lock:
            drop, clean = self._drops.pop(0) if get_media and self._drops else (None, False)
            delay = 0.0
            if self._delays:
                rule = self._delays[0]
                delay = rule.seconds
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._delays.pop(0)
        return MediaPlan(drop, clean, delay)


class MediaHub:
    """The event sink, the media faults, and the endpoint's stop signal streaming answers watch."""

    def __init__(self) -> None:
        self.events = EventSink()
        self.faults = MediaFaults()
        self.stopping = threading.Event()
        self.changed = threading.Condition()
        """Notified whenever a stream gains a fragment or loses a producer (live GetMedia waits on it)."""

    def notify(self) -> None:
        """Wake the streaming answers waiting for new fragments."""
        with self.changed:
            self.changed.notify_all()
