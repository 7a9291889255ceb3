"""The workflows (ensure_signaling_channel, WebRtcConnector, stream_meeting_audio) against botocore's Stubber.

Every request is checked against the exact parameters the service should receive, and the Stubber's
queue proves which calls were (and were not) made, in which order. Time is injected: nothing waits.
"""

from __future__ import annotations

import datetime
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from kvs_chime import Poll, ReconciliationConflictError, WaiterError
from kvs_chime.errors import BadRequestError, ConflictError, NotFoundError, ServiceError
from kvs_chime.kinesisvideo import ChannelInfo, ChannelRole, ChannelType, KinesisVideo, Status
from kvs_chime.kinesisvideo import Tag as KvTag
from kvs_chime.media_pipelines import (
    KinesisVideoStreamConfiguration,
    KinesisVideoStreamPoolConfiguration,
    MediaPipeline,
    MediaPipelines,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamType,
)
from kvs_chime.media_pipelines import Tag as MediaTag
from kvs_chime.signaling import IceServer, KinesisVideoSignaling
from kvs_chime.workflows import (
    MeetingAudioStream,
    WebRtcConnectionInfo,
    WebRtcConnector,
    ensure_signaling_channel,
    stream_meeting_audio,
)

from .test_pipeline import FakeTime

CHANNEL = "door"
CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
# Every describe answers with a creation time (a present member: tools/present_members.txt).
CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
POOL = "meetings"
POOL_ARN = "arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/meetings"
MEETING_ARN = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
PIPELINE_ID = "5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11"
PIPELINE_ARN = f"arn:aws:chime:us-east-1:123456789012:media-pipeline/{PIPELINE_ID}"
WSS_URL = "wss://v-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com"
HTTPS_URL = "https://r-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com"
HTTPS_URL_2 = "https://r-5e6f7a8b.kinesisvideo.us-east-1.amazonaws.com"
PASSWORD = "s3cretTurnPassw0rd"


def make_client(service: str, endpoint_url: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kv(time_: FakeTime) -> Iterator[tuple[KinesisVideo, Stubber]]:
    c = make_client("kinesisvideo")
    with Stubber(c) as stubber:
        yield KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def media(time_: FakeTime) -> Iterator[tuple[MediaPipelines, Stubber]]:
    c = make_client("chime-sdk-media-pipelines")
    with Stubber(c) as stubber:
        yield MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock), stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def kvs_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="kvs_chime")
    return caplog


def notes(error: BaseException) -> list[str]:
    return list(getattr(error, "__notes__", []))


# -- ensure_signaling_channel ---------------------------------------------------------------------


def channel(
    status: str = "ACTIVE", *, ttl: int = 60, channel_type: str = "SINGLE_MASTER", version: str = "1a2b3c"
) -> dict[str, Any]:
    return {
        "ChannelInfo": {
            "ChannelName": CHANNEL,
            "ChannelARN": CHANNEL_ARN,
            "ChannelType": channel_type,
            "ChannelStatus": status,
            "SingleMasterConfiguration": {"MessageTtlSeconds": ttl},
            "Version": version,
            "CreationTime": CREATED,
        }
    }


BY_NAME = {"ChannelName": CHANNEL}
BY_ARN = {"ChannelARN": CHANNEL_ARN}
TEAM_TAGS = [{"Key": "team", "Value": "video"}]


def expect_channel_missing(stubber: Stubber) -> None:
    stubber.add_client_error(
        "describe_signaling_channel",
        "ResourceNotFoundException",
        http_status_code=404,
        expected_params=BY_NAME,
    )


def expect_create_channel(
    stubber: Stubber, *, ttl: int = 60, tags: list[dict[str, str]] | None = None
) -> None:
    params: dict[str, Any] = {
        "ChannelName": CHANNEL,
        "ChannelType": "SINGLE_MASTER",
        "SingleMasterConfiguration": {"MessageTtlSeconds": ttl},
    }
    if tags is not None:
        params["Tags"] = tags
    stubber.add_response("create_signaling_channel", {"ChannelARN": CHANNEL_ARN}, params)


def expect_tags(stubber: Stubber, tags: dict[str, str]) -> None:
    stubber.add_response("list_tags_for_resource", {"Tags": tags}, {"ResourceARN": CHANNEL_ARN})


@pytest.mark.parametrize(
    "tags",
    [{"team": "video"}, [KvTag(key="team", value="video")]],
    ids=["mapping", "tag-list"],
)
def test_ensure_creates_a_missing_channel_and_waits_until_active(
    kv: tuple[KinesisVideo, Stubber], time_: FakeTime, tags: Mapping[str, str] | Sequence[KvTag]
) -> None:
    facade, stubber = kv
    expect_channel_missing(stubber)
    expect_create_channel(stubber, ttl=60, tags=TEAM_TAGS)
    stubber.add_response("describe_signaling_channel", channel("CREATING"), BY_NAME)
    expect_tags(stubber, {"team": "video"})
    stubber.add_response("describe_signaling_channel", channel("CREATING"), BY_ARN)
    stubber.add_response("describe_signaling_channel", channel("ACTIVE"), BY_ARN)

    info = ensure_signaling_channel(
        facade, CHANNEL, message_ttl_seconds=60, tags=tags, poll=Poll(timeout=60, interval=5)
    )

    assert isinstance(info, ChannelInfo)
    assert info.channel_status is Status.ACTIVE
    assert info.channel_arn == CHANNEL_ARN
    assert info.channel_type is ChannelType.SINGLE_MASTER
    assert time_.sleeps == [5]


