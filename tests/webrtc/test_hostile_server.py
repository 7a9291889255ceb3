"""SignalingClient against hostile signaling servers (a few lines of websockets on 127.0.0.1):
deep JSON, servers that drop every connection, a flood the application does not read, receipts
that can never be answered, a close during a reconnect. The client stays up, bounded and tidy."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import threading
import time
from collections.abc import Awaitable, Callable

import pytest
from botocore.credentials import Credentials, ReadOnlyCredentials
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.testing import ManualClock
from kvs_chime.webrtc import (
    GoAway,
    ReconnectPolicy,
    SdpOffer,
    SignalingClient,
    SignalingClosedError,
    UnknownMessage,
)
from kvs_chime.workflows import WebRtcConnectionInfo

from .test_signaling import run, until

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/hostile/1"
CREDENTIALS = Credentials("a", "b")


def offer_frame(sdp: str, sender: str = "v") -> str:
    payload = base64.b64encode(json.dumps({"type": "offer", "sdp": sdp}).encode()).decode()
    return json.dumps({"messageType": "SDP_OFFER", "senderClientId": sender, "messagePayload": payload})


class Source:
    """Connection info pointing at a hostile server (no AWS, no emulator); counts its look-ups."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.lookups = 0

    def connection_info(
        self, channel_arn: str, role: ChannelRole | str, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo:
        self.lookups += 1
        return WebRtcConnectionInfo(channel_arn, role, self.url, "http://127.0.0.1:9/", [])


class Server:
    """What a hostile server saw: connections opened, and how many are open now."""

    def __init__(self) -> None:
        self.opened: list[float] = []
        self.open_now = 0

    def track(
        self, handler: Callable[[ServerConnection, int], Awaitable[None]]
    ) -> Callable[[ServerConnection], Awaitable[None]]:
        async def tracked(ws: ServerConnection) -> None:
            self.opened.append(time.monotonic())
            self.open_now += 1
            try:
                await handler(ws, len(self.opened))
            finally:
                await ws.wait_closed()
                self.open_now -= 1

        return tracked


def client(port: int, source: Source | None = None, **options: object) -> SignalingClient:
    return SignalingClient(
        source or Source(f"ws://127.0.0.1:{port}/"),
        ARN,
        credentials=CREDENTIALS,
        **options,  # type: ignore[arg-type]  # test helper: options as given
    )


def port_of(server: object) -> int:
    return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]  # websockets' Server


# --- parsing ------------------------------------------------------------------------------------


def test_deeply_nested_json_is_an_unknown_message_and_the_client_keeps_reading() -> None:
    server = Server()
    deep_payload = base64.b64encode(b"[" * 7000).decode()  # 9.3 KB: under the 10 KB limit

    async def hostile(ws: ServerConnection, n: int) -> None:
        await ws.send(json.dumps({"messageType": "SDP_OFFER", "messagePayload": deep_payload}))
        await ws.send('{"messageType": "SDP_OFFER", "x": ' + "[" * 20000 + "}")  # the envelope itself
        await ws.send(offer_frame("v=0 still here"))

    async def main() -> None:
        async with serve(server.track(hostile), "127.0.0.1", 0) as listening:
            async with client(port_of(listening)) as signaling:
                got = [await signaling.receive(5) for _ in range(3)]
                assert signaling.connected
            await until(lambda: server.open_now == 0)  # closed with the client
        assert isinstance(got[0], UnknownMessage) and "deeper than" in got[0].reason
        assert isinstance(got[1], UnknownMessage) and "deeper than" in got[1].reason
        assert got[2] == SdpOffer("v=0 still here", "v")
        assert len(server.opened) == 1

    run(main)


# --- flapping -----------------------------------------------------------------------------------


class _Highest(random.Random):
    """Full jitter drawing its cap every time: the waits are exactly the backoff's bound."""

    def uniform(self, a: float, b: float) -> float:
        return b


# A policy in tenths of a second: the rules of the default one, quicker to watch.
FLAP = ReconnectPolicy(base_delay=0.05, max_delay=0.4, stable_after=1.0, max_connects=6, connect_window=2.0)


