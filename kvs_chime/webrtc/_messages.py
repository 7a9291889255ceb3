"""The signaling channel's JSON messages, typed: encoding what is sent, decoding what arrives.

No I/O here. Outbound messages are checked before they are encoded (client ids, correlation id,
the 10 KB payload limit), so a bad one is refused before anything touches the network. Inbound
text that is not a message this module knows is kept as an `UnknownMessage`, never raised: the
frame and its payload are read only within `MAX_FRAME` characters and `MAX_DEPTH` levels of JSON
nesting (deeper JSON would exhaust the parser's recursion). `messagePayload` is read in both
base64 alphabets, padded or not (the Android SDK sends URL-safe without padding); the standard
alphabet, padded, is sent, as the JS SDK does.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TypeAlias, cast

import attrs

__all__ = [
    "MAX_DEPTH",
    "MAX_FRAME",
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

MAX_FRAME = 32 * 1024
"""The longest inbound frame read, in characters: a 10 KB payload and its envelope, with room
for what the service may add (longer frames end the connection, as WebSocket's 1009)."""

MAX_DEPTH = 16
"""The deepest JSON nesting read in a frame or its payload (real messages nest 2 levels)."""

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


# Either base64 alphabet ("+/" standard, "-_" URL-safe), padding optional.
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_TO_STANDARD = str.maketrans("-_", "+/")
# JSON strings (escapes included), which may hold brackets that do not nest anything.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def decode_base64(text: str) -> bytes:
    """The bytes of base64 `text` in either alphabet, padded or not; ValueError when it is not base64."""
    if not _BASE64.fullmatch(text):
        raise ValueError("not base64")
    unpadded = text.rstrip("=").translate(_TO_STANDARD)
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("not base64") from None


def _too_deep(text: str) -> bool:
    """Whether the JSON `text` nests arrays or objects deeper than `MAX_DEPTH` (strings skipped)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return False
    depth = 0
    for bracket in _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return True
        else:
            depth = max(0, depth - 1)
    return False


def _payload(text: object) -> dict[str, object]:
    if not isinstance(text, str):
        raise ValueError("messagePayload is missing")
    try:
        decoded = decode_base64(text).decode("utf-8")
    except ValueError:  # UnicodeDecodeError included
        raise ValueError("messagePayload is not base64 of JSON") from None
    if _too_deep(decoded):
        raise ValueError(f"messagePayload nests JSON deeper than {MAX_DEPTH} levels")
    try:
        document: object = json.loads(decoded)
    except ValueError:
        raise ValueError("messagePayload is not base64 of JSON") from None
    found = _object(document)
    if found is None:
        raise ValueError("messagePayload is not a JSON object")
    return found


def decode_inbound(text: str | bytes) -> InboundMessage:
    """Read one inbound frame; anything not understood comes back as an `UnknownMessage`."""
    if len(text) > MAX_FRAME:
        # Kept short: an oversized frame is reported, not held.
        raw = text[:MAX_FRAME].decode("utf-8", "replace") if isinstance(text, bytes) else text[:MAX_FRAME]
        return UnknownMessage(raw, f"longer than {MAX_FRAME} characters")
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    if _too_deep(raw):
        return UnknownMessage(raw, f"nests JSON deeper than {MAX_DEPTH} levels")
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
