"""SendAlexaOfferToMaster relays the offer to the connected master over its signaling WebSocket
and returns the master's answer (issue 25); with no answer before the channel's MessageTtlSeconds
it fails. The wait is measured with the endpoint's clock, so no test sleeps through a TTL."""

from __future__ import annotations

import asyncio
import base64
import json
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kvs_chime.webrtc import SdpOffer

from .conftest import Channel
from .test_signaling import next_of, run, until

OFFER_SDP = "v=0\r\no=alexa 1 1 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def _offer() -> str:
    return base64.b64encode(json.dumps({"type": "offer", "sdp": OFFER_SDP}).encode()).decode()


def _signaling(channel: Channel) -> Any:  # Any: a boto3 client
    https = channel.endpoint.client("kinesisvideo").get_signaling_channel_endpoint(
        ChannelARN=channel.arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "VIEWER"},
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    return channel.endpoint.client("kinesis-video-signaling", endpoint_url=https)


def _send(pool: ThreadPoolExecutor, channel: Channel, sender: str = "alexa-1") -> Future[Any]:
    signaling = _signaling(channel)
    return pool.submit(
        signaling.send_alexa_offer_to_master,
        ChannelARN=channel.arn,
        SenderClientId=sender,
        MessagePayload=_offer(),
    )


def _offers(channel: Channel) -> int:
    return len(channel.endpoint.journal.entries("AlexaOffer"))


def test_the_offer_reaches_the_master_and_its_answer_comes_back(channel: Channel) -> None:
    with ThreadPoolExecutor(1) as pool:

        async def main() -> Any:
            async with channel.master() as master:
                pending = _send(pool, channel)
                offer = await next_of(master, SdpOffer)
                assert offer == SdpOffer(OFFER_SDP, "alexa-1")  # from the sender client id
                assert not pending.done()  # it waits for the master's answer
                await master.send_answer("v=0 master's answer", recipient_client_id="alexa-1")
                return await asyncio.wrap_future(pending)

        answer = run(main)
    assert json.loads(base64.b64decode(answer["Answer"])) == {"type": "answer", "sdp": "v=0 master's answer"}


def test_a_master_connecting_within_the_ttl_gets_the_offer(channel: Channel) -> None:
    with ThreadPoolExecutor(1) as pool:
        pending = _send(pool, channel, "alexa-late")

        async def main() -> Any:
            await until(lambda: _offers(channel) == 1)
            channel.clock.advance(30)  # within the channel's 60 s
            async with channel.master() as master:
                assert (await next_of(master, SdpOffer)).sender_client_id == "alexa-late"
                await master.send_answer("v=0 late answer", recipient_client_id="alexa-late")
                return await asyncio.wrap_future(pending)

        answer = run(main)
    assert json.loads(base64.b64decode(answer["Answer"]))["sdp"] == "v=0 late answer"


@pytest.mark.parametrize("master_connected", [False, True])
def test_no_answer_before_the_ttl_is_resource_not_found(channel: Channel, master_connected: bool) -> None:
    with ThreadPoolExecutor(1) as pool:

        async def main() -> None:
            if master_connected:
                async with channel.master() as master:
                    pending = _send(pool, channel)
                    await next_of(master, SdpOffer)  # received, never answered
                    channel.clock.advance(61)
                    with pytest.raises(ClientError) as failed:
                        await asyncio.wrap_future(pending)
            else:
                pending = _send(pool, channel)
                await until(lambda: _offers(channel) == 1)
                channel.clock.advance(61)
                with pytest.raises(ClientError) as failed:
                    await asyncio.wrap_future(pending)
            assert failed.value.response["Error"]["Code"] == "ResourceNotFoundException"
            assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

        run(main)


def test_the_signaling_api_on_the_control_plane_url_is_access_denied(channel: Channel) -> None:
    control = channel.endpoint.client("kinesis-video-signaling")
    for call in (
        lambda: control.get_ice_server_config(ChannelARN=channel.arn),
        lambda: control.send_alexa_offer_to_master(
            ChannelARN=channel.arn, SenderClientId="alexa", MessagePayload=_offer()
        ),
    ):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
