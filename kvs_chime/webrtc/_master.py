"""A master that serves every viewer of a channel: one aiortc peer connection per viewer client id.

Each viewer's offer gets its own `RTCPeerConnection` (a newer offer from the same client id
replaces the older connection), the master's tracks relayed to it (aiortc's `MediaRelay`: one
source read once, every viewer fed), and the viewer's trickled candidates added in order once its
offer is answered. aiortc puts the master's own candidates in its answer (it does not trickle).
A peer goes when its connection fails or closes (a viewer that leaves closes it; one that goes
silent fails ICE's consent checks) or when it has not connected within `connect_timeout`.
Peers do not depend on the signaling WebSocket once connected: they stay while the client
reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from ._client import SignalingClient
from ._errors import SignalingClosedError
from ._messages import IceCandidate, SdpOffer
from ._peer import DEFAULT_FRAME_BUFFER, Buffer, Peer, add_remote_candidate, aiortc_module, configuration

if TYPE_CHECKING:
    from aiortc import MediaStreamTrack
    from aiortc.contrib.media import MediaRelay

_LOG = logging.getLogger("kvs_chime.webrtc")

# Trickled candidates held for a viewer whose offer is still being answered: a browser sends
# a dozen or so; more is a misbehaving peer, and the extra ones are dropped.
_MAX_PENDING_CANDIDATES = 64


class _Session:
    """One viewer's peer, and the candidates waiting for its offer to be answered."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.candidates: asyncio.Queue[IceCandidate] = asyncio.Queue(_MAX_PENDING_CANDIDATES)
        self.task: asyncio.Task[None] | None = None


