"""aiortc peers (the `webrtc` extra, `pip install 'kvs-chime[webrtc]'`) over a `SignalingClient`.

`WebRtcMaster` serves every viewer of a channel (a peer connection per viewer), `WebRtcViewer`
joins the master; each connection is a `Peer`: received frames as PyAV frames, a data channel.
Below them, the steps alone: ICE servers as aiortc's configuration, and the offer, answer and
candidate steps of an `RTCPeerConnection`.

aiortc gathers its candidates during `setLocalDescription` and puts them in its SDP (it does not
trickle its own), and accepts trickled remote ones: so an offer or answer sent from here carries
the candidates, and candidates that arrive are added with `add_candidate`. aiortc is imported when
a function is called, so importing this module never needs it (its types are aiortc's and PyAV's,
read by type checkers only).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from ..signaling import IceServer
from ._client import SignalingClient
from ._master import WebRtcMaster
from ._messages import IceCandidate, SdpAnswer, SdpOffer
from ._peer import Peer, aiortc_module, configuration
from ._viewer import WebRtcViewer

if TYPE_CHECKING:
    from aiortc import RTCConfiguration

__all__ = [
    "Peer",
    "PeerConnection",
    "WebRtcMaster",
    "WebRtcViewer",
    "accept_answer",
    "add_candidate",
    "answer_offer",
    "rtc_configuration",
    "send_offer",
]


class PeerConnection(Protocol):
    """What the glue uses of `aiortc.RTCPeerConnection`."""

    @property
    def localDescription(self) -> Any: ...  # aiortc's name
    async def createOffer(self) -> Any: ...  # aiortc's name
    async def createAnswer(self) -> Any: ...  # aiortc's name
    async def setLocalDescription(self, sessionDescription: Any = ..., /) -> None: ...  # aiortc's names
    async def setRemoteDescription(self, sessionDescription: Any, /) -> None: ...  # aiortc's names
    async def addIceCandidate(self, candidate: Any, /) -> None: ...  # aiortc's name


def _aiortc() -> ModuleType:
    return aiortc_module()


def rtc_configuration(
    ice_servers: Sequence[IceServer], *, stun_region: str | None = None, relay_only: bool = False
) -> RTCConfiguration:
    """An `aiortc.RTCConfiguration` with the channel's TURN servers (and, with `stun_region`, its STUN server).

    Kinesis Video's STUN server is `stun:stun.kinesisvideo.{region}.amazonaws.com:443`; on loopback
    (the local endpoint) host candidates are enough and no server is needed. `relay_only` uses
    TURN relays alone (the browsers' `iceTransportPolicy: "relay"`).
    """
    return configuration(ice_servers, stun_region=stun_region, relay_only=relay_only)


async def send_offer(
    pc: PeerConnection, client: SignalingClient, *, recipient_client_id: str | None = None
) -> None:
    """Create the offer, set it locally (aiortc gathers its candidates into it) and send it."""
    await pc.setLocalDescription(await pc.createOffer())
    await client.send_offer(str(pc.localDescription.sdp), recipient_client_id=recipient_client_id)


async def answer_offer(pc: PeerConnection, client: SignalingClient, offer: SdpOffer) -> None:
    """Take a received offer, create the answer and send it back to its sender (to the storage
    session when the offer names none: JoinStorageSession's offers do not)."""
    aiortc = _aiortc()
    await pc.setRemoteDescription(aiortc.RTCSessionDescription(sdp=offer.sdp, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    await client.send_answer(str(pc.localDescription.sdp), recipient_client_id=offer.sender_client_id)


async def accept_answer(pc: PeerConnection, answer: SdpAnswer) -> None:
    """Take the answer to an offer sent with `send_offer`."""
    aiortc = _aiortc()
    await pc.setRemoteDescription(aiortc.RTCSessionDescription(sdp=answer.sdp, type="answer"))


async def add_candidate(pc: PeerConnection, candidate: IceCandidate) -> bool:
    """Add a trickled remote candidate; False for the end-of-candidates marker (nothing to add)."""
    line = candidate.candidate.strip()
    if not line:
        return False
    sdp = importlib.import_module("aiortc.sdp")
    parsed = sdp.candidate_from_sdp(line.removeprefix("candidate:"))
    parsed.sdpMid = candidate.sdp_mid
    parsed.sdpMLineIndex = candidate.sdp_mline_index
    await pc.addIceCandidate(parsed)
    return True