def test_ensure_uses_a_matching_existing_channel_without_creating(
    kv: tuple[KinesisVideo, Stubber], time_: FakeTime
) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=45), BY_NAME)
    # Tags someone else added are not a difference.
    expect_tags(stubber, {"team": "video", "cost-center": "42"})
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=45), BY_ARN)

    info = ensure_signaling_channel(facade, CHANNEL, message_ttl_seconds=45, tags={"team": "video"})

    assert info.channel_status is Status.ACTIVE
    assert info.single_master_configuration is not None
    assert info.single_master_configuration.message_ttl_seconds == 45
    assert time_.sleeps == []


def test_ensure_without_tags_does_not_list_tags(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("ACTIVE"), BY_NAME)
    stubber.add_response("describe_signaling_channel", channel("ACTIVE"), BY_ARN)

    info = ensure_signaling_channel(facade, CHANNEL)

    assert info.channel_arn == CHANNEL_ARN


def test_ensure_losing_the_create_race_returns_the_winners_channel(
    kv: tuple[KinesisVideo, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = kv
    expect_channel_missing(stubber)
    stubber.add_client_error(
        "create_signaling_channel",
        "ResourceInUseException",
        "The signaling channel door already exists",
        http_status_code=400,
        expected_params={
            "ChannelName": CHANNEL,
            "ChannelType": "SINGLE_MASTER",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
            "Tags": TEAM_TAGS,
        },
    )
    stubber.add_response("describe_signaling_channel", channel("CREATING"), BY_NAME)
    expect_tags(stubber, {"team": "video"})
    stubber.add_response("describe_signaling_channel", channel("ACTIVE"), BY_ARN)

    info = ensure_signaling_channel(facade, CHANNEL, tags={"team": "video"}, poll=Poll(interval=1))

    assert info.channel_arn == CHANNEL_ARN
    assert info.channel_status is Status.ACTIVE
    assert any("another caller created the channel first" in r.getMessage() for r in kvs_log.records)


def test_ensure_reports_a_conflicting_configuration(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=30), BY_NAME)

    with pytest.raises(ReconciliationConflictError) as caught:
        ensure_signaling_channel(facade, CHANNEL, message_ttl_seconds=60)

    assert caught.value.differences == {"message_ttl_seconds": (60, 30)}
    assert caught.value.name == CHANNEL
    message = str(caught.value)
    assert "message_ttl_seconds" in message
    assert "message_ttl_seconds" in message and "60" not in message and "30" not in message


def test_ensure_reports_a_missing_tag_as_a_conflict_without_update(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("ACTIVE"), BY_NAME)
    expect_tags(stubber, {"owner": "ops"})

    with pytest.raises(ReconciliationConflictError) as caught:
        ensure_signaling_channel(facade, CHANNEL, tags={"team": "video"})

    assert caught.value.differences == {"tags": ({"team": "video"}, {"owner": "ops"})}


def test_ensure_with_update_changes_ttl_and_adds_missing_tags(
    kv: tuple[KinesisVideo, Stubber], time_: FakeTime
) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=30, version="v7"), BY_NAME)
    expect_tags(stubber, {"owner": "ops"})
    # Before updating, the channel is confirmed ACTIVE and its current version read.
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=30, version="v7"), BY_ARN)
    stubber.add_response(
        "update_signaling_channel",
        {},
        {
            "ChannelARN": CHANNEL_ARN,
            "CurrentVersion": "v7",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        },
    )
    stubber.add_response("tag_resource", {}, {"ResourceARN": CHANNEL_ARN, "Tags": TEAM_TAGS})
    # Read again after updating: what is returned is checked against what was asked.
    stubber.add_response("describe_signaling_channel", channel("UPDATING", ttl=60, version="v8"), BY_NAME)
    expect_tags(stubber, {"owner": "ops", "team": "video"})
    stubber.add_response("describe_signaling_channel", channel("UPDATING", ttl=60, version="v8"), BY_ARN)
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=60, version="v8"), BY_ARN)

    info = ensure_signaling_channel(
        facade, CHANNEL, message_ttl_seconds=60, tags={"team": "video"}, update=True, poll=Poll(interval=3)
    )

    assert info.channel_status is Status.ACTIVE
    assert info.version == "v8"
    assert info.single_master_configuration is not None
    assert info.single_master_configuration.message_ttl_seconds == 60
    assert time_.sleeps == [3]


