"""Section 8: WebRTC peers on aiortc (the `webrtc` extra) over the local endpoint's signaling.

- connect to first frame: a viewer, from its offer to its first decoded video frame, on loopback,
  against a `WebRtcMaster` streaming a 320x240 test pattern at 30 fps. Raw: aiortc by hand (an
  `RTCPeerConnection`, a recvonly transceiver, the offer/answer steps, `track.recv()`); kvs_chime:
  `WebRtcViewer` and `peer.video_frames()`. Median of the rounds, wall time.
- a master serving 10 viewers, each reading frames for a few seconds, in a process of its own
  (the viewers, decoding, run in this one; the master stops when they are done): its CPU seconds
  and peak RSS. Raw: a master written by hand on aiortc (a peer
  connection per viewer, `MediaRelay`, the offer/answer steps); kvs_chime: `WebRtcMaster`.

Runs inside `run.py` when aiortc is installed, or alone: `python benchmarks/bench_webrtc_peers.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench_harness import Row, print_table

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.testing import LocalEndpoint
from kvs_chime.webrtc import SdpAnswer, SignalingClient
from kvs_chime.workflows import WebRtcConnector, ensure_signaling_channel

VIEWERS = 10
SERVE_SECONDS = 5.0
PATTERN = "testsrc=size=320x240:rate=30"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def _kv(url: str, region: str) -> KinesisVideo:
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=region,
    )
    return KinesisVideo(session=session, endpoint_url=url, region_name=region)


def _client(
    kv: KinesisVideo, connector: WebRtcConnector, arn: str, client_id: str | None = None
) -> SignalingClient:
    role = ChannelRole.VIEWER if client_id is not None else ChannelRole.MASTER
    return SignalingClient(
        connector, arn, credentials=kv.session.get_credentials(), role=role, client_id=client_id
    )


# --- connect to first frame -------------------------------------------------------------------


async def _raw_viewer(client: SignalingClient) -> float:
    from aiortc import RTCPeerConnection

    from kvs_chime.webrtc.aiortc import accept_answer, rtc_configuration, send_offer

    started = time.perf_counter()
    pc = RTCPeerConnection(rtc_configuration(client.ice_servers))
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    track: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    pc.on("track", lambda t: track.done() or (t.kind == "video" and track.set_result(t)))
    await send_offer(pc, client)
    while True:
        message = await client.receive(10)
        if isinstance(message, SdpAnswer):
            await accept_answer(pc, message)
            break
    await (await track).recv()
    elapsed = time.perf_counter() - started
    await pc.close()
    return elapsed


async def _kvs_viewer(client: SignalingClient) -> float:
    from kvs_chime.webrtc.aiortc import WebRtcViewer

    started = time.perf_counter()
    # No data channel: like the raw viewer (a channel adds its SCTP set-up to the connection).
    async with WebRtcViewer(client, data_channel=None) as viewer:
        await viewer.peer.video_frames().__anext__()
        return time.perf_counter() - started


async def _first_frames(url: str, region: str, arn: str, rounds: int) -> tuple[list[float], list[float]]:
    from aiortc.contrib.media import MediaPlayer

    from kvs_chime.webrtc.aiortc import WebRtcMaster

    kv = _kv(url, region)
    connector = WebRtcConnector(kv)
    player = MediaPlayer(PATTERN, format="lavfi")
    assert player.video is not None
    raw: list[float] = []
    kvs: list[float] = []
    try:
        async with _client(kv, connector, arn) as signaling, WebRtcMaster(signaling, tracks=[player.video]):
            for index in range(rounds):  # interleaved, so drift hits both alike
                async with _client(kv, connector, arn, f"raw-{index}") as client:
                    raw.append(await asyncio.wait_for(_raw_viewer(client), 30))
                async with _client(kv, connector, arn, f"kvs-{index}") as client:
                    kvs.append(await asyncio.wait_for(_kvs_viewer(client), 30))
    finally:
        player.video.stop()
    return raw, kvs


# --- a master serving 10 viewers (the master in a process of its own) --------------------------


async def _serve(mode: str, url: str, region: str, arn: str) -> None:
    """The master process: serve viewers until a line on standard input, then print its usage."""
    from aiortc import RTCPeerConnection
    from aiortc.contrib.media import MediaPlayer, MediaRelay

    from kvs_chime.webrtc import IceCandidate, SdpOffer
    from kvs_chime.webrtc.aiortc import WebRtcMaster, add_candidate, rtc_configuration

    kv = _kv(url, region)
    player = MediaPlayer(PATTERN, format="lavfi")
    assert player.video is not None
    video = player.video
    stop = asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    async with _client(kv, WebRtcConnector(kv), arn) as signaling:
        print("ready", flush=True)
        if mode == "kvs":
            async with WebRtcMaster(signaling, tracks=[video], max_peers=VIEWERS):
                await stop
        else:
            relay = MediaRelay()
            peers: dict[str, Any] = {}

            async def answer_all() -> None:
                async for message in signaling:
                    if isinstance(message, SdpOffer) and message.sender_client_id:
                        pc = RTCPeerConnection(rtc_configuration(signaling.ice_servers))
                        peers[message.sender_client_id] = pc
                        await pc.setRemoteDescription(_description(message.sdp))
                        pc.addTrack(relay.subscribe(video, buffered=False))
                        await _answer(pc, signaling, message.sender_client_id)
                    elif isinstance(message, IceCandidate) and message.sender_client_id in peers:
                        await add_candidate(peers[message.sender_client_id], message)

            answering = asyncio.create_task(answer_all())
            await stop
            answering.cancel()
            for pc in peers.values():
                await pc.close()
    video.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss}), flush=True)


def _description(sdp: str) -> Any:
    from aiortc import RTCSessionDescription

    return RTCSessionDescription(sdp=sdp, type="offer")


async def _answer(pc: Any, signaling: SignalingClient, client_id: str) -> None:
    await pc.setLocalDescription(await pc.createAnswer())
    await signaling.send_answer(pc.localDescription.sdp, recipient_client_id=client_id)


async def _viewers(url: str, region: str, arn: str, seconds: float) -> int:
    """VIEWERS viewers in this process, each reading its frames; the frames they got."""
    from kvs_chime.webrtc.aiortc import WebRtcViewer

    kv = _kv(url, region)
    connector = WebRtcConnector(kv)
    counts = [0] * VIEWERS

    async def one(index: int) -> None:
        async with _client(kv, connector, arn, f"load-{index}") as client, WebRtcViewer(client) as viewer:
            deadline = time.monotonic() + seconds
            frames = viewer.peer.video_frames()
            while time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(frames.__anext__(), 2)
                except (asyncio.TimeoutError, StopAsyncIteration):
                    break
                counts[index] += 1

    await asyncio.gather(*(one(index) for index in range(VIEWERS)))
    return sum(counts)


def _master_load(mode: str, endpoint: LocalEndpoint, arn: str, seconds: float) -> dict[str, float]:
    env = {**os.environ, **CREDENTIALS}
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, endpoint.url, endpoint.region, arn],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        assert process.stdout.readline().strip() == "ready"
        frames = asyncio.run(_viewers(endpoint.url, endpoint.region, arn, seconds))
        process.stdin.write("stop\n")  # the viewers are done: the master stops
        process.stdin.flush()
        result = json.loads(process.stdout.readline())
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return {**result, "frames": frames}


# --- the section ------------------------------------------------------------------------------


def rows(quick: bool) -> list[Row]:
    rounds = 3 if quick else 9
    seconds = 3.0 if quick else SERVE_SECONDS
    with LocalEndpoint(activation_delay=0) as endpoint:
        kv = KinesisVideo(
            session=endpoint.boto3_session(), endpoint_url=endpoint.url, region_name=endpoint.region
        )
        arn = ensure_signaling_channel(kv, "bench-peers", poll=Poll(timeout=5, interval=0.02)).channel_arn
        raw, kvs = asyncio.run(_first_frames(endpoint.url, endpoint.region, arn, rounds))
        # Interleaved rounds (the machine's load drifts); each figure is the median of its mode's.
        runs: dict[str, list[dict[str, float]]] = {"raw": [], "kvs": []}
        for _ in range(1 if quick else 3):
            for mode, results in runs.items():
                results.append(_master_load(mode, endpoint, arn, seconds))
        loads = {
            mode: {key: statistics.median(result[key] for result in results) for key in results[0]}
            for mode, results in runs.items()
        }
    raw_first, kvs_first = statistics.median(raw), statistics.median(kvs)
    first_ratio = kvs_first / raw_first
    cpu = {mode: load["cpu"] for mode, load in loads.items()}
    rss = {mode: load["maxrss_kib"] for mode, load in loads.items()}
    return [
        Row(
            f"viewer offer -> first decoded frame, loopback (median of {rounds})",
            f"{raw_first * 1e3:.0f} ms",
            f"{kvs_first * 1e3:.0f} ms",
            f"{first_ratio:.2f}",
            f"{min(kvs) * 1e3:.0f}-{max(kvs) * 1e3:.0f} ms",
            "<= 1.20",
            "yes" if first_ratio <= 1.2 else "NO",
        ),
        Row(
            f"master serving {VIEWERS} viewers, 320x240@30 VP8, {seconds:.0f} s: CPU s of its process (median)",
            f"{cpu['raw']:.1f} s",
            f"{cpu['kvs']:.1f} s",
            f"{cpu['kvs'] / cpu['raw']:.2f}",
            f"fps per viewer: {loads['raw']['frames'] / VIEWERS / seconds:.0f} / "
            f"{loads['kvs']['frames'] / VIEWERS / seconds:.0f}",
            "<= 1.10",
            "yes" if cpu["kvs"] <= 1.1 * cpu["raw"] else "NO",
        ),
        Row(
            f"  peak RSS of that master process ({VIEWERS} viewers)",
            f"{rss['raw'] / 1024:.0f} MiB",
            f"{rss['kvs'] / 1024:.0f} MiB",
            f"{rss['kvs'] / rss['raw']:.2f}",
            "",
            "<= 1.10",
            "yes" if rss["kvs"] <= 1.1 * rss["raw"] else "NO",
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        mode, url, region, arn = sys.argv[2:6]
        asyncio.run(_serve(mode, url, region, arn))
    else:
        print_table(
            "WebRTC peers on aiortc: by hand vs kvs_chime.webrtc.aiortc",
            [("8. WebRTC peers (aiortc) over the local endpoint", rows(quick="--quick" in sys.argv))],
        )
