"""Waiters poll through the facades with the injected clock and sleep: no real waiting."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from kvs_chime import WaiterError
from kvs_chime._waiter import Poll
from kvs_chime.kinesisvideo import ChannelInfo, KinesisVideo, Status
from kvs_chime.media_pipelines import KinesisVideoStreamPoolConfiguration, MediaPipelines, MediaPipelineStatus

from .test_pipeline import FakeTime

# Present members (tools/present_members.txt): every describe answers with them.
CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:channel/door/1700000000000"
STREAM_ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:stream/cam/1700000000000"
POOL_ARN = "arn:aws:chime:us-east-1:111122223333:media-pipeline-kinesis-video-stream-pool/pool"
PIPELINE_ARN = "arn:aws:chime:us-east-1:111122223333:media-pipeline/5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11"
CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


def stubbed(service: str) -> Any:
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def kv(time_: FakeTime) -> Iterator[tuple[KinesisVideo, Stubber]]:
    c = stubbed("kinesisvideo")
    with Stubber(c) as stubber:
        yield KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def media(time_: FakeTime) -> Iterator[tuple[MediaPipelines, Stubber]]:
    c = stubbed("chime-sdk-media-pipelines")
    with Stubber(c) as stubber:
        yield MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock), stubber
        stubber.assert_no_pending_responses()


def channel(status: str) -> dict[str, Any]:
    return {
        "ChannelInfo": {
            "ChannelName": "door",
            "ChannelARN": CHANNEL_ARN,
            "ChannelStatus": status,
            "CreationTime": CREATED,
        }
    }


def test_channel_active_after_creating(kv: tuple[KinesisVideo, Stubber], time_: FakeTime) -> None:
    facade, stubber = kv
    for status in ("CREATING", "CREATING", "ACTIVE"):
        stubber.add_response("describe_signaling_channel", channel(status), {"ChannelName": "door"})
    info = facade.wait_until_signaling_channel_active(channel_name="door", poll=Poll(timeout=60, interval=5))
    assert isinstance(info, ChannelInfo) and info.channel_status is Status.ACTIVE
    assert time_.sleeps == [5, 5]


def test_channel_active_times_out_with_the_last_state(
    kv: tuple[KinesisVideo, Stubber], time_: FakeTime
) -> None:
    facade, stubber = kv
    for _ in range(3):
        stubber.add_response("describe_signaling_channel", channel("CREATING"))
    with pytest.raises(WaiterError) as caught:
        facade.wait_until_signaling_channel_active(channel_name="door", poll=Poll(timeout=10, interval=4))
    assert isinstance(caught.value.last_state, ChannelInfo)
    assert caught.value.last_state.channel_status is Status.CREATING
    assert "timed out" in caught.value.reason and time_.now - 1000.0 <= 10


def test_channel_deleted_when_not_found(kv: tuple[KinesisVideo, Stubber], time_: FakeTime) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("DELETING"))
    stubber.add_client_error("describe_signaling_channel", "ResourceNotFoundException", http_status_code=404)
    facade.wait_until_signaling_channel_deleted(channel_name="door", poll=Poll(interval=1))
    assert time_.sleeps == [1]


def test_stream_active_fails_fast_when_deleting(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_response(
        "describe_stream",
        {
            "StreamInfo": {
                "StreamName": "cam",
                "StreamARN": STREAM_ARN,
                "Status": "DELETING",
                "CreationTime": CREATED,
            }
        },
    )
    with pytest.raises(WaiterError, match="being deleted"):
        facade.wait_until_stream_active(stream_name="cam")


def test_stream_deleted(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_client_error("describe_stream", "ResourceNotFoundException", http_status_code=404)
    facade.wait_until_stream_deleted(stream_name="cam")


def pool(status: str) -> dict[str, Any]:
    return {
        "KinesisVideoStreamPoolConfiguration": {
            "PoolName": "pool",
            "PoolArn": POOL_ARN,
            "PoolId": "pool-id",
            "PoolStatus": status,
            "CreatedTimestamp": CREATED,
        }
    }


def test_pool_active(media: tuple[MediaPipelines, Stubber], time_: FakeTime) -> None:
    facade, stubber = media
    stubber.add_response(
        "get_media_pipeline_kinesis_video_stream_pool", pool("CREATING"), {"Identifier": "pool"}
    )
    stubber.add_response(
        "get_media_pipeline_kinesis_video_stream_pool", pool("ACTIVE"), {"Identifier": "pool"}
    )
    config = facade.wait_until_stream_pool_active("pool", poll=Poll(interval=3))
    assert isinstance(config, KinesisVideoStreamPoolConfiguration) and config.pool_status == "ACTIVE"
    assert time_.sleeps == [3]


def test_pool_failed_fails_fast(media: tuple[MediaPipelines, Stubber], time_: FakeTime) -> None:
    facade, stubber = media
    stubber.add_response("get_media_pipeline_kinesis_video_stream_pool", pool("FAILED"))
    with pytest.raises(WaiterError, match="FAILED") as caught:
        facade.wait_until_stream_pool_active("pool")
    assert time_.sleeps == []
    assert isinstance(caught.value.last_state, KinesisVideoStreamPoolConfiguration)


def test_pool_deleted(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    stubber.add_client_error(
        "get_media_pipeline_kinesis_video_stream_pool", "NotFoundException", http_status_code=404
    )
    facade.wait_until_stream_pool_deleted("pool")


PIPELINE_ID = "5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11"


def pipeline(status: str) -> dict[str, Any]:
    return {
        "MediaPipeline": {
            "MediaStreamPipeline": {
                "MediaPipelineId": PIPELINE_ID,
                "MediaPipelineArn": PIPELINE_ARN,
                "Status": status,
                "CreatedTimestamp": CREATED,
            }
        }
    }


def test_pipeline_reaches_in_progress(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    stubber.add_response("get_media_pipeline", pipeline("Initializing"), {"MediaPipelineId": PIPELINE_ID})
    stubber.add_response("get_media_pipeline", pipeline("InProgress"), {"MediaPipelineId": PIPELINE_ID})
    result = facade.wait_until_media_pipeline_status(PIPELINE_ID)
    assert result.media_stream_pipeline is not None
    assert result.media_stream_pipeline.status is MediaPipelineStatus.IN_PROGRESS


def test_pipeline_failed_fails_fast_with_the_pipeline(
    media: tuple[MediaPipelines, Stubber], time_: FakeTime
) -> None:
    facade, stubber = media
    stubber.add_response("get_media_pipeline", pipeline("Failed"))
    with pytest.raises(WaiterError, match="Failed") as caught:
        facade.wait_until_media_pipeline_status(PIPELINE_ID)
    assert time_.sleeps == []
    assert caught.value.last_state is not None


def test_pipeline_can_wait_for_stopped(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    stubber.add_response("get_media_pipeline", pipeline("Stopping"))
    stubber.add_response("get_media_pipeline", pipeline("Stopped"))
    result = facade.wait_until_media_pipeline_status(
        PIPELINE_ID, MediaPipelineStatus.STOPPED, poll=Poll(interval=0.5)
    )
    assert result.media_stream_pipeline is not None and result.media_stream_pipeline.status == "Stopped"
