"""The admin API's `/_kvs_chime/signaling` route: the signaling WebSockets' faults and limits over HTTP,
for an endpoint run as a server (`python -m kvs_chime.testing`). The same as `LocalEndpoint.signaling`.
"""

from __future__ import annotations

import json
from typing import cast

from ._signaling_control import SignalingControl
from ._wire import HttpRequest, HttpResponse

PATH = "/_kvs_chime/signaling"
"""The route's path."""

_LIMITS = ("idle_timeout", "max_connection_duration", "relay_delay")
_COUNTS = ("max_viewers",)


def _answer(status: int, body: dict[str, object]) -> HttpResponse:
    return HttpResponse(status, (("Content-Type", "application/json"),), json.dumps(body).encode("utf-8"))


def _view(control: SignalingControl) -> dict[str, object]:
    return {
        "idle_timeout": control.idle_timeout,
        "max_connection_duration": control.max_connection_duration,
        "relay_delay": control.relay_delay,
        "max_viewers": control.max_viewers,
        "connections": [
            {"channel_arn": c.channel_arn, "role": c.role, "client_id": c.client_id}
            for c in control.connections()
        ],
        "storage_sessions": [
            {
                "channel_arn": s.channel_arn,
                "client_id": s.client_id,
                "joined_at": s.joined_at,
                "offers": s.offers,
                "answered": s.answered,
                "candidates": s.candidates,
            }
            for s in control.storage_sessions()
        ],
    }


def _optional_str(body: dict[str, object], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f'"{key}" must be a string')
    return value


def answer(control: SignalingControl, request: HttpRequest) -> HttpResponse:
    """GET: limits, connections and storage sessions; PUT: change limits; POST: a fault now
    (`{"action": ...}`; `withhold_storage_offers` with `times` acts on the next joins)."""
    try:
        parsed: object = json.loads(request.body) if request.body.strip() else {}
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        return _answer(400, {"error": "the body is not valid JSON"})
    if not isinstance(parsed, dict):
        return _answer(400, {"error": "the body must be a JSON object"})
    body: dict[str, object] = {str(k): v for k, v in cast("dict[object, object]", parsed).items()}
    try:
        if request.method == "GET":
            return _answer(200, _view(control))
        if request.method == "PUT":
            unknown = set(body) - set(_LIMITS) - set(_COUNTS)
            if unknown:
                raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
            for key in _COUNTS:
                value = body.get(key)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise ValueError(f'"{key}" must be an integer')
            for key in _LIMITS:
                value = body.get(key)
                if value is None:
                    continue
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise ValueError(f'"{key}" must be a number')
                setattr(control, key, float(value))
            if body.get("max_viewers") is not None:
                control.max_viewers = cast(int, body["max_viewers"])
            return _answer(200, _view(control))
        if request.method == "POST":
            action = body.get("action")
            if action == "withhold_storage_offers":
                times = body.get("times", 1)
                if not isinstance(times, int) or isinstance(times, bool):
                    raise ValueError('"times" must be an integer')
                control.withhold_storage_offers(times)
                return _answer(200, {"withheld": times})
            channel_arn = _optional_str(body, "channel_arn")
            if channel_arn is None:
                raise ValueError('"channel_arn" is required')
            client_id = _optional_str(body, "client_id")
            role = _optional_str(body, "role")
            if action == "go_away":
                count = control.go_away(channel_arn, client_id=client_id, role=role)
            elif action == "reconnect_ice_server":
                count = control.reconnect_ice_server(channel_arn, client_id=client_id, role=role)
            elif action == "close":
                code = body.get("code", 1001)
                if not isinstance(code, int) or isinstance(code, bool):
                    raise ValueError('"code" must be an integer')
                count = control.close(channel_arn, code=code, client_id=client_id, role=role)
            elif action == "drop":
                count = control.drop(channel_arn, client_id=client_id, role=role)
            else:
                raise ValueError(
                    '"action" must be go_away, reconnect_ice_server, close, drop or withhold_storage_offers'
                )
            return _answer(200, {"connections": count})
    except ValueError as error:
        return _answer(400, {"error": str(error)})
    return _answer(405, {"error": f"{request.method} is not allowed on {PATH}"})