def test_ensure_update_waits_for_an_updating_channel_with_the_callers_poll(
    kv: tuple[KinesisVideo, Stubber], time_: FakeTime
) -> None:
    # The channel is mid-update (UPDATING); it can only be updated again once ACTIVE, and that
    # wait must honour the caller's `poll` (interval and timeout) like the final wait does.
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("UPDATING", ttl=30, version="v7"), BY_NAME)
    stubber.add_response("describe_signaling_channel", channel("UPDATING", ttl=30, version="v7"), BY_ARN)
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=30, version="v8"), BY_ARN)
    stubber.add_response(
        "update_signaling_channel",
        {},
        {
            "ChannelARN": CHANNEL_ARN,
            "CurrentVersion": "v8",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        },
    )
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=60, version="v9"), BY_NAME)
    stubber.add_response("describe_signaling_channel", channel("ACTIVE", ttl=60, version="v9"), BY_ARN)

    info = ensure_signaling_channel(
        facade, CHANNEL, message_ttl_seconds=60, update=True, poll=Poll(timeout=20, interval=1)
    )

    assert info.version == "v9"
    assert time_.sleeps == [1]


@pytest.mark.parametrize("ttl", [60, 30], ids=["same-ttl", "ttl-differs-too"])
def test_ensure_with_update_still_refuses_a_different_channel_type(
    kv: tuple[KinesisVideo, Stubber], ttl: int
) -> None:
    facade, stubber = kv
    stubber.add_response(
        "describe_signaling_channel", channel("ACTIVE", ttl=ttl, channel_type="FULL_MESH"), BY_NAME
    )

    with pytest.raises(ReconciliationConflictError) as caught:
        ensure_signaling_channel(
            facade, CHANNEL, channel_type=ChannelType.SINGLE_MASTER, message_ttl_seconds=60, update=True
        )

    # No update_signaling_channel was queued: the Stubber would reject one.
    differences = caught.value.differences
    assert differences["channel_type"] == ("SINGLE_MASTER", "FULL_MESH")
    assert ("message_ttl_seconds" in differences) == (ttl != 60)
    assert "channel_type" in str(caught.value) and "FULL_MESH" not in str(caught.value)


def test_ensure_refuses_a_channel_being_deleted(kv: tuple[KinesisVideo, Stubber]) -> None:
    facade, stubber = kv
    stubber.add_response("describe_signaling_channel", channel("DELETING"), BY_NAME)

    with pytest.raises(ReconciliationConflictError) as caught:
        ensure_signaling_channel(facade, CHANNEL, update=True)

    assert caught.value.differences == {"channel_status": ("ACTIVE", "DELETING")}


# -- WebRtcConnector ------------------------------------------------------------------------------


class SignalingEndpoints:
    """A stubbed signaling client per HTTPS endpoint, and a factory recording what it was asked for."""

    def __init__(self, *urls: str) -> None:
        self.clients = {url: make_client("kinesis-video-signaling", endpoint_url=url) for url in urls}
        self.stubbers = {url: Stubber(c) for url, c in self.clients.items()}
        self.made: list[str] = []

    def __call__(self, endpoint_url: str) -> KinesisVideoSignaling:
        self.made.append(endpoint_url)
        return KinesisVideoSignaling(client=self.clients[endpoint_url])

    def expect_ice(self, url: str, *, client_id: str | None = None, password: str = PASSWORD) -> None:
        params = {"ChannelARN": CHANNEL_ARN}
        if client_id is not None:
            params["ClientId"] = client_id
        self.stubbers[url].add_response(
            "get_ice_server_config",
            {
                "IceServerList": [
                    {
                        "Uris": [
                            "turn:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com:443?transport=udp",
                            "turns:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com:443?transport=tcp",
                        ],
                        "Username": "1700000300.viewer",
                        "Password": password,
                        "Ttl": 300,
                    }
                ]
            },
            params,
        )


@pytest.fixture
def signaling() -> Iterator[SignalingEndpoints]:
    endpoints = SignalingEndpoints(HTTPS_URL, HTTPS_URL_2)
    for stubber in endpoints.stubbers.values():
        stubber.activate()
    yield endpoints
    for stubber in endpoints.stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def expect_endpoint(stubber: Stubber, role: str = "MASTER", https_url: str = HTTPS_URL) -> None:
    stubber.add_response(
        "get_signaling_channel_endpoint",
        {
            "ResourceEndpointList": [
                {"Protocol": "WSS", "ResourceEndpoint": WSS_URL},
                {"Protocol": "HTTPS", "ResourceEndpoint": https_url},
            ]
        },
        {
            "ChannelARN": CHANNEL_ARN,
            "SingleMasterChannelEndpointConfiguration": {"Protocols": ["WSS", "HTTPS"], "Role": role},
        },
    )


@pytest.fixture
def connector(
    kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints, time_: FakeTime
) -> WebRtcConnector:
    return WebRtcConnector(kv[0], signaling=signaling, endpoint_ttl=600.0, clock=time_.clock)