class WebRtcMaster:
    """Serve every viewer of a signaling channel as its master, over aiortc (the `webrtc` extra).

    ::

        async with (
            SignalingClient(connector, channel_arn, credentials=credentials) as signaling,
            WebRtcMaster(signaling, tracks=[player.video]) as master,
        ):
            async for peer in master.arrivals():
                ...  # peer.client_id, peer.video_frames(), peer.send("hi")

    `tracks` (any aiortc tracks: a file through `MediaPlayer`, a camera, generated frames) go to
    every viewer that asks for their kind. What a viewer sends arrives on its `Peer`. A viewer's
    peer is dropped when its connection fails or closes, or when it has not connected within
    `connect_timeout` seconds; at most `max_peers` are served (AWS allows 10 viewers per channel),
    further offers are ignored. `relay_only` restricts ICE to TURN relays; `stun_region` adds
    Kinesis Video's STUN server of that region (not needed on loopback).

    The signaling client stays yours (open it before, close it after); closing the master closes
    its peers. Peers stay up while the client reconnects; if the client gives up, the peers
    already connected stay until closed, and `arrivals()` ends.
    """

    def __init__(
        self,
        signaling: SignalingClient,
        *,
        tracks: Sequence[MediaStreamTrack] = (),
        connect_timeout: float = 30.0,
        max_peers: int = 10,
        relay_only: bool = False,
        stun_region: str | None = None,
        frame_buffer: int = DEFAULT_FRAME_BUFFER,
    ) -> None:
        if str(signaling.role) != "MASTER":
            raise ValueError("signaling must be a MASTER's SignalingClient")
        if connect_timeout <= 0 or max_peers < 1 or frame_buffer < 1:
            raise ValueError("connect_timeout, max_peers and frame_buffer must be positive")
        self._signaling = signaling
        self._tracks = list(tracks)
        self._connect_timeout = connect_timeout
        self._max_peers = max_peers
        self._relay_only = relay_only
        self._stun_region = stun_region
        self._frame_buffer = frame_buffer
        self._sessions: dict[str, _Session] = {}
        self._arrivals: Buffer[Peer] = Buffer(max_peers)
        self._relay: MediaRelay | None = None
        self._serving: asyncio.Task[None] | None = None
        self._closing = False

    def __repr__(self) -> str:
        return f"<WebRtcMaster {len(self._sessions)} peers>"

    @property
    def peers(self) -> Mapping[str, Peer]:
        """The viewers' peers now, by client id (connecting or connected)."""
        return {client_id: session.peer for client_id, session in self._sessions.items()}

    def arrivals(self) -> AsyncIterator[Peer]:
        """Each viewer's peer once it has connected, until the master closes (one reader)."""
        return self._arrivals.__aiter__()

    async def start(self) -> WebRtcMaster:
        """Start answering viewers (the signaling client must be connected)."""
        if self._serving is not None:
            raise RuntimeError("a WebRtcMaster starts once")
        self._serving = asyncio.create_task(self._serve(), name="kvs-chime-webrtc-master")
        return self

    async def close(self) -> None:
        """Stop answering and close every peer. Safe to call twice."""
        self._closing = True
        if self._serving is not None:
            self._serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._serving
        sessions = list(self._sessions.values())
        self._sessions.clear()
        await asyncio.gather(*(self._stop(session) for session in sessions), return_exceptions=True)
        self._arrivals.end()

    async def __aenter__(self) -> WebRtcMaster:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    # --- serving ----------------------------------------------------------------------------

    async def _serve(self) -> None:
        try:
            async for message in self._signaling:
                if isinstance(message, SdpOffer) and message.sender_client_id is not None:
                    await self._offer(message.sender_client_id, message)
                elif isinstance(message, IceCandidate) and message.sender_client_id is not None:
                    session = self._sessions.get(message.sender_client_id)
                    if session is not None:
                        with contextlib.suppress(asyncio.QueueFull):  # a flooding viewer loses the extra
                            session.candidates.put_nowait(message)
                # Anything else (GO_AWAY, RECONNECT_ICE_SERVER: the client handles them; the
                # storage session's offers, naming no sender; unknown messages) is not ours.
        except SignalingClosedError:
            _LOG.warning("signaling gave up; connected peers stay, new viewers are not answered")
        finally:
            self._arrivals.end()

    async def _offer(self, client_id: str, offer: SdpOffer) -> None:
        previous = self._sessions.pop(client_id, None)
        if previous is not None:  # the viewer started over: its old connection is gone
            await self._stop(previous)
        if len(self._sessions) >= self._max_peers:
            _LOG.warning("an offer was ignored: %d peers already served", self._max_peers)
            return
        aiortc = aiortc_module()
        config = configuration(
            self._signaling.ice_servers, stun_region=self._stun_region, relay_only=self._relay_only
        )
        peer = Peer(aiortc.RTCPeerConnection(config), client_id, frame_buffer=self._frame_buffer)
        session = _Session(peer)
        self._sessions[client_id] = session
        session.task = asyncio.create_task(self._run(client_id, session, offer), name="kvs-chime-webrtc-peer")

    async def _run(self, client_id: str, session: _Session, offer: SdpOffer) -> None:
        peer = session.peer
        try:
            await self._answer(session, offer)
            await self._follow(session)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # one viewer's failure never ends the master
            _LOG.info("a viewer's peer ended: %s", type(error).__name__)
        finally:
            if self._sessions.get(client_id) is session:
                del self._sessions[client_id]
            await peer.close()

    async def _follow(self, session: _Session) -> None:
        """Add the viewer's candidates as they come (those that came while answering first),
        announce the peer once connected, and return when it has ended."""
        peer = session.peer
        connected = asyncio.ensure_future(peer.wait_connected(self._connect_timeout))
        ended = asyncio.ensure_future(peer.wait_closed())
        getting: asyncio.Future[IceCandidate] | None = None
        try:
            while not ended.done():
                getting = asyncio.ensure_future(session.candidates.get())
                waiting: set[asyncio.Future[IceCandidate] | asyncio.Future[None]] = {getting, ended}
                if not connected.done():
                    waiting.add(connected)
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if getting in done:
                    await add_remote_candidate(peer.pc, getting.result())
                else:
                    getting.cancel()
                if connected in done:
                    connected.result()  # TimeoutError or ConnectionError: the peer goes
                    self._arrivals.put(peer)
        finally:
            for future in (connected, ended, getting):
                if future is not None:
                    future.cancel()

    async def _answer(self, session: _Session, offer: SdpOffer) -> None:
        aiortc = aiortc_module()
        pc = session.peer.pc
        await pc.setRemoteDescription(aiortc.RTCSessionDescription(sdp=offer.sdp, type="offer"))
        wanted = {transceiver.kind for transceiver in pc.getTransceivers()}
        for track in self._tracks:
            if track.kind in wanted:
                pc.addTrack(self._relayed(track))
        await pc.setLocalDescription(await pc.createAnswer())
        await self._signaling.send_answer(pc.localDescription.sdp, recipient_client_id=offer.sender_client_id)

    def _relayed(self, track: MediaStreamTrack) -> MediaStreamTrack:
        if self._relay is None:
            from aiortc.contrib.media import MediaRelay

            self._relay = MediaRelay()
        # Unbuffered: a slow viewer gets the newest frame, never a growing backlog.
        return self._relay.subscribe(track, buffered=False)

    async def _stop(self, session: _Session) -> None:
        if session.task is not None and session.task is not asyncio.current_task():
            session.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await session.task
        await session.peer.close()
