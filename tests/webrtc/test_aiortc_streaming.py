"""A Python master streams to several Python viewers through the local endpoint (the `webrtc` extra)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import TypeVar

import pytest

aiortc = pytest.importorskip("aiortc")  # the `webrtc` extra: `nox -s webrtc` runs these tests

from aiortc import MediaStreamTrack  # noqa: E402  # after the skip
from aiortc.contrib.media import MediaPlayer  # noqa: E402  # after the skip

from kvs_chime.webrtc import SignalingClient  # noqa: E402  # after the skip
from kvs_chime.webrtc.aiortc import Peer, WebRtcMaster, WebRtcViewer  # noqa: E402  # after the skip

from .conftest import Channel  # noqa: E402  # after the skip
from .test_signaling import run  # noqa: E402  # after the skip

T = TypeVar("T")


def pattern(width: int = 160, height: int = 120) -> MediaPlayer:
    """FFmpeg's test pattern, played in real time as a file would be."""
    return MediaPlayer(f"testsrc=size={width}x{height}:rate=30", format="lavfi")


@contextlib.contextmanager
def playing(width: int = 160, height: int = 120) -> Iterator[MediaStreamTrack]:
    """The test pattern's track, its player's thread stopped after (inside the event loop: the
    thread hands frames to the loop)."""
    player = pattern(width, height)
    assert player.video is not None
    try:
        yield player.video
    finally:
        player.video.stop()


async def first(items: AsyncIterator[T], timeout: float = 15.0) -> T:
    return await asyncio.wait_for(items.__anext__(), timeout)