def test_connection_info_returns_endpoints_and_typed_ice_servers(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints
) -> None:
    expect_endpoint(kv[1], "MASTER")
    signaling.expect_ice(HTTPS_URL)

    info = connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)

    assert isinstance(info, WebRtcConnectionInfo)
    assert info.channel_arn == CHANNEL_ARN
    assert info.role is ChannelRole.MASTER
    assert info.wss_url == WSS_URL
    assert info.https_url == HTTPS_URL
    assert len(info.ice_servers) == 1
    server = info.ice_servers[0]
    assert isinstance(server, IceServer)
    assert server.uris == [
        "turn:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com:443?transport=udp",
        "turns:1-2-3-4.t-1a2b3c4d.kinesisvideo.us-east-1.amazonaws.com:443?transport=tcp",
    ]
    assert server.username == "1700000300.viewer"
    assert server.password == PASSWORD
    assert server.ttl == 300
    assert signaling.made == [HTTPS_URL]


def test_viewer_sends_its_client_id(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints
) -> None:
    expect_endpoint(kv[1], "VIEWER")
    signaling.expect_ice(HTTPS_URL, client_id="viewer-1")

    info = connector.connection_info(CHANNEL_ARN, ChannelRole.VIEWER, client_id="viewer-1")

    assert info.role is ChannelRole.VIEWER


def test_endpoint_is_cached_but_ice_servers_are_fetched_every_time(
    connector: WebRtcConnector,
    kv: tuple[KinesisVideo, Stubber],
    signaling: SignalingEndpoints,
    time_: FakeTime,
) -> None:
    expect_endpoint(kv[1], "MASTER")  # once only: a second call would find nothing queued
    signaling.expect_ice(HTTPS_URL, password="first")
    signaling.expect_ice(HTTPS_URL, password="second")

    first = connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)
    time_.now += 599.0
    second = connector.connection_info(CHANNEL_ARN, "MASTER")  # the role as a plain string: same entry

    assert (second.wss_url, second.https_url) == (first.wss_url, first.https_url)
    assert first.ice_servers[0].password == "first"
    assert second.ice_servers[0].password == "second"
    assert signaling.made == [HTTPS_URL]  # one signaling facade per HTTPS endpoint


def test_endpoint_is_fetched_again_after_it_expires(
    connector: WebRtcConnector,
    kv: tuple[KinesisVideo, Stubber],
    signaling: SignalingEndpoints,
    time_: FakeTime,
) -> None:
    expect_endpoint(kv[1], "MASTER", https_url=HTTPS_URL)
    expect_endpoint(kv[1], "MASTER", https_url=HTTPS_URL_2)
    signaling.expect_ice(HTTPS_URL)
    signaling.expect_ice(HTTPS_URL_2)

    first = connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)
    time_.now += 600.5
    second = connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)

    assert first.https_url == HTTPS_URL
    assert second.https_url == HTTPS_URL_2
    assert signaling.made == [HTTPS_URL, HTTPS_URL_2]


def test_each_role_has_its_own_cache_entry(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints
) -> None:
    expect_endpoint(kv[1], "MASTER")
    expect_endpoint(kv[1], "VIEWER")
    signaling.expect_ice(HTTPS_URL)
    signaling.expect_ice(HTTPS_URL, client_id="viewer-1")
    signaling.expect_ice(HTTPS_URL)
    signaling.expect_ice(HTTPS_URL, client_id="viewer-1")

    connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)
    connector.connection_info(CHANNEL_ARN, ChannelRole.VIEWER, client_id="viewer-1")
    # Both cached now: no further GetSignalingChannelEndpoint.
    connector.connection_info(CHANNEL_ARN, ChannelRole.MASTER)
    viewer = connector.connection_info(CHANNEL_ARN, ChannelRole.VIEWER, client_id="viewer-1")

    assert viewer.role is ChannelRole.VIEWER
    assert signaling.made == [HTTPS_URL]  # same HTTPS endpoint for both roles: one facade


def test_forget_drops_the_cached_endpoints(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints
) -> None:
    expect_endpoint(kv[1], "MASTER")
    expect_endpoint(kv[1], "VIEWER")
    expect_endpoint(kv[1], "MASTER")
    expect_endpoint(kv[1], "VIEWER")

    assert connector.endpoints(CHANNEL_ARN, ChannelRole.MASTER) == (WSS_URL, HTTPS_URL)
    assert connector.endpoints(CHANNEL_ARN, ChannelRole.VIEWER) == (WSS_URL, HTTPS_URL)
    connector.forget(CHANNEL_ARN)
    connector.forget(
        "arn:aws:kinesisvideo:us-east-1:123456789012:channel/other/1700000000001"
    )  # unknown: fine
    assert connector.endpoints(CHANNEL_ARN, ChannelRole.MASTER) == (WSS_URL, HTTPS_URL)
    assert connector.endpoints(CHANNEL_ARN, ChannelRole.VIEWER) == (WSS_URL, HTTPS_URL)


