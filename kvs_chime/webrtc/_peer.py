"""One aiortc peer connection to one remote peer: received frames, a data channel, its end.

The frames and messages that arrive are kept in bounded buffers that drop the oldest when the
application reads slower than they come (for image processing the newest frame matters; a remote
peer must not be able to grow memory): aiortc queues a received track's frames without bound
until someone calls `recv()`, so every received track is read here at once, read by the
application or not.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from ..signaling import IceServer
from ._messages import IceCandidate

if TYPE_CHECKING:
    from aiortc import MediaStreamTrack, RTCConfiguration, RTCDataChannel, RTCPeerConnection
    from av import AudioFrame, VideoFrame

_LOG = logging.getLogger("kvs_chime.webrtc")

T = TypeVar("T")

# A few seconds of video at 30 fps: enough to absorb a slow step, small enough for memory.
DEFAULT_FRAME_BUFFER = 30
DEFAULT_MESSAGE_BUFFER = 256


def aiortc_module() -> ModuleType:
    """aiortc, imported on first use: the package imports without the `webrtc` extra."""
    try:
        return importlib.import_module("aiortc")
    except ImportError:
        raise ImportError("kvs_chime.webrtc.aiortc needs aiortc: pip install 'kvs-chime[webrtc]'") from None


def configuration(
    ice_servers: Sequence[IceServer], *, stun_region: str | None = None, relay_only: bool = False
) -> RTCConfiguration:
    """aiortc's configuration for these ICE servers (see `kvs_chime.webrtc.aiortc.rtc_configuration`)."""
    aiortc = aiortc_module()
    servers: list[object] = []
    if stun_region is not None:
        servers.append(aiortc.RTCIceServer(urls=[f"stun:stun.kinesisvideo.{stun_region}.amazonaws.com:443"]))
    for server in ice_servers:
        servers.append(
            aiortc.RTCIceServer(
                urls=list(server.uris or []), username=server.username, credential=server.password
            )
        )
    policy = aiortc.RTCIceTransportPolicy.RELAY if relay_only else aiortc.RTCIceTransportPolicy.ALL
    config: RTCConfiguration = aiortc.RTCConfiguration(iceServers=servers, iceTransportPolicy=policy)
    return config


async def add_remote_candidate(pc: RTCPeerConnection, candidate: IceCandidate) -> bool:
    """Add a remote peer's trickled candidate; False when there is nothing usable to add.

    The end-of-candidates marker (an empty candidate) adds nothing; a candidate aiortc cannot
    parse or use is a remote peer's mistake, logged and skipped, never raised.
    """
    line = candidate.candidate.strip()
    if not line:
        return False
    sdp = importlib.import_module("aiortc.sdp")
    try:
        parsed = sdp.candidate_from_sdp(line.removeprefix("candidate:"))
        parsed.sdpMid = candidate.sdp_mid
        parsed.sdpMLineIndex = candidate.sdp_mline_index
        await pc.addIceCandidate(parsed)
    except Exception as error:  # a remote peer's bad candidate must not end its connection's task
        _LOG.info("a remote ICE candidate was skipped: %s", type(error).__name__)
        return False
    return True


class Buffer(Generic[T]):
    """A bounded FIFO that drops its oldest item when full, read by one async reader at a time."""

    def __init__(self, size: int) -> None:
        self._items: collections.deque[T] = collections.deque(maxlen=size)
        self._ready = asyncio.Event()
        self._ended = False
        self.dropped = 0

    def put(self, item: T) -> None:
        if self._ended:
            return
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(item)
        self._ready.set()

    def end(self) -> None:
        self._ended = True
        self._ready.set()

    async def get(self) -> T:
        """The next item; `EOFError` once ended and empty."""
        while not self._items:
            if self._ended:
                raise EOFError
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            try:
                yield await self.get()
            except EOFError:
                return


