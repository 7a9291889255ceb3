"""Kinesis Video Streams behaviour of the local endpoint, through real boto3 clients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from kvs_chime.testing import LocalEndpoint, ManualClock


def _error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def test_channel_round_trip_is_creating_then_active_after_the_delay(
    slow_endpoint: LocalEndpoint, clock: ManualClock
) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    assert arn.startswith(f"arn:aws:kinesisvideo:us-east-1:{slow_endpoint.account_id}:channel/door/")
    assert len(arn.rsplit("/", 1)[1]) == 13

    info = kvs.describe_signaling_channel(ChannelName="door")["ChannelInfo"]
    assert info["ChannelStatus"] == "CREATING"
    assert info["ChannelARN"] == arn
    assert info["ChannelType"] == "SINGLE_MASTER"
    assert info["SingleMasterConfiguration"] == {"MessageTtlSeconds": 60}
    assert info["Version"]

    clock.advance(slow_endpoint.activation_delay - 0.001)
    assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "CREATING"
    clock.advance(0.001)
    assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "ACTIVE"


def test_creation_time_follows_the_injected_clock(slow_endpoint: LocalEndpoint, clock: ManualClock) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="first")
    clock.advance(10)
    kvs.create_signaling_channel(ChannelName="second")
    first = kvs.describe_signaling_channel(ChannelName="first")["ChannelInfo"]["CreationTime"]
    second = kvs.describe_signaling_channel(ChannelName="second")["ChannelInfo"]["CreationTime"]
    assert abs((second - first) - timedelta(seconds=10)) < timedelta(milliseconds=5)


def test_duplicate_channel_name_is_resource_in_use(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="door")
    with pytest.raises(kvs.exceptions.ResourceInUseException) as info:
        kvs.create_signaling_channel(ChannelName="door")
    assert _error(info)[:2] == ("ResourceInUseException", 400)


def test_list_channels_paginates_in_name_order_with_a_prefix_filter(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    for name in ["cam-3", "cam-1", "door", "cam-2", "cam-5", "cam-4"]:
        kvs.create_signaling_channel(ChannelName=name)
    names: list[str] = []
    pages = 0
    kwargs: dict[str, object] = {
        "MaxResults": 2,
        "ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "cam-"},
    }
    while True:
        page = kvs.list_signaling_channels(**kwargs)
        pages += 1
        names += [c["ChannelName"] for c in page["ChannelInfoList"]]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert names == ["cam-1", "cam-2", "cam-3", "cam-4", "cam-5"]
    assert pages == 3

    paginator = kvs.get_paginator("list_signaling_channels")
    everything = [
        c["ChannelName"]
        for p in paginator.paginate(PaginationConfig={"PageSize": 4})
        for c in p["ChannelInfoList"]
    ]
    assert everything == ["cam-1", "cam-2", "cam-3", "cam-4", "cam-5", "door"]


def test_invalid_next_token_is_invalid_argument(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    with pytest.raises(ClientError) as info:
        kvs.list_signaling_channels(NextToken="@@@")
    code, status, message = _error(info)
    assert (code, status) == ("InvalidArgumentException", 400)
    assert "'nextToken'" in message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"ChannelName": "!!!"}, "channelName"),
        ({"ChannelName": "x" * 257}, "channelName"),
        (
            {"ChannelName": "ok", "SingleMasterConfiguration": {"MessageTtlSeconds": 121}},
            "singleMasterConfiguration.messageTtlSeconds",
        ),
        ({"ChannelName": "ok", "Tags": [{"Key": "a#b", "Value": "v"}]}, "tags.1.member.key"),
        ({"ChannelName": "ok", "Tags": [{"Key": "k" * 129, "Value": "v"}]}, "tags.1.member.key"),
    ],
)
def test_constraint_violations_are_invalid_argument_naming_the_field(
    local_endpoint: LocalEndpoint, kwargs: dict[str, object], field: str
) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    with pytest.raises(kvs.exceptions.InvalidArgumentException) as info:
        kvs.create_signaling_channel(**kwargs)
    code, status, message = _error(info)
    assert (code, status) == ("InvalidArgumentException", 400)
    assert f"at '{field}' failed to satisfy constraint: Member must" in message
    assert message.startswith("1 validation error detected: Value '")
    assert kvs.list_signaling_channels()["ChannelInfoList"] == []


def test_unicode_tags_are_accepted(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door", Tags=[{"Key": "clé ñ", "Value": "värde 値"}])[
        "ChannelARN"
    ]
    kvs.tag_resource(ResourceARN=arn, Tags=[{"Key": "プロジェクト", "Value": "x"}])
    tags = kvs.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert tags == {"clé ñ": "värde 値", "プロジェクト": "x"}
    kvs.untag_resource(ResourceARN=arn, TagKeyList=["clé ñ"])
    assert kvs.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"プロジェクト": "x"}


def test_more_than_fifty_tags_is_refused(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(
        ChannelName="door", Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)]
    )["ChannelARN"]
    with pytest.raises(ClientError) as info:
        kvs.tag_resource(ResourceARN=arn, Tags=[{"Key": "one-more", "Value": ""}])
    assert _error(info)[:2] == ("TagsPerResourceExceededLimitException", 400)


def test_account_channel_limit(local_endpoint: LocalEndpoint) -> None:
    local_endpoint.channel_limit = 2
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="a")
    kvs.create_signaling_channel(ChannelName="b")
    with pytest.raises(kvs.exceptions.AccountChannelLimitExceededException) as info:
        kvs.create_signaling_channel(ChannelName="c")
    assert _error(info)[:2] == ("AccountChannelLimitExceededException", 400)


def test_only_single_master_channels_are_supported(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    with pytest.raises(ClientError) as info:
        kvs.create_signaling_channel(ChannelName="mesh", ChannelType="FULL_MESH")
    assert _error(info)[:2] == ("InvalidArgumentException", 400)


def test_update_needs_the_current_version_and_goes_through_updating(
    slow_endpoint: LocalEndpoint, clock: ManualClock
) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    version = kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["Version"]
    with pytest.raises(ClientError) as creating:
        kvs.update_signaling_channel(
            ChannelARN=arn, CurrentVersion=version, SingleMasterConfiguration={"MessageTtlSeconds": 30}
        )
    assert _error(creating)[0] == "ResourceInUseException"

    clock.advance(slow_endpoint.activation_delay)
    with pytest.raises(ClientError) as stale:
        kvs.update_signaling_channel(
            ChannelARN=arn, CurrentVersion="stale", SingleMasterConfiguration={"MessageTtlSeconds": 30}
        )
    assert _error(stale)[:2] == ("VersionMismatchException", 400)

    kvs.update_signaling_channel(
        ChannelARN=arn, CurrentVersion=version, SingleMasterConfiguration={"MessageTtlSeconds": 30}
    )
    info = kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
    assert info["ChannelStatus"] == "UPDATING"
    assert info["Version"] != version
    assert info["SingleMasterConfiguration"] == {"MessageTtlSeconds": 30}
    clock.advance(slow_endpoint.activation_delay)
    assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "ACTIVE"


def test_delete_is_deleting_then_gone(slow_endpoint: LocalEndpoint, clock: ManualClock) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    clock.advance(slow_endpoint.activation_delay)
    kvs.delete_signaling_channel(ChannelARN=arn)
    assert kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]["ChannelStatus"] == "DELETING"
    with pytest.raises(kvs.exceptions.ResourceInUseException):
        kvs.create_signaling_channel(ChannelName="door")
    clock.advance(slow_endpoint.activation_delay)
    with pytest.raises(kvs.exceptions.ResourceNotFoundException) as info:
        kvs.describe_signaling_channel(ChannelARN=arn)
    assert _error(info)[:2] == ("ResourceNotFoundException", 404)
    assert kvs.create_signaling_channel(ChannelName="door")["ChannelARN"] != arn


def _https_endpoint(ep: LocalEndpoint, arn: str, role: str = "MASTER") -> str:
    kvs = ep.client("kinesisvideo")
    endpoints = kvs.get_signaling_channel_endpoint(
        ChannelARN=arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": role},
    )["ResourceEndpointList"]
    by_protocol = {e["Protocol"]: e["ResourceEndpoint"] for e in endpoints}
    assert set(by_protocol) == {"WSS", "HTTPS"}
    assert by_protocol["WSS"].startswith("ws://127.0.0.1:")
    return by_protocol["HTTPS"]


def test_ice_servers_come_from_the_channels_https_endpoint(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    https = _https_endpoint(local_endpoint, arn)
    assert https.startswith(local_endpoint.url + "/signaling/")
    assert _https_endpoint(local_endpoint, arn, role="VIEWER") == https

    signaling = local_endpoint.client("kinesis-video-signaling", endpoint_url=https)
    servers = signaling.get_ice_server_config(ChannelARN=arn, ClientId="viewer-1")["IceServerList"]
    assert 1 <= len(servers) <= 2
    for server in servers:
        # No TURN server configured: only the endpoint's own STUN responder (docs/howto/testing.md).
        assert server["Uris"] and all(uri.startswith("stun:127.0.0.1:") for uri in server["Uris"])
        assert server["Username"] and server["Password"]
        assert 30 <= server["Ttl"] <= 86400


def test_ice_servers_on_the_wrong_endpoint_are_refused(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    door = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    yard = kvs.create_signaling_channel(ChannelName="yard")["ChannelARN"]

    control_plane = local_endpoint.client("kinesis-video-signaling")
    with pytest.raises(ClientError) as info:
        control_plane.get_ice_server_config(ChannelARN=door)
    # As AWS answers the signaling API on its control-plane host (aws/aws-cli#5857).
    assert _error(info)[:2] == ("AccessDeniedException", 403)

    other_channel = local_endpoint.client(
        "kinesis-video-signaling", endpoint_url=_https_endpoint(local_endpoint, yard)
    )
    with pytest.raises(ClientError) as info:
        other_channel.get_ice_server_config(ChannelARN=door)
    assert _error(info)[:2] == ("InvalidArgumentException", 400)


def test_endpoint_of_a_creating_channel_is_refused_and_webrtc_needs_ingestion(
    slow_endpoint: LocalEndpoint, clock: ManualClock
) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    with pytest.raises(ClientError) as creating:
        kvs.get_signaling_channel_endpoint(ChannelARN=arn)
    assert _error(creating)[0] == "ResourceInUseException"
    clock.advance(slow_endpoint.activation_delay)
    with pytest.raises(ClientError) as webrtc:
        kvs.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["WEBRTC"], "Role": "MASTER"},
        )
    assert _error(webrtc)[0] == "InvalidArgumentException"


def test_stream_lifecycle(slow_endpoint: LocalEndpoint, clock: ManualClock) -> None:
    kvs = slow_endpoint.client("kinesisvideo")
    arn = kvs.create_stream(
        StreamName="cam", MediaType="video/h264", DataRetentionInHours=24, Tags={"team": "a"}
    )["StreamARN"]
    assert arn.startswith(f"arn:aws:kinesisvideo:us-east-1:{slow_endpoint.account_id}:stream/cam/")
    info = kvs.describe_stream(StreamName="cam")["StreamInfo"]
    assert (info["Status"], info["StreamARN"], info["MediaType"], info["DataRetentionInHours"]) == (
        "CREATING",
        arn,
        "video/h264",
        24,
    )
    assert info["KmsKeyId"].startswith("arn:aws:kms:us-east-1:")
    with pytest.raises(kvs.exceptions.ResourceInUseException):
        kvs.create_stream(StreamName="cam")

    clock.advance(slow_endpoint.activation_delay)
    assert kvs.describe_stream(StreamARN=arn)["StreamInfo"]["Status"] == "ACTIVE"
    endpoint = kvs.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA")["DataEndpoint"]
    assert endpoint.startswith(slow_endpoint.url + "/data/")

    version = kvs.describe_stream(StreamARN=arn)["StreamInfo"]["Version"]
    kvs.update_data_retention(
        StreamARN=arn,
        CurrentVersion=version,
        Operation="INCREASE_DATA_RETENTION",
        DataRetentionChangeInHours=24,
    )
    assert kvs.describe_stream(StreamARN=arn)["StreamInfo"]["DataRetentionInHours"] == 48
    with pytest.raises(kvs.exceptions.VersionMismatchException):
        kvs.update_data_retention(
            StreamARN=arn,
            CurrentVersion=version,
            Operation="DECREASE_DATA_RETENTION",
            DataRetentionChangeInHours=1,
        )

    kvs.tag_stream(StreamName="cam", Tags={"env": "test"})
    kvs.untag_stream(StreamARN=arn, TagKeyList=["team"])
    assert kvs.list_tags_for_stream(StreamName="cam")["Tags"] == {"env": "test"}
    assert [s["StreamName"] for s in kvs.list_streams()["StreamInfoList"]] == ["cam"]

    kvs.delete_stream(StreamARN=arn)
    assert kvs.describe_stream(StreamARN=arn)["StreamInfo"]["Status"] == "DELETING"
    clock.advance(slow_endpoint.activation_delay)
    with pytest.raises(kvs.exceptions.ResourceNotFoundException):
        kvs.describe_stream(StreamARN=arn)
    with pytest.raises(kvs.exceptions.ResourceNotFoundException):
        kvs.get_data_endpoint(StreamName="cam", APIName="GET_MEDIA")


def test_stream_needs_a_name_or_arn_and_respects_the_account_limit(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    with pytest.raises(kvs.exceptions.InvalidArgumentException):
        kvs.describe_stream()
    local_endpoint.stream_limit = 1
    kvs.create_stream(StreamName="one")
    with pytest.raises(ClientError) as info:
        kvs.create_stream(StreamName="two")
    assert _error(info)[:2] == ("AccountStreamLimitExceededException", 400)
