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
        case None:
            return "unknown"
        case str() as other:
            return f"new status {other}"


def test_open_enum_match() -> None:
    assert describe_status(ChannelInfo(channel_status="ACTIVE")) == "ready"
    assert describe_status(ChannelInfo(channel_status="HIBERNATING")) == "new status HIBERNATING"


def pipeline_status(response: CreateMediaStreamPipelineResponse) -> MediaPipelineStatus | str | None:
    pipeline = response.media_stream_pipeline
    assert_type(pipeline, MediaStreamPipeline | None)
    if pipeline is None:
        return None
    assert_type(pipeline.status, MediaPipelineStatus | str | None)
    assert_type(pipeline.created_timestamp, datetime.datetime | None)
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
        media_stream_pipeline=MediaStreamPipeline(status=MediaPipelineStatus.IN_PROGRESS, sinks=[sink])
    )
    assert pipeline_status(response) == "InProgress"
