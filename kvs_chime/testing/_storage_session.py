"""Kinesis Video WebRTC storage: JoinStorageSession and JoinStorageSessionAsViewer, and the storage
session's side of the signaling exchange.

No I/O here. `WebRtcStorage` answers the two HTTP operations (on the channel's WEBRTC endpoint;
the channel must exist and have media storage ENABLED) and leaves the offer to the signaling hub,
which calls `StorageSessions` to decide what to send and what an answer or candidate from the
peer means. As the service does (AWS docs, "Troubleshoot issues connecting with the storage
session"), the storage session is the controlling peer: it sends an SDP offer and an ICE
candidate, and its messages carry no `senderClientId`; the peer answers with no recipient, and
a master's or viewer's answer it cannot use (no Opus audio; for a master, no H.264 video) is
refused with InvalidArgumentException. Each call sends a new offer ("an offer is sent once per
each call"); the latest replaces the session ("the most recent client request takes
precedence").

The offer is a real SDP (audio Opus sendrecv; video H.264, recvonly towards a master and
sendonly towards a viewer; its own ICE ufrag/pwd and a DTLS fingerprint) that WebRTC stacks
accept, but nothing here completes ICE or DTLS, or receives media: the stream stays empty.
"""

from __future__ import annotations

import base64
import json
import re
import secrets

import attrs

from ._backend import Context, Handler, Settings
from ._errors import ServiceError
from ._kinesis_video import Channel, KinesisVideo
from ._params import req_str
from ._payload import payload_bytes
from ._routing import WEBRTC_ENDPOINT_PREFIX
from ._types import Params, as_dict

_INVALID = "InvalidArgumentException"
_NOT_FOUND = "ResourceNotFoundException"
# The candidate the storage session trickles: a host candidate on loopback, on the discard port
# (nothing listens there; the emulator does not run ICE).
_CANDIDATE_PORT = 9
_RTPMAP = re.compile(r"^a=rtpmap:\d+ ([A-Za-z0-9-]+)/", re.MULTILINE)


class WebRtcStorage:
    """The kinesis-video-webrtc-storage operations of one region and account (state lock held)."""

    def __init__(self, settings: Settings, state: KinesisVideo) -> None:
        self._settings = settings
        self._state = state

    def handlers(self) -> dict[str, Handler]:
        """The emulated kinesis-video-webrtc-storage operations."""
        return {
            "JoinStorageSession": self.join_storage_session,
            "JoinStorageSessionAsViewer": self.join_storage_session_as_viewer,
        }

    def join_storage_session(self, ctx: Context, params: Params) -> Params:
        """JoinStorageSession: 200 with an empty body; the offer goes to the connected master.

        With no master connected the call still succeeds and no offer is sent (the AWS samples
        call it again until an offer arrives); the journal records the offer as undelivered.
        """
        channel = self._channel(ctx, params)
        self._offer_later(ctx, channel.arn, None)
        return {}

    def join_storage_session_as_viewer(self, ctx: Context, params: Params) -> Params:
        """JoinStorageSessionAsViewer: as JoinStorageSession, the offer going to the viewer `clientId`."""
        channel = self._channel(ctx, params)
        self._offer_later(ctx, channel.arn, req_str(params, "clientId"))
        return {}

    def _offer_later(self, ctx: Context, channel_arn: str, client_id: str | None) -> None:
        sink = self._settings.storage_offers
        if sink is not None:
            # After the request is applied: sending takes the hub's lock, not to be taken under this one.
            ctx.after.append(lambda: sink(channel_arn, client_id))

    def _channel(self, ctx: Context, params: Params) -> Channel:
        arn = req_str(params, "channelArn")
        channel = next((c for c in self._state.channels.values() if c.arn == arn), None)
        if channel is None or channel.life.gone_at is not None:
            raise ServiceError(_NOT_FOUND, "The signaling channel does not exist")
        if ctx.signaling_endpoint is None:
            raise ServiceError(
                _INVALID,
                "The WebRTC storage API must be called on the channel's WEBRTC endpoint "
                "(see GetSignalingChannelEndpoint)",
            )
        if ctx.signaling_endpoint != f"{WEBRTC_ENDPOINT_PREFIX}{channel.endpoint_id}":
            raise ServiceError(_INVALID, "This WEBRTC endpoint does not serve the channel")
        storage = channel.media_storage or {}
        if storage.get("Status") != "ENABLED" or not storage.get("StreamARN"):
            raise ServiceError(
                _INVALID,
                "The signaling channel's media storage is not ENABLED (see UpdateMediaStorageConfiguration)",
            )
        return channel


@attrs.define
class StorageSession:
    """One participant's session with the storage session: what was offered and what came back."""

    channel_arn: str
    client_id: str | None
    """The viewer's client id; None for the master."""
    connection_id: str
    """The signaling connection the latest offer went to (the session ends with it)."""
    joined_at: float
    ice_ufrag: str
    ice_pwd: str
    offers: int = 1
    answered: bool = False
    candidates: int = 0


def _random_fingerprint() -> str:
    return ":".join(f"{byte:02X}" for byte in secrets.token_bytes(32))


