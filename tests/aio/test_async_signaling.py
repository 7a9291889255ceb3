"""SignalingClient with the async connector (AsyncWebRtcConnector, the `aio` extra)."""

from __future__ import annotations

from botocore.credentials import Credentials

from kvs_chime import Poll
from kvs_chime.aio import AsyncKinesisVideo, AsyncWebRtcConnector, ensure_signaling_channel
from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.testing import LocalEndpoint
from kvs_chime.webrtc import SdpOffer, SignalingClient

from .conftest import raw_client, run
from .test_async_workflows import _signaling  # pyright: ignore[reportPrivateUsage]  # the module's helper


def test_a_master_and_a_viewer_through_the_async_connector(ep: LocalEndpoint) -> None:
    async def main() -> None:
        credentials = Credentials("testing", "testing", "testing")
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client)
            info = await ensure_signaling_channel(kv, "door", poll=Poll(timeout=10, interval=0.01))
            assert info.channel_arn is not None
            connector = AsyncWebRtcConnector(kv, signaling=lambda url: _signaling(ep, url))
            async with (
                connector,
                SignalingClient(connector, info.channel_arn, credentials=credentials) as master,
                SignalingClient(
                    connector,
                    info.channel_arn,
                    credentials=credentials,
                    role=ChannelRole.VIEWER,
                    client_id="v1",
                ) as viewer,
            ):
                assert viewer.ice_servers
                await viewer.send_offer("v=0")
                assert await master.receive(5) == SdpOffer("v=0", "v1")

    run(main)
