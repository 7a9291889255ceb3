"""Checked by mypy --strict and pyright strict (the typecheck session); also runs under pytest."""

from __future__ import annotations

import datetime

from typing_extensions import assert_type

from kvs_chime.kinesisvideo import (
    ChannelInfo,
    ChannelType,
    CreateSignalingChannelRequest,
    SingleMasterConfiguration,
    Status,
    Tag,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineResponse,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamSink,
    MediaStreamType,
)


def test_request_fields_are_precisely_typed() -> None:
    request = CreateSignalingChannelRequest(
        channel_name="door",
        channel_type=ChannelType.SINGLE_MASTER,
        single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
        tags=[Tag(key="team", value="video")],
    )
    assert_type(request.channel_name, str)
    assert_type(request.channel_type, ChannelType | str | None)
    assert_type(request.tags, list[Tag] | None)
    assert request.channel_type is ChannelType.SINGLE_MASTER


def describe_status(info: ChannelInfo) -> str:
    # Open enums: known values match as members; a value newer than the model is a plain str.
    match info.channel_status:
        case Status.ACTIVE:
            return "ready"
        case Status.CREATING | Status.UPDATING | Status.DELETING:
            return "busy"
        case str() as other:
            return f"new status {other}"


CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"


def channel(status: str) -> ChannelInfo:
    # Present members (name, ARN, status, creation time) are required arguments.
    return ChannelInfo(channel_name="door", channel_arn=ARN, channel_status=status, creation_time=CREATED)


def test_open_enum_match() -> None:
    assert describe_status(channel("ACTIVE")) == "ready"
    assert describe_status(channel("HIBERNATING")) == "new status HIBERNATING"


def pipeline_status(response: CreateMediaStreamPipelineResponse) -> MediaPipelineStatus | str:
    # Present members need no narrowing: the object a create returns, its status and times.
    pipeline = response.media_stream_pipeline
    assert_type(pipeline, MediaStreamPipeline)
    assert_type(pipeline.status, MediaPipelineStatus | str)
    assert_type(pipeline.created_timestamp, datetime.datetime)
    assert_type(pipeline.updated_timestamp, datetime.datetime | None)  # not listed: stays optional
    assert_type(pipeline.sinks, list[MediaStreamSink] | None)
    return pipeline.status


def test_response_types() -> None:
    sink = MediaStreamSink(
        sink_arn="arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/p",
        sink_type="KinesisVideoStreamPool",
        reserved_stream_capacity=1,
        media_stream_type=MediaStreamType.MIXED_AUDIO,
    )
    response = CreateMediaStreamPipelineResponse(
        media_stream_pipeline=MediaStreamPipeline(
            media_pipeline_id="5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11",
            media_pipeline_arn="arn:aws:chime:us-east-1:123456789012:media-pipeline/5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11",
            created_timestamp=CREATED,
            status=MediaPipelineStatus.IN_PROGRESS,
            sinks=[sink],
        )
    )
    assert pipeline_status(response) == "InProgress"
