"""Real aiortc peers find each other through the local endpoint's signaling (the `webrtc` extra)."""

from __future__ import annotations

import asyncio
import time

import pytest

aiortc = pytest.importorskip("aiortc")  # the `webrtc` extra: `nox -s webrtc` runs these tests

from kvs_chime.webrtc import SdpAnswer, SdpOffer  # noqa: E402  # after the skip
from kvs_chime.webrtc.aiortc import accept_answer, answer_offer, rtc_configuration, send_offer  # noqa: E402  # after the skip

from .conftest import Channel  # noqa: E402  # after the skip
from .test_signaling import next_of, run  # noqa: E402  # after the skip


def test_an_aiortc_master_and_viewer_open_a_data_channel_through_the_emulator(channel: Channel) -> None:
    async def main() -> float:
        started = time.perf_counter()
        async with channel.master() as master, channel.viewer("viewer-1") as viewer:
            # Loopback: host candidates are enough (the emulator lists no TURN server by default).
            master_pc = aiortc.RTCPeerConnection(rtc_configuration([]))
            viewer_pc = aiortc.RTCPeerConnection(rtc_configuration([]))
            to_viewer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            to_master: asyncio.Future[str] = asyncio.get_running_loop().create_future()

            @master_pc.on("datachannel")  # type: ignore[misc]  # aiortc's decorator
            def on_channel(dc: object) -> None:
                @dc.on("message")  # type: ignore[attr-defined, misc]  # aiortc's RTCDataChannel
                def on_message(message: str) -> None:
                    to_master.set_result(message)
                    dc.send("hello viewer")  # type: ignore[attr-defined]  # aiortc's RTCDataChannel

            dc = viewer_pc.createDataChannel("chat")

            @dc.on("open")  # type: ignore[misc]  # aiortc's decorator
            def on_open() -> None:
                dc.send("hello master")

            @dc.on("message")  # type: ignore[misc]  # aiortc's decorator
            def on_message(message: str) -> None:
                to_viewer.set_result(message)

            await send_offer(viewer_pc, viewer)
            offer = await next_of(master, SdpOffer)
            assert offer.sender_client_id == "viewer-1"
            await answer_offer(master_pc, master, offer)
            await accept_answer(viewer_pc, await next_of(viewer, SdpAnswer))
            assert await asyncio.wait_for(to_master, 10) == "hello master"
            assert await asyncio.wait_for(to_viewer, 10) == "hello viewer"
            elapsed = time.perf_counter() - started
            await viewer_pc.close()
            await master_pc.close()
            return elapsed

    assert run(main, timeout=30) < 10.0


def test_turn_servers_become_aiortcs_ice_servers() -> None:
    from kvs_chime.signaling import IceServer

    config = rtc_configuration(
        [IceServer(uris=["turn:1.2.3.4:443?transport=udp"], username="u", password="p", ttl=300)],
        stun_region="eu-west-1",
    )
    assert [s.urls for s in config.iceServers] == [
        ["stun:stun.kinesisvideo.eu-west-1.amazonaws.com:443"],
        ["turn:1.2.3.4:443?transport=udp"],
    ]
    assert (config.iceServers[1].username, config.iceServers[1].credential) == ("u", "p")