async def until(predicate: object, timeout: float = 15.0) -> None:
    """Wait for a condition the test cannot await directly (polled, bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]  # a callable
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def test_a_master_streams_to_three_viewers_and_each_decodes_frames(channel: Channel) -> None:
    async def main() -> None:
        with playing() as video:
            await serve(video)

    async def serve(video: MediaStreamTrack) -> None:
        async with channel.master() as signaling, WebRtcMaster(signaling, tracks=[video]) as master:
            viewers: list[tuple[SignalingClient, WebRtcViewer]] = []
            try:
                for number in range(3):
                    client = await channel.viewer(f"viewer-{number}").connect()
                    viewer = await WebRtcViewer(client, receive_audio=False).connect()
                    viewers.append((client, viewer))
                arrived = {(await first(master.arrivals())).client_id for _ in range(3)}
                assert arrived == {"viewer-0", "viewer-1", "viewer-2"}
                assert set(master.peers) == arrived
                for _, viewer in viewers:
                    frame = await first(viewer.peer.video_frames())
                    image = frame.to_ndarray(format="bgr24")
                    assert image.shape == (120, 160, 3)
                    assert image.std() > 10  # the test pattern's colour bars, not a blank frame
            finally:
                for client, viewer in viewers:
                    await viewer.close()
                    await client.close()

    run(main, timeout=60)


def test_data_channel_messages_go_both_ways(channel: Channel) -> None:
    async def main() -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling) as master,
            channel.viewer("viewer-1") as client,
            WebRtcViewer(client, receive_video=False, receive_audio=False) as viewer,
        ):
            peer = await first(master.arrivals())
            await viewer.peer.send("hello master")
            assert await first(peer.messages()) == "hello master"
            await peer.send(b"\x00hello viewer")
            assert await first(viewer.peer.messages()) == b"\x00hello viewer"

    run(main, timeout=60)


def test_a_viewers_camera_reaches_the_master_as_frames(channel: Channel) -> None:
    async def main() -> None:
        with playing(64, 48) as video:
            await camera(video)

    async def camera(track: MediaStreamTrack) -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling) as master,
            channel.viewer("viewer-1") as client,
            WebRtcViewer(client, tracks=[track], receive_video=False, receive_audio=False),
        ):
            peer = await first(master.arrivals())
            frame = await first(peer.video_frames())
            assert (frame.width, frame.height) == (64, 48)

    run(main, timeout=60)


def test_a_viewer_that_leaves_is_cleaned_up_and_the_others_stay(channel: Channel) -> None:
    async def main() -> None:
        with playing() as video:
            await leave(video)

    async def leave(video: MediaStreamTrack) -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling, tracks=[video]) as master,
            channel.viewer("stays") as staying_client,
            WebRtcViewer(staying_client, receive_audio=False) as staying,
        ):
            async with channel.viewer("leaves") as leaving_client:
                leaving = await WebRtcViewer(leaving_client, receive_audio=False).connect()
                await until(lambda: set(master.peers) == {"stays", "leaves"})
                gone: Peer = master.peers["leaves"]
                await leaving.close()
            await asyncio.wait_for(gone.wait_closed(), 15)
            await until(lambda: set(master.peers) == {"stays"})
            assert gone.state == "closed"
            assert staying.peer.state == "connected"
            await first(staying.peer.video_frames())

    run(main, timeout=60)


def test_a_viewer_that_never_connects_is_dropped_after_the_connect_timeout(channel: Channel) -> None:
    async def main() -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling, connect_timeout=0.5) as master,
            channel.viewer("silent") as viewer,
        ):
            # An offer whose ICE can never succeed: its one candidate is a closed port.
            pc = aiortc.RTCPeerConnection()
            pc.addTransceiver("video", direction="recvonly")
            await pc.setLocalDescription(await pc.createOffer())
            await viewer.send_offer(pc.localDescription.sdp.replace("a=candidate", "a=x-removed"))
            await until(lambda: "silent" in master.peers)
            await until(lambda: "silent" not in master.peers)
            await pc.close()

    run(main, timeout=60)


def test_peers_stay_connected_across_a_signaling_reconnect(channel: Channel) -> None:
    async def main() -> None:
        with playing() as video:
            await reconnect(video)

    async def reconnect(video: MediaStreamTrack) -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling, tracks=[video]) as master,
            channel.viewer("viewer-1") as client,
            WebRtcViewer(client, receive_audio=False) as viewer,
        ):
            peer = await first(master.arrivals())
            channel.endpoint.signaling.drop(channel.arn)  # both signaling sockets cut
            await until(lambda: signaling.reconnects >= 1 and signaling.connected)
            await until(lambda: client.reconnects >= 1 and client.connected)
            assert master.peers == {"viewer-1": peer} and peer.state == "connected"
            frames = viewer.peer.video_frames()
            for _ in range(5):  # still streaming, after the reconnect
                await first(frames)
            # The master still answers: a new viewer joins over the new connection.
            async with (
                channel.viewer("viewer-2") as late_client,
                WebRtcViewer(late_client, receive_audio=False),
            ):
                assert (await first(master.arrivals())).client_id == "viewer-2"

    run(main, timeout=60)


def test_a_hostile_viewers_offer_and_candidates_do_not_end_the_master(channel: Channel) -> None:
    async def main() -> None:
        async with (
            channel.master() as signaling,
            WebRtcMaster(signaling) as master,
            channel.viewer("hostile") as hostile,
        ):
            await hostile.send_offer("v=0\r\nm=video nonsense\r\n")
            await hostile.send_candidate("candidate:not a candidate at all", "0", 0)
            # The master still serves: a real viewer connects, then sends a candidate aiortc
            # cannot parse; its connection stays.
            async with channel.viewer("good") as client, WebRtcViewer(client, receive_audio=False) as viewer:
                peer = await first(master.arrivals())
                await client.send_candidate("candidate:1 1 udp x y z typ host", "0", 0)
                relayed = channel.endpoint.journal.entries
                await until(lambda: len(relayed("SendIceCandidate")) == 2)
                await viewer.peer.send("still there?")
                assert await first(peer.messages()) == "still there?"
                await asyncio.sleep(0.2)  # the candidate, relayed, has reached the master
                assert peer.state == "connected" and set(master.peers) == {"good"}

    run(main, timeout=60)
