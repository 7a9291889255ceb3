"""The record of every request the local endpoint received, for tests to assert on."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import cast

import attrs


@attrs.frozen
class JournalEntry:
    """One request as the endpoint saw and answered it.

    `params` is the operation's input as parsed from the wire, keyed by the model's member names
    (timestamps as datetimes, blobs as bytes). `status` is None when the connection was dropped
    instead of answered. `fault` names the injected fault that shaped the answer, if any:
    "fail", "drop_before_apply", "drop_after_apply", "raw" or "mutate".
    """

    service: str | None
    operation: str | None
    method: str
    path: str
    params: Mapping[str, object]
    client_request_token: str | None
    status: int | None
    error_code: str | None
    dropped: bool
    fault: str | None
    request_id: str
    latency: float = 0.0
    """Injected latency added before answering, in seconds."""
    region: str | None = None
    """The region of the request's SigV4 credential scope (None when it matched no operation)."""
    account: str | None = None
    """The account its access key maps to."""


DEFAULT_JOURNAL_SIZE = 10_000
"""Entries the journal keeps unless told otherwise (`journal_size=`, `--journal-size`)."""


class Journal:
    """Thread-safe, bounded record of `JournalEntry`, in the order the answers were decided.

    A ring: it keeps the latest `size` entries; older ones are forgotten, and `forgotten` counts
    them, so a test can tell a short journal from a truncated one.

    >>> journal = Journal(size=2)
    >>> len(journal), journal.size, journal.forgotten
    (0, 2, 0)
    """

    def __init__(self, size: int = DEFAULT_JOURNAL_SIZE) -> None:
        given = cast(object, size)  # checked at run time: callers may be untyped
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ValueError("the journal size must be a positive int")
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._forgotten = 0
        self._listeners: list[Callable[[JournalEntry], None]] = []

    def listen(self, listener: Callable[[JournalEntry], None]) -> None:
        """Call `listener` with every entry recorded from now on (in the recording thread)."""
        self._listeners.append(listener)

    @property
    def size(self) -> int:
        """The most entries kept."""
        return self._entries.maxlen or 0

    @property
    def forgotten(self) -> int:
        """Entries dropped, oldest first, to keep the journal within `size` (since the last clear)."""
        with self._lock:
            return self._forgotten

    def record(self, entry: JournalEntry) -> None:
        """Append an entry (the endpoint calls this once per request), forgetting the oldest
        when the journal is full."""
        with self._lock:
            if len(self._entries) == self._entries.maxlen:
                self._forgotten += 1
            self._entries.append(entry)
        for listener in self._listeners:
            listener(entry)

    def entries(self, operation: str | None = None, *, service: str | None = None) -> list[JournalEntry]:
        """A snapshot of the entries, optionally only those of one operation and/or service."""
        with self._lock:
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (operation is None or e.operation == operation) and (service is None or e.service == service)
        ]

    def operations(self) -> list[str | None]:
        """The operation names in arrival order (None for requests matching no operation)."""
        return [e.operation for e in self.entries()]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._forgotten = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())
