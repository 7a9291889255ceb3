"""JoinStorageSession and JoinStorageSessionAsViewer against the local endpoint: the typed facades
over real HTTP, the storage session's offer over the real signaling WebSocket (127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
from datetime import datetime, timezone

import pytest

from kvs_chime import KinesisVideoWebRtcStorage
from kvs_chime.errors import (
    ClientLimitExceededError,
    InvalidArgumentError,
    ResourceNotFoundError,
    ValidationError,
)
from kvs_chime.kinesisvideo import (
    CreateStreamRequest,
    MediaStorageConfiguration,
    MediaStorageConfigurationStatus,
    UpdateMediaStorageConfigurationRequest,
)
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.webrtc import IceCandidate, SdpOffer, StatusResponse
from kvs_chime.webrtc_storage import JoinStorageSessionAsViewerRequest, JoinStorageSessionRequest

from .conftest import Channel, make_channel
from .test_signaling import next_of, run, until

STORAGE = "kinesis-video-webrtc-storage"
# An answer with what the storage session needs (Opus audio, H.264 video); the emulator reads
# only its codecs.
ANSWER = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n" + (
    "m=video 9 UDP/TLS/RTP/SAVPF 125\r\na=rtpmap:125 H264/90000\r\n"
)


def enable_storage(channel: Channel, stream_name: str = "door-media") -> str:
    stream = channel.kv.create_stream(
        CreateStreamRequest(stream_name=stream_name, data_retention_in_hours=24)
    )
    channel.kv.update_media_storage_configuration(
        UpdateMediaStorageConfigurationRequest(
            channel_arn=channel.arn,
            media_storage_configuration=MediaStorageConfiguration(
                status=MediaStorageConfigurationStatus.ENABLED, stream_arn=stream.stream_arn
            ),
        )
    )
    return stream.stream_arn


def storage_ops(channel: Channel) -> list[tuple[str | None, dict[str, object]]]:
    return [
        (e.operation, dict(e.params))
        for e in channel.endpoint.journal.entries(service=STORAGE)
        if e.method == "WEBSOCKET"
    ]


def test_master_gets_the_offer_answers_it_and_the_journal_shows_the_answer(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master:
            await asyncio.to_thread(
                storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
            )
            offer = await next_of(master, SdpOffer)
            assert offer.sender_client_id is None  # the storage session names no sender
            assert "a=rtpmap:111 opus/48000/2" in offer.sdp and "H264/90000" in offer.sdp
            assert "a=recvonly" in offer.sdp  # it receives the master's video
            candidate = await next_of(master, IceCandidate)
            assert candidate.sender_client_id is None and candidate.candidate.startswith("candidate:")
            receipt = await master.send_answer(ANSWER, correlation_id="answer-1")
            await master.send_candidate("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", "0", 0)
            await until(lambda: any(s.candidates == 1 for s in channel.endpoint.signaling.storage_sessions()))
            assert receipt.correlation_id == "answer-1"
            [session] = channel.endpoint.signaling.storage_sessions(channel.arn)
            assert (session.client_id, session.offers, session.answered, session.candidates) == (
                None,
                1,
                True,
                1,
            )

    run(main)
    http = [e for e in channel.endpoint.journal.entries("JoinStorageSession") if e.service == STORAGE]
    assert [(e.status, e.params) for e in http] == [(200, {"channelArn": channel.arn})]
    assert [op for op, _ in storage_ops(channel)] == ["StorageOffer", "StorageAnswer", "StorageIceCandidate"]
    assert storage_ops(channel)[0][1]["Delivered"] is True


def test_a_second_join_sends_a_second_offer_with_new_ice_credentials(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    request = JoinStorageSessionRequest(channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master:
            await asyncio.to_thread(storage.join_storage_session, request)
            first = await next_of(master, SdpOffer)
            await master.send_answer(ANSWER)
            # The answer is taken before the second join (else it could count as the second's).
            await until(lambda: any(s.answered for s in channel.endpoint.signaling.storage_sessions()))
            await asyncio.to_thread(storage.join_storage_session, request)
            second = await next_of(master, SdpOffer)
            ufrag = [line for line in second.sdp.splitlines() if line.startswith("a=ice-ufrag:")]
            assert ufrag and ufrag[0] not in first.sdp
            # The latest request takes precedence: the session waits for the new answer.
            [session] = channel.endpoint.signaling.storage_sessions()
            assert (session.offers, session.answered) == (2, False)

    run(main)


def test_as_viewer_the_offer_goes_to_that_viewer_and_its_answer_back(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master, channel.viewer("v1") as viewer, channel.viewer("v2") as other:
            await asyncio.to_thread(
                storage.join_storage_session_as_viewer,
                JoinStorageSessionAsViewerRequest(channel_arn=channel.arn, client_id="v1"),
            )
            offer = await next_of(viewer, SdpOffer)
            assert offer.sender_client_id is None and "a=sendonly" in offer.sdp  # it sends the master's video
            audio_only = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
            await viewer.send_answer(audio_only)  # a viewer sends no video
            await until(lambda: any(s.answered for s in channel.endpoint.signaling.storage_sessions()))
            # Neither the master nor the other viewer saw any of it.
            with pytest.raises(TimeoutError):
                await master.receive(0.2)
            with pytest.raises(TimeoutError):
                await other.receive(0.05)
            [session] = channel.endpoint.signaling.storage_sessions(channel.arn)
            assert session.client_id == "v1" and session.answered

    run(main)


def test_an_answer_without_the_needed_codecs_gets_a_status_response(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master:
            await asyncio.to_thread(
                storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
            )
            await next_of(master, SdpOffer)
            vp8_only = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n"
            await master.send_answer(vp8_only, correlation_id="bad-answer")
            status = await next_of(master, StatusResponse)
            assert (status.correlation_id, status.error_type, status.status_code) == (
                "bad-answer",
                "InvalidArgumentException",
                "400",
            )
            assert status.description is not None and "H.264 and Opus" in status.description
            [session] = channel.endpoint.signaling.storage_sessions()
            assert not session.answered

    run(main)


def test_without_media_storage_the_endpoint_and_the_join_are_refused(channel: Channel) -> None:
    # The WEBRTC endpoint is handed out only with media storage ENABLED.
    with pytest.raises(InvalidArgumentError, match="InvalidArgumentException"):
        KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    channel.kv.update_media_storage_configuration(
        UpdateMediaStorageConfigurationRequest(
            channel_arn=channel.arn,
            media_storage_configuration=MediaStorageConfiguration(
                status=MediaStorageConfigurationStatus.DISABLED
            ),
        )
    )
    with pytest.raises(InvalidArgumentError, match="media storage is not ENABLED") as caught:
        storage.join_storage_session(JoinStorageSessionRequest(channel_arn=channel.arn))
    assert caught.value.code == "InvalidArgumentException" and caught.value.http_status == 400


def test_a_missing_channel_and_bad_input_get_the_services_errors(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    missing = channel.arn.rsplit("/", 2)[0] + "/gone/1234567890123"
    with pytest.raises(ResourceNotFoundError, match="ResourceNotFoundException") as caught:
        storage.join_storage_session(JoinStorageSessionRequest(channel_arn=missing))
    assert caught.value.http_status == 404
    # The SDK refuses input off the model before sending it...
    with pytest.raises(ValidationError, match="client_id"):
        storage.join_storage_session_as_viewer(
            JoinStorageSessionAsViewerRequest(channel_arn=channel.arn, client_id="no spaces")
        )
    # ...and the service answers it with InvalidArgumentException (a raw client skips the checks).
    webrtc = [e for e in channel.endpoint.journal.entries("GetSignalingChannelEndpoint")][-1]
    assert webrtc.status == 200
    endpoint = f"{channel.endpoint.url}/signaling/w-" + _endpoint_id(channel)
    raw = channel.endpoint.client(STORAGE, endpoint_url=endpoint)
    with pytest.raises(Exception, match="InvalidArgumentException") as raw_caught:
        raw.join_storage_session_as_viewer(channelArn=channel.arn, clientId="x" * 257)
    assert "clientId" in str(raw_caught.value)
    # Called on the control-plane URL, not the channel's WEBRTC endpoint.
    control = channel.endpoint.client(STORAGE)
    with pytest.raises(Exception, match="WEBRTC endpoint"):
        control.join_storage_session(channelArn=channel.arn)


def _endpoint_id(channel: Channel) -> str:
    scope = next(iter(channel.endpoint._dispatcher.scopes.values()))  # pyright: ignore[reportPrivateUsage]  # the test reads the state
    return next(c.endpoint_id for c in scope.kinesis_video.channels.values() if c.arn == channel.arn)


def test_with_no_master_connected_the_join_succeeds_and_no_offer_goes_out(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    storage.join_storage_session(JoinStorageSessionRequest(channel_arn=channel.arn))
    storage.join_storage_session_as_viewer(
        JoinStorageSessionAsViewerRequest(channel_arn=channel.arn, client_id="v9")
    )
    offers = storage_ops(channel)
    assert [(op, p["Delivered"], p["Reason"]) for op, p in offers] == [
        ("StorageOffer", False, "no master is connected"),
        ("StorageOffer", False, "the viewer is not connected"),
    ]
    assert channel.endpoint.signaling.storage_sessions() == []

    # A master connecting later gets nothing held for it: it must join (again).
    async def main() -> None:
        async with channel.master() as master:
            with pytest.raises(TimeoutError):
                await master.receive(0.2)

    run(main)


def test_faults_fail_the_next_join_or_withhold_its_offer(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    channel.endpoint.faults.fail_next("JoinStorageSession", "ClientLimitExceededException", times=5)
    with pytest.raises(ClientLimitExceededError):
        storage.join_storage_session(JoinStorageSessionRequest(channel_arn=channel.arn))
    channel.endpoint.faults.clear()
    channel.endpoint.signaling.withhold_storage_offers()
    request = JoinStorageSessionRequest(channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master:
            await asyncio.to_thread(storage.join_storage_session, request)  # 200, and no offer
            with pytest.raises(TimeoutError):
                await master.receive(0.2)
            await asyncio.to_thread(storage.join_storage_session, request)  # the retry gets one
            await next_of(master, SdpOffer)

    run(main)
    assert [(op, p["Delivered"]) for op, p in storage_ops(channel)] == [
        ("StorageOffer", False),
        ("StorageOffer", True),
    ]


def test_the_session_ends_with_the_masters_connection(channel: Channel) -> None:
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)

    async def main() -> None:
        async with channel.master() as master:
            await asyncio.to_thread(
                storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
            )
            await next_of(master, SdpOffer)
            assert len(channel.endpoint.signaling.storage_sessions()) == 1
        await until(lambda: channel.endpoint.signaling.storage_sessions() == [])

    run(main)


def test_server_mode_over_http_with_the_admin_api() -> None:
    clock = ManualClock(1000.0)
    with LocalEndpoint(activation_delay=0, clock=clock) as endpoint:
        channel = make_channel(endpoint, clock)
        enable_storage(channel)
        admin = f"{endpoint.url}/_kvs_chime/signaling"

        def call(method: str, body: dict[str, object] | None = None) -> dict[str, object]:
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(admin, data=data, method=method)
            with urllib.request.urlopen(request, timeout=5) as response:
                parsed: dict[str, object] = json.loads(response.read())
                return parsed

        assert call("POST", {"action": "withhold_storage_offers", "times": 1}) == {"withheld": 1}
        # A raw boto3 client on the WEBRTC endpoint, as any SDK in server mode would use it.
        endpoints = channel.endpoint.client("kinesisvideo").get_signaling_channel_endpoint(
            ChannelARN=channel.arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["WEBRTC"], "Role": "MASTER"},
        )
        webrtc_url = endpoints["ResourceEndpointList"][0]["ResourceEndpoint"]
        assert webrtc_url.startswith(endpoint.url + "/signaling/w-")
        raw = endpoint.client(STORAGE, endpoint_url=webrtc_url)

        async def main() -> None:
            async with channel.master() as master:
                await asyncio.to_thread(raw.join_storage_session, channelArn=channel.arn)
                await asyncio.to_thread(raw.join_storage_session, channelArn=channel.arn)
                offer = await next_of(master, SdpOffer)
                assert offer.sender_client_id is None
                await master.send_answer(ANSWER)
                await until(lambda: any(s.answered for s in endpoint.signaling.storage_sessions()))
                view = call("GET")
                assert view["storage_sessions"] == [
                    {
                        "channel_arn": channel.arn,
                        "client_id": None,
                        "joined_at": 1000.0,
                        "offers": 1,
                        "answered": True,
                        "candidates": 0,
                    }
                ]

        run(main)


def test_an_aiortc_peer_accepts_the_offer_and_answers_it(channel: Channel) -> None:
    aiortc = pytest.importorskip("aiortc")
    from kvs_chime.webrtc.aiortc import add_candidate, answer_offer

    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)

    async def main() -> None:
        pc = aiortc.RTCPeerConnection()
        try:
            async with channel.master() as master:
                await asyncio.to_thread(
                    storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
                )
                offer = await next_of(master, SdpOffer)
                await answer_offer(pc, master, offer)
                assert await add_candidate(pc, await next_of(master, IceCandidate))
                answer = pc.localDescription.sdp
                assert "opus/48000" in answer.lower() and "H264/90000" in answer
                await until(lambda: any(s.answered for s in channel.endpoint.signaling.storage_sessions()))
        finally:
            await pc.close()

    run(main)


def test_the_offer_payload_is_the_services_json(channel: Channel) -> None:
    """What the master's socket receives, read without the SDK's decoding: no senderClientId."""
    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    from websockets.asyncio.client import connect

    from kvs_chime.webrtc import presigned_url

    async def main() -> None:
        info = await asyncio.to_thread(channel.connector.connection_info, channel.arn)
        signed_at = datetime.fromtimestamp(channel.wall(), timezone.utc)
        url = presigned_url(info.wss_url, channel.arn, channel.kv.session.get_credentials(), at=signed_at)
        async with connect(url) as socket:
            await asyncio.to_thread(
                storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
            )
            frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
            assert set(frame) == {"messageType", "messagePayload"} and frame["messageType"] == "SDP_OFFER"
            payload = json.loads(base64.b64decode(frame["messagePayload"]))
            assert payload["type"] == "offer" and payload["sdp"].startswith("v=0\r\n")

    run(main)


def test_a_master_answering_as_the_android_sdk_encodes_is_understood(channel: Channel) -> None:
    # The Android SDK sends messagePayload URL-safe without padding (Message.java); the storage
    # session reads the answer's codecs, so it must decode that alphabet as the relay does.
    from websockets.asyncio.client import connect

    from kvs_chime.webrtc import presigned_url

    from .test_hostile_peer import _android_payload

    enable_storage(channel)
    storage = KinesisVideoWebRtcStorage.for_channel(channel.kv, channel_arn=channel.arn)
    payload = _android_payload("answer", ANSWER + "a=x:~~~?>?y\r\n")
    assert "-" in payload or "_" in payload

    async def main() -> None:
        wss, _ = channel.connector.endpoints(channel.arn, "MASTER")
        url = presigned_url(wss, channel.arn, channel.kv.session.get_credentials())
        async with connect(url) as android:
            await asyncio.to_thread(
                storage.join_storage_session, JoinStorageSessionRequest(channel_arn=channel.arn)
            )
            offer = json.loads(await android.recv())
            assert offer["messageType"] == "SDP_OFFER"
            await android.send(
                json.dumps({"action": "SDP_ANSWER", "recipientClientId": "", "messagePayload": payload})
            )
            await until(lambda: any(s.answered for s in channel.endpoint.signaling.storage_sessions()))

    run(main)
    assert [op for op, _ in storage_ops(channel)][:2] == ["StorageOffer", "StorageAnswer"]