@pytest.mark.parametrize("fault", ["GO_AWAY on connect", "close 1011", "TCP drop"])
def test_a_server_that_ends_every_connection_at_once_gets_backed_off_and_bounded(fault: str) -> None:
    server = Server()

    async def flapping(ws: ServerConnection, n: int) -> None:
        if fault == "GO_AWAY on connect":
            await ws.send('{"messageType": "GO_AWAY"}')
        elif fault == "close 1011":
            await ws.close(1011)
        else:
            ws.transport.abort()

    async def main() -> tuple[int, int]:
        async with serve(server.track(flapping), "127.0.0.1", 0) as listening:
            source = Source(f"ws://127.0.0.1:{port_of(listening)}/")
            async with client(port_of(listening), source, policy=FLAP, rng=_Highest()) as signaling:
                await asyncio.sleep(3.0)
                assert not isinstance(signaling, BaseException)
                reconnects = signaling.reconnects
            return reconnects, source.lookups

    reconnects, lookups = run(main)
    opened = server.opened
    # Never more than max_connects in any window of connect_window seconds (3 s: two windows);
    # seen from the server, each handshake lands a few milliseconds after its attempt started.
    window = FLAP.connect_window - 0.05
    busiest = max(sum(1 for t in opened if start <= t < start + window) for start in opened)
    assert busiest <= FLAP.max_connects
    assert 2 <= len(opened) <= 2 * FLAP.max_connects
    assert reconnects >= 1  # it kept reconnecting: a flapping server does not end the client
    # The waits grow as for refused attempts: 0, 0.05, 0.1, 0.2, 0.4 s at least.
    waits = [b - a for a, b in itertools.pairwise(opened)]
    assert all(w >= min(0.4, 0.05 * 2**i) - 0.01 for i, w in enumerate(waits[1:]))
    if fault == "GO_AWAY on connect":
        assert lookups == len(opened)  # GO_AWAY: the endpoint is read again, under the backoff
    else:
        assert lookups == 1  # still valid: reused


# --- the inbox ----------------------------------------------------------------------------------


def test_an_unread_flood_stops_the_reading_tcp_pushes_back_and_nothing_is_lost() -> None:
    frames = 3000
    pad = "x" * (30 * 1024)  # 30 KB frames: 90 MB in all
    sent = [0]

    async def flood(ws: ServerConnection, n: int) -> None:
        for i in range(frames):
            await ws.send(json.dumps({"messageType": "FLOOD", "i": i, "pad": pad}))
            sent[0] += 1

    async def stalled() -> None:
        last = -1
        while sent[0] != last and sent[0] < frames:
            last = sent[0]
            await asyncio.sleep(0.5)

    async def main() -> tuple[int, list[int]]:
        server = Server()
        async with serve(server.track(flood), "127.0.0.1", 0) as listening:
            async with client(port_of(listening), inbox_size=8) as signaling:
                await until(lambda: sent[0] > 0)
                await stalled()
                at_stall = sent[0]
                order: list[int] = []
                while len(order) < frames:
                    message = await signaling.receive(10)
                    assert isinstance(message, UnknownMessage)
                    order.append(json.loads(message.raw)["i"])
            return at_stall, order

    at_stall, order = run(main, timeout=60)
    assert at_stall < frames // 2  # the sender was held back: well under the 90 MB it wanted to send
    assert order == list(range(frames))  # then everything arrived, in order


# --- receipts -----------------------------------------------------------------------------------


def test_receipts_resolve_to_none_when_the_client_closes_or_forgets_them() -> None:
    async def silent(ws: ServerConnection, n: int) -> None:
        async for _ in ws:  # reads, never answers
            pass

    async def main() -> None:
        server = Server()
        async with serve(server.track(silent), "127.0.0.1", 0) as listening:
            signaling = await client(port_of(listening)).connect()
            first = await signaling.send_answer("v=0", recipient_client_id="v", correlation_id="c-0")
            for i in range(1, 1025):  # one more than the client keeps
                await signaling.send_candidate(
                    "candidate:1", "0", 0, recipient_client_id="v", correlation_id=f"c-{i}"
                )
            assert (
                await asyncio.wait_for(first.status(timeout=30), 5) is None
            )  # forgotten: no answer can come
            last = await signaling.send_answer("v=0", recipient_client_id="v", correlation_id="c-last")
            waiting = asyncio.create_task(last.status(timeout=30))
            await asyncio.sleep(0.05)
            await signaling.close()
            assert await asyncio.wait_for(waiting, 5) is None  # not CancelledError in a task never cancelled

    run(main)


# --- credentials --------------------------------------------------------------------------------


class _RecordingCredentials:
    """Credentials whose freezing notes the thread it ran on (a refresh would block it)."""

    def __init__(self) -> None:
        self.threads: list[int] = []

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        self.threads.append(threading.get_ident())
        return ReadOnlyCredentials("a", "b", None)