def offer_sdp(*, to_viewer: bool, ice_ufrag: str, ice_pwd: str, fingerprint: str) -> str:
    """The storage session's SDP offer: Opus audio (sendrecv) and H.264 video (recvonly from a
    master, whose video it stores; sendonly to a viewer, who gets the master's video through it)."""
    session_id = secrets.randbelow(2**62)
    transport = [
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        f"a=ice-ufrag:{ice_ufrag}",
        f"a=ice-pwd:{ice_pwd}",
        "a=ice-options:trickle",
        f"a=fingerprint:sha-256 {fingerprint}",
        "a=setup:actpass",
    ]
    lines = [
        "v=0",
        f"o=- {session_id} 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0 1",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        *transport,
        "a=mid:0",
        "a=sendrecv",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=rtcp-fb:111 transport-cc",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 125",
        *transport,
        "a=mid:1",
        "a=sendonly" if to_viewer else "a=recvonly",
        "a=rtcp-mux",
        "a=rtcp-rsize",
        "a=rtpmap:125 H264/90000",
        "a=rtcp-fb:125 nack",
        "a=rtcp-fb:125 nack pli",
        "a=rtcp-fb:125 goog-remb",
        "a=fmtp:125 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
    ]
    return "\r\n".join(lines) + "\r\n"


def _frame(message_type: str, payload: dict[str, object]) -> str:
    # No senderClientId: messages from the storage session carry none.
    encoded = base64.b64encode(json.dumps(payload).encode("utf-8")).decode("ascii")
    return json.dumps({"messageType": message_type, "messagePayload": encoded})


class StorageSessions:
    """The storage sessions of every channel, by (channel ARN, viewer client id or None).

    Not thread-safe: the signaling hub calls it with its own lock held.
    """

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, str | None], StorageSession] = {}
        self.withheld: int = 0
        """How many coming joins send no offer (a fault: the 200 without an offer the AWS samples retry)."""

    def offer(self, channel_arn: str, client_id: str | None, connection_id: str, now: float) -> list[str]:
        """A new offer for the participant (replacing its session's credentials), as the frames to
        send it: the SDP offer, then one trickled ICE candidate."""
        key = (channel_arn, client_id)
        ufrag, pwd = secrets.token_hex(4), secrets.token_hex(12)
        known = self._sessions.get(key)
        if known is None:
            self._sessions[key] = StorageSession(channel_arn, client_id, connection_id, now, ufrag, pwd)
        else:
            # The most recent request takes precedence: a new offer, a new negotiation.
            known.connection_id, known.ice_ufrag, known.ice_pwd = connection_id, ufrag, pwd
            known.offers += 1
            known.answered, known.candidates = False, 0
        sdp = offer_sdp(
            to_viewer=client_id is not None, ice_ufrag=ufrag, ice_pwd=pwd, fingerprint=_random_fingerprint()
        )
        candidate = f"candidate:1 1 udp 2130706431 127.0.0.1 {_CANDIDATE_PORT} typ host"
        return [
            _frame("SDP_OFFER", {"type": "offer", "sdp": sdp}),
            _frame("ICE_CANDIDATE", {"candidate": candidate, "sdpMid": "0", "sdpMLineIndex": 0}),
        ]

    def take_withheld(self) -> bool:
        """Whether this join's offer is withheld (consumes one)."""
        if self.withheld > 0:
            self.withheld -= 1
            return True
        return False

    def session_for(
        self, channel_arn: str, client_id: str | None, connection_id: str
    ) -> StorageSession | None:
        """The session the peer on `connection_id` answers, if its latest offer went there."""
        found = self._sessions.get((channel_arn, client_id))
        return found if found is not None and found.connection_id == connection_id else None

    def receive(self, session: StorageSession, action: str, payload: str) -> None:
        """An answer or candidate from the participant; ServiceError when the storage session
        cannot use it (an offer, an unreadable payload, an answer without the codecs it needs)."""
        if action == "SDP_OFFER":
            raise ServiceError(_INVALID, "The storage session sends the offers; answer it with SDP_ANSWER")
        # Either base64 alphabet, padded or not, as the signaling relay accepts (_payload.py).
        decoded = payload_bytes(payload)
        try:
            document = None if decoded is None else as_dict(json.loads(decoded))
        except (ValueError, RecursionError):
            document = None
        if document is None:
            raise ServiceError(_INVALID, "messagePayload is not base64-encoded JSON")
        if action == "ICE_CANDIDATE":
            if not isinstance(document.get("candidate"), str):
                raise ServiceError(_INVALID, "The ICE candidate has no candidate line")
            session.candidates += 1
            return
        sdp = document.get("sdp")
        if document.get("type") != "answer" or not isinstance(sdp, str):
            raise ServiceError(_INVALID, "The payload is not an SDP answer")
        codecs = {name.upper() for name in _RTPMAP.findall(sdp)}
        needed = {"OPUS"} if session.client_id is not None else {"OPUS", "H264"}
        missing = needed - codecs
        if missing:
            raise ServiceError(
                _INVALID,
                "The storage session cannot accept the answer's codecs: it needs "
                + " and ".join(sorted("Opus" if m == "OPUS" else "H.264" for m in missing)),
            )
        session.answered = True

    def end(self, connection_id: str) -> None:
        """The signaling connection closed: the sessions negotiated over it end."""
        for key in [k for k, s in self._sessions.items() if s.connection_id == connection_id]:
            del self._sessions[key]

    def sessions(self, channel_arn: str | None = None) -> list[StorageSession]:
        """The sessions, of one channel or all."""
        return [s for s in self._sessions.values() if channel_arn is None or s.channel_arn == channel_arn]

    def clear(self) -> None:
        """Forget every session and withheld offer."""
        self._sessions.clear()
        self.withheld = 0
