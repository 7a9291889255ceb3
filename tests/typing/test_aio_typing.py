"""Async user code as people write it, checked by mypy --strict and pyright strict: awaited
results and `async for` items keep their types. Also runs under pytest against the local
endpoint when the `aio` extra is installed."""

from __future__ import annotations

import asyncio

import pytest
from typing_extensions import assert_type

from kvs_chime import CallInfo, DeadlineExceededError, Poll, RetryPolicy, call_info
from kvs_chime.aio import (
    AsyncKinesisVideo,
    AsyncKinesisVideoArchivedMedia,
    AsyncKinesisVideoMedia,
    AsyncMediaPipelines,
    AsyncMeetingAudioStream,
    AsyncWebRtcConnector,
    ensure_signaling_channel,
    stream_meeting_audio,
)
from kvs_chime.archived_media import Fragment as FragmentInfo
from kvs_chime.archived_media import ListFragmentsRequest
from kvs_chime.kinesisvideo import (
    APIName,
    ChannelInfo,
    CreateSignalingChannelRequest,
    CreateSignalingChannelResponse,
    DescribeSignalingChannelRequest,
    StreamInfo,
)
from kvs_chime.media import Fragment, aiter_fragments
from kvs_chime.media_pipelines import (
    KinesisVideoStreamConfiguration,
    KinesisVideoStreamPoolSummary,
    MediaPipelineSummary,
)
from kvs_chime.stream_media import GetMediaRequest, StartSelector, StartSelectorType
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import WebRtcConnectionInfo

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


async def channels(kv: AsyncKinesisVideo) -> list[str]:
    created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="typed"))
    assert_type(created, CreateSignalingChannelResponse)
    assert_type(created.channel_arn, str)  # a present member: always returned
    assert_type(call_info(created), CallInfo | None)
    active = await kv.wait_until_signaling_channel_active(
        channel_arn=created.channel_arn, poll=Poll(interval=0.01)
    )
    assert_type(active, ChannelInfo)
    names: list[str] = []
    async for channel in kv.iter_signaling_channels(page_size=10):
        assert_type(channel, ChannelInfo)
        names.append(channel.channel_name or "")
    async for stream in kv.iter_streams():
        assert_type(stream, StreamInfo)
    ensured = await ensure_signaling_channel(kv, "typed", poll=Poll(interval=0.01))
    assert_type(ensured, ChannelInfo)
    try:
        await kv.describe_signaling_channel(
            DescribeSignalingChannelRequest(channel_name="typed"), retry=RetryPolicy(deadline=5.0)
        )
    except DeadlineExceededError as error:
        assert_type(error.idempotency_token, str | None)
    return names


async def connector_info(kv: AsyncKinesisVideo, arn: str) -> WebRtcConnectionInfo:
    async with AsyncWebRtcConnector(kv) as connector:
        endpoints = await connector.endpoints(arn, "MASTER")
        assert_type(endpoints, tuple[str, str])
        return await connector.connection_info(arn)


async def meeting(media: AsyncMediaPipelines) -> bool:
    config = KinesisVideoStreamConfiguration(region="us-east-1")
    stream = await stream_meeting_audio(media, MEETING, "typed-pool", config, poll=Poll(interval=0.01))
    assert_type(stream, AsyncMeetingAudioStream)
    async for pipeline in media.iter_media_pipelines():
        assert_type(pipeline, MediaPipelineSummary)
    async for pool in media.iter_media_pipeline_kinesis_video_stream_pools():
        assert_type(pool, KinesisVideoStreamPoolSummary)
    async with stream:
        pass
    stopped = await stream.stop(delete_pool=True)
    assert_type(stopped, bool)
    return stopped


async def read_back(kv: AsyncKinesisVideo, stream_arn: str) -> list[Fragment]:
    endpoint = await kv.data_endpoint(APIName.GET_MEDIA, stream_arn=stream_arn)
    assert_type(endpoint, str)
    fragments: list[Fragment] = []
    async with AsyncKinesisVideoMedia(endpoint_url=endpoint) as media:
        selector = StartSelector(start_selector_type=StartSelectorType.EARLIEST)
        response = await media.get_media(GetMediaRequest(stream_arn=stream_arn, start_selector=selector))
        async with response.payload as payload:
            assert_type(await payload.aread(1024), bytes)
            async for fragment in aiter_fragments(payload.aiter_chunks()):
                assert_type(fragment, Fragment)
                fragments.append(fragment)
    archived_endpoint = await kv.data_endpoint(APIName.LIST_FRAGMENTS, stream_arn=stream_arn)
    async with AsyncKinesisVideoArchivedMedia(endpoint_url=archived_endpoint) as archived:
        async for info in archived.iter_fragments(ListFragmentsRequest(stream_arn=stream_arn)):
            assert_type(info, FragmentInfo)
    return fragments


def test_the_typed_code_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("aiobotocore")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")

    async def main(ep: LocalEndpoint) -> None:
        async with AsyncKinesisVideo(region_name=ep.region, endpoint_url=ep.url) as kv:
            assert await channels(kv) == ["typed"]
        async with AsyncMediaPipelines(region_name=ep.region, endpoint_url=ep.url) as media:
            assert await meeting(media)

    with LocalEndpoint(activation_delay=0.02) as ep:
        asyncio.run(main(ep))
