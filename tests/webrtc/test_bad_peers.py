"""A hostile signaling server (a few lines of websockets on 127.0.0.1): whatever it sends, the
client yields something typed and keeps going; it never crashes its reader."""

from __future__ import annotations

import base64
import json

from botocore.credentials import Credentials
from websockets.asyncio.server import ServerConnection, serve

from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.webrtc import GoAway, SdpOffer, SignalingClient, UnknownMessage
from kvs_chime.workflows import WebRtcConnectionInfo

from .conftest import FAST
from .test_signaling import run

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/hostile/1"


def _offer(sdp: str) -> str:
    payload = base64.b64encode(json.dumps({"type": "offer", "sdp": sdp}).encode()).decode()
    return json.dumps({"messageType": "SDP_OFFER", "senderClientId": "v", "messagePayload": payload})


class _Source:
    """Connection info pointing at the hostile server (no AWS, no emulator)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def connection_info(
        self, channel_arn: str, role: ChannelRole | str, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo:
        return WebRtcConnectionInfo(channel_arn, role, self.url, "http://127.0.0.1:9/", [])


def test_malformed_unknown_oversized_and_bare_go_away_never_crash_the_client() -> None:
    connections: list[str] = []

    async def hostile(ws: ServerConnection) -> None:
        connections.append(ws.request.path if ws.request is not None else "")
        if len(connections) == 1:
            for frame in [
                "not json",
                "[]",
                '{"messageType": "SOMETHING_NEW", "messagePayload": "e30="}',
                '{"messageType": "SDP_ANSWER", "messagePayload": "%%%"}',
                '{"messageType": "STATUS_RESPONSE", "statusResponse": "nope"}',
                _offer("x" * 11 * 1024),  # an 11 KB payload
            ]:
                await ws.send(frame)
            await ws.send(b"\x00\xff binary")
            await ws.send('{"messageType": "GO_AWAY"}')  # no payload at all
        else:
            await ws.send(_offer("v=0 after reconnect"))
        await ws.wait_closed()

    async def main() -> None:
        async with serve(hostile, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            client = SignalingClient(
                _Source(f"ws://127.0.0.1:{port}/"), ARN, credentials=Credentials("a", "b"), policy=FAST
            )
            async with client:
                got = [await client.receive(5) for _ in range(9)]
        unknown = [m for m in got[:5] if isinstance(m, UnknownMessage)]
        assert [m.reason for m in unknown] == [
            "not JSON",
            "not a JSON object",
            "unknown messageType",
            "messagePayload is not base64 of JSON",
            "statusResponse is missing",
        ]
        assert isinstance(got[5], SdpOffer) and len(got[5].sdp) == 11 * 1024  # read, not fatal
        assert isinstance(got[6], UnknownMessage)  # the binary frame
        assert got[7] == GoAway()
        assert got[8] == SdpOffer("v=0 after reconnect", "v")  # reconnected, still reading
        assert len(connections) == 2 and all("X-Amz-Signature=" in c for c in connections)

    run(main)