def test_the_connector_keeps_the_endpoints_of_its_most_recent_channels_and_roles_only(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fleet's connector may see channels without end: it keeps the latest answers (1,024 by
    # default, one here), so the oldest is asked for again.
    from kvs_chime.workflows import _webrtc

    monkeypatch.setattr(_webrtc, "ENDPOINTS_KEPT", 1)
    for role in ("MASTER", "VIEWER", "MASTER"):  # each asked once; a fourth ask would find none
        expect_endpoint(kv[1], role)

    connector.endpoints(CHANNEL_ARN, ChannelRole.MASTER)
    connector.endpoints(CHANNEL_ARN, ChannelRole.VIEWER)  # lets the MASTER answer go
    connector.endpoints(CHANNEL_ARN, ChannelRole.MASTER)  # asked again
    assert connector.endpoints(CHANNEL_ARN, ChannelRole.MASTER) == (WSS_URL, HTTPS_URL)  # kept


def test_missing_https_endpoint_is_a_lookup_error(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber]
) -> None:
    kv[1].add_response(
        "get_signaling_channel_endpoint",
        {"ResourceEndpointList": [{"Protocol": "WSS", "ResourceEndpoint": WSS_URL}]},
    )

    with pytest.raises(LookupError, match="no WSS/HTTPS endpoint"):
        connector.connection_info(CHANNEL_ARN)


def test_the_ice_password_is_not_in_the_repr(
    connector: WebRtcConnector, kv: tuple[KinesisVideo, Stubber], signaling: SignalingEndpoints
) -> None:
    expect_endpoint(kv[1], "MASTER")
    signaling.expect_ice(HTTPS_URL)

    info = connector.connection_info(CHANNEL_ARN)

    assert info.ice_servers[0].password == PASSWORD  # still there to use...
    assert PASSWORD not in repr(info)  # ...but never printed or logged by accident
    assert PASSWORD not in str(info)
    assert info.ice_servers[0].username == "1700000300.viewer"
    assert "1700000300.viewer" not in repr(info)  # the TURN user name is a credential too


# -- stream_meeting_audio -------------------------------------------------------------------------

CONFIG = KinesisVideoStreamConfiguration(region="us-east-1", data_retention_in_hours=24)
CONFIG_WIRE = {"Region": "us-east-1", "DataRetentionInHours": 24}
BY_POOL = {"Identifier": POOL}
BY_PIPELINE = {"MediaPipelineId": PIPELINE_ID}


def pool(status: str) -> dict[str, Any]:
    return {
        "KinesisVideoStreamPoolConfiguration": {
            "PoolArn": POOL_ARN,
            "PoolName": POOL,
            "PoolId": "pool-1a2b3c",
            "PoolStatus": status,
            "StreamConfiguration": CONFIG_WIRE,
            "CreatedTimestamp": CREATED,
        }
    }


def sink(media_stream_type: str = "MixedAudio", capacity: int = 1) -> dict[str, Any]:
    return {
        "SinkArn": POOL_ARN,
        "SinkType": "KinesisVideoStreamPool",
        "ReservedStreamCapacity": capacity,
        "MediaStreamType": media_stream_type,
    }


SOURCES = [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}]


def stream_pipeline(status: str) -> dict[str, Any]:
    return {
        "MediaPipelineId": PIPELINE_ID,
        "MediaPipelineArn": PIPELINE_ARN,
        "Status": status,
        "Sources": SOURCES,
        "Sinks": [sink()],
        "CreatedTimestamp": CREATED,
    }


def expect_pool_missing(stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_media_pipeline_kinesis_video_stream_pool",
        "NotFoundException",
        http_status_code=404,
        expected_params=BY_POOL,
    )


def expect_pool_create(stubber: Stubber, tags: list[dict[str, str]] | None = None) -> None:
    params: dict[str, Any] = {"StreamConfiguration": CONFIG_WIRE, "PoolName": POOL, "ClientRequestToken": ANY}
    if tags is not None:
        params["Tags"] = tags
    stubber.add_response("create_media_pipeline_kinesis_video_stream_pool", pool("CREATING"), params)


def expect_pool(stubber: Stubber, status: str) -> None:
    stubber.add_response("get_media_pipeline_kinesis_video_stream_pool", pool(status), BY_POOL)


def pipeline_params(
    media_stream_type: str = "MixedAudio", capacity: int = 1, tags: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Sources": SOURCES,
        "Sinks": [sink(media_stream_type, capacity)],
        "ClientRequestToken": ANY,
    }
    if tags is not None:
        params["Tags"] = tags
    return params


def expect_pipeline_create(stubber: Stubber, **kwargs: Any) -> None:
    stubber.add_response(
        "create_media_stream_pipeline",
        {"MediaStreamPipeline": stream_pipeline("Initializing")},
        pipeline_params(**kwargs),
    )


def expect_pipeline(stubber: Stubber, status: str) -> None:
    stubber.add_response(
        "get_media_pipeline", {"MediaPipeline": {"MediaStreamPipeline": stream_pipeline(status)}}, BY_PIPELINE
    )


def expect_pipeline_gone(stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_media_pipeline", "NotFoundException", http_status_code=404, expected_params=BY_PIPELINE
    )


def expect_pipeline_delete(stubber: Stubber) -> None:
    stubber.add_response("delete_media_pipeline", {}, BY_PIPELINE)


