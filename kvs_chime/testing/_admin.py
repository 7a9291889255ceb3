"""The admin API: fault injection, the journal, the clock and settings over HTTP, under `/_kvs_chime/`.

No AWS operation's path starts with `/_`, so the prefix can never shadow one. Tests in any language
drive the emulator through it; docs/howto/admin-api.md documents every route.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable
from datetime import datetime

import attrs

from ._admin_media import media_routes
from ._backend import Settings
from ._dispatch import Dispatcher
from ._faults import MAX_LATENCY, Faults
from ._journal import Journal, JournalEntry
from ._types import JsonObject, JsonValue, as_dict, as_list
from ._wire import HttpRequest, HttpResponse, json_bytes

ADMIN_PREFIX = "/_kvs_chime/"
"""Path prefix of the admin API."""


class _AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _answer(status: int, body: JsonObject) -> HttpResponse:
    return HttpResponse(status, (("Content-Type", "application/json"),), json_bytes(body))


def _json_safe(value: object) -> JsonValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    items = as_list(value)
    if items is not None:
        return [_json_safe(item) for item in items]
    entries = as_dict(value)
    if entries is not None:
        return {str(k): _json_safe(v) for k, v in entries.items()}
    return str(value)


def _entry(entry: JournalEntry) -> JsonObject:
    document = _json_safe(attrs.asdict(entry, recurse=False))
    assert isinstance(document, dict)
    return document


def _str(body: dict[str, object], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise _AdminError(400, f"'{key}' must be a non-empty string")
    return value


def _number(body: dict[str, object], key: str) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _AdminError(400, f"'{key}' must be a number")
    return float(value)


def _int(body: dict[str, object], key: str) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _AdminError(400, f"'{key}' must be an integer")
    return value


class Admin:
    """Answers the admin API's requests."""

    def __init__(self, settings: Settings, faults: Faults, journal: Journal, dispatcher: Dispatcher) -> None:
        self._settings = settings
        self._faults = faults
        self._journal = journal
        self._dispatcher = dispatcher
        self._routes: dict[tuple[str, str], Callable[[HttpRequest, dict[str, object]], HttpResponse]] = {
            ("GET", "health"): self._health,
            ("GET", "faults"): self._pending,
            ("POST", "faults"): self._add_fault,
            ("DELETE", "faults"): self._clear_faults,
            ("GET", "journal"): self._read_journal,
            ("DELETE", "journal"): self._clear_journal,
            ("GET", "clock"): self._read_clock,
            ("POST", "clock"): self._advance_clock,
            ("GET", "settings"): self._read_settings,
            ("PUT", "settings"): self._change_settings,
            ("POST", "reset"): self._reset,
        }
        self._routes.update(media_routes(settings.hub, dispatcher))

    def handle(self, request: HttpRequest) -> HttpResponse:
        """The answer to one admin request; errors are JSON `{"error": ...}` with a 4xx status."""
        name = request.path[len(ADMIN_PREFIX) :].strip("/")
        route = self._routes.get((request.method, name))
        try:
            if route is None:
                if any(key == name for _, key in self._routes):
                    raise _AdminError(405, f"{request.method} is not allowed on {ADMIN_PREFIX}{name}")
                raise _AdminError(404, f"no admin route {ADMIN_PREFIX}{name}")
            body: dict[str, object] = {}
            if request.body.strip():
                try:
                    parsed = as_dict(json.loads(request.body))
                except (UnicodeDecodeError, ValueError, RecursionError):
                    raise _AdminError(400, "the body is not valid JSON") from None
                if parsed is None:
                    raise _AdminError(400, "the body must be a JSON object")
                body = parsed
            return route(request, body)
        except _AdminError as error:
            return _answer(error.status, {"error": error.message})
        except ValueError as error:
            # The Faults API's own checks (unknown operation, bad status...) speak for themselves.
            return _answer(400, {"error": str(error)})

    def _health(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        return _answer(200, {"status": "ok", "url": self._settings.base_url})

    def _pending(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        return _answer(200, {"pending": self._faults.pending()})

    def _add_fault(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        kind = _str(body, "kind")
        operation = _str(body, "operation")
        assert kind is not None and operation is not None
        service = _str(body, "service", required=False)
        times = _int(body, "times")
        count = 1 if times is None else times
        if kind == "fail":
            code = _str(body, "code")
            assert code is not None
            self._faults.fail_next(
                operation,
                code,
                _int(body, "status"),
                message=_str(body, "message", required=False),
                times=count,
                service=service,
            )
        elif kind == "drop_before_apply":
            self._faults.drop_before_apply(operation, times=count, service=service)
        elif kind == "drop_after_apply":
            self._faults.drop_after_apply(operation, times=count, service=service)
        elif kind == "latency":
            seconds = _number(body, "seconds")
            if seconds is None:
                raise _AdminError(400, f"'seconds' is required (0 to {MAX_LATENCY})")
            self._faults.add_latency(operation, seconds, times=times, service=service)
        elif kind == "raw":
            raw = body.get("body")
            if not isinstance(raw, str):
                raise _AdminError(400, "'body' must be a string (sent as UTF-8)")
            self._faults.raw_next(
                operation,
                raw.encode("utf-8"),
                status=_int(body, "status") or 200,
                times=count,
                service=service,
            )
        elif kind == "set_member":
            path = _str(body, "path")
            assert path is not None
            value = _json_safe(body.get("value"))
            self._faults.set_member_next(operation, path, value, times=count, service=service)
        elif kind == "drop_member":
            path = _str(body, "path")
            assert path is not None
            self._faults.drop_member_next(operation, path, times=count, service=service)
        else:
            raise _AdminError(
                400,
                "'kind' must be one of fail, drop_before_apply, drop_after_apply, latency, raw, "
                "set_member, drop_member",
            )
        return _answer(201, {"pending": self._faults.pending()})

    def _clear_faults(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        self._faults.clear()
        return _answer(200, {"pending": 0})

    def _read_journal(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        operation = next(iter(request.query.get("operation") or ()), None)
        service = next(iter(request.query.get("service") or ()), None)
        entries: list[JsonValue] = [_entry(e) for e in self._journal.entries(operation, service=service)]
        return _answer(200, {"entries": entries})

    def _clear_journal(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        self._journal.clear()
        return _answer(200, {"entries": []})

    def _clock(self) -> JsonObject:
        now = self._settings.now()
        return {"now": now, "offset": self._settings.clock_offset, "epoch": self._settings.wall(now)}

    def _read_clock(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        return _answer(200, self._clock())

    def _advance_clock(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        seconds = _number(body, "advance")
        if seconds is None or seconds < 0:
            raise _AdminError(400, "'advance' must be a number of seconds, not negative")
        with self._dispatcher.lock:
            self._settings.clock_offset += seconds
        # Media pipelines write the audio and events of the skipped time now.
        self._dispatcher.advance()
        return _answer(200, self._clock())

    def _settings_view(self) -> JsonObject:
        s = self._settings
        return {
            "activation_delay": s.activation_delay,
            "deletion_delay": s.effective_deletion_delay,
            "channel_limit": s.channel_limit,
            "stream_limit": s.stream_limit,
            "region": s.region,
            "account_id": s.account_id,
            "strict_signatures": s.credentials is not None,
        }

    def _read_settings(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        return _answer(200, self._settings_view())

    def _change_settings(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        unknown = set(body) - {"activation_delay", "deletion_delay", "channel_limit", "stream_limit"}
        if unknown:
            raise _AdminError(400, f"unknown or read-only settings: {', '.join(sorted(unknown))}")
        delays = {key: _number(body, key) for key in ("activation_delay", "deletion_delay")}
        limits = {key: _int(body, key) for key in ("channel_limit", "stream_limit")}
        if any(v is not None and v < 0 for v in (*delays.values(), *limits.values())):
            raise _AdminError(400, "settings must not be negative")
        with self._dispatcher.lock:
            if delays["activation_delay"] is not None:
                self._settings.activation_delay = delays["activation_delay"]
            if delays["deletion_delay"] is not None:
                self._settings.deletion_delay = delays["deletion_delay"]
            if limits["channel_limit"] is not None:
                self._settings.channel_limit = limits["channel_limit"]
            if limits["stream_limit"] is not None:
                self._settings.stream_limit = limits["stream_limit"]
        return _answer(200, self._settings_view())

    def _reset(self, request: HttpRequest, body: dict[str, object]) -> HttpResponse:
        self._dispatcher.reset()
        self._faults.clear()
        self._journal.clear()
        self._settings.hub.faults.clear()
        self._settings.hub.events.clear()
        return _answer(200, {"reset": True})
