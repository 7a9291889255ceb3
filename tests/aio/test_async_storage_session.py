"""JoinStorageSession through the async facade (AsyncKinesisVideoWebRtcStorage, the `aio` extra):
the offer reaches a master connected to the local endpoint's signaling WebSocket."""

from __future__ import annotations

from aiobotocore.session import get_session

from kvs_chime.aio import AsyncKinesisVideo, AsyncKinesisVideoWebRtcStorage
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.webrtc import SdpOffer
from kvs_chime.webrtc_storage import JoinStorageSessionRequest

from ..webrtc.conftest import make_channel
from ..webrtc.test_signaling import next_of, run, until
from ..webrtc.test_storage_session import ANSWER, enable_storage


def test_the_async_facade_joins_and_the_master_answers() -> None:
    clock = ManualClock(1000.0)
    with LocalEndpoint(activation_delay=0, clock=clock) as endpoint:
        channel = make_channel(endpoint, clock)
        enable_storage(channel)

        async def main() -> None:
            session = get_session()
            session.set_credentials("testing", "testing", "testing")
            async with (
                AsyncKinesisVideo(
                    session=session, region_name=endpoint.region, endpoint_url=endpoint.url
                ) as kv,
                channel.master() as master,
            ):
                storage = await AsyncKinesisVideoWebRtcStorage.for_channel(kv, channel_arn=channel.arn)
                async with storage:
                    await storage.join_storage_session(JoinStorageSessionRequest(channel_arn=channel.arn))
                    offer = await next_of(master, SdpOffer)
                    assert offer.sender_client_id is None
                    await master.send_answer(ANSWER)
                await until(lambda: any(s.answered for s in endpoint.signaling.storage_sessions()))

        run(main)