def expect_pool_delete(stubber: Stubber) -> None:
    stubber.add_response("delete_media_pipeline_kinesis_video_stream_pool", {}, BY_POOL)


def expect_new_pool_and_pipeline_up_to_create(stubber: Stubber) -> None:
    expect_pool_missing(stubber)
    expect_pool_create(stubber)
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)


@pytest.mark.parametrize(
    ("kwargs", "wire_type", "capacity"),
    [
        ({}, "MixedAudio", 1),
        (
            {"media_stream_type": MediaStreamType.INDIVIDUAL_AUDIO, "reserved_stream_capacity": 3},
            "IndividualAudio",
            3,
        ),
    ],
    ids=["defaults", "individual-audio"],
)
def test_stream_meeting_audio_creates_pool_and_pipeline_and_stops_on_exit(
    media: tuple[MediaPipelines, Stubber],
    time_: FakeTime,
    kwargs: dict[str, Any],
    wire_type: str,
    capacity: int,
) -> None:
    facade, stubber = media
    expect_pool_missing(stubber)
    expect_pool_create(stubber)
    expect_pool(stubber, "CREATING")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber, media_stream_type=wire_type, capacity=capacity)
    expect_pipeline(stubber, "Initializing")
    expect_pipeline(stubber, "InProgress")
    expect_pipeline_delete(stubber)  # on leaving the with block

    with stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG, poll=Poll(interval=2), **kwargs) as stream:
        assert isinstance(stream, MeetingAudioStream)
        assert isinstance(stream.pipeline, MediaStreamPipeline)
        assert stream.pipeline.status is MediaPipelineStatus.IN_PROGRESS
        assert stream.pipeline.media_pipeline_arn == PIPELINE_ARN
        assert stream.pipeline_id == PIPELINE_ID
        assert isinstance(stream.pool, KinesisVideoStreamPoolConfiguration)
        assert stream.pool.pool_arn == POOL_ARN
        assert stream.pool.pool_status == "ACTIVE"
        assert stream.created_pool is True
        assert stream.stopped is False
        assert time_.sleeps == [2, 2]

    assert stream.stopped is True
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status", "error_type"),
    [("BadRequestException", 400, BadRequestError), ("NotFoundException", 404, NotFoundError)],
)
def test_a_failed_pipeline_create_deletes_the_pool_this_call_created(
    media: tuple[MediaPipelines, Stubber],
    kvs_log: pytest.LogCaptureFixture,
    code: str,
    status: int,
    error_type: type[ServiceError],
) -> None:
    facade, stubber = media
    expect_pool_missing(stubber)
    expect_pool_create(stubber)
    expect_pool(stubber, "ACTIVE")
    stubber.add_client_error(
        "create_media_stream_pipeline",
        code,
        "the meeting is not there",
        http_status_code=status,
        expected_params=pipeline_params(),
    )
    expect_pool(stubber, "ACTIVE")  # the pool is fine: the request itself was refused
    expect_pool_delete(stubber)

    with pytest.raises(error_type) as caught:
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)

    assert caught.value.code == code
    assert caught.value.operation == "CreateMediaStreamPipeline"
    warnings = [r.getMessage() for r in kvs_log.records if r.levelno == logging.WARNING]
    assert warnings == ["stream_meeting_audio: failed midway; deleted what this call created: the pool"]
    if sys.version_info >= (3, 11):
        assert any("deleted what this call created: the pool" in n for n in notes(caught.value))


def test_a_pipeline_that_fails_is_deleted_then_the_pool(
    media: tuple[MediaPipelines, Stubber], time_: FakeTime, kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = media
    expect_new_pool_and_pipeline_up_to_create(stubber)
    expect_pipeline(stubber, "Initializing")
    expect_pipeline(stubber, "Failed")
    # Clean-up: the pipeline, then (once it is gone) the pool this call created.
    expect_pipeline_delete(stubber)
    expect_pipeline(stubber, "Stopping")
    expect_pipeline_gone(stubber)
    expect_pool_delete(stubber)

    with pytest.raises(WaiterError, match="Failed") as caught:
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG, poll=Poll(interval=1))

    last = caught.value.last_state
    assert isinstance(last, MediaPipeline) and last.media_stream_pipeline is not None
    assert last.media_stream_pipeline.status is MediaPipelineStatus.FAILED
    assert time_.sleeps == [1, 1]  # one while Initializing, one while Stopping
    made = f"pipeline {PIPELINE_ID}, the pool"
    warnings = [r.getMessage() for r in kvs_log.records if r.levelno == logging.WARNING]
    assert warnings == [f"stream_meeting_audio: failed midway; deleted what this call created: {made}"]
    if sys.version_info >= (3, 11):
        assert notes(caught.value) == [f"failed midway; deleted what this call created: {made}"]


