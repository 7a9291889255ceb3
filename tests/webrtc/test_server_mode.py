"""The standalone server (`python -m kvs_chime.testing`) serves signaling too, with its faults over
the admin API."""

from __future__ import annotations

import json
import time
import urllib.request

import boto3

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.webrtc import GoAway, SdpOffer, SignalingClient, session_credentials
from kvs_chime.workflows import WebRtcConnector, ensure_signaling_channel

from ..testing._process import running
from .conftest import FAST
from .test_signaling import next_of, run, until


def _admin(url: str, method: str, body: dict[str, object] | None = None) -> dict[str, object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}/_kvs_chime/signaling", data=data, method=method)
    with urllib.request.urlopen(request, timeout=5) as answer:
        document: dict[str, object] = json.loads(answer.read())
        return document


def test_the_server_relays_and_takes_faults_over_http() -> None:
    with running(["--port", "0", "--activation-delay", "0"]) as server:
        session = boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-east-1")
        kv = KinesisVideo(session=session, endpoint_url=server.url, region_name="us-east-1")
        arn = ensure_signaling_channel(kv, "door", poll=Poll(timeout=5, interval=0.05)).channel_arn
        connector = WebRtcConnector(kv)
        credentials = session_credentials(session)

        async def main() -> None:
            async with (
                SignalingClient(connector, arn, credentials=credentials, policy=FAST) as master,
                SignalingClient(
                    connector,
                    arn,
                    credentials=credentials,
                    role=ChannelRole.VIEWER,
                    client_id="v",
                    policy=FAST,
                ) as viewer,
            ):
                connections = _admin(server.url, "GET")["connections"]
                assert isinstance(connections, list)
                assert sorted(str(c["role"]) for c in connections) == ["MASTER", "VIEWER"]
                assert _admin(
                    server.url, "POST", {"action": "go_away", "channel_arn": arn, "role": "MASTER"}
                ) == {"connections": 1}
                assert await master.receive(5) == GoAway()
                await until(lambda: master.reconnects == 1 and master.connected)
                started = time.monotonic()
                await viewer.send_offer("v=0")
                assert await next_of(master, SdpOffer) == SdpOffer("v=0", "v")
                assert time.monotonic() - started < 2

        run(main)
        assert _admin(server.url, "PUT", {"relay_delay": 0.1})["relay_delay"] == 0.1
        assert _admin(server.url, "PUT", {"max_viewers": 25})["max_viewers"] == 25
