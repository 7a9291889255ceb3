"""Asynchronous by default, as the services are: CREATING first, DELETING on delete."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.testing.pytest_plugin import local_endpoint as plugin_endpoint

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"

# The plugin's fixture, as users get it.
plugin_local_endpoint = plugin_endpoint


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_the_default_endpoint_is_asynchronous(plugin_local_endpoint: LocalEndpoint) -> None:
    ep = plugin_local_endpoint
    assert ep.activation_delay == 0.5
    kvs = ep.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "CREATING"
    with pytest.raises(ClientError) as info:
        kvs.get_signaling_channel_endpoint(ChannelARN=arn)
    assert _code(info) == "ResourceInUseException"


def test_the_first_describe_sees_creating_however_late_it_comes() -> None:
    clock = ManualClock()
    with LocalEndpoint(activation_delay=1, clock=clock) as ep:
        kvs = ep.client("kinesisvideo")
        kvs.create_stream(StreamName="cam")
        clock.advance(3600)
        assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "CREATING"
        assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"
        # Other operations go by the clock alone: the stream was usable all along.
        kvs.create_stream(StreamName="cam2", DataRetentionInHours=1)
        clock.advance(1)
        assert kvs.get_data_endpoint(StreamName="cam2", APIName="PUT_MEDIA")["DataEndpoint"]


def test_deletes_pass_through_deleting() -> None:
    clock = ManualClock()
    with LocalEndpoint(activation_delay=2, deletion_delay=5, clock=clock) as ep:
        kvs = ep.client("kinesisvideo")
        arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
        kvs.describe_signaling_channel(ChannelARN=arn)
        clock.advance(2)
        kvs.delete_signaling_channel(ChannelARN=arn)
        assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "DELETING"
        with pytest.raises(ClientError) as again:
            kvs.delete_signaling_channel(ChannelARN=arn)
        assert _code(again) == "ResourceInUseException"
        with pytest.raises(ClientError) as taken:
            kvs.create_signaling_channel(ChannelName="door")
        assert _code(taken) == "ResourceInUseException"
        clock.advance(5)
        with pytest.raises(ClientError) as gone:
            kvs.describe_signaling_channel(ChannelARN=arn)
        assert _code(gone) == "ResourceNotFoundException"


def test_pools_and_pipelines_have_their_own_state_names() -> None:
    clock = ManualClock()
    with LocalEndpoint(activation_delay=2, clock=clock) as ep:
        media = ep.client("chime-sdk-media-pipelines")
        pool = media.create_media_pipeline_kinesis_video_stream_pool(
            PoolName="p", StreamConfiguration={"Region": "us-east-1"}
        )["KinesisVideoStreamPoolConfiguration"]
        assert pool["PoolStatus"] == "CREATING"
        sink = {
            "SinkArn": pool["PoolArn"],
            "SinkType": "KinesisVideoStreamPool",
            "ReservedStreamCapacity": 1,
            "MediaStreamType": "MixedAudio",
        }
        request = {"Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING}], "Sinks": [sink]}
        with pytest.raises(ClientError) as early:
            media.create_media_stream_pipeline(**request)
        assert _code(early) == "BadRequestException"
        clock.advance(2)
        pipeline = media.create_media_stream_pipeline(**request)["MediaStreamPipeline"]
        assert pipeline["Status"] == "Initializing"
        clock.advance(2)
        # The create's own answer does not count: the first describe still sees Initializing.
        got = media.get_media_pipeline(MediaPipelineId=pipeline["MediaPipelineId"])["MediaPipeline"]
        assert got["MediaStreamPipeline"]["Status"] == "Initializing"
        got = media.get_media_pipeline(MediaPipelineId=pipeline["MediaPipelineId"])["MediaPipeline"]
        assert got["MediaStreamPipeline"]["Status"] == "InProgress"
        media.delete_media_pipeline(MediaPipelineId=pipeline["MediaPipelineId"])
        got = media.get_media_pipeline(MediaPipelineId=pipeline["MediaPipelineId"])["MediaPipeline"]
        assert got["MediaStreamPipeline"]["Status"] == "Stopping"
        with pytest.raises(ClientError) as in_use:
            media.delete_media_pipeline_kinesis_video_stream_pool(Identifier="p")
        assert _code(in_use) == "ConflictException"
        clock.advance(2)
        media.delete_media_pipeline_kinesis_video_stream_pool(Identifier="p")
        status = media.get_media_pipeline_kinesis_video_stream_pool(Identifier="p")[
            "KinesisVideoStreamPoolConfiguration"
        ]["PoolStatus"]
        assert status == "DELETING"


def test_zero_delay_makes_every_change_immediate() -> None:
    with LocalEndpoint(activation_delay=0) as ep:
        kvs = ep.client("kinesisvideo")
        arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
        assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "ACTIVE"
        kvs.delete_signaling_channel(ChannelARN=arn)
        assert kvs.list_signaling_channels()["ChannelInfoList"] == []


def test_negative_delays_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        LocalEndpoint(activation_delay=-1)