def test_keep_on_failure_deletes_nothing_and_says_what_was_kept(
    media: tuple[MediaPipelines, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = media
    expect_new_pool_and_pipeline_up_to_create(stubber)
    expect_pipeline(stubber, "Failed")
    # Nothing else queued: a delete would hit an empty Stubber queue.

    with pytest.raises(WaiterError) as caught:
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG, keep_on_failure=True)

    warnings = [r.getMessage() for r in kvs_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "kept" in warnings[0]
    assert f"pipeline {PIPELINE_ID}" in warnings[0] and "the pool" in warnings[0] and POOL not in warnings[0]
    if sys.version_info >= (3, 11):
        assert any("kept" in n and f"pipeline {PIPELINE_ID}" in n for n in notes(caught.value))


def test_an_existing_active_pool_is_used_and_kept_when_the_pipeline_fails(
    media: tuple[MediaPipelines, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = media
    expect_pool(stubber, "ACTIVE")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)
    expect_pipeline(stubber, "Failed")
    expect_pipeline_delete(stubber)  # ours; the pool is not: no pool delete queued

    with pytest.raises(WaiterError, match="Failed") as caught:
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)

    warnings = [r.getMessage() for r in kvs_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert f"pipeline {PIPELINE_ID}" in warnings[0] and "pool" not in warnings[0]
    if sys.version_info >= (3, 11):
        assert all("pool" not in n for n in notes(caught.value))


def test_an_existing_pool_is_not_ours_when_nothing_was_created(
    media: tuple[MediaPipelines, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = media
    expect_pool(stubber, "ACTIVE")
    expect_pool(stubber, "ACTIVE")
    stubber.add_client_error(
        "create_media_stream_pipeline",
        "BadRequestException",
        http_status_code=400,
        expected_params=pipeline_params(),
    )
    expect_pool(stubber, "ACTIVE")

    with pytest.raises(BadRequestError) as caught:
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)

    assert not [r for r in kvs_log.records if r.levelno >= logging.WARNING]
    assert notes(caught.value) == []


def test_an_existing_pool_gives_a_handle_that_did_not_create_it(
    media: tuple[MediaPipelines, Stubber],
) -> None:
    facade, stubber = media
    expect_pool(stubber, "ACTIVE")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)
    expect_pipeline(stubber, "InProgress")

    stream = stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)

    assert stream.created_pool is False
    assert stream.pipeline.status is MediaPipelineStatus.IN_PROGRESS


def test_losing_the_pool_create_race_uses_the_winners_pool_and_never_deletes_it(
    media: tuple[MediaPipelines, Stubber],
) -> None:
    facade, stubber = media
    expect_pool_missing(stubber)
    stubber.add_client_error(
        "create_media_pipeline_kinesis_video_stream_pool",
        "ConflictException",
        http_status_code=409,
        expected_params={"StreamConfiguration": CONFIG_WIRE, "PoolName": POOL, "ClientRequestToken": ANY},
    )
    expect_pool(stubber, "CREATING")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)
    expect_pipeline(stubber, "Failed")
    expect_pipeline_delete(stubber)  # the pool is theirs: no pool delete queued

    with pytest.raises(WaiterError):
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)


def test_a_pipeline_that_vanishes_while_starting_fails_fast(
    media: tuple[MediaPipelines, Stubber], time_: FakeTime
) -> None:
    # wait_until_media_pipeline_status fails fast when a pipeline it has seen vanishes while
    # waiting for another status; stream_meeting_audio must not poll a deleted pipeline until
    # its timeout. (Not found before it was ever seen is polled again: creates take a moment.)
    facade, stubber = media
    expect_pool(stubber, "ACTIVE")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)
    expect_pipeline(stubber, "Initializing")
    expect_pipeline_gone(stubber)
    stubber.add_client_error(
        "delete_media_pipeline", "NotFoundException", http_status_code=404, expected_params=BY_PIPELINE
    )

    with pytest.raises(WaiterError):
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG, poll=Poll(timeout=60, interval=5))

    assert time_.sleeps == [5]


