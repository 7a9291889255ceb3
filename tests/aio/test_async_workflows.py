"""The workflows on async facades, through real HTTP: the sync ones' logic, awaited, with
cancellation cleaning up what a start created."""

from __future__ import annotations

import asyncio

import pytest
from aiobotocore.session import get_session

from kvs_chime import Poll, ReconciliationConflictError
from kvs_chime.aio import (
    AsyncKinesisVideo,
    AsyncKinesisVideoSignaling,
    AsyncMediaPipelines,
    AsyncWebRtcConnector,
    ensure_signaling_channel,
    stream_meeting_audio,
)
from kvs_chime.kinesisvideo import ChannelRole, KinesisVideo, Status
from kvs_chime.media_pipelines import KinesisVideoStreamConfiguration, MediaPipelineStatus
from kvs_chime.testing import LocalEndpoint

from .conftest import aitems, raw_client, run

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
CONFIG = KinesisVideoStreamConfiguration(region="us-east-1")
FAST = Poll(timeout=30, interval=0.01)


def test_ensure_signaling_channel_and_connector(ep: LocalEndpoint) -> None:
    async def main() -> None:
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client)
            info = await ensure_signaling_channel(kv, "door", tags={"team": "video"}, poll=FAST)
            again = await ensure_signaling_channel(kv, "door", tags={"team": "video"}, poll=FAST)
            assert info.channel_status == Status.ACTIVE and again.channel_arn == info.channel_arn
            assert len(ep.journal.entries("CreateSignalingChannel")) == 1
            with pytest.raises(ReconciliationConflictError) as caught:
                await ensure_signaling_channel(kv, "door", message_ttl_seconds=120, poll=FAST)
            assert "message_ttl_seconds" in caught.value.differences
            with pytest.raises(TypeError, match="AsyncKinesisVideo"):
                await ensure_signaling_channel(KinesisVideo(client=ep.client("kinesisvideo")), "door")  # type: ignore[arg-type]  # the point

            assert info.channel_arn is not None
            # kv wraps a client: by default the connector's signaling facades would use the
            # default session, which has no credentials here; give it facades that have.
            async with AsyncWebRtcConnector(kv, signaling=lambda url: _signaling(ep, url)) as connector:
                viewer = await connector.connection_info(info.channel_arn, ChannelRole.VIEWER, client_id="v1")
                master = await connector.connection_info(info.channel_arn)
                assert viewer.wss_url and viewer.ice_servers and master.https_url
                assert len(ep.journal.entries("GetSignalingChannelEndpoint")) == 2  # cached per role
                await connector.connection_info(info.channel_arn)
                assert len(ep.journal.entries("GetSignalingChannelEndpoint")) == 2
                assert len(ep.journal.entries("GetIceServerConfig")) == 3  # never cached

    run(main)


def _signaling(ep: LocalEndpoint, url: str) -> AsyncKinesisVideoSignaling:
    session = get_session()
    session.set_credentials("testing", "testing", "testing")
    return AsyncKinesisVideoSignaling(session=session, region_name=ep.region, endpoint_url=url)


def test_stream_meeting_audio_start_and_stop(ep: LocalEndpoint) -> None:
    async def main() -> None:
        async with raw_client(ep, "chime-sdk-media-pipelines") as client:
            media = AsyncMediaPipelines(client=client)
            async with await stream_meeting_audio(media, MEETING, "pool", CONFIG, poll=FAST) as stream:
                assert stream.created_pool and stream.pipeline.status == MediaPipelineStatus.IN_PROGRESS
            assert stream.stopped
            assert await stream.stop(delete_pool=True)
            assert await aitems(media.iter_media_pipelines()) == []

    run(main)


def test_cancelled_start_deletes_what_it_created_then_raises_cancelled(ep: LocalEndpoint) -> None:
    async def main() -> None:
        async with raw_client(ep, "chime-sdk-media-pipelines") as client:
            media = AsyncMediaPipelines(client=client)
            ep.activation_delay = 3600.0  # the pool stays CREATING: the start waits
            task = asyncio.ensure_future(
                stream_meeting_audio(media, MEETING, "pool", CONFIG, poll=Poll(timeout=300, interval=0.05))
            )
            while not ep.journal.entries("GetMediaPipelineKinesisVideoStreamPool"):
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert len(ep.journal.entries("CreateMediaPipelineKinesisVideoStreamPool")) == 1
            assert len(ep.journal.entries("DeleteMediaPipelineKinesisVideoStreamPool")) == 1
            assert ep.journal.entries("CreateMediaStreamPipeline") == []

    run(main)
