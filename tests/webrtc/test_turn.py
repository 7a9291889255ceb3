"""Relay-only ICE through a real TURN server (coturn), with credentials the local endpoint mints.

coturn (Debian package `coturn`) is started on 127.0.0.1 with the shared-secret REST scheme
(`--use-auth-secret --static-auth-secret`), allowing loopback peers; the endpoint is told about it
(`turn_uris`, `turn_secret`) and lists it in GetIceServerConfig; two aiortc peers restricted to
relay candidates connect through it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.testing._cli import _parser

from .conftest import Channel, make_channel
from .test_signaling import run

SECRET = "local-turn-secret"


def _free_port() -> int:
    # A UDP and TCP port free now (coturn listens on both); the race with other processes is
    # accepted in a test.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        return int(udp.getsockname()[1])


@pytest.fixture
def turn_port() -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn's turnserver is not on PATH (apt-get install coturn)")
    port = _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        process = subprocess.Popen(
            [
                binary,
                "--listening-ip=127.0.0.1",
                f"--listening-port={port}",
                "--relay-ip=127.0.0.1",
                "--min-port=49152",
                "--max-port=65535",
                "--allow-loopback-peers",
                "--use-auth-secret",
                f"--static-auth-secret={SECRET}",
                "--realm=kvs-chime.local",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--no-tcp-relay",
                f"--pidfile={scratch}/turnserver.pid",
                f"--log-file={scratch}/turn.log",
                "--simple-log",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_listening(port, process, f"{scratch}/turn.log")
            yield port
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: str) -> None:
    # Generous: coturn once took over 10 s to listen on loaded CI cores.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"turnserver exited with {process.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    try:
        with open(log, encoding="utf-8", errors="replace") as file:
            tail = file.read()[-2000:]
    except OSError:
        tail = "(no log)"
    pytest.fail(f"turnserver did not listen within 30 s; its log ends:\n{tail}")


@pytest.fixture
def turn_channel(turn_port: int) -> Iterator[Channel]:
    clock = ManualClock(1000.0)
    with LocalEndpoint(
        activation_delay=0,
        clock=clock,
        turn_uris=[f"turn:127.0.0.1:{turn_port}?transport=udp"],
        turn_secret=SECRET,
    ) as endpoint:
        yield make_channel(endpoint, clock)


def test_the_endpoint_lists_the_turn_server_with_coturn_rest_credentials(turn_channel: Channel) -> None:
    info = turn_channel.connector.connection_info(turn_channel.arn, "VIEWER", client_id="viewer-1")
    (server,) = info.ice_servers
    assert server.uris and server.uris[0].startswith("turn:127.0.0.1:")
    assert server.username is not None and server.password is not None
    expiry, _, user_id = server.username.partition(":")
    assert int(expiry) > time.time() and user_id
    expected = base64.b64encode(hmac.new(SECRET.encode(), server.username.encode(), hashlib.sha1).digest())
    assert server.password == expected.decode()


def test_relay_only_peers_connect_through_coturn(turn_channel: Channel) -> None:
    aiortc = pytest.importorskip("aiortc")  # the `webrtc` extra
    del aiortc
    from kvs_chime.webrtc.aiortc import WebRtcMaster, WebRtcViewer

    async def main() -> None:
        async with (
            turn_channel.master() as signaling,
            WebRtcMaster(signaling, relay_only=True) as master,
            turn_channel.viewer("viewer-1") as client,
            WebRtcViewer(client, receive_video=False, receive_audio=False, relay_only=True) as viewer,
        ):
            peer = await master.arrivals().__anext__()
            # Relay-only: every candidate either side offered is a TURN relay's.
            for description in (viewer.peer.pc.localDescription, peer.pc.localDescription):
                candidates = [line for line in description.sdp.splitlines() if line.startswith("a=candidate")]
                assert candidates and all(" typ relay" in line for line in candidates)
            await viewer.peer.send("through the relay")
            assert await peer.messages().__anext__() == "through the relay"

    run(main, timeout=60)


def test_turn_options_go_together_and_name_turn_uris() -> None:
    with pytest.raises(ValueError, match="turn_uris and turn_secret go together"):
        LocalEndpoint(turn_secret=SECRET)
    with pytest.raises(ValueError, match="turn_uris must start with turn: or turns:"):
        LocalEndpoint(turn_uris=["stun:127.0.0.1:3478"], turn_secret=SECRET)
    args = _parser().parse_args(["--turn-uri", "turn:127.0.0.1:3478", "--turn-secret", SECRET])
    assert (args.turn_uri, args.turn_secret) == (["turn:127.0.0.1:3478"], SECRET)