def test_clean_up_deletes_the_created_pool_even_when_the_pipeline_is_already_gone(
    media: tuple[MediaPipelines, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    # NotFound when deleting the failed pipeline means it is gone already (stop() treats it so):
    # the pool this call created must still be deleted, not leaked.
    facade, stubber = media
    expect_new_pool_and_pipeline_up_to_create(stubber)
    expect_pipeline(stubber, "Failed")
    stubber.add_client_error(
        "delete_media_pipeline", "NotFoundException", http_status_code=404, expected_params=BY_PIPELINE
    )
    expect_pipeline_gone(stubber)
    expect_pool_delete(stubber)

    with pytest.raises(WaiterError):
        stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG)

    warnings = [r.getMessage() for r in kvs_log.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "deleted what this call created" in warnings[0]


def test_pool_and_pipeline_tags_from_mappings(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    expect_pool_missing(stubber)
    expect_pool_create(stubber, tags=[{"Key": "team", "Value": "video"}])
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(
        stubber, tags=[{"Key": "meeting", "Value": "standup"}, {"Key": "team", "Value": "video"}]
    )
    expect_pipeline(stubber, "InProgress")

    stream = stream_meeting_audio(
        facade,
        MEETING_ARN,
        POOL,
        CONFIG,
        pool_tags={"team": "video"},
        pipeline_tags={"meeting": "standup", "team": "video"},
    )

    assert stream.created_pool is True


def test_pipeline_tags_as_a_tag_list(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    expect_pool(stubber, "ACTIVE")
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber, tags=[{"Key": "meeting", "Value": "standup"}])
    expect_pipeline(stubber, "InProgress")

    stream_meeting_audio(
        facade, MEETING_ARN, POOL, CONFIG, pipeline_tags=[MediaTag(key="meeting", value="standup")]
    )


def test_empty_tag_mappings_send_no_tags(media: tuple[MediaPipelines, Stubber]) -> None:
    # The media pipelines model requires at least one tag when Tags is sent; an empty mapping
    # ("no tags") must leave Tags out rather than fail validation.
    facade, stubber = media
    expect_pool_missing(stubber)
    expect_pool_create(stubber)
    expect_pool(stubber, "ACTIVE")
    expect_pipeline_create(stubber)
    expect_pipeline(stubber, "InProgress")

    stream = stream_meeting_audio(facade, MEETING_ARN, POOL, CONFIG, pool_tags={}, pipeline_tags={})

    assert stream.created_pool is True


# -- MeetingAudioStream.stop ----------------------------------------------------------------------


def handle(facade: MediaPipelines, *, created_pool: bool = True) -> MeetingAudioStream:
    return MeetingAudioStream(
        facade,
        MediaStreamPipeline(
            media_pipeline_id=PIPELINE_ID,
            media_pipeline_arn=PIPELINE_ARN,
            status=MediaPipelineStatus.IN_PROGRESS,
            created_timestamp=CREATED,
        ),
        KinesisVideoStreamPoolConfiguration(
            pool_name=POOL,
            pool_arn=POOL_ARN,
            pool_id="pool-1a2b3c",
            pool_status="ACTIVE",
            created_timestamp=CREATED,
        ),
        created_pool,
        poll=Poll(interval=4),
    )


def test_stop_with_delete_pool_waits_for_the_pipeline_to_go_then_deletes_the_pool(
    media: tuple[MediaPipelines, Stubber], time_: FakeTime
) -> None:
    facade, stubber = media
    expect_pipeline_delete(stubber)
    expect_pipeline(stubber, "Stopping")
    expect_pipeline_gone(stubber)
    expect_pool_delete(stubber)

    assert handle(facade).stop(delete_pool=True) is True
    assert time_.sleeps == [4]


def test_stop_keeps_a_pool_still_in_use(
    media: tuple[MediaPipelines, Stubber], kvs_log: pytest.LogCaptureFixture
) -> None:
    facade, stubber = media
    expect_pipeline_delete(stubber)
    expect_pipeline_gone(stubber)
    stubber.add_client_error(
        "delete_media_pipeline_kinesis_video_stream_pool",
        "ConflictException",
        "the pool is in use",
        http_status_code=409,
        expected_params=BY_POOL,
    )

    stream = handle(facade)
    assert stream.stop(delete_pool=True) is False
    assert stream.stopped is True
    messages = [r.getMessage() for r in kvs_log.records]
    assert any("the pool is in use or being deleted; kept" in m for m in messages)
    assert not any(POOL in m for m in messages)  # logs carry no names


def test_stop_twice_deletes_once(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    expect_pipeline_delete(stubber)

    stream = handle(facade)
    assert stream.stop() is False
    assert stream.stop() is False  # nothing queued: a second delete would fail the Stubber
    with stream:
        pass  # exiting a stopped handle does nothing either


def test_stop_of_a_pipeline_already_gone_is_quiet(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    stubber.add_client_error(
        "delete_media_pipeline", "NotFoundException", http_status_code=404, expected_params=BY_PIPELINE
    )

    stream = handle(facade)
    assert stream.stop() is False
    assert stream.stopped is True


def test_stop_then_stop_with_delete_pool_deletes_only_the_pool(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    expect_pipeline_delete(stubber)
    expect_pipeline_gone(stubber)
    expect_pool_delete(stubber)

    stream = handle(facade)
    stream.stop()
    assert stream.stop(delete_pool=True) is True


def test_stop_with_delete_pool_twice_does_nothing_the_second_time(
    media: tuple[MediaPipelines, Stubber],
) -> None:
    # "Stopping twice does nothing the second time": a second delete of a pool of that name
    # could delete a pool someone else has made since.
    facade, stubber = media
    expect_pipeline_delete(stubber)
    expect_pipeline_gone(stubber)
    expect_pool_delete(stubber)

    stream = handle(facade)
    assert stream.stop(delete_pool=True) is True
    stream.stop(delete_pool=True)  # nothing queued: any call fails the Stubber


def test_a_stop_that_fails_raises_and_can_be_tried_again(media: tuple[MediaPipelines, Stubber]) -> None:
    facade, stubber = media
    stubber.add_client_error(
        "delete_media_pipeline", "ConflictException", http_status_code=409, expected_params=BY_PIPELINE
    )

    stream = handle(facade)
    with pytest.raises(ConflictError):
        stream.stop()
    assert stream.stopped is False  # not stopped: a later stop() tries again
