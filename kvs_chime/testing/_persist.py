"""`--state FILE`: every resource of every region and account, kept across restarts.

The file is JSON with a format marker. Durability, as docs/howto/testing.md promises it:

- One server per file: an exclusive `fcntl.flock` on `FILE.lock` beside it (holding the holder's
  pid), taken before the file is read and kept until the endpoint stops. A second server refuses
  to start and names the holder.
- Nothing unknown is read as empty: a key this format does not have (a misspelt `Streams`) is
  refused before anything is served, and the file left untouched, as are files that are not
  valid JSON or not this format.
- Write-behind with group commit: requests never write. A writer thread wakes `SYNC_INTERVAL`
  after a request the journal shows may change state (not a Describe, List or Get), and every
  `_IDLE_LOOK` seconds when anything else may have (a reset, an injected failure); it takes a
  snapshot and writes it only when it differs from what is on disk, whole, to a temporary file
  in the same folder, fsynced, renamed over the old file, then the folder fsynced: a crash leaves
  the old file or the new one, never a mix. Snapshots are at least `_SPACING` times as long
  apart as the last one took, so a large state costs the requests a bounded share of the time.
  A clean stop (SIGINT, SIGTERM, `LocalEndpoint.stop`) writes the last changes at once; a crash
  (kill -9) loses what changed since the last write.
- Temporary copies a crash left behind are removed at start (the lock says no one else writes).
- A folder that cannot be written is refused at start; a write failing later is logged (once per
  run of failures) and retried, and the state stays served from memory.

Asynchronous transitions are saved relative to the clock at saving time and resume from the clock
at loading time: a resource CREATING when the server stopped is CREATING for the rest of its delay.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import importlib
import json
import logging
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast

from ._backend import Lifecycle, Settings
from ._dispatch import Dispatcher
from ._journal import Journal, JournalEntry
from ._kinesis_video import Channel, Stream
from ._media_insights import Configuration, Task
from ._media_pipelines import Issued, Pipeline, Pool
from ._meetings import Meeting
from ._scope import Scope
from ._types import as_dict, as_list


class _Converter(Protocol):
    """The part of a cattrs Converter used here (imported by name, so type checkers that do not
    resolve cattrs in every environment still see a typed surface)."""

    def structure(self, obj: object, cl: Any) -> Any: ...  # Any: cattrs' own signature
    def unstructure(self, obj: object, unstructure_as: Any = ...) -> Any: ...  # Any: as above
    def register_structure_hook(self, cl: Any, func: Callable[[Any, Any], Any]) -> None: ...  # Any: as above
    def register_structure_hook_func(
        self, predicate: Callable[[Any], bool], func: Callable[[Any, Any], Any]
    ) -> None: ...  # Any: as above
    def register_unstructure_hook(self, cls: Any, func: Callable[[Any], Any]) -> None: ...  # Any: as above


def _new_converter() -> _Converter:
    module = importlib.import_module("cattrs")
    return cast(_Converter, module.Converter())


FORMAT = "kvs-chime-local-state"
VERSION = 1

# Every piece of state a scope holds: (holder, attribute, type).
_FIELDS: tuple[tuple[str, str, Any], ...] = (  # Any: the types are typing forms, not classes
    ("kinesis_video", "channels", dict[str, Channel]),
    ("kinesis_video", "streams", dict[str, Stream]),
    ("media_pipelines", "_pools", dict[str, Pool]),
    ("media_pipelines", "pipelines", dict[str, Pipeline]),
    ("media_pipelines", "_tokens", dict[str, Issued]),
    ("media_insights", "configurations", dict[str, Configuration]),
    ("media_insights", "tasks", dict[str, Task]),
    ("meetings", "meetings", dict[str, Meeting]),
    ("meetings", "_tokens", dict[str, tuple[str, str]]),
)


def _passthrough(value: object, _: object) -> object:
    return value


class StateFileError(ValueError):
    """The state file cannot be used: it is corrupt, of another format, or unreadable."""


def _encode(value: object) -> object:
    # JSON has no timestamps or bytes; tag them so they come back as they were.
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot save a {type(value).__name__}")


def _decode(document: dict[str, object]) -> object:
    if len(document) == 1:
        ((key, value),) = document.items()
        if key == "$datetime" and isinstance(value, str):
            return datetime.fromisoformat(value)
        if key == "$bytes" and isinstance(value, str):
            return base64.b64decode(value)
    return document


class StateFile:
    """One state file: locked and read once at start, written behind the requests that change it."""

    def __init__(self, path: str, settings: Settings) -> None:
        self._path = os.path.abspath(path)
        self._folder = os.path.dirname(self._path)
        self._temporary_prefix = f".{os.path.basename(self._path)}.tmp-"
        self._settings = settings
        self._base = settings.now()
        self._saved_clock = 0.0
        self._latest = -math.inf  # the latest transition time in the last snapshot
        self._converter = _new_converter()
        # By predicate: a hook registered for the class `object` would match every class.
        self._converter.register_structure_hook_func(lambda kind: kind is object, _passthrough)
        self._converter.register_unstructure_hook(Lifecycle, self._unstructure_life)
        self._converter.register_structure_hook(Lifecycle, self._structure_life)
        # Meetings hold clock readings (created, each attendee's joined) outside a Lifecycle: a
        # plain converter does the work, these hooks move the readings to and from the base.
        self._plain = _new_converter()
        self._plain.register_structure_hook_func(lambda kind: kind is object, _passthrough)
        self._converter.register_unstructure_hook(Meeting, self._unstructure_meeting)
        self._converter.register_structure_hook(Meeting, self._structure_meeting)
        # A pipeline's deletion time is a clock reading of this run only: not kept (after a
        # restart a Stopping pipeline ends its audio when it is gone).
        self._plain.register_unstructure_hook(Lifecycle, self._unstructure_life)
        self._plain.register_structure_hook(Lifecycle, self._structure_life)
        self._converter.register_unstructure_hook(Pipeline, self._unstructure_pipeline)
        self._dispatcher: Dispatcher | None = None
        self._lock_fd = self._lock()
        try:
            self._check_writable()
            self._document = self._read()
            self._remove_temporaries()
        except BaseException:
            self._unlock()
            raise
        self._written: bytes | None = None
        self._changed = threading.Event()
        self._closing = threading.Event()
        self._failing = False
        self._maybe = False
        self._snapshot_cost = 0.0
        self._writer: threading.Thread | None = None
        self.writes = 0
        """Snapshots written to disk since start (the benchmark reports it)."""

    # -- start: lock, folder, leftovers, reading ---------------------------------------------------

    def _refuse(self, why: str) -> StateFileError:
        return StateFileError(f"refusing state file {self._path}: {why} (it is left untouched)")

    def _lock(self) -> int:
        lock_path = self._path + ".lock"
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StateFileError(
                f"cannot use state file {self._path}: cannot create its lock file in {self._folder} "
                f"({error.strerror})"
            ) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = b""
            with contextlib.suppress(OSError):
                holder = os.pread(descriptor, 32, 0)
            os.close(descriptor)
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StateFileError(f"cannot lock state file {self._path} ({error.strerror})") from None
            pid = holder.decode("ascii", "replace").strip() or "unknown"
            raise StateFileError(
                f"refusing state file {self._path}: another server uses it (process {pid}, "
                f"lock {lock_path}); one server per state file"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        return descriptor

    def _unlock(self) -> None:
        if self._lock_fd >= 0:
            # Closing drops the flock. The lock file stays: removing it would let a server that
            # opened it a moment before lock a file no one else sees.
            os.close(self._lock_fd)
            self._lock_fd = -1

    def _check_writable(self) -> None:
        try:
            descriptor, probe = tempfile.mkstemp(prefix=self._temporary_prefix, dir=self._folder)
        except OSError as error:
            raise StateFileError(
                f"cannot use state file {self._path}: its folder cannot be written ({error.strerror})"
            ) from None
        os.close(descriptor)
        os.unlink(probe)

    def _remove_temporaries(self) -> None:
        # Copies a killed server left half-written; no one else writes here while we hold the lock.
        for name in os.listdir(self._folder):
            if name.startswith(self._temporary_prefix):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self._folder, name))

    def _read(self) -> dict[str, object] | None:
        try:
            with open(self._path, "rb") as file:
                raw = file.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._refuse(f"cannot be read ({error.strerror})") from None
        try:
            document = as_dict(json.loads(raw, object_hook=_decode))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise self._refuse("not a kvs-chime-local state file (not valid JSON)") from None
        if document is None or document.get("format") != FORMAT:
            raise self._refuse("not a kvs-chime-local state file")
        if document.get("version") != VERSION:
            raise self._refuse(f"state format version {document.get('version')!r} is not {VERSION}")
        _refuse_unknown(document, _TOP_KEYS, "at the top level", self._refuse)
        scopes = as_list(document.get("scopes"))
        if scopes is None:
            raise self._refuse("it has no list of scopes")
        for item in scopes:
            entry = as_dict(item)
            if entry is None:
                raise self._refuse("a scope is not an object")
            _refuse_unknown(entry, _SCOPE_KEYS, "in a scope", self._refuse)
            for holder, known in _HOLDER_KEYS.items():
                saved = entry.get(holder)
                if saved is not None:
                    fields = as_dict(saved)
                    if fields is None:
                        raise self._refuse(f"{holder} is not an object")
                    _refuse_unknown(fields, known, f"in {holder}", self._refuse)
        return document

    # -- the life cycle's clock readings ----------------------------------------------------------
    # Saved relative to a base fixed for the run (the clock at start), with the clock's own
    # reading beside them ("clock"): a snapshot does not change while only the clock moves, so
    # reads and time passing write nothing. Loading keeps what was left of each transition.
    # "unseen" (the first-read rule) is not kept: it would make every first describe a write.

    def _unstructure_life(self, life: Lifecycle) -> dict[str, object]:
        def relative(at: float | None) -> float | None:
            if at is None or math.isinf(at):
                return None
            self._latest = max(self._latest, at)
            return at - self._base

        return {
            "ready_in": relative(life.ready_at),
            "busy_for": relative(life.busy_until),
            "gone_in": relative(life.gone_at),
        }

    def _structure_life(self, value: object, _: object) -> Lifecycle:
        fields = as_dict(value)
        if fields is None:
            raise StateFileError("a life cycle is not an object")

        def absolute(key: str) -> float | None:
            at = fields.get(key)
            if at is None:
                return None
            if not isinstance(at, (int, float)) or not math.isfinite(at):
                raise StateFileError(f"{key} is not a number")
            return self._base + at - self._saved_clock

        busy = absolute("busy_for")
        ready = absolute("ready_in")
        return Lifecycle(
            ready_at=ready if ready is not None else self._base,
            busy_until=busy if busy is not None else -math.inf,
            gone_at=absolute("gone_in"),
        )

    def _unstructure_meeting(self, meeting: Meeting) -> dict[str, Any]:  # Any: JSON
        fields: dict[str, Any] = self._plain.unstructure(meeting, Meeting)  # Any: JSON
        fields["created"] = meeting.created - self._base
        for attendee in as_dict(fields.get("attendees")) or {}:
            saved = fields["attendees"][attendee]
            saved["joined"] = meeting.attendees[attendee].joined - self._base
        return fields

    def _unstructure_pipeline(self, pipeline: Pipeline) -> dict[str, Any]:  # Any: JSON
        fields: dict[str, Any] = self._plain.unstructure(pipeline, Pipeline)  # Any: JSON
        fields.pop("deleted_at", None)
        return fields

    def _structure_meeting(self, value: object, _: object) -> Meeting:
        fields = dict(as_dict(value) or {})

        def moved(reading: object) -> float:
            if not isinstance(reading, (int, float)) or not math.isfinite(reading):
                raise StateFileError("a meeting's clock reading is not a number")
            return self._base + reading - self._saved_clock

        fields["created"] = moved(fields.get("created"))
        attendees = as_dict(fields.get("attendees")) or {}
        fields["attendees"] = {
            key: {**(as_dict(item) or {}), "joined": moved((as_dict(item) or {}).get("joined"))}
            for key, item in attendees.items()
        }
        return cast(Meeting, self._plain.structure(fields, Meeting))

    # -- loading ----------------------------------------------------------------------------------

    def load_into(self, dispatcher: Dispatcher) -> None:
        """Fill `dispatcher` with the file's resources (nothing when the file does not exist yet)
        and start writing its changes behind the requests."""
        self._dispatcher = dispatcher
        if self._document is not None:
            with dispatcher.lock:
                self._base = self._settings.now()
                saved_clock = self._document.get("clock", 0.0)
                # Files of earlier versions have no "clock": their times are relative to the save.
                self._saved_clock = float(saved_clock) if isinstance(saved_clock, (int, float)) else 0.0
                try:
                    for item in as_list(self._document["scopes"]) or []:
                        entry = as_dict(item) or {}
                        scope = dispatcher.scope(str(entry["region"]), str(entry["account"]))
                        holders = _holders(scope)
                        for holder, attribute, kind in _FIELDS:
                            saved = as_dict(entry.get(holder)) or {}
                            if attribute in saved:
                                value = self._converter.structure(saved[attribute], kind)
                                setattr(holders[holder], attribute, value)
                # cattrs reports bad content with its own exception classes (ClassValidationError,
                # an ExceptionGroup, on 3.11+); any failure here means the same: content not valid.
                except Exception as error:
                    dispatcher.scopes.clear()
                    self._unlock()
                    raise self._refuse(f"its content is not valid ({type(error).__name__})") from None
                # What was read is what is on disk: an unchanged state is not written again.
                self._written = json.dumps(self._snapshot(dispatcher), default=_encode).encode("utf-8")
        self._writer = threading.Thread(target=self._write_behind, name="kvs-chime-state", daemon=True)
        self._writer.start()

    # -- writing ----------------------------------------------------------------------------------

    def changed(self) -> None:
        """Something may have changed (called after every request, reads included, and after a
        reset): the writer takes a look within `_IDLE_LOOK` seconds."""
        self._maybe = True

    def watch(self, journal: Journal) -> None:
        """Take the journal's word for which requests change state: each answered operation that
        is not a read (Describe, List, Get) gets its change on disk within `SYNC_INTERVAL`."""
        journal.listen(self._recorded)

    def _recorded(self, entry: JournalEntry) -> None:
        operation = entry.operation
        if operation is None or entry.method == "WEBSOCKET" or operation.startswith(_READS):
            return
        self._changed.set()

    def _snapshot(self, dispatcher: Dispatcher) -> dict[str, object]:
        self._latest = -math.inf
        scopes: list[object] = []
        for scope in dispatcher.scopes.values():
            entry: dict[str, Any] = {"region": scope.region, "account": scope.account}  # Any: JSON
            holders = _holders(scope)
            for holder, attribute, kind in _FIELDS:
                value = self._converter.unstructure(getattr(holders[holder], attribute), kind)
                entry.setdefault(holder, {})[attribute] = value
            scopes.append(entry)
        return {"format": FORMAT, "version": VERSION, "scopes": scopes}

    def _transitions_pending(self) -> bool:
        # Something was still CREATING, UPDATING or DELETING at the last snapshot.
        return self._latest > self._settings.now()

    def _write_behind(self) -> None:
        pause = SYNC_INTERVAL
        while not self._closing.is_set():
            # A request that changes state wakes the writer; anything else that may have (reads,
            # which change nothing kept; a reset; an injected pipeline failure) gets a slow look.
            look = max(_IDLE_LOOK, _IDLE_SPACING * self._snapshot_cost)
            woken = self._changed.wait(look)
            if self._closing.is_set():
                return
            if not woken and not self._maybe:
                continue
            # Group commit: whatever else changes in this pause goes into the same write.
            if woken and self._closing.wait(pause):
                return
            self._changed.clear()
            self._maybe = False
            outcome = self._write_if_changed()
            # Snapshots hold the GIL (and the lock, to take them): spaced by their own cost, the
            # requests keep most of the time.
            pause = max(SYNC_INTERVAL, _SPACING * self._snapshot_cost)
            if outcome == "failed":
                self._maybe = True  # look again, slowly
                if self._closing.wait(max(pause, _IDLE_LOOK)):
                    return

    def _write_if_changed(self, *, final: bool = False) -> str:
        """Write a snapshot unless it is what the file holds; `final` (at stop) also writes when
        a transition is under way, so its remaining time is the one at the stop."""
        dispatcher = self._dispatcher
        if dispatcher is None:
            return "unchanged"
        started = time.perf_counter()
        with dispatcher.lock:
            snapshot = self._snapshot(dispatcher)
            clock = self._settings.now() - self._base
        content = json.dumps(snapshot, default=_encode).encode("utf-8")
        self._snapshot_cost = time.perf_counter() - started
        if content == self._written and not (final and self._transitions_pending()):
            return "unchanged"
        # The clock goes last, outside what is compared: it moves without any change.
        payload = content[:-1] + b', "clock": ' + json.dumps(clock).encode("ascii") + b"}"
        try:
            self._replace(payload)
        except OSError as error:
            if not self._failing:
                _LOG.error(
                    "cannot write state file %s (%s): changes are kept in memory and retried",
                    self._path,
                    error.strerror or type(error).__name__,
                )
            self._failing = True
            return "failed"
        if self._failing:
            _LOG.warning("state file %s written again", self._path)
        self._failing = False
        self._written = content
        self.writes += 1
        return "written"

    def _replace(self, payload: bytes) -> None:
        descriptor, temporary = tempfile.mkstemp(prefix=self._temporary_prefix, dir=self._folder)
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(payload)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        # The rename itself is durable only once the folder is.
        with contextlib.suppress(OSError):
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def close(self) -> bool:
        """Write the last changes now, stop the writer and let go of the lock (idempotent).

        Returns False when the last write failed (it is logged; the stop goes on).
        """
        self._closing.set()
        self._changed.set()
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        written = True
        if self._lock_fd >= 0:
            written = self._write_if_changed(final=True) != "failed"
        self._unlock()
        return written


def _holders(scope: Scope) -> dict[str, Any]:  # Any: the holders are heterogeneous state objects
    return {**scope.holders(), "meetings": scope.meetings}


def _refuse_unknown(
    fields: dict[str, object],
    known: frozenset[str],
    where: str,
    refuse: Callable[[str], StateFileError],
) -> None:
    unknown = sorted(set(fields) - known)
    if unknown:
        shown = ", ".join(repr(key[:40]) for key in unknown[:3])
        raise refuse(f"unknown key {shown} {where} (known: {', '.join(sorted(known))})")


_LOG = logging.getLogger("kvs_chime.testing")
SYNC_INTERVAL = 0.05
"""Seconds between a change and the snapshot that writes it, at the least (see _write_behind)."""
_SPACING = 4.0
# Snapshots are at least this many times their own cost apart (taking and encoding, not the disk
# I/O, which leaves the GIL free): with 3,000 streams one takes ~0.1 s, so the requests keep at
# least 80% of the time.
_IDLE_LOOK = 2.0
# Seconds before a look at what may have changed outside the requests that change state (and
# between two tries of a failing write)...
_IDLE_SPACING = 20.0
# ...or this many times a snapshot's cost, when longer: reads cost the requests at most ~5%.
_READS = ("Describe", "List", "Get")
_TOP_KEYS = frozenset({"format", "version", "scopes", "clock"})
_HOLDER_KEYS: dict[str, frozenset[str]] = {
    holder: frozenset(attribute for h, attribute, _ in _FIELDS if h == holder) for holder, _, _ in _FIELDS
}
_SCOPE_KEYS = frozenset({"region", "account", *_HOLDER_KEYS})