def test_credentials_are_frozen_off_the_event_loop() -> None:
    credentials = _RecordingCredentials()

    async def idle(ws: ServerConnection, n: int) -> None:
        if n == 1:
            await ws.close(1011)  # and a reconnect signs again

    async def main() -> int:
        server = Server()
        async with serve(server.track(idle), "127.0.0.1", 0) as listening:
            signaling = SignalingClient(
                Source(f"ws://127.0.0.1:{port_of(listening)}/"), ARN, credentials=credentials, policy=FLAP
            )
            async with signaling:
                await until(lambda: signaling.reconnects == 1 and signaling.connected)
        return threading.get_ident()

    loop_thread = run(main)
    assert len(credentials.threads) == 2
    assert loop_thread not in credentials.threads


# --- close and reconnect races -----------------------------------------------------------------


def test_close_during_a_reconnect_leaves_no_socket_open_and_no_reconnect_after() -> None:
    server = Server()
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold_second_handshake(ws: ServerConnection, request: Request) -> Response | None:
        if len(server.opened) == 1:  # the reconnect's handshake waits until the client closed
            arrived.set()
            await release.wait()
        return None

    async def first_fails(ws: ServerConnection, n: int) -> None:
        if n == 1:
            await ws.close(1011)

    async def main() -> None:
        async with serve(
            server.track(first_fails), "127.0.0.1", 0, process_request=hold_second_handshake
        ) as listening:
            signaling = await client(port_of(listening), policy=FLAP).connect()
            await asyncio.wait_for(arrived.wait(), 5)
            await signaling.close()
            release.set()
            await asyncio.sleep(0.3)
            await until(lambda: server.open_now == 0)
            assert len(server.opened) <= 2
            with pytest.raises(StopAsyncIteration):
                await signaling.__anext__()

    run(main)


def test_close_during_the_first_handshake_closes_the_socket_it_opens() -> None:
    server = Server()
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold_handshake(ws: ServerConnection, request: Request) -> Response | None:
        arrived.set()
        await release.wait()
        return None

    async def idle(ws: ServerConnection, n: int) -> None:
        pass

    async def main() -> None:
        async with serve(server.track(idle), "127.0.0.1", 0, process_request=hold_handshake) as listening:
            signaling = client(port_of(listening), policy=FLAP)
            connecting = asyncio.create_task(signaling.connect())
            await asyncio.wait_for(arrived.wait(), 5)
            await signaling.close()  # e.g. the application shuts down meanwhile
            release.set()
            with pytest.raises(SignalingClosedError):
                await connecting
            await until(lambda: len(server.opened) == 1 and server.open_now == 0)
            assert not signaling.connected

    run(main)


def test_a_final_close_that_meets_the_age_limit_replacement_is_not_turned_into_a_reconnect() -> None:
    clock = ManualClock(0.0)
    server = Server()

    async def push_out(ws: ServerConnection, n: int) -> None:
        await ws.send(offer_frame("v=0 one"))
        await ws.send(offer_frame("v=0 two"))
        await ws.close(1000)  # final: e.g. another master took the channel

    async def main() -> None:
        policy = ReconnectPolicy(max_connection_age=100.0, base_delay=0.01)
        async with (
            serve(server.track(push_out), "127.0.0.1", 0) as listening,
            client(
                port_of(listening), policy=policy, clock=clock, check_interval=0.01, inbox_size=1
            ) as signaling,
        ):
            await until(lambda: server.open_now == 0)  # the server's close went through
            clock.advance(101.0)  # the watcher now wants to replace the (closed) connection
            await asyncio.sleep(0.1)
            assert await signaling.receive(5) == SdpOffer("v=0 one", "v")
            assert await signaling.receive(5) == SdpOffer("v=0 two", "v")
            with pytest.raises(SignalingClosedError) as closed:
                await signaling.receive(5)
            assert closed.value.close_code == 1000
        assert len(server.opened) == 1  # no reconnect

    run(main)


def test_go_away_is_yielded_then_the_client_reconnects_once() -> None:
    server = Server()

    async def once(ws: ServerConnection, n: int) -> None:
        if n == 1:
            await ws.send('{"messageType": "GO_AWAY"}')
        else:
            await ws.send(offer_frame("v=0 second"))

    async def main() -> None:
        async with (
            serve(server.track(once), "127.0.0.1", 0) as listening,
            client(port_of(listening), policy=FLAP) as signaling,
        ):
            assert await signaling.receive(5) == GoAway()
            assert await signaling.receive(5) == SdpOffer("v=0 second", "v")

    run(main)
