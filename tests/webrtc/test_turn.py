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
import os
import shutil
import socket
import struct
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
    # A port free now for both UDP and TCP (coturn listens on both, and does not exit when one
    # of them is taken); the race with other processes is what `turn_port`'s retries are for.
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket() as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port


def _stun_answers(port: int) -> bool:
    """Whether a STUN Binding request to `port` over UDP is answered (RFC 8489: a 20-byte header,
    method 0x0001, the magic cookie and a transaction id): the peers' transport is ready."""
    transaction = os.urandom(12)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        probe.sendto(struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction, ("127.0.0.1", port))
        try:
            answer = probe.recv(2048)
        except OSError:  # timed out, or refused: nothing listens yet
            return False
    return len(answer) >= 20 and answer[8:20] == transaction


def _start(binary: str, port: int, scratch: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def turn_port() -> Iterator[int]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn's turnserver is not on PATH (apt-get install coturn)")
    # coturn answers in ~0.2 s on an idle machine. Each try waits 20 s (loaded CI cores were
    # once seen past 10 s), on a new port: one taken by another process since `_free_port`
    # leaves coturn running but deaf.
    exits: list[int | None] = []
    for _ in range(3):
        port = _free_port()
        with tempfile.TemporaryDirectory() as scratch:
            process = _start(binary, port, scratch)
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and process.poll() is None:
                    if _stun_answers(port):
                        yield port
                        return
                    time.sleep(0.05)
                exits.append(process.poll())
            finally:
                _stop(process)
    pytest.fail(f"turnserver answered no STUN request in 3 tries of 20 s (exit codes: {exits})")


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
