"""Peers through the local endpoint's signaling relay that the Python client did not write: a
hostile viewer, and one that encodes as the official Android SDK does. Real WebSockets."""

from __future__ import annotations

import base64
import json

from websockets.asyncio.client import connect

from kvs_chime.webrtc import SdpOffer, UnknownMessage, presigned_url

from .conftest import Channel
from .test_signaling import next_of, run


def _viewer_url(channel: Channel, client_id: str) -> str:
    wss, _ = channel.connector.endpoints(channel.arn, "VIEWER")
    return presigned_url(wss, channel.arn, channel.kv.session.get_credentials(), client_id=client_id)


def test_a_viewers_deeply_nested_payload_does_not_end_the_masters_client(channel: Channel) -> None:
    # Valid base64 of 7,000 "[" (9.3 KB, under the 10 KB limit): the service relays it unread.
    deep = base64.b64encode(b"[" * 7000).decode()
    good = base64.b64encode(json.dumps({"type": "offer", "sdp": "v=0 next"}).encode()).decode()

    async def main() -> None:
        async with channel.master() as master, connect(_viewer_url(channel, "rogue")) as rogue:
            await rogue.send(json.dumps({"action": "SDP_OFFER", "messagePayload": deep}))
            got = await master.receive(5)
            assert isinstance(got, UnknownMessage) and got.message_type == "SDP_OFFER"
            await rogue.send(json.dumps({"action": "SDP_OFFER", "messagePayload": good}))
            assert await next_of(master, SdpOffer) == SdpOffer("v=0 next", "rogue")
            assert master.connected
            await master.send_answer("v=0 answer", recipient_client_id="rogue")
            assert "SDP_ANSWER" in str(await rogue.recv())

    run(main)


def _android_payload(kind: str, sdp: str) -> str:
    # As the Android SDK's signaling/model/Message.java builds it: JSON written by hand with
    # CRLF escaped, then Base64.URL_SAFE | Base64.NO_PADDING | Base64.NO_WRAP.
    text = '{"type":"' + kind + '","sdp":"' + sdp.replace("\r\n", "\\r\\n") + '"}'
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# An SDP whose base64 has "-", "_" and needs padding: only the URL-safe alphabet spells it so.
ANDROID_SDP = "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\na=x:~~~?>?y\r\n"


def test_an_offer_encoded_as_the_android_sdk_does_reaches_the_master(channel: Channel) -> None:
    payload = _android_payload("offer", ANDROID_SDP)
    assert "-" in payload and "_" in payload
    assert len(payload) % 4 != 0  # unpadded

    async def main() -> None:
        async with channel.master() as master, connect(_viewer_url(channel, "android")) as android:
            # The whole frame as the Android viewer sends it: an empty recipient, its own id as sender.
            frame = {
                "action": "SDP_OFFER",
                "recipientClientId": "",
                "senderClientId": "android",
                "messagePayload": payload,
            }
            await android.send(json.dumps(frame))
            assert await master.receive(5) == SdpOffer(ANDROID_SDP, "android")
            # The master answers in the standard alphabet, padded, as the JS SDK sends.
            await master.send_answer(ANDROID_SDP, recipient_client_id="android")
            answer = json.loads(await android.recv())
            sent = answer["messagePayload"]
            assert len(sent) % 4 == 0 and "-" not in sent and "_" not in sent
            assert json.loads(base64.b64decode(sent, validate=True))["sdp"] == ANDROID_SDP

    run(main)


def test_a_deeply_nested_frame_leaves_the_relay_serving_its_sender(channel: Channel) -> None:
    # A whole frame of 60,000 "[" (under the relay's 64 KiB frame limit): not JSON the relay can
    # read, answered as a bad message; the same connection's next offer is still relayed.
    good = base64.b64encode(json.dumps({"type": "offer", "sdp": "v=0 after"}).encode()).decode()

    async def main() -> None:
        async with channel.master() as master, connect(_viewer_url(channel, "deep")) as deep:
            await deep.send("[" * 60_000)
            await deep.send(json.dumps({"action": "SDP_OFFER", "messagePayload": good}))
            assert await next_of(master, SdpOffer) == SdpOffer("v=0 after", "deep")

    run(main)
