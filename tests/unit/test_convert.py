"""The converter: wire-name renames both ways, None omission, open enums, strict scalars, and
ResponseParseError with field paths and the raw response kept."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import attrs
import pytest
from dateutil.tz import tzutc

from kvs_chime._convert import converter, structure_response, unstructure_request
from kvs_chime.errors import ResponseParseError
from kvs_chime.kinesisvideo import (
    ChannelInfo,
    ChannelType,
    CreateSignalingChannelRequest,
    CreateSignalingChannelResponse,
    DescribeSignalingChannelRequest,
    DescribeSignalingChannelResponse,
    SingleMasterConfiguration,
    Status,
    Tag,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    CreateMediaStreamPipelineResponse,
    GetMediaPipelineRequest,
    MediaPipelineStatus,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)

CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:channel/front-door/1700000000000"
PIPELINE_ARN = "arn:aws:chime:us-east-1:111122223333:media-pipeline/0f3e4d5c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
PIPELINE_ID = "0f3e4d5c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
SOURCE_ARN = "arn:aws:chime:us-east-1:111122223333:meeting/6d7b4b3c-2a34-4e5c-9c0e-1f2a3b4c5d6e"
SINK_ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:stream/pool-1/1700000000000"
CREATED = datetime.datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=tzutc())


def pipeline_response(**pipeline: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "MediaPipelineId": PIPELINE_ID,
        "MediaPipelineArn": PIPELINE_ARN,
        "CreatedTimestamp": CREATED,
        "UpdatedTimestamp": CREATED,
        "Status": "InProgress",
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": SOURCE_ARN}],
        "Sinks": [
            {
                "SinkArn": SINK_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 5,
                "MediaStreamType": "MixedAudio",
            }
        ],
    }
    body.update(pipeline)
    return {"MediaStreamPipeline": body}


def sink_response(**sink: Any) -> dict[str, Any]:
    raw = pipeline_response()
    raw["MediaStreamPipeline"]["Sinks"][0].update(sink)
    return raw


def parse_error(raw: dict[str, Any], cls: type = CreateMediaStreamPipelineResponse) -> ResponseParseError:
    before = copy.deepcopy(raw)
    with pytest.raises(ResponseParseError) as caught:
        structure_response("CreateMediaStreamPipeline", raw, cls)
    error = caught.value
    assert error.raw is raw
    assert error.raw == before  # nothing the service sent is lost or altered
    assert error.operation == "CreateMediaStreamPipeline"
    assert error.problems
    return error


def problem_for(error: ResponseParseError, path: str) -> str:
    matching = [p for p in error.problems if p.endswith(f"@ {path}")]
    assert matching, f"no problem at {path}: {error.problems}"
    return matching[0]


# -- renames --------------------------------------------------------------------------------


def test_channel_arn_is_renamed_both_ways() -> None:
    assert unstructure_request(DescribeSignalingChannelRequest(channel_arn=CHANNEL_ARN)) == {
        "ChannelARN": CHANNEL_ARN
    }
    parsed = structure_response(
        "CreateSignalingChannel", {"ChannelARN": CHANNEL_ARN}, CreateSignalingChannelResponse
    )
    assert parsed.channel_arn == CHANNEL_ARN
    assert converter.unstructure(parsed) == {"ChannelARN": CHANNEL_ARN}
    # the snake_case name is not a wire name: the ARN, always returned, is then missing
    with pytest.raises(ResponseParseError, match=r"required field missing @ \$\.channel_arn"):
        structure_response("X", {"channel_arn": CHANNEL_ARN}, CreateSignalingChannelResponse)


def test_media_pipeline_arn_is_renamed_both_ways() -> None:
    parsed = structure_response(
        "CreateMediaStreamPipeline", pipeline_response(), CreateMediaStreamPipelineResponse
    )
    assert parsed.media_stream_pipeline is not None
    assert parsed.media_stream_pipeline.media_pipeline_arn == PIPELINE_ARN
    assert parsed.media_stream_pipeline.media_pipeline_id == PIPELINE_ID
    unstructured = converter.unstructure(parsed)
    assert unstructured["MediaStreamPipeline"]["MediaPipelineArn"] == PIPELINE_ARN
    assert unstructured == pipeline_response()
    assert unstructure_request(GetMediaPipelineRequest(media_pipeline_id=PIPELINE_ID)) == {
        "MediaPipelineId": PIPELINE_ID
    }


def test_nested_request_is_unstructured_with_wire_names() -> None:
    request = CreateMediaStreamPipelineRequest(
        sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=SOURCE_ARN)],
        sinks=[
            MediaStreamSink(
                sink_arn=SINK_ARN,
                sink_type="KinesisVideoStreamPool",
                reserved_stream_capacity=2,
                media_stream_type=MediaStreamType.INDIVIDUAL_AUDIO,
            )
        ],
        client_request_token="token-1",
    )
    params = unstructure_request(request)
    assert params == {
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": SOURCE_ARN}],
        "Sinks": [
            {
                "SinkArn": SINK_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 2,
                "MediaStreamType": "IndividualAudio",
            }
        ],
        "ClientRequestToken": "token-1",
    }
    assert type(params["Sources"]) is list
    assert type(params["Sinks"][0]) is dict  # type: ignore[index]  # botocore params are untyped


# -- None and empty members -----------------------------------------------------------------


def test_none_members_are_omitted() -> None:
    assert unstructure_request(CreateSignalingChannelRequest(channel_name="door")) == {"ChannelName": "door"}
    assert unstructure_request(
        CreateSignalingChannelRequest(
            channel_name="door", single_master_configuration=SingleMasterConfiguration()
        )
    ) == {"ChannelName": "door", "SingleMasterConfiguration": {}}
    assert unstructure_request(MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=SOURCE_ARN)) == {
        "SourceType": "ChimeSdkMeeting",
        "SourceArn": SOURCE_ARN,
    }


def test_empty_and_falsy_values_are_kept() -> None:
    # Only None means "not set": an empty list, empty string, 0 or False is sent as given.
    assert unstructure_request(CreateSignalingChannelRequest(channel_name="", tags=[])) == {
        "ChannelName": "",
        "Tags": [],
    }
    assert unstructure_request(SingleMasterConfiguration(message_ttl_seconds=0)) == {"MessageTtlSeconds": 0}
    assert unstructure_request(Tag(key="k", value="")) == {"Key": "k", "Value": ""}


# -- unknown keys and enums -----------------------------------------------------------------


def test_unknown_response_keys_are_ignored() -> None:
    raw = pipeline_response(BrandNewMember={"Nested": [1, 2]})
    raw["ResponseMetadata"] = {"RequestId": "r-1", "HTTPStatusCode": 200, "RetryAttempts": 0}
    raw["MediaStreamPipeline"]["Sinks"][0]["FutureSinkField"] = "x"
    parsed = structure_response("CreateMediaStreamPipeline", raw, CreateMediaStreamPipelineResponse)
    assert converter.unstructure(parsed) == pipeline_response()


def test_known_enum_value_becomes_the_member() -> None:
    parsed = structure_response(
        "CreateMediaStreamPipeline", pipeline_response(), CreateMediaStreamPipelineResponse
    )
    pipeline = parsed.media_stream_pipeline
    assert pipeline is not None and pipeline.sinks is not None
    assert pipeline.status is MediaPipelineStatus.IN_PROGRESS
    assert pipeline.sinks[0].media_stream_type is MediaStreamType.MIXED_AUDIO

    channel = converter.structure(
        {
            "ChannelName": "door",
            "ChannelARN": CHANNEL_ARN,
            "ChannelType": "SINGLE_MASTER",
            "ChannelStatus": "ACTIVE",
            "CreationTime": CREATED,
        },
        ChannelInfo,
    )
    assert channel.channel_type is ChannelType.SINGLE_MASTER
    assert channel.channel_status is Status.ACTIVE


def test_unknown_enum_value_is_kept_as_str_and_round_trips() -> None:
    raw = pipeline_response(Status="Hibernating")
    raw["MediaStreamPipeline"]["Sinks"][0]["MediaStreamType"] = "SpatialAudio"
    parsed = structure_response("CreateMediaStreamPipeline", raw, CreateMediaStreamPipelineResponse)
    pipeline = parsed.media_stream_pipeline
    assert pipeline is not None and pipeline.sinks is not None
    assert type(pipeline.status) is str
    assert pipeline.status == "Hibernating"
    assert type(pipeline.sinks[0].media_stream_type) is str
    assert converter.unstructure(parsed) == raw


def test_unknown_enum_value_in_a_request_is_sent_as_given() -> None:
    request = CreateSignalingChannelRequest(channel_name="door", channel_type="MULTI_MASTER")
    params = unstructure_request(request)
    assert params == {"ChannelName": "door", "ChannelType": "MULTI_MASTER"}
    assert converter.structure(params, CreateSignalingChannelRequest) == request


def test_describe_signaling_channel_response_parses() -> None:
    raw = {
        "ChannelInfo": {
            "ChannelName": "door",
            "ChannelARN": CHANNEL_ARN,
            "ChannelType": "FULL_MESH",
            "ChannelStatus": "CREATING",
            "CreationTime": CREATED,
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
            "Version": "1",
        },
        "ResponseMetadata": {"RequestId": "r"},
    }
    parsed = structure_response("DescribeSignalingChannel", raw, DescribeSignalingChannelResponse)
    info = parsed.channel_info
    assert info is not None
    assert info.channel_arn == CHANNEL_ARN
    assert info.creation_time is CREATED
    assert info.single_master_configuration == SingleMasterConfiguration(message_ttl_seconds=60)
    assert info.channel_type is ChannelType.FULL_MESH


def test_a_structured_response_is_the_value_its_constructor_makes_and_stays_frozen() -> None:
    # Responses are built slot by slot, not through __init__: the result must not differ.
    info = {
        "ChannelName": "door",
        "ChannelARN": CHANNEL_ARN,
        "ChannelStatus": "ACTIVE",
        "CreationTime": CREATED,
    }
    parsed = structure_response(
        "DescribeSignalingChannel", {"ChannelInfo": info}, DescribeSignalingChannelResponse
    )
    built = DescribeSignalingChannelResponse(
        channel_info=ChannelInfo(
            channel_name="door", channel_arn=CHANNEL_ARN, channel_status=Status.ACTIVE, creation_time=CREATED
        )
    )
    assert parsed == built and hash(parsed) == hash(built) and repr(parsed) == repr(built)
    assert parsed.channel_info.version is None  # an absent member is set to its default
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.channel_info.channel_name = "other"  # type: ignore[misc]  # frozen: the point of the test
    assert copy.deepcopy(parsed) == parsed


# -- wrong types and missing members --------------------------------------------------------


def test_string_where_an_integer_is_expected() -> None:
    error = parse_error(sink_response(ReservedStreamCapacity="5"))
    problem_for(error, "$.media_stream_pipeline.sinks[0].reserved_stream_capacity")
    assert len(error.problems) == 1


@pytest.mark.parametrize("value", [True, False])
def test_bool_where_an_integer_is_expected(value: bool) -> None:
    error = parse_error(sink_response(ReservedStreamCapacity=value))
    problem_for(error, "$.media_stream_pipeline.sinks[0].reserved_stream_capacity")


def test_float_where_an_integer_is_expected() -> None:
    error = parse_error(sink_response(ReservedStreamCapacity=5.0))
    problem_for(error, "$.media_stream_pipeline.sinks[0].reserved_stream_capacity")


def test_number_where_a_string_is_expected() -> None:
    error = parse_error(pipeline_response(MediaPipelineArn=12345))
    problem_for(error, "$.media_stream_pipeline.media_pipeline_arn")
    with pytest.raises(ResponseParseError) as caught:
        structure_response("CreateSignalingChannel", {"ChannelARN": 7}, CreateSignalingChannelResponse)
    problem_for(caught.value, "$.channel_arn")


def test_number_where_an_enum_string_is_expected() -> None:
    error = parse_error(pipeline_response(Status=3))
    problem_for(error, "$.media_stream_pipeline.status")


def test_string_where_a_list_is_expected() -> None:
    error = parse_error(pipeline_response(Sinks="KinesisVideoStreamPool"))
    problem_for(error, "$.media_stream_pipeline.sinks")


def test_dict_where_a_list_is_expected() -> None:
    error = parse_error(pipeline_response(Sources={"SourceType": "ChimeSdkMeeting", "SourceArn": SOURCE_ARN}))
    problem_for(error, "$.media_stream_pipeline.sources")


@pytest.mark.parametrize("value", ["oops", ["MediaPipelineId"], 5])
def test_non_mapping_where_a_structure_is_expected(value: object) -> None:
    # MediaStreamPipeline has only optional members: a non-dict must not read as an empty one.
    error = parse_error({"MediaStreamPipeline": value})
    problem_for(error, "$.media_stream_pipeline")


def test_string_where_a_timestamp_is_expected() -> None:
    error = parse_error(pipeline_response(CreatedTimestamp="2024-05-01T12:30:15Z"))
    problem_for(error, "$.media_stream_pipeline.created_timestamp")


def test_missing_required_member_is_named() -> None:
    raw = pipeline_response()
    del raw["MediaStreamPipeline"]["Sinks"][0]["SinkArn"]
    error = parse_error(raw)
    assert problem_for(error, "$.media_stream_pipeline.sinks[0].sink_arn").startswith(
        "required field missing"
    )


def test_every_problem_is_reported() -> None:
    raw = pipeline_response(MediaPipelineArn=1, Status=2)
    raw["MediaStreamPipeline"]["Sinks"][0]["ReservedStreamCapacity"] = "5"
    del raw["MediaStreamPipeline"]["Sources"][0]["SourceType"]
    error = parse_error(raw)
    for path in (
        "$.media_stream_pipeline.media_pipeline_arn",
        "$.media_stream_pipeline.status",
        "$.media_stream_pipeline.sinks[0].reserved_stream_capacity",
        "$.media_stream_pipeline.sources[0].source_type",
    ):
        problem_for(error, path)
    assert len(error.problems) == 4
    assert "CreateMediaStreamPipeline" in str(error)


def test_parse_error_does_not_echo_sensitive_values() -> None:
    error = parse_error(sink_response(ReservedStreamCapacity="hunter2-secret"))
    assert "hunter2" not in str(error)


# -- scalars pass through -------------------------------------------------------------------


def test_datetimes_pass_through_unchanged() -> None:
    aware = datetime.datetime(2030, 1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-7)))
    raw = pipeline_response(CreatedTimestamp=CREATED, UpdatedTimestamp=aware)
    parsed = structure_response("CreateMediaStreamPipeline", raw, CreateMediaStreamPipelineResponse)
    pipeline = parsed.media_stream_pipeline
    assert pipeline is not None
    assert pipeline.created_timestamp is CREATED
    assert pipeline.updated_timestamp is aware
    out = converter.unstructure(parsed)["MediaStreamPipeline"]
    assert out["CreatedTimestamp"] is CREATED
    assert out["UpdatedTimestamp"] is aware


def test_bytes_pass_through_unchanged() -> None:
    # No member of these models is a blob today; the converter's blob handling still must hold.
    data = b"\x00\x01binary\xff"
    assert converter.structure(data, bytes) is data
    assert converter.unstructure(data) is data
    buffer = bytearray(b"abc")
    assert converter.structure(buffer, bytes) is buffer
    with pytest.raises(TypeError):
        converter.structure("abc", bytes)


def test_scalars_are_not_coerced() -> None:
    assert converter.structure("5", str) == "5"
    assert converter.structure(5, int) == 5
    for value, tp in (("5", int), (5, str), (1, bool), (True, int), ("2024-01-01", datetime.datetime)):
        with pytest.raises(TypeError):
            converter.structure(value, tp)


def test_problems_name_no_map_key_and_quote_no_value() -> None:
    # A tag key is a name the user chose and can be sensitive; so is any value.
    from kvs_chime.kinesisvideo import ListTagsForStreamResponse

    with pytest.raises(ResponseParseError) as caught:
        structure_response("ListTagsForStream", {"Tags": {"patient-1234": 98765}}, ListTagsForStreamResponse)
    assert caught.value.problems == ("expected string, got int @ $.tags[<key>]",)
    assert "patient-1234" not in str(caught.value) and "98765" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert caught.value.raw == {"Tags": {"patient-1234": 98765}}  # kept on the attribute


# -- long lists (read member by member over the list) -----------------------------------------


def ice_servers(count: int) -> dict[str, Any]:
    server = {"Uris": ["turn:127.0.0.1:3478"], "Username": "1700000000:viewer", "Password": "p", "Ttl": 300}
    return {"IceServerList": [copy.deepcopy(server) for _ in range(count)]}


@pytest.mark.parametrize("count", [3, 40])
def test_a_list_of_shapes_reads_the_same_short_or_long(count: int) -> None:
    from kvs_chime.signaling import GetIceServerConfigResponse, IceServer

    raw = ice_servers(count)
    raw["IceServerList"][1]["Ttl"] = 60
    read = structure_response("GetIceServerConfig", raw, GetIceServerConfigResponse)
    assert read.ice_server_list is not None and len(read.ice_server_list) == count
    assert read.ice_server_list[1] == IceServer(
        uris=["turn:127.0.0.1:3478"], username="1700000000:viewer", password="p", ttl=60
    )
    assert {s.ttl for s in read.ice_server_list} == {60, 300}


@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize(
    ("member", "value", "problem"),
    [
        ("Uris", None, "expected list, got NoneType"),  # a required list member that is null
        ("Uris", "turn:127.0.0.1:3478", "expected list, got str"),
        ("Ttl", True, "expected integer, got bool"),
        ("Username", 5, "expected string, got int"),
    ],
)
def test_a_bad_member_of_one_item_in_a_list_is_refused(
    count: int, member: str, value: object, problem: str
) -> None:
    from kvs_chime.signaling import GetIceServerConfigResponse

    raw = ice_servers(count)
    raw["IceServerList"][count - 1][member] = value
    error = parse_error(raw, GetIceServerConfigResponse)
    field = {"Uris": "uris", "Ttl": "ttl", "Username": "username"}[member]
    assert problem_for(error, f"$.ice_server_list[{count - 1}].{field}").startswith(problem)
