"""The record of every request the local endpoint received, for tests to assert on."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

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


class Journal:
    """Thread-safe, append-only list of `JournalEntry`, in the order the answers were decided.

    >>> journal = Journal()
    >>> len(journal)
    0
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[JournalEntry] = []

    def record(self, entry: JournalEntry) -> None:
        """Append an entry (the endpoint calls this once per request)."""
        with self._lock:
            self._entries.append(entry)

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

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())
