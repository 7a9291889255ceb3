"""What a strict-typed user writes, chaining responses without a single None check: checked by
mypy --strict and pyright strict (the typecheck session), and run against the local endpoint."""

from __future__ import annotations

import datetime

from typing_extensions import assert_type

from kvs_chime import KinesisVideo, MediaPipelines, Poll
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DeleteSignalingChannelRequest,
    DescribeSignalingChannelRequest,
)
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    DeleteMediaPipelineRequest,
    KinesisVideoStreamConfiguration,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)
from kvs_chime.testing import LocalEndpoint

MEETING_ARN = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


def channel_name_of_a_new_channel(kv: KinesisVideo) -> str:
    arn: str = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    info = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=arn)).channel_info
    assert_type(info.channel_name, str)
    assert_type(info.creation_time, datetime.datetime)
    name: str = info.channel_name
    kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=info.channel_arn))
    return name


def pipeline_made_then_deleted(media: MediaPipelines) -> str:
    pool = media.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            stream_configuration=KinesisVideoStreamConfiguration(region="us-east-1"), pool_name="meetings"
        )
    ).kinesis_video_stream_pool_configuration
    media.wait_until_stream_pool_active(pool.pool_name, poll=Poll(timeout=10, interval=0.05))
    request = CreateMediaStreamPipelineRequest(
        sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=MEETING_ARN)],
        sinks=[
            MediaStreamSink(
                sink_arn=pool.pool_arn,
                sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                reserved_stream_capacity=1,
                media_stream_type=MediaStreamType.MIXED_AUDIO,
            )
        ],
    )
    pipeline_id = media.create_media_stream_pipeline(request).media_stream_pipeline.media_pipeline_id
    media.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=pipeline_id))
    return pipeline_id


def test_responses_chain_without_none_checks() -> None:
    with LocalEndpoint() as endpoint:
        session = endpoint.boto3_session()
        kv = KinesisVideo(session=session, endpoint_url=endpoint.url, region_name=endpoint.region)
        media = MediaPipelines(session=session, endpoint_url=endpoint.url, region_name=endpoint.region)
        assert channel_name_of_a_new_channel(kv) == "door"
        assert len(pipeline_made_then_deleted(media)) == 36
