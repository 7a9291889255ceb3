"""User-style code against the facades, checked by mypy --strict and pyright strict (the
typecheck session); it also runs under pytest, against botocore's Stubber, so every call here
really goes through the facade. Nothing sleeps and nothing leaves the process.

boto3 and botocore ship no type information: the client and the Stubber are `Any` here, as
they are in user code; everything kvs_chime returns must be precisely typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, cast

import boto3
import botocore.stub
from typing_extensions import assert_type

import kvs_chime
from kvs_chime import (
    CallInfo,
    KinesisVideo,
    KinesisVideoSignaling,
    MediaPipelines,
    RetryPolicy,
    ServiceError,
    last_call,
)
from kvs_chime.errors import ResourceInUseError, ThrottledClientError, error_class_for
from kvs_chime.kinesisvideo import (
    APIName,
    ChannelInfo,
    ChannelProtocol,
    ChannelRole,
    ChannelType,
    CreateSignalingChannelRequest,
    CreateSignalingChannelResponse,
    DeleteSignalingChannelRequest,
    DeleteSignalingChannelResponse,
    DescribeSignalingChannelRequest,
    DescribeSignalingChannelResponse,
    GetDataEndpointRequest,
    GetDataEndpointResponse,
    GetSignalingChannelEndpointRequest,
    GetSignalingChannelEndpointResponse,
    ListSignalingChannelsResponse,
    ResourceEndpointListItem,
    SingleMasterChannelEndpointConfiguration,
    SingleMasterConfiguration,
    Status,
    StreamInfo,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    CreateMediaStreamPipelineResponse,
    DeleteMediaPipelineRequest,
    GetMediaPipelineRequest,
    GetMediaPipelineResponse,
    MediaPipelineSourceType,
    MediaPipelineStatus,
    MediaPipelineSummary,
    MediaStreamPipeline,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)
from kvs_chime.signaling import GetIceServerConfigRequest, GetIceServerConfigResponse, IceServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
CHANNEL_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/front-door/1700000000000"
MEETING_ARN = f"arn:aws:chime::{ACCOUNT}:meeting/2b7e1b5e-4c1a-4f3e-9d3b-6a1f0c8e7d21"
POOL_ARN = f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline-kinesis-video-stream-pool/meeting-audio"
PIPELINE_ID = "e8f1c2a3-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
CREATED = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)


def stubbed(service: str, endpoint_url: str | None = None) -> tuple[Any, Any]:
    """A boto3 client with dummy credentials and an active Stubber on it."""
    client: Any = cast(Any, boto3).client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=endpoint_url,
    )
    stubber: Any = cast(Any, botocore.stub).Stubber(client)
    stubber.activate()
    return client, stubber


def channel(status: str) -> dict[str, object]:
    return {
        "ChannelName": "front-door",
        "ChannelARN": CHANNEL_ARN,
        "ChannelType": "SINGLE_MASTER",
        "ChannelStatus": status,
        "CreationTime": CREATED,
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        "Version": "a1b2c3d4e5f6",
    }


def wait_until_active(kv: KinesisVideo, arn: str) -> ChannelInfo:
    """What a user writes: the typed result narrows without casts."""
    described = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=arn))
    info = described.channel_info
    assert_type(info, ChannelInfo)  # present: no narrowing
    assert_type(info.channel_status, Status | str)
    assert info.channel_status is Status.ACTIVE
    return info


def test_kinesis_video_facade_types() -> None:
    client, stubber = stubbed("kinesisvideo")
    sleeps: list[float] = []
    kv = KinesisVideo(
        client=client, retry=RetryPolicy(max_attempts=3), sleep=sleeps.append, clock=lambda: 0.0
    )
    assert_type(kv.retry, RetryPolicy)
    assert_type(kv.client, object)

    stubber.add_response(
        "create_signaling_channel", {"ChannelARN": CHANNEL_ARN}, {"ChannelName": "front-door"}
    )
    request = CreateSignalingChannelRequest(channel_name="front-door")
    created = kv.create_signaling_channel(request)
    assert_type(created, CreateSignalingChannelResponse)
    assert_type(created.channel_arn, str)
    assert created.channel_arn == CHANNEL_ARN

    stubber.add_response(
        "describe_signaling_channel", {"ChannelInfo": channel("ACTIVE")}, {"ChannelARN": CHANNEL_ARN}
    )
    info = wait_until_active(kv, CHANNEL_ARN)
    assert_type(info.creation_time, datetime.datetime)
    assert_type(info.channel_type, ChannelType | str | None)
    assert_type(info.single_master_configuration, SingleMasterConfiguration | None)
    assert info.creation_time == CREATED

    stubber.add_response(
        "describe_signaling_channel", {"ChannelInfo": channel("ACTIVE")}, {"ChannelName": "front-door"}
    )
    # Operations whose input has no required member take the request optionally.
    described = kv.describe_signaling_channel(
        DescribeSignalingChannelRequest(channel_name="front-door"), retry=RetryPolicy(max_attempts=1)
    )
    assert_type(described, DescribeSignalingChannelResponse)

    stubber.add_response("list_signaling_channels", {"ChannelInfoList": [channel("ACTIVE")]}, {})
    listed = kv.list_signaling_channels()
    assert_type(listed, ListSignalingChannelsResponse)
    assert_type(listed.channel_info_list, list[ChannelInfo] | None)
    assert_type(listed.next_token, str | None)

    stubber.add_response(
        "list_signaling_channels",
        {"ChannelInfoList": [channel("ACTIVE"), channel("CREATING")]},
        {"MaxResults": 10},
    )
    channels = kv.iter_signaling_channels(page_size=10, max_items=50)
    assert_type(channels, Iterator[ChannelInfo])
    statuses = [c.channel_status for c in channels]
    assert_type(statuses, list[Status | str])
    assert statuses == [Status.ACTIVE, Status.CREATING]

    assert_type(kv.iter_signaling_channels(), Iterator[ChannelInfo])
    assert_type(kv.iter_streams(), Iterator[StreamInfo])

    stubber.add_response(
        "get_signaling_channel_endpoint",
        {"ResourceEndpointList": [{"Protocol": "HTTPS", "ResourceEndpoint": "https://r-1234abcd.example"}]},
        {
            "ChannelARN": CHANNEL_ARN,
            "SingleMasterChannelEndpointConfiguration": {"Protocols": ["HTTPS"], "Role": "VIEWER"},
        },
    )
    endpoints = kv.get_signaling_channel_endpoint(
        GetSignalingChannelEndpointRequest(
            channel_arn=CHANNEL_ARN,
            single_master_channel_endpoint_configuration=SingleMasterChannelEndpointConfiguration(
                protocols=[ChannelProtocol.HTTPS], role=ChannelRole.VIEWER
            ),
        )
    )
    assert_type(endpoints, GetSignalingChannelEndpointResponse)
    assert_type(endpoints.resource_endpoint_list, list[ResourceEndpointListItem])
    by_protocol = {e.protocol: e.resource_endpoint for e in endpoints.resource_endpoint_list}
    assert_type(by_protocol, dict[ChannelProtocol | str, str])
    assert by_protocol == {ChannelProtocol.HTTPS: "https://r-1234abcd.example"}

    stubber.add_response(
        "get_data_endpoint",
        {"DataEndpoint": "https://s-1.example"},
        {"StreamName": "cam", "APIName": "GET_MEDIA"},
    )
    data = kv.get_data_endpoint(GetDataEndpointRequest(stream_name="cam", api_name=APIName.GET_MEDIA))
    assert_type(data, GetDataEndpointResponse)
    assert_type(data.data_endpoint, str)

    stubber.add_response("delete_signaling_channel", {}, {"ChannelARN": CHANNEL_ARN})
    deleted = kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=CHANNEL_ARN))
    assert_type(deleted, DeleteSignalingChannelResponse)

    info_after = last_call()
    assert_type(info_after, CallInfo | None)
    assert info_after is not None
    assert_type(info_after.operation, str)
    assert_type(info_after.attempts, int)
    assert_type(info_after.request_id, str | None)
    assert_type(info_after.idempotency_token, str | None)
    assert_type(info_after.reconciled, bool)
    assert info_after.operation == "DeleteSignalingChannel"

    stubber.assert_no_pending_responses()
    assert sleeps == []


def test_typed_errors() -> None:
    client, stubber = stubbed("kinesisvideo")
    kv = KinesisVideo(client=client, sleep=lambda _: None)
    stubber.add_client_error(
        "create_signaling_channel",
        service_error_code="ResourceInUseException",
        service_message="The channel front-door exists",
        http_status_code=400,
        response_meta={"RequestId": "req-1"},
    )
    caught: ResourceInUseError | None = None
    try:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="front-door", channel_type=ChannelType.SINGLE_MASTER)
        )
    except ResourceInUseError as exc:
        assert_type(exc.code, str)
        assert_type(exc.message, str)
        assert_type(exc.operation, str)
        assert_type(exc.http_status, int | None)
        assert_type(exc.request_id, str | None)
        assert_type(exc.attempts, int)
        assert_type(exc.idempotency_token, str | None)
        caught = exc
    assert caught is not None
    assert caught.http_status == 400
    assert caught.request_id == "req-1"
    assert_type(error_class_for("ResourceInUseException"), type[ServiceError])
    assert error_class_for("ResourceInUseException") is ResourceInUseError
    assert_type(kvs_chime.ServiceError, type[ServiceError])


def test_media_pipelines_facade_types() -> None:
    client, stubber = stubbed("chime-sdk-media-pipelines")
    sleeps: list[float] = []
    media = MediaPipelines(client=client, sleep=sleeps.append, clock=lambda: 0.0)
    pipeline = {
        "MediaPipelineId": PIPELINE_ID,
        "MediaPipelineArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline/{PIPELINE_ID}",
        "CreatedTimestamp": CREATED,
        "Status": "InProgress",
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
        "Sinks": [
            {
                "SinkArn": POOL_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 1,
                "MediaStreamType": "IndividualAudio",
            }
        ],
    }
    stubber.add_response("create_media_stream_pipeline", {"MediaStreamPipeline": pipeline}, None)
    created = media.create_media_stream_pipeline(
        CreateMediaStreamPipelineRequest(
            sources=[
                MediaStreamSource(
                    source_type=MediaPipelineSourceType.CHIME_SDK_MEETING, source_arn=MEETING_ARN
                )
            ],
            sinks=[
                MediaStreamSink(
                    sink_arn=POOL_ARN,
                    sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                    reserved_stream_capacity=1,
                    media_stream_type=MediaStreamType.INDIVIDUAL_AUDIO,
                )
            ],
        )
    )
    assert_type(created, CreateMediaStreamPipelineResponse)
    assert_type(created.media_stream_pipeline, MediaStreamPipeline)
    call = last_call()
    assert call is not None
    token = call.idempotency_token
    assert_type(token, str | None)
    assert token is not None and len(token) == 36

    stubber.add_response(
        "get_media_pipeline",
        {"MediaPipeline": {"MediaStreamPipeline": pipeline}},
        {"MediaPipelineId": PIPELINE_ID},
    )
    got = media.get_media_pipeline(GetMediaPipelineRequest(media_pipeline_id=PIPELINE_ID))
    assert_type(got, GetMediaPipelineResponse)
    stream_pipeline = got.media_pipeline.media_stream_pipeline if got.media_pipeline else None
    assert_type(stream_pipeline, MediaStreamPipeline | None)
    assert stream_pipeline is not None
    assert_type(stream_pipeline.status, MediaPipelineStatus | str)
    assert stream_pipeline.status is MediaPipelineStatus.IN_PROGRESS

    stubber.add_response("delete_media_pipeline", {}, {"MediaPipelineId": PIPELINE_ID})
    assert_type(media.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=PIPELINE_ID)), None)

    stubber.add_response(
        "list_media_pipelines", {"MediaPipelines": [{"MediaPipelineId": PIPELINE_ID}]}, {"MaxResults": 5}
    )
    summaries = media.iter_media_pipelines(page_size=5)
    assert_type(summaries, Iterator[MediaPipelineSummary])
    ids = [s.media_pipeline_id for s in summaries]
    assert_type(ids, list[str | None])
    assert ids == [PIPELINE_ID]

    stubber.add_client_error(
        "delete_media_pipeline",
        service_error_code="ThrottledClientException",
        service_message="Rate exceeded",
        http_status_code=429,
        response_meta={"RequestId": "req-1"},
    )
    try:
        media.delete_media_pipeline(
            DeleteMediaPipelineRequest(media_pipeline_id=PIPELINE_ID), retry=RetryPolicy(max_attempts=1)
        )
    except ThrottledClientError as exc:
        assert_type(exc.attempts, int)
        assert exc.attempts == 1
    else:
        raise AssertionError("expected ThrottledClientError")

    stubber.assert_no_pending_responses()
    assert sleeps == []


def test_signaling_facade_types() -> None:
    endpoint = "https://r-1234abcd.kinesisvideo.us-east-1.amazonaws.com"
    client, stubber = stubbed("kinesis-video-signaling", endpoint_url=endpoint)
    signaling = KinesisVideoSignaling(client=client, sleep=lambda _: None)
    stubber.add_response(
        "get_ice_server_config",
        {
            "IceServerList": [
                {
                    "Uris": ["turn:turn.example:443?transport=udp"],
                    "Username": "u1",
                    "Password": "p1",
                    "Ttl": 300,
                }
            ]
        },
        {"ChannelARN": CHANNEL_ARN},
    )
    ice = signaling.get_ice_server_config(GetIceServerConfigRequest(channel_arn=CHANNEL_ARN))
    assert_type(ice, GetIceServerConfigResponse)
    assert_type(ice.ice_server_list, list[IceServer])
    ttls = [s.ttl for s in ice.ice_server_list]
    assert_type(ttls, list[int])
    assert ttls == [300]
    stubber.assert_no_pending_responses()


def misuse_is_rejected(kv: KinesisVideo, media: MediaPipelines) -> None:
    """Never called: each line is a type error. mypy --strict warns about unused ignores, so
    this fails the typecheck if any of these stops being an error."""
    request = CreateSignalingChannelRequest(channel_name="front-door")
    kv.create_signaling_channel(DescribeSignalingChannelRequest())  # type: ignore[arg-type]  # deliberate misuse: must stay a type error
    kv.create_signaling_channel()  # type: ignore[call-arg]  # deliberate misuse: must stay a type error
    kv.create_signaling_channel(request, RetryPolicy())  # type: ignore[call-arg]  # deliberate misuse: must stay a type error
    kv.create_signaling_channel(request, retry=3)  # type: ignore[arg-type]  # deliberate misuse: must stay a type error
    CreateSignalingChannelRequest()  # type: ignore[call-arg]  # deliberate misuse: must stay a type error
    kv.iter_signaling_channels(page_size="10")  # type: ignore[arg-type]  # deliberate misuse: must stay a type error
    deleted = media.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=PIPELINE_ID))
    print(deleted.media_pipeline)  # type: ignore[attr-defined]  # the model declares no output
    created: CreateSignalingChannelResponse = kv.describe_signaling_channel()  # type: ignore[assignment]  # deliberate misuse: must stay a type error
    del created
