"""The signaling channel's JSON messages, typed: encoding what is sent, decoding what arrives.

No I/O here. Outbound messages are checked before they are encoded (client ids, correlation id,
the 10 KB payload limit), so a bad one is refused before anything touches the network. Inbound
text that is not a message this module knows is kept as an `UnknownMessage`, never raised.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TypeAlias, cast

import attrs

__all__ = [
    "MAX_PAYLOAD",
    "GoAway",
    "IceCandidate",
    "InboundMessage",
    "ReconnectIceServer",
    "SdpAnswer",
    "SdpOffer",
    "StatusResponse",
    "UnknownMessage",
    "decode_inbound",
    "encode_candidate",
    "encode_sdp",
    "validate_client_id",
]

MAX_PAYLOAD = 10 * 1024
"""The largest `messagePayload` (the base64 text on the wire) the service accepts, in bytes."""

_ID = re.compile(r"[a-zA-Z0-9_.-]{1,256}")


def validate_client_id(value: str, field: str = "client_id") -> str:
    """Return `value` when it is a valid signaling client id, else raise ValueError naming `field`.

    A client id is 1-256 characters of `[a-zA-Z0-9_.-]` and must not start with `AWS_` (that
    prefix is the service's own).
    """
    if not _ID.fullmatch(value):
        raise ValueError(f"{field} must be 1-256 characters of [a-zA-Z0-9_.-] (got {len(value)} characters)")
    if value.startswith("AWS_"):
        raise ValueError(f"{field} must not start with 'AWS_' (reserved by the service)")
    return value


def _validate_correlation_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("correlation_id must be 1-256 characters of [a-zA-Z0-9_.-]")
    return value


@attrs.frozen
class SdpOffer:
    """An SDP offer from another peer (a viewer's, when you are the master), or from the storage
    session after JoinStorageSession (then it names no sender)."""

    sdp: str = attrs.field(repr=lambda sdp: f"<{len(sdp)} characters>")
    """The session description (SDP text)."""
    sender_client_id: str | None = None
    """The viewer that sent it (None when it came from the master or the storage session)."""


@attrs.frozen
class SdpAnswer:
    """An SDP answer from another peer (the master's, when you are a viewer)."""

    sdp: str = attrs.field(repr=lambda sdp: f"<{len(sdp)} characters>")
    """The session description (SDP text)."""
    sender_client_id: str | None = None
    """The viewer that sent it (None when it came from the master)."""


@attrs.frozen
class IceCandidate:
    """A trickled ICE candidate from another peer."""

    candidate: str
    """The candidate line (`candidate:...`), as RTCIceCandidate.candidate; empty at end of candidates."""
    sdp_mid: str | None = None
    """The media stream id the candidate belongs to."""
    sdp_mline_index: int | None = None
    """The index of the media section it belongs to."""
    sender_client_id: str | None = None
    """The viewer that sent it (None when it came from the master)."""


@attrs.frozen
class GoAway:
    """The service is about to close this connection: finish and reconnect (the client does)."""


@attrs.frozen
class ReconnectIceServer:
    """The ICE servers changed: fetch them again (the client refreshes its `ice_servers`)."""


@attrs.frozen
class StatusResponse:
    """The service's answer to a sent message that carried a correlation id (sent on failure)."""

    correlation_id: str | None
    """The correlation id of the message it answers."""
    error_type: str | None = None
    """The service's error name, e.g. "InvalidArgumentException"."""
    status_code: str | None = None
    """The HTTP-like status, as the service sends it (a string, e.g. "400")."""
    description: str | None = None
    """What went wrong, in words."""


@attrs.frozen
class UnknownMessage:
    """An inbound frame this client could not read as a known message: kept, never raised."""

    raw: str = attrs.field(repr=lambda raw: f"<{len(raw)} characters>")
    """The frame's text as received."""
    reason: str
    """Why it was not understood (unknown type, not JSON, bad payload...)."""
    message_type: str | None = None
    """Its `messageType`, when it had a string one."""


InboundMessage: TypeAlias = (
    SdpOffer | SdpAnswer | IceCandidate | GoAway | ReconnectIceServer | StatusResponse | UnknownMessage
)
"""Everything `SignalingClient` yields; match on the classes."""


def _b64_json(document: dict[str, object]) -> str:
    # Compact JSON, standard base64 (with padding), as the official SDKs send.
    return base64.b64encode(json.dumps(document, separators=(",", ":")).encode("utf-8")).decode("ascii")


def _envelope(action: str, payload: str, recipient_client_id: str | None, correlation_id: str | None) -> str:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(
            f"message payload must be at most {MAX_PAYLOAD} bytes once base64-encoded (got {len(payload)})"
        )
    message: dict[str, str] = {"action": action, "messagePayload": payload}
    if recipient_client_id is not None:
        message["recipientClientId"] = validate_client_id(recipient_client_id, "recipient_client_id")
    if correlation_id is not None:
        message["correlationId"] = _validate_correlation_id(correlation_id)
    return json.dumps(message, separators=(",", ":"))


def encode_sdp(
    kind: str, sdp: str, *, recipient_client_id: str | None = None, correlation_id: str | None = None
) -> str:
    """The frame for an SDP `kind` ("offer" or "answer"); ValueError for a bad field, naming it."""
    if kind not in ("offer", "answer"):
        raise ValueError("kind must be 'offer' or 'answer'")
    action = "SDP_OFFER" if kind == "offer" else "SDP_ANSWER"
    return _envelope(action, _b64_json({"type": kind, "sdp": sdp}), recipient_client_id, correlation_id)


def encode_candidate(
    candidate: str,
    sdp_mid: str | None,
    sdp_mline_index: int | None,
    *,
    recipient_client_id: str | None = None,
    correlation_id: str | None = None,
) -> str:
    """The frame for an ICE candidate; ValueError for a bad field, naming it."""
    payload = _b64_json({"candidate": candidate, "sdpMid": sdp_mid, "sdpMLineIndex": sdp_mline_index})
    return _envelope("ICE_CANDIDATE", payload, recipient_client_id, correlation_id)


def _opt_str(document: dict[str, object], key: str) -> str | None:
    value = document.get(key)
    return value if isinstance(value, str) else None


def _object(value: object) -> dict[str, object] | None:
    """A JSON object with its keys as strings, or None when `value` is not one."""
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in cast("dict[object, object]", value).items()}


def _payload(text: object) -> dict[str, object]:
    if not isinstance(text, str):
        raise ValueError("messagePayload is missing")
    try:
        document: object = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        raise ValueError("messagePayload is not base64 of JSON") from None
    found = _object(document)
    if found is None:
        raise ValueError("messagePayload is not a JSON object")
    return found


def decode_inbound(text: str | bytes) -> InboundMessage:
    """Read one inbound frame; anything not understood comes back as an `UnknownMessage`."""
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    try:
        document: object = json.loads(raw) if raw.strip() else None
    except ValueError:
        return UnknownMessage(raw, "not JSON")
    fields = _object(document)
    if fields is None:
        return UnknownMessage(raw, "not a JSON object")
    kind = _opt_str(fields, "messageType")
    sender = _opt_str(fields, "senderClientId") or None
    try:
        if kind in ("SDP_OFFER", "SDP_ANSWER"):
            payload = _payload(fields.get("messagePayload"))
            sdp = payload.get("sdp")
            if not isinstance(sdp, str):
                raise ValueError("the payload has no sdp")
            return SdpOffer(sdp, sender) if kind == "SDP_OFFER" else SdpAnswer(sdp, sender)
        if kind == "ICE_CANDIDATE":
            payload = _payload(fields.get("messagePayload"))
            candidate = payload.get("candidate")
            index = payload.get("sdpMLineIndex")
            if not isinstance(candidate, str):
                raise ValueError("the payload has no candidate")
            if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
                raise ValueError("sdpMLineIndex is not an integer")
            return IceCandidate(candidate, _opt_str(payload, "sdpMid"), index, sender)
        if kind == "GO_AWAY":
            return GoAway()
        if kind == "RECONNECT_ICE_SERVER":
            return ReconnectIceServer()
        if kind == "STATUS_RESPONSE":
            found = _object(fields.get("statusResponse"))
            if found is None:
                raise ValueError("statusResponse is missing")
            code = found.get("statusCode")
            return StatusResponse(
                _opt_str(found, "correlationId"),
                _opt_str(found, "errorType"),
                str(code) if isinstance(code, (str, int)) and not isinstance(code, bool) else None,
                _opt_str(found, "description"),
            )
    except ValueError as error:
        return UnknownMessage(raw, str(error), kind)
    return UnknownMessage(raw, "unknown messageType" if kind else "no messageType", kind)
