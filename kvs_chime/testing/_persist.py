"""`--state FILE`: every resource of every region and account, kept across restarts.

The file is JSON with a format marker, written whole to a temporary file beside it, flushed to disk
and renamed over the old one, so a crash leaves either the old file or the new one, never half of
either. A file that is not valid JSON, or not this format, is refused before anything is served,
and never overwritten.

Asynchronous transitions are saved relative to the clock at saving time and resume from the clock
at loading time: a resource CREATING when the server stopped is CREATING for the rest of its delay.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, cast

from ._backend import Lifecycle, Settings
from ._dispatch import Dispatcher
from ._kinesis_video import Channel, Stream
from ._media_insights import Configuration, Task
from ._media_pipelines import Issued, Pipeline, Pool
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
    """One state file: read once at start, written after every request that may change state."""

    def __init__(self, path: str, settings: Settings) -> None:
        self._path = os.path.abspath(path)
        self._settings = settings
        self._now = 0.0
        self._converter = _new_converter()
        # By predicate: a hook registered for the class `object` would match every class.
        self._converter.register_structure_hook_func(lambda kind: kind is object, _passthrough)
        self._converter.register_unstructure_hook(Lifecycle, self._unstructure_life)
        self._converter.register_structure_hook(Lifecycle, self._structure_life)
        self._document = self._read()
        self._dispatcher: Dispatcher | None = None

    def _unstructure_life(self, life: Lifecycle) -> dict[str, object]:
        def relative(at: float | None) -> float | None:
            return None if at is None or math.isinf(at) else at - self._now

        return {
            "ready_in": relative(life.ready_at),
            "busy_for": relative(life.busy_until),
            "gone_in": relative(life.gone_at),
            "unseen": life.unseen,
        }

    def _structure_life(self, value: object, _: object) -> Lifecycle:
        fields = as_dict(value)
        if fields is None:
            raise StateFileError("a life cycle is not an object")

        def absolute(key: str) -> float | None:
            at = fields.get(key)
            if at is None:
                return None
            if not isinstance(at, (int, float)):
                raise StateFileError(f"{key} is not a number")
            return self._now + at

        busy = absolute("busy_for")
        return Lifecycle(
            ready_at=absolute("ready_in") or self._now,
            busy_until=busy if busy is not None else -math.inf,
            gone_at=absolute("gone_in"),
            unseen=bool(fields.get("unseen", False)),
        )

    def _refuse(self, why: str) -> StateFileError:
        return StateFileError(f"refusing state file {self._path}: {why} (it is left untouched)")

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
        if as_list(document.get("scopes")) is None:
            raise self._refuse("it has no list of scopes")
        return document

    def load_into(self, dispatcher: Dispatcher) -> None:
        """Fill `dispatcher` with the file's resources (nothing when the file does not exist yet)."""
        self._dispatcher = dispatcher
        if self._document is None:
            return
        with dispatcher.lock:
            self._now = self._settings.now()
            try:
                for item in as_list(self._document["scopes"]) or []:
                    entry = as_dict(item)
                    if entry is None:
                        raise StateFileError("a scope is not an object")
                    scope = dispatcher.scope(str(entry["region"]), str(entry["account"]))
                    holders = scope.holders()
                    for holder, attribute, kind in _FIELDS:
                        saved = as_dict(entry.get(holder)) or {}
                        if attribute in saved:
                            setattr(
                                holders[holder], attribute, self._converter.structure(saved[attribute], kind)
                            )
            # cattrs reports bad content with its own exception classes (ClassValidationError,
            # an ExceptionGroup, on 3.11+); any failure here means the same: content not valid.
            except Exception as error:
                dispatcher.scopes.clear()
                raise self._refuse(f"its content is not valid ({type(error).__name__})") from None

    def _snapshot(self, dispatcher: Dispatcher) -> dict[str, object]:
        self._now = self._settings.now()
        scopes: list[object] = []
        for scope in dispatcher.scopes.values():
            entry: dict[str, Any] = {"region": scope.region, "account": scope.account}  # Any: JSON
            holders = scope.holders()
            for holder, attribute, kind in _FIELDS:
                value = self._converter.unstructure(getattr(holders[holder], attribute), kind)
                entry.setdefault(holder, {})[attribute] = value
            scopes.append(entry)
        return {"format": FORMAT, "version": VERSION, "scopes": scopes}

    def save(self) -> None:
        """Write the state now, atomically (the caller holds the dispatcher's lock)."""
        if self._dispatcher is None:
            return
        payload = json.dumps(self._snapshot(self._dispatcher), default=_encode).encode("utf-8")
        directory = os.path.dirname(self._path)
        descriptor, temporary = tempfile.mkstemp(prefix=".kvs-chime-state-", dir=directory)
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

    flush = save
