"""The workflows as users write them, checked by mypy --strict and pyright strict; also runs under
pytest against botocore's Stubber (no network, no real waiting)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any, cast

import boto3
from botocore.stub import ANY, Stubber
from typing_extensions import assert_type

from kvs_chime import Poll
from kvs_chime.kinesisvideo import ChannelInfo, ChannelRole, ChannelType, KinesisVideo, Status
from kvs_chime.media_pipelines import (
    KinesisVideoStreamConfiguration,
    KinesisVideoStreamPoolConfiguration,
    MediaPipelines,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamType,
)
from kvs_chime.signaling import IceServer, KinesisVideoSignaling
from kvs_chime.workflows import (
    MeetingAudioStream,
    TagsLike,
    WebRtcConnectionInfo,
    WebRtcConnector,
    ensure_signaling_channel,
    stream_meeting_audio,
)

CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
HTTPS_URL = "https://r-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com"
WSS_URL = "wss://v-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com"
POOL_ARN = "arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/meetings"
MEETING_ARN = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
PIPELINE_ID = "5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _client(service: str, endpoint_url: str | None = None) -> Any:
    return cast(
        Any,
        boto3.client(  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
            service,
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ),
    )


@contextmanager
def _stubbed(client: Any) -> Generator[Any, None, None]:
    stubber: Any = Stubber(client)
    with stubber:
        yield stubber
        stubber.assert_no_pending_responses()


# -- what a user writes ---------------------------------------------------------------------------


def front_door(kv: KinesisVideo, tags: TagsLike) -> str:
    info = ensure_signaling_channel(
        kv,
        "door",
        channel_type=ChannelType.SINGLE_MASTER,
        message_ttl_seconds=60,
        tags=tags,
        update=True,
        poll=Poll(timeout=30, interval=1),
    )
    assert_type(info, ChannelInfo)
    assert_type(info.channel_arn, str)
    assert_type(info.channel_status, Status | str)
    return info.channel_arn


def viewer_config(connector: WebRtcConnector, channel_arn: str) -> list[dict[str, object]]:
    info = connector.connection_info(channel_arn, ChannelRole.VIEWER, client_id="viewer-1")
    assert_type(info, WebRtcConnectionInfo)
    assert_type(info.wss_url, str)
    assert_type(info.https_url, str)
    assert_type(info.role, ChannelRole | str)
    assert_type(info.ice_servers, list[IceServer])
    servers: list[dict[str, object]] = []
    for server in info.ice_servers:
        assert_type(server.uris, list[str])
        assert_type(server.username, str)
        assert_type(server.password, str)
        assert_type(server.ttl, int)
        servers.append({"urls": server.uris, "username": server.username, "credential": server.password})
    endpoints = connector.endpoints(channel_arn, "VIEWER")
    assert_type(endpoints, tuple[str, str])
    return servers


def record_meeting(media: MediaPipelines, meeting_arn: str) -> str:
    config = KinesisVideoStreamConfiguration(region="us-east-1", data_retention_in_hours=24)
    stream = stream_meeting_audio(
        media,
        meeting_arn,
        "meetings",
        config,
        media_stream_type=MediaStreamType.MIXED_AUDIO,
        reserved_stream_capacity=1,
        pool_tags={"team": "video"},
        poll=Poll(interval=1),
    )
    assert_type(stream, MeetingAudioStream)
    with stream as running:
        assert_type(running, MeetingAudioStream)
        assert_type(running.pipeline, MediaStreamPipeline)
        assert_type(running.pool, KinesisVideoStreamPoolConfiguration)
        assert_type(running.created_pool, bool)
        assert_type(running.pipeline_id, str)
        assert_type(running.pipeline.status, MediaPipelineStatus | str)
        assert running.pipeline.status == MediaPipelineStatus.IN_PROGRESS
        pipeline_id = running.pipeline_id
    assert_type(stream.stop(delete_pool=False), bool)
    return pipeline_id


# -- the same code, run against the Stubber -------------------------------------------------------


# Present members (tools/present_members.txt) are in every describe and create answer.
CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)


def test_ensure_signaling_channel_types() -> None:
    time_ = FakeTime()
    client = _client("kinesisvideo")
    with _stubbed(client) as stubber:
        info = {
            "ChannelName": "door",
            "ChannelARN": CHANNEL_ARN,
            "ChannelType": "SINGLE_MASTER",
            "ChannelStatus": "ACTIVE",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
            "Version": "v1",
            "CreationTime": CREATED,
        }
        stubber.add_response("describe_signaling_channel", {"ChannelInfo": info}, {"ChannelName": "door"})
        stubber.add_response(
            "list_tags_for_resource", {"Tags": {"team": "video"}}, {"ResourceARN": CHANNEL_ARN}
        )
        stubber.add_response("describe_signaling_channel", {"ChannelInfo": info}, {"ChannelARN": CHANNEL_ARN})
        kv = KinesisVideo(client=client, sleep=time_.sleep, clock=time_.clock)
        assert front_door(kv, {"team": "video"}) == CHANNEL_ARN


def test_webrtc_connector_types() -> None:
    time_ = FakeTime()
    client = _client("kinesisvideo")
    signaling_client = _client("kinesis-video-signaling", HTTPS_URL)
    with _stubbed(client) as stubber, _stubbed(signaling_client) as signaling_stubber:
        stubber.add_response(
            "get_signaling_channel_endpoint",
            {
                "ResourceEndpointList": [
                    {"Protocol": "WSS", "ResourceEndpoint": WSS_URL},
                    {"Protocol": "HTTPS", "ResourceEndpoint": HTTPS_URL},
                ]
            },
        )
        signaling_stubber.add_response(
            "get_ice_server_config",
            {
                "IceServerList": [
                    {"Uris": ["turn:t.example:443"], "Username": "u1", "Password": "p1", "Ttl": 300}
                ]
            },
            {"ChannelARN": CHANNEL_ARN, "ClientId": "viewer-1"},
        )
        kv = KinesisVideo(client=client, sleep=time_.sleep, clock=time_.clock)

        def signaling(endpoint_url: str) -> KinesisVideoSignaling:
            assert endpoint_url == HTTPS_URL
            return KinesisVideoSignaling(client=signaling_client)

        factory: Callable[[str], KinesisVideoSignaling] = signaling
        connector = WebRtcConnector(kv, signaling=factory, endpoint_ttl=300.0, clock=time_.clock)
        servers = viewer_config(connector, CHANNEL_ARN)
        assert servers == [{"urls": ["turn:t.example:443"], "username": "u1", "credential": "p1"}]


def test_stream_meeting_audio_types() -> None:
    time_ = FakeTime()
    client = _client("chime-sdk-media-pipelines")
    pool = {
        "PoolArn": POOL_ARN,
        "PoolName": "meetings",
        "PoolId": "pool-1",
        "PoolStatus": "ACTIVE",
        "CreatedTimestamp": CREATED,
        "StreamConfiguration": {"Region": "us-east-1", "DataRetentionInHours": 24},
    }
    pipeline = {
        "MediaPipelineId": PIPELINE_ID,
        "MediaPipelineArn": f"arn:aws:chime:us-east-1:123456789012:media-pipeline/{PIPELINE_ID}",
        "Status": "InProgress",
        "CreatedTimestamp": CREATED,
    }
    with _stubbed(client) as stubber:
        stubber.add_client_error(
            "get_media_pipeline_kinesis_video_stream_pool", "NotFoundException", http_status_code=404
        )
        stubber.add_response(
            "create_media_pipeline_kinesis_video_stream_pool",
            {"KinesisVideoStreamPoolConfiguration": pool},
            {
                "StreamConfiguration": {"Region": "us-east-1", "DataRetentionInHours": 24},
                "PoolName": "meetings",
                "ClientRequestToken": ANY,
                "Tags": [{"Key": "team", "Value": "video"}],
            },
        )
        stubber.add_response(
            "get_media_pipeline_kinesis_video_stream_pool", {"KinesisVideoStreamPoolConfiguration": pool}
        )
        stubber.add_response("create_media_stream_pipeline", {"MediaStreamPipeline": pipeline})
        stubber.add_response("get_media_pipeline", {"MediaPipeline": {"MediaStreamPipeline": pipeline}})
        stubber.add_response("delete_media_pipeline", {}, {"MediaPipelineId": PIPELINE_ID})
        media = MediaPipelines(client=client, sleep=time_.sleep, clock=time_.clock)
        assert record_meeting(media, MEETING_ARN) == PIPELINE_ID