class Peer:
    """One WebRTC connection to one remote peer (a viewer, as seen by a master; or the master).

    `video_frames()` and `audio_frames()` yield the frames received from the remote peer as PyAV
    frames (`frame.to_ndarray(format="bgr24")` gives a numpy image) until the connection ends;
    each keeps at most `frame_buffer` frames and drops the oldest when the reader falls behind
    (`dropped_frames` counts them). `send()` and `messages()` are the data channel. A `Peer` is
    made by `WebRtcMaster` or `WebRtcViewer`, never directly.
    """

    def __init__(
        self,
        pc: RTCPeerConnection,
        client_id: str | None,
        *,
        channel: RTCDataChannel | None = None,
        frame_buffer: int = DEFAULT_FRAME_BUFFER,
        message_buffer: int = DEFAULT_MESSAGE_BUFFER,
    ) -> None:
        self.pc = pc
        """The aiortc connection (for what this class does not cover: stats, more tracks)."""
        self._client_id = client_id
        self._video: Buffer[VideoFrame] = Buffer(frame_buffer)
        self._audio: Buffer[AudioFrame] = Buffer(frame_buffer)
        self._messages: Buffer[str | bytes] = Buffer(message_buffer)
        self._channel: RTCDataChannel | None = None
        self._channel_open = asyncio.Event()
        self._connected = asyncio.Event()
        self._closed = asyncio.Event()
        self._readers: set[asyncio.Task[None]] = set()
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", self._on_state)
        if channel is not None:
            self._use_channel(channel)

    def __repr__(self) -> str:
        who = f" {self._client_id}" if self._client_id is not None else ""
        return f"<Peer{who} {self.state}>"

    @property
    def client_id(self) -> str | None:
        """The remote viewer's client id (None for the master, as seen by a viewer)."""
        return self._client_id

    @property
    def state(self) -> str:
        """The connection's state: new, connecting, connected, failed or closed."""
        return str(self.pc.connectionState)

    @property
    def dropped_frames(self) -> int:
        """Received frames dropped because the reader fell behind (video and audio)."""
        return self._video.dropped + self._audio.dropped

    @property
    def dropped_messages(self) -> int:
        """Received data channel messages dropped because the reader fell behind."""
        return self._messages.dropped

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until ICE and DTLS are up (`TimeoutError` after `timeout` s; `ConnectionError` if it
        failed or closed first)."""
        connected = asyncio.ensure_future(self._connected.wait())
        ended = asyncio.ensure_future(self._closed.wait())
        try:
            done, _ = await asyncio.wait(
                {connected, ended}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            connected.cancel()
            ended.cancel()
        if not done:
            raise TimeoutError(f"the peer did not connect within {timeout} s")
        if not self._connected.is_set():
            raise ConnectionError(f"the peer connection {self.state} before connecting")

    async def wait_closed(self) -> None:
        """Wait until the connection has failed or closed."""
        await self._closed.wait()

    def video_frames(self) -> AsyncIterator[VideoFrame]:
        """The received video frames (`av.VideoFrame`), oldest first, until the connection ends.

        One reader at a time: two readers would share the frames between them.
        """
        return self._video.__aiter__()

    def audio_frames(self) -> AsyncIterator[AudioFrame]:
        """The received audio frames (`av.AudioFrame`), as `video_frames()`."""
        return self._audio.__aiter__()

    def messages(self) -> AsyncIterator[str | bytes]:
        """The data channel messages received (text as `str`, binary as `bytes`), until the
        connection ends; at most `message_buffer` kept, the oldest dropped."""
        return self._messages.__aiter__()

    async def send(self, message: str | bytes, *, timeout: float | None = 10.0) -> None:
        """Send on the data channel, waiting (up to `timeout` s) for it to open.

        A viewer opens the channel (`WebRtcViewer`'s `data_channel`); a master sends on the
        channel the viewer opened. `ConnectionError` once the connection has ended.
        """
        if self._closed.is_set():
            raise ConnectionError("the peer connection has ended")
        try:
            await asyncio.wait_for(self._channel_open.wait(), timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"no open data channel within {timeout} s") from None
        channel = self._channel
        if channel is None or channel.readyState != "open":
            raise ConnectionError("the data channel is closed")
        channel.send(message)

    async def close(self) -> None:
        """Close the connection (its tracks and data channel end). Safe to call twice."""
        await self.pc.close()
        self._end()

    # --- aiortc events ----------------------------------------------------------------------

    def _use_channel(self, channel: RTCDataChannel) -> None:
        self._channel = channel
        channel.on("message", self._messages.put)

        def opened() -> None:
            self._channel_open.set()

        def closed() -> None:
            if self._channel is channel:
                self._channel_open.clear()

        channel.on("open", opened)
        channel.on("close", closed)
        if channel.readyState == "open":
            self._channel_open.set()

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        self._use_channel(channel)

    def _on_track(self, track: MediaStreamTrack) -> None:
        reader = asyncio.ensure_future(self._read(track))
        self._readers.add(reader)
        reader.add_done_callback(self._readers.discard)

    async def _read(self, track: MediaStreamTrack) -> None:
        from aiortc.mediastreams import MediaStreamError
        from av import AudioFrame, VideoFrame

        # aiortc types recv() as `Frame | Packet` (Packet left unparameterised there): seen as objects.
        receive = cast("Callable[[], Awaitable[object]]", track.recv)  # pyright: ignore[reportUnknownMemberType]  # see above
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await receive()
                if isinstance(frame, VideoFrame):
                    self._video.put(frame)
                elif isinstance(frame, AudioFrame):
                    self._audio.put(frame)

    def _on_state(self) -> None:
        state = self.pc.connectionState
        _LOG.debug("peer connection %s", state)
        if state == "connected":
            self._connected.set()
        elif state in ("failed", "closed"):
            self._end()

    def _end(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._channel_open.set()  # wakes a sender, which then sees the end
        for reader in list(self._readers):
            reader.cancel()
        self._video.end()
        self._audio.end()
        self._messages.end()
