"""Chime SDK media pipelines behaviour of the local endpoint, through real boto3 clients."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from kvs_chime.testing import LocalEndpoint, ManualClock

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/0c9f2ec4-1a8b-4cbd-9a3b-3a1f63c2bd11"


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _sink(pool_arn: str, capacity: int = 1, kind: str = "MixedAudio") -> dict[str, object]:
    return {
        "SinkArn": pool_arn,
        "SinkType": "KinesisVideoStreamPool",
        "ReservedStreamCapacity": capacity,
        "MediaStreamType": kind,
    }


def _source(arn: str = MEETING) -> dict[str, str]:
    return {"SourceType": "ChimeSdkMeeting", "SourceArn": arn}


def test_pool_lifecycle(slow_endpoint: LocalEndpoint, clock: ManualClock) -> None:
    delay = slow_endpoint.activation_delay
    media = slow_endpoint.client("chime-sdk-media-pipelines")
    created = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="voices",
        StreamConfiguration={"Region": "us-east-1", "DataRetentionInHours": 24},
        Tags=[{"Key": "k", "Value": "v"}],
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    pool = created["KinesisVideoStreamPoolConfiguration"]
    arn = pool["PoolArn"]
    assert (
        arn
        == f"arn:aws:chime:us-east-1:{slow_endpoint.account_id}:media-pipeline-kinesis-video-stream-pool/voices"
    )
    assert (pool["PoolName"], pool["PoolStatus"], pool["PoolSize"]) == ("voices", "CREATING", 0)
    assert pool["StreamConfiguration"] == {"Region": "us-east-1", "DataRetentionInHours": 24}
    assert pool["CreatedTimestamp"] == pool["UpdatedTimestamp"]

    with pytest.raises(media.exceptions.ConflictException) as duplicate:
        media.create_media_pipeline_kinesis_video_stream_pool(
            PoolName="voices", StreamConfiguration={"Region": "us-east-1"}
        )
    assert _error(duplicate) == ("ConflictException", 409)

    # The first describe after the create reports CREATING, however late it comes.
    clock.advance(delay)
    first = media.get_media_pipeline_kinesis_video_stream_pool(Identifier="voices")
    assert first["KinesisVideoStreamPoolConfiguration"]["PoolStatus"] == "CREATING"
    by_name = media.get_media_pipeline_kinesis_video_stream_pool(Identifier="voices")[
        "KinesisVideoStreamPoolConfiguration"
    ]
    by_arn = media.get_media_pipeline_kinesis_video_stream_pool(Identifier=arn)[
        "KinesisVideoStreamPoolConfiguration"
    ]
    assert by_name == by_arn
    assert by_name["PoolStatus"] == "ACTIVE"

    updated = media.update_media_pipeline_kinesis_video_stream_pool(
        Identifier=arn, StreamConfiguration={"DataRetentionInHours": 48}
    )
    assert updated["KinesisVideoStreamPoolConfiguration"]["PoolStatus"] == "UPDATING"
    assert updated["KinesisVideoStreamPoolConfiguration"]["StreamConfiguration"]["DataRetentionInHours"] == 48
    clock.advance(delay)

    listed = media.list_media_pipeline_kinesis_video_stream_pools()["KinesisVideoStreamPools"]
    assert listed == [{"PoolName": "voices", "PoolId": pool["PoolId"], "PoolArn": arn}]
    assert media.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "k", "Value": "v"}]

    deleted = media.delete_media_pipeline_kinesis_video_stream_pool(Identifier="voices")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    status = media.get_media_pipeline_kinesis_video_stream_pool(Identifier="voices")[
        "KinesisVideoStreamPoolConfiguration"
    ]["PoolStatus"]
    assert status == "DELETING"
    clock.advance(delay)
    with pytest.raises(media.exceptions.NotFoundException) as gone:
        media.get_media_pipeline_kinesis_video_stream_pool(Identifier="voices")
    assert _error(gone) == ("NotFoundException", 404)


def test_pool_list_paginates(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    for i in range(5):
        media.create_media_pipeline_kinesis_video_stream_pool(
            PoolName=f"pool-{i}", StreamConfiguration={"Region": "us-west-2"}
        )
    first = media.list_media_pipeline_kinesis_video_stream_pools(MaxResults=3)
    second = media.list_media_pipeline_kinesis_video_stream_pools(MaxResults=3, NextToken=first["NextToken"])
    names = [p["PoolName"] for p in first["KinesisVideoStreamPools"] + second["KinesisVideoStreamPools"]]
    assert names == [f"pool-{i}" for i in range(5)]
    assert "NextToken" not in second


def test_media_stream_pipeline_lifecycle(slow_endpoint: LocalEndpoint, clock: ManualClock) -> None:
    delay = slow_endpoint.activation_delay
    media = slow_endpoint.client("chime-sdk-media-pipelines")
    pool_arn = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="voices", StreamConfiguration={"Region": "us-east-1"}
    )["KinesisVideoStreamPoolConfiguration"]["PoolArn"]
    with pytest.raises(media.exceptions.BadRequestException) as not_active:
        media.create_media_stream_pipeline(Sources=[_source()], Sinks=[_sink(pool_arn)])
    assert _error(not_active) == ("BadRequestException", 400)
    clock.advance(delay)

    created = media.create_media_stream_pipeline(
        Sources=[_source()],
        Sinks=[_sink(pool_arn, 3), _sink(pool_arn, 2, "IndividualAudio")],
        Tags=[{"Key": "call", "Value": "1"}],
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    pipeline = created["MediaStreamPipeline"]
    pipeline_id = pipeline["MediaPipelineId"]
    assert str(uuid.UUID(pipeline_id)) == pipeline_id
    assert (
        pipeline["MediaPipelineArn"]
        == f"arn:aws:chime:us-east-1:{slow_endpoint.account_id}:media-pipeline/{pipeline_id}"
    )
    assert pipeline["Status"] == "Initializing"
    assert pipeline["Sources"] == [_source()]
    assert pipeline["Sinks"] == [_sink(pool_arn, 3), _sink(pool_arn, 2, "IndividualAudio")]

    first = media.get_media_pipeline(MediaPipelineId=pipeline_id)["MediaPipeline"]
    assert first["MediaStreamPipeline"]["Status"] == "Initializing"
    clock.advance(delay)
    got = media.get_media_pipeline(MediaPipelineId=pipeline_id)["MediaPipeline"]
    assert list(got) == ["MediaStreamPipeline"]
    assert got["MediaStreamPipeline"]["Status"] == "InProgress"
    pool = media.get_media_pipeline_kinesis_video_stream_pool(Identifier=pool_arn)[
        "KinesisVideoStreamPoolConfiguration"
    ]
    assert pool["PoolSize"] == 5
    assert media.list_media_pipelines()["MediaPipelines"] == [
        {"MediaPipelineId": pipeline_id, "MediaPipelineArn": pipeline["MediaPipelineArn"]}
    ]
    assert media.list_tags_for_resource(ResourceARN=pipeline["MediaPipelineArn"])["Tags"] == [
        {"Key": "call", "Value": "1"}
    ]

    with pytest.raises(media.exceptions.ConflictException) as in_use:
        media.delete_media_pipeline_kinesis_video_stream_pool(Identifier=pool_arn)
    assert _error(in_use) == ("ConflictException", 409)

    media.delete_media_pipeline(MediaPipelineId=pipeline_id)
    assert (
        media.get_media_pipeline(MediaPipelineId=pipeline_id)["MediaPipeline"]["MediaStreamPipeline"][
            "Status"
        ]
        == "Stopping"
    )
    clock.advance(delay)
    with pytest.raises(media.exceptions.NotFoundException):
        media.get_media_pipeline(MediaPipelineId=pipeline_id)
    media.delete_media_pipeline_kinesis_video_stream_pool(Identifier=pool_arn)


def test_pipeline_sinks_must_be_existing_pools_and_sources_meetings(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    missing = (
        f"arn:aws:chime:us-east-1:{local_endpoint.account_id}:media-pipeline-kinesis-video-stream-pool/nope"
    )
    with pytest.raises(media.exceptions.NotFoundException) as not_found:
        media.create_media_stream_pipeline(Sources=[_source()], Sinks=[_sink(missing)])
    assert _error(not_found) == ("NotFoundException", 404)

    pool_arn = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="p", StreamConfiguration={"Region": "us-east-1"}
    )["KinesisVideoStreamPoolConfiguration"]["PoolArn"]
    with pytest.raises(media.exceptions.BadRequestException):
        media.create_media_stream_pipeline(Sources=[_source("arn:aws:s3:::bucket")], Sinks=[_sink(pool_arn)])
    with pytest.raises(media.exceptions.BadRequestException) as too_big:
        media.create_media_stream_pipeline(Sources=[_source()], Sinks=[_sink(pool_arn, 11)])
    assert (
        "Value '11' at 'sinks.1.member.reservedStreamCapacity'" in too_big.value.response["Error"]["Message"]
    )
    assert media.list_media_pipelines()["MediaPipelines"] == []


def test_same_token_same_parameters_returns_the_same_pipeline(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    pool_arn = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="p", StreamConfiguration={"Region": "us-east-1"}
    )["KinesisVideoStreamPoolConfiguration"]["PoolArn"]
    first = media.create_media_stream_pipeline(
        Sources=[_source()], Sinks=[_sink(pool_arn)], ClientRequestToken="call-42"
    )
    again = media.create_media_stream_pipeline(
        Sources=[_source()], Sinks=[_sink(pool_arn)], ClientRequestToken="call-42"
    )
    assert again["MediaStreamPipeline"]["MediaPipelineId"] == first["MediaStreamPipeline"]["MediaPipelineId"]
    assert len(media.list_media_pipelines()["MediaPipelines"]) == 1

    with pytest.raises(media.exceptions.BadRequestException) as mismatch:
        media.create_media_stream_pipeline(
            Sources=[_source()], Sinks=[_sink(pool_arn, 2)], ClientRequestToken="call-42"
        )
    assert _error(mismatch) == ("BadRequestException", 400)
    assert "ClientRequestToken" in mismatch.value.response["Error"]["Message"]
    assert len(media.list_media_pipelines()["MediaPipelines"]) == 1

    # botocore fills in a fresh token when none is given, so these are two pipelines.
    media.create_media_stream_pipeline(Sources=[_source()], Sinks=[_sink(pool_arn)])
    assert len(media.list_media_pipelines()["MediaPipelines"]) == 2


def test_same_token_returns_the_same_pool(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    kwargs: dict[str, object] = {
        "PoolName": "p",
        "StreamConfiguration": {"Region": "us-east-1"},
        "ClientRequestToken": "pool-token",
    }
    first = media.create_media_pipeline_kinesis_video_stream_pool(**kwargs)
    again = media.create_media_pipeline_kinesis_video_stream_pool(**kwargs)
    assert (
        again["KinesisVideoStreamPoolConfiguration"]["PoolId"]
        == first["KinesisVideoStreamPoolConfiguration"]["PoolId"]
    )
    with pytest.raises(media.exceptions.BadRequestException):
        media.create_media_pipeline_kinesis_video_stream_pool(
            **{**kwargs, "StreamConfiguration": {"Region": "eu-west-1"}}
        )


def test_tags_on_unknown_resources_are_not_found(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    arn = f"arn:aws:chime:us-east-1:{local_endpoint.account_id}:media-pipeline/{uuid.uuid4()}"
    with pytest.raises(media.exceptions.NotFoundException):
        media.tag_resource(ResourceARN=arn, Tags=[{"Key": "a", "Value": "b"}])
    with pytest.raises(media.exceptions.NotFoundException):
        media.get_media_pipeline(MediaPipelineId=str(uuid.uuid4()))


def test_media_pipeline_errors_carry_the_modeled_error_code_member(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    with pytest.raises(media.exceptions.NotFoundException) as info:
        media.get_media_pipeline_kinesis_video_stream_pool(Identifier="nope")
    response = info.value.response
    assert response["Code"] == "NotFound"
    assert response["RequestId"] == response["ResponseMetadata"]["RequestId"]
