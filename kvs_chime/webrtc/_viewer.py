"""A viewer: one aiortc peer connection to the channel's master, offered over signaling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from ._client import SignalingClient
from ._errors import SignalingClosedError
from ._messages import IceCandidate, SdpAnswer
from ._peer import DEFAULT_FRAME_BUFFER, Peer, add_remote_candidate, aiortc_module, configuration

if TYPE_CHECKING:
    from aiortc import MediaStreamTrack

_LOG = logging.getLogger("kvs_chime.webrtc")

# Candidates the master trickles before its answer arrives (signaling keeps a sender's order,
# so normally none): held, within a bound, until the answer is set.
_MAX_EARLY_CANDIDATES = 64


class WebRtcViewer:
    """Join a signaling channel's master as a viewer, over aiortc (the `webrtc` extra).

    ::

        async with (
            SignalingClient(connector, channel_arn, credentials=credentials,
                            role=ChannelRole.VIEWER, client_id="viewer-1") as signaling,
            WebRtcViewer(signaling) as viewer,  # returns once connected
        ):
            async for frame in viewer.peer.video_frames():
                image = frame.to_ndarray(format="bgr24")

    It offers to receive video and audio (`receive_video`, `receive_audio`), sends `tracks` (any
    aiortc tracks) and opens the data channel `data_channel` (None: none). Entering waits until
    the peer connection is up (`TimeoutError` after `connect_timeout` s, `ConnectionError` if it
    fails). The master's trickled candidates are added as they come, also after a signaling
    reconnect; the peer connection does not depend on the signaling WebSocket once up.
    `relay_only` and `stun_region` as for `WebRtcMaster`. The signaling client stays yours.
    """

    def __init__(
        self,
        signaling: SignalingClient,
        *,
        tracks: Sequence[MediaStreamTrack] = (),
        receive_video: bool = True,
        receive_audio: bool = True,
        data_channel: str | None = "kvs-chime",
        connect_timeout: float = 30.0,
        relay_only: bool = False,
        stun_region: str | None = None,
        frame_buffer: int = DEFAULT_FRAME_BUFFER,
    ) -> None:
        if str(signaling.role) != "VIEWER":
            raise ValueError("signaling must be a VIEWER's SignalingClient")
        if connect_timeout <= 0 or frame_buffer < 1:
            raise ValueError("connect_timeout and frame_buffer must be positive")
        self._signaling = signaling
        self._tracks = list(tracks)
        self._receive = {"video": receive_video, "audio": receive_audio}
        self._data_channel = data_channel
        self._connect_timeout = connect_timeout
        self._relay_only = relay_only
        self._stun_region = stun_region
        self._frame_buffer = frame_buffer
        self._peer: Peer | None = None
        self._listening: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<WebRtcViewer {self._peer.state if self._peer is not None else 'not started'}>"

    @property
    def peer(self) -> Peer:
        """The connection to the master (after `connect()`)."""
        if self._peer is None:
            raise RuntimeError("the viewer is not connected: use `async with` or `await connect()`")
        return self._peer

    async def connect(self) -> WebRtcViewer:
        """Offer to the master and wait until the connection is up (see the class)."""
        if self._peer is not None:
            raise RuntimeError("a WebRtcViewer connects once")
        aiortc = aiortc_module()
        config = configuration(
            self._signaling.ice_servers, stun_region=self._stun_region, relay_only=self._relay_only
        )
        pc = aiortc.RTCPeerConnection(config)
        for kind in ("audio", "video"):
            sending = [track for track in self._tracks if track.kind == kind]
            direction = "sendrecv" if self._receive[kind] else "sendonly"
            for track in sending:
                pc.addTransceiver(track, direction=direction)
            if not sending and self._receive[kind]:
                pc.addTransceiver(kind, direction="recvonly")
        channel = pc.createDataChannel(self._data_channel) if self._data_channel is not None else None
        peer = self._peer = Peer(pc, None, channel=channel, frame_buffer=self._frame_buffer)
        try:
            await pc.setLocalDescription(await pc.createOffer())
            self._listening = asyncio.create_task(self._listen(), name="kvs-chime-webrtc-viewer")
            await self._signaling.send_offer(pc.localDescription.sdp)
            await peer.wait_connected(self._connect_timeout)
        except BaseException:
            await self.close()
            raise
        return self

    async def close(self) -> None:
        """Close the connection. Safe to call twice."""
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        if self._peer is not None:
            await self._peer.close()

    async def __aenter__(self) -> WebRtcViewer:
        return await self.connect()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _listen(self) -> None:
        aiortc = aiortc_module()
        pc = self.peer.pc
        early: list[IceCandidate] = []
        answered = False
        try:
            async for message in self._signaling:
                if isinstance(message, SdpAnswer) and not answered:
                    try:
                        await pc.setRemoteDescription(
                            aiortc.RTCSessionDescription(sdp=message.sdp, type="answer")
                        )
                    except Exception as error:  # a bad answer ends this peer, not the program
                        _LOG.info("the master's answer was refused: %s", type(error).__name__)
                        await self.peer.close()
                        return
                    answered = True
                    for candidate in early:
                        await add_remote_candidate(pc, candidate)
                    early.clear()
                elif isinstance(message, IceCandidate):
                    if answered:
                        await add_remote_candidate(pc, message)
                    elif len(early) < _MAX_EARLY_CANDIDATES:
                        early.append(message)
        except SignalingClosedError:
            _LOG.warning("signaling gave up; the peer connection stays while it lives")
