"""SignalingClient against the local endpoint's signaling WebSockets: real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from kvs_chime.webrtc import (
    GoAway,
    IceCandidate,
    InboundMessage,
    ReconnectIceServer,
    ReconnectPolicy,
    SdpAnswer,
    SdpOffer,
    SignalingClient,
    SignalingClosedError,
    StatusResponse,
    presigned_url,
)

from .conftest import Channel

T = TypeVar("T")
SIGNALING = "kinesis-video-signaling"


def run(main: Callable[[], Awaitable[T]], timeout: float = 20.0) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(main(), timeout)

    return asyncio.run(bounded())


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def next_of(client: SignalingClient, kind: type[T], timeout: float = 5.0) -> T:
    """The next message of `kind`, skipping others (GO_AWAY and the like)."""
    while True:
        message: InboundMessage = await client.receive(timeout)
        if isinstance(message, kind):
            return message


def signaling_ops(channel: Channel) -> list[str | None]:
    return [
        e.operation for e in channel.endpoint.journal.entries(service=SIGNALING) if e.method == "WEBSOCKET"
    ]


# --- the exchange -------------------------------------------------------------------------------


def test_master_and_viewer_exchange_offer_answer_and_candidates(channel: Channel) -> None:
    async def main() -> None:
        async with channel.master() as master, channel.viewer("viewer-1") as viewer:
            await viewer.send_offer("v=0 offer")
            offer = await next_of(master, SdpOffer)
            assert offer == SdpOffer("v=0 offer", "viewer-1")  # the service names the sender
            await master.send_answer("v=0 answer", recipient_client_id="viewer-1")
            assert await next_of(viewer, SdpAnswer) == SdpAnswer("v=0 answer", None)
            await viewer.send_candidate("candidate:1 1 udp 2 127.0.0.1 5000 typ host", "0", 0)
            await master.send_candidate(
                "candidate:2 1 udp 2 127.0.0.1 5001 typ host", "0", 0, recipient_client_id="viewer-1"
            )
            assert await next_of(master, IceCandidate) == IceCandidate(
                "candidate:1 1 udp 2 127.0.0.1 5000 typ host", "0", 0, "viewer-1"
            )
            assert (await next_of(viewer, IceCandidate)).candidate.startswith("candidate:2 ")
            assert master.ice_servers and viewer.ice_servers

    run(main)
    ops = signaling_ops(channel)
    assert ops[:2] == ["ConnectAsMaster", "ConnectAsViewer"]
    assert ops.count("SendSdpOffer") == ops.count("SendSdpAnswer") == 1
    assert ops.count("SendIceCandidate") == 2
    assert ops.count("Disconnect") == 2
    # The journal keeps routing, never SDP or candidates.
    assert "v=0" not in repr(channel.endpoint.journal.entries()) and "5000 typ" not in repr(
        channel.endpoint.journal.entries()
    )


def test_a_viewers_offer_waits_for_the_master_within_the_message_ttl(channel: Channel) -> None:
    async def main() -> None:
        async with channel.viewer("early") as viewer:
            await viewer.send_offer("v=0 early")
            async with channel.master() as master:
                assert await next_of(master, SdpOffer) == SdpOffer("v=0 early", "early")

    run(main)


def test_a_second_master_pushes_the_first_out(channel: Channel) -> None:
    async def main() -> None:
        first = await channel.master().connect()
        async with channel.master() as second, channel.viewer("v") as viewer:
            with pytest.raises(SignalingClosedError) as closed:
                await first.receive(5)
            assert closed.value.close_code == 1000  # final: it does not fight back
            await viewer.send_offer("v=0")
            assert await next_of(second, SdpOffer) == SdpOffer("v=0", "v")
        await first.close()

    run(main)


def test_ten_viewers_join_one_master_at_once(channel: Channel) -> None:
    async def main() -> float:
        async with channel.master() as master:
            viewers = [channel.viewer(f"viewer-{i}") for i in range(10)]
            started = time.perf_counter()
            await asyncio.gather(*(v.connect() for v in viewers))
            await asyncio.gather(*(v.send_offer(f"v=0 from {v.client_id}") for v in viewers))
            senders: set[str] = set()
            while len(senders) < 10:
                offer = await next_of(master, SdpOffer)
                assert (
                    offer.sender_client_id is not None and offer.sdp == f"v=0 from {offer.sender_client_id}"
                )
                senders.add(offer.sender_client_id)
                await master.send_answer(
                    f"v=0 for {offer.sender_client_id}", recipient_client_id=offer.sender_client_id
                )
            answers = await asyncio.gather(*(next_of(v, SdpAnswer) for v in viewers))
            elapsed = time.perf_counter() - started
            assert [a.sdp for a in answers] == [f"v=0 for viewer-{i}" for i in range(10)]
            await asyncio.gather(*(v.close() for v in viewers))
            return elapsed

    assert run(main) < 5.0
    assert signaling_ops(channel).count("ConnectAsViewer") == 10


def test_a_viewer_past_the_channels_limit_is_refused_at_the_handshake(channel: Channel) -> None:
    credentials = channel.kv.session.get_credentials()
    wss, _ = channel.connector.endpoints(channel.arn, "VIEWER")
    channel.endpoint.signaling.max_viewers = 3

    def url(client_id: str) -> str:
        return presigned_url(wss, channel.arn, credentials, client_id=client_id)

    async def main() -> tuple[int, str]:
        viewers = [channel.viewer(f"viewer-{i}") for i in range(3)]
        await asyncio.gather(*(v.connect() for v in viewers))
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url("viewer-3")):
                pass
        refusal = refused.value.response
        # The same client id again replaces itself: not one more viewer.
        async with connect(url("viewer-0")):
            pass
        await viewers[1].close()
        await until(lambda: len(channel.endpoint.signaling.connections(channel.arn)) <= 2)
        async with connect(url("viewer-3")):  # a place is free again
            pass
        await asyncio.gather(viewers[0].close(), viewers[2].close())
        return refusal.status_code, refusal.body.decode() if refusal.body else ""

    status, body = run(main)
    assert status == 400 and "ClientLimitExceededException" in body
    assert [e.status for e in channel.endpoint.journal.entries("ConnectAsViewer")].count(400) == 1
    with pytest.raises(ValueError, match="max_viewers must be a positive int"):
        channel.endpoint.signaling.max_viewers = 0


# --- bad input, refused before the network or answered by the service ----------------------------


def test_bad_roles_and_ids_are_refused_before_connecting(channel: Channel) -> None:
    with pytest.raises(ValueError, match="client_id must be None for a MASTER"):
        channel._client(channel.master().role, "m", {})  # pyright: ignore[reportPrivateUsage]  # the test helper
    with pytest.raises(ValueError, match="client_id is required for a VIEWER"):
        channel._client(channel.viewer("v").role, None, {})  # pyright: ignore[reportPrivateUsage]  # the test helper
    with pytest.raises(ValueError, match="must not start with 'AWS_'"):
        channel.viewer("AWS_viewer")

    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            with pytest.raises(ValueError, match="recipient_client_id is required"):
                await master.send_offer("v=0")
            with pytest.raises(ValueError, match="recipient_client_id must be None"):
                await viewer.send_offer("v=0", recipient_client_id="other")
            with pytest.raises(ValueError, match="at most 10240 bytes"):
                await viewer.send_offer("x" * 11 * 1024)

    run(main)
    assert "SendSdpOffer" not in signaling_ops(channel)  # nothing reached the service


def test_a_failed_message_with_a_correlation_id_gets_its_status(channel: Channel) -> None:
    async def main() -> None:
        async with channel.master() as master:
            receipt = await master.send_answer("v=0", recipient_client_id="nobody", correlation_id="answer-1")
            status = await receipt.status(timeout=5)
            assert status is not None and status.correlation_id == "answer-1"
            assert status.status_code == "400" and status.error_type == "InvalidArgumentException"
            assert isinstance(await master.receive(1), StatusResponse)  # also yielded
            quiet = await master.send_answer("v=0", recipient_client_id="nobody")
            assert await quiet.status(timeout=0.2) is None  # no correlation id, no answer

    run(main)


def test_the_service_answers_bad_frames_with_a_status_and_stays_up(channel: Channel) -> None:
    async def main() -> None:
        credentials = channel.kv.session.get_credentials()
        wss, _ = channel.connector.endpoints(channel.arn, "VIEWER")
        async with (
            channel.master() as master,
            connect(presigned_url(wss, channel.arn, credentials, client_id="raw")) as raw,
        ):
            payload = "A" * (11 * 1024)  # an 11 KB payload
            await raw.send(
                f'{{"action": "SDP_OFFER", "messagePayload": "{payload}", "correlationId": "big"}}'
            )
            await raw.send('{"action": "SDP_OFFER", "messagePayload": "%%%", "correlationId": "bad64"}')
            await raw.send('{"action": "DANCE", "messagePayload": "e30=", "correlationId": "dance"}')
            await raw.send("not json at all")
            replies = [await asyncio.wait_for(raw.recv(), 5) for _ in range(3)]
            assert ['"big"' in replies[0], '"bad64"' in replies[1], '"dance"' in replies[2]] == [True] * 3
            assert all('"STATUS_RESPONSE"' in r for r in replies)
            assert "longer than 10240" in replies[0]
            offer = base64.b64encode(b'{"type": "offer", "sdp": "v=0"}').decode()
            await raw.send(f'{{"action": "SDP_OFFER", "messagePayload": "{offer}"}}')  # still served
            assert isinstance(await master.receive(5), SdpOffer)

    run(main)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("other credentials", 403),
        ("expired", 403),
        ("altered", 403),
        ("unknown channel", 404),
        ("viewer without client id", 400),
        ("unsigned", 403),
    ],
)
def test_the_endpoint_refuses_bad_urls_with_the_services_status(
    channel: Channel, change: str, status: int
) -> None:
    channel.endpoint._settings.credentials = {"testing": "testing"}  # pyright: ignore[reportPrivateUsage]  # strict mode for this test
    credentials = channel.kv.session.get_credentials()
    wss, _ = channel.connector.endpoints(channel.arn, "VIEWER")
    arn = channel.arn
    client_id: str | None = "viewer-1"
    url = ""
    if change == "other credentials":
        from botocore.credentials import Credentials

        url = presigned_url(
            wss, arn, Credentials("testing", "not-the-secret", "testing"), client_id=client_id
        )
    elif change == "expired":
        from datetime import datetime, timedelta, timezone

        url = presigned_url(
            wss, arn, credentials, client_id=client_id, at=datetime.now(timezone.utc) - timedelta(seconds=300)
        )
    elif change == "altered":
        url = presigned_url(wss, arn, credentials, client_id=client_id).replace("viewer-1", "viewer-2")
    elif change == "unknown channel":
        url = presigned_url(wss, arn[:-3] + "000", credentials, client_id=client_id)
    elif change == "viewer without client id":
        url = presigned_url(wss, arn, credentials)
    elif change == "unsigned":
        url = wss

    async def main() -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url):
                pass
        return refused.value.response.status_code

    assert run(main) == status
    assert channel.endpoint.journal.entries("ConnectAsViewer")[-1].status == status
    # A URL signed now with the right credentials is accepted.

    async def good() -> None:
        async with connect(presigned_url(wss, arn, credentials, client_id="viewer-1")):
            pass

    run(good)


# --- staying alive ------------------------------------------------------------------------------


def test_go_away_mid_session_reconnects_with_a_fresh_url(channel: Channel) -> None:
    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            lookups = len(channel.endpoint.journal.entries("GetSignalingChannelEndpoint"))
            assert channel.endpoint.signaling.go_away(channel.arn, role="VIEWER") == 1
            assert await viewer.receive(5) == GoAway()
            await until(lambda: viewer.reconnects == 1 and viewer.connected)
            # The endpoint was read again, not taken from the connector's cache.
            assert len(channel.endpoint.journal.entries("GetSignalingChannelEndpoint")) == lookups + 1
            await viewer.send_offer("v=0 after")
            assert await next_of(master, SdpOffer) == SdpOffer("v=0 after", "v")

    run(main)
    connects = channel.endpoint.journal.entries("ConnectAsViewer")
    assert [e.status for e in connects] == [101, 101]


@pytest.mark.parametrize("fault", ["close 1001", "drop"])
def test_a_1001_close_or_a_dropped_connection_reconnects(channel: Channel, fault: str) -> None:
    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            if fault == "drop":
                assert channel.endpoint.signaling.drop(channel.arn, role="MASTER") == 1
            else:
                assert channel.endpoint.signaling.close(channel.arn, code=1001, role="MASTER") == 1
            await until(lambda: master.reconnects == 1 and master.connected)
            await viewer.send_offer("v=0 again")
            assert await next_of(master, SdpOffer) == SdpOffer("v=0 again", "v")

    run(main)


def test_an_expired_url_is_signed_again_at_reconnect(channel: Channel) -> None:
    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            channel.clock.advance(400)  # the first URLs are now 400 s old: expired
            channel.endpoint.signaling.go_away(channel.arn)
            await until(
                lambda: (
                    master.reconnects == 1
                    and viewer.reconnects == 1
                    and master.connected
                    and viewer.connected
                )
            )
            await viewer.send_offer("v=0 fresh")
            assert await next_of(master, SdpOffer) == SdpOffer("v=0 fresh", "v")

    run(main)
    assert all(
        e.status == 101
        for e in channel.endpoint.journal.entries(service=SIGNALING)
        if e.operation and e.operation.startswith("Connect")
    )


def test_the_idle_cut_and_the_one_hour_limit_close_with_1001_and_the_client_reconnects(
    channel: Channel,
) -> None:
    async def main() -> None:
        async with channel.master(ping_interval=None) as master:
            channel.clock.advance(601)  # idle for longer than the service's 10 minutes
            await until(lambda: master.reconnects == 1 and master.connected)
            channel.endpoint.signaling.idle_timeout = 10_000
            channel.clock.advance(3600)  # past the longest connection
            await until(lambda: master.reconnects == 2 and master.connected)

    run(main)
    closes = [e.params.get("CloseCode") for e in channel.endpoint.journal.entries("Disconnect")]
    assert closes[:2] == [1001, 1001]


def test_the_client_replaces_an_old_connection_before_the_service_cuts_it(channel: Channel) -> None:
    async def main() -> None:
        policy = ReconnectPolicy(base_delay=0.01, max_delay=0.05, max_connection_age=3540)
        async with channel.master(policy=policy, clock=channel.clock) as master:
            channel.endpoint.signaling.idle_timeout = 10_000
            channel.clock.advance(3541)
            await until(lambda: master.reconnects == 1 and master.connected)

    run(main)
    assert (
        channel.endpoint.journal.entries("Disconnect")[0].params.get("CloseCode") == 1000
    )  # the client's own close


def test_ice_servers_are_refreshed_before_their_ttl_and_on_request(channel: Channel) -> None:
    async def main() -> None:
        async with channel.viewer("v", clock=channel.clock) as viewer:
            first = viewer.ice_servers
            fetches = len(channel.endpoint.journal.entries("GetIceServerConfig"))
            channel.clock.advance(200)
            await asyncio.sleep(0.2)
            assert len(channel.endpoint.journal.entries("GetIceServerConfig")) == fetches  # still fresh
            channel.clock.advance(71)  # 271 s: within 30 s of the 300 s TTL
            await until(lambda: len(channel.endpoint.journal.entries("GetIceServerConfig")) == fetches + 1)
            await until(lambda: viewer.ice_servers != first)
            channel.endpoint.signaling.reconnect_ice_server(channel.arn)
            assert await viewer.receive(5) == ReconnectIceServer()
            await until(lambda: len(channel.endpoint.journal.entries("GetIceServerConfig")) == fetches + 2)
            assert viewer.connected and viewer.reconnects == 0  # the WebSocket itself stayed

    run(main)


def test_messages_sent_during_a_reconnect_are_delivered_after_it(channel: Channel) -> None:
    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            # The reconnect takes half a second (after GO_AWAY the endpoint is looked up again):
            # the sends below happen while it is under way.
            channel.endpoint.faults.add_latency("GetSignalingChannelEndpoint", 0.5, times=1)
            channel.endpoint.signaling.go_away(channel.arn, role="VIEWER")
            await until(lambda: not viewer.connected)
            assert viewer.reconnects == 0
            await asyncio.gather(*(viewer.send_candidate(f"candidate:{i}", "0", 0) for i in range(5)))
            got = [await next_of(master, IceCandidate) for _ in range(5)]
            assert sorted(c.candidate for c in got) == [f"candidate:{i}" for i in range(5)]
            assert viewer.reconnects == 1

    run(main)


def test_messages_during_a_reconnect_that_fails_are_reported_failed(channel: Channel) -> None:
    async def main() -> None:
        policy = ReconnectPolicy(attempts=2, base_delay=0.01, max_delay=0.02, deadline=2)
        async with channel.viewer("v", policy=policy) as viewer:
            channel.endpoint.client("kinesisvideo").delete_signaling_channel(ChannelARN=channel.arn)
            channel.endpoint.signaling.drop(channel.arn)
            await until(lambda: not viewer.connected)
            with pytest.raises(SignalingClosedError, match="gave up reconnecting"):
                await viewer.send_offer("v=0 lost")
            with pytest.raises(SignalingClosedError):
                async for _ in viewer:
                    pass

    run(main)


def test_relays_can_be_delayed(channel: Channel) -> None:
    async def main() -> float:
        async with channel.master() as master, channel.viewer("v") as viewer:
            channel.endpoint.signaling.relay_delay = 0.3
            started = time.perf_counter()
            await viewer.send_offer("v=0 slow")
            await next_of(master, SdpOffer)
            return time.perf_counter() - started

    assert 0.3 <= run(main) < 3.0


def test_logs_carry_no_signature_token_or_sdp(channel: Channel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    async def main() -> None:
        async with channel.master() as master, channel.viewer("v") as viewer:
            await viewer.send_offer("v=0 a=ice-pwd:hunter2")
            await next_of(master, SdpOffer)
            channel.endpoint.signaling.go_away(channel.arn, role="MASTER")
            await until(lambda: master.reconnects == 1 and master.connected)

    run(main)
    text = caplog.text
    assert "X-Amz-Signature=***" in text  # the handshake was logged, redacted
    assert not re.search(r"X-Amz-Signature=[0-9a-f]", text)
    assert "X-Amz-Security-Token=testing" not in text
    assert "hunter2" not in text
