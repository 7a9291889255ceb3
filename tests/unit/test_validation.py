"""Request validation of the seed operations (CreateSignalingChannel, CreateMediaStreamPipeline):
each constraint at its boundary and just past it, paths and rules of the violations, and that the
facade raises before any network call."""

from __future__ import annotations

from typing import Any

import attrs
import boto3
import botocore.session
import pytest
from botocore.exceptions import UnStubbedResponseError
from botocore.stub import Stubber

from kvs_chime._validate import validate_request
from kvs_chime.errors import ValidationError, Violation
from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    DeletionConfig,
    EdgeConfig,
    KinesisVideo,
    LocalSizeConfig,
    MediaSourceConfig,
    RecorderConfig,
    SingleMasterConfiguration,
    StartEdgeConfigurationUpdateRequest,
    Tag,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    MediaPipelines,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)
from kvs_chime.media_pipelines import Tag as PipelineTag

_SESSION = botocore.session.get_session()
KVS = _SESSION.get_service_model("kinesisvideo")
PIPELINES = _SESSION.get_service_model("chime-sdk-media-pipelines")
CREATE_CHANNEL = KVS.operation_model("CreateSignalingChannel").input_shape
CREATE_PIPELINE = PIPELINES.operation_model("CreateMediaStreamPipeline").input_shape

SOURCE_ARN = "arn:aws:chime:us-east-1:111122223333:meeting/6d7b4b3c-2a34-4e5c-9c0e-1f2a3b4c5d6e"
SINK_ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:stream/pool-1/1700000000000"


def violations(request: object) -> list[Violation]:
    try:
        validate_request(request)
    except ValidationError as exc:
        assert exc.violations, "ValidationError without violations"
        return list(exc.violations)
    return []


def paths(request: object) -> list[str]:
    return [v.path for v in violations(request)]


def channel(**changes: Any) -> CreateSignalingChannelRequest:
    return attrs.evolve(CreateSignalingChannelRequest(channel_name="front-door"), **changes)


def source() -> MediaStreamSource:
    return MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=SOURCE_ARN)


def sink(capacity: int = 1) -> MediaStreamSink:
    return MediaStreamSink(
        sink_arn=SINK_ARN,
        sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
        reserved_stream_capacity=capacity,
        media_stream_type=MediaStreamType.INDIVIDUAL_AUDIO,
    )


def pipeline(**changes: Any) -> CreateMediaStreamPipelineRequest:
    return attrs.evolve(CreateMediaStreamPipelineRequest(sources=[source()], sinks=[sink()]), **changes)


def test_valid_seed_requests_pass() -> None:
    assert violations(channel()) == []
    assert (
        violations(
            channel(
                channel_type=ChannelType.SINGLE_MASTER,
                single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
                tags=[Tag(key="team", value="video")],
            )
        )
        == []
    )
    assert violations(pipeline()) == []
    assert violations(pipeline(client_request_token="tok-1", tags=[PipelineTag(key="k", value="")])) == []


# -- CreateSignalingChannel -----------------------------------------------------------------


def test_channel_name_bounds_come_from_the_model() -> None:
    assert CREATE_CHANNEL.members["ChannelName"].metadata == {
        "min": 1,
        "max": 256,
        "pattern": "[a-zA-Z0-9_.-]+",
    }


@pytest.mark.parametrize("length", [1, 255, 256])
def test_channel_name_within_length_is_valid(length: int) -> None:
    assert violations(channel(channel_name="n" * length)) == []


def test_channel_name_too_long() -> None:
    assert violations(channel(channel_name="n" * 257)) == [
        Violation("channel_name", "length must be between 1 and 256, got 257")
    ]


def test_channel_name_empty_breaks_length_and_pattern() -> None:
    assert violations(channel(channel_name="")) == [
        Violation("channel_name", "length must be between 1 and 256, got 0"),
        Violation("channel_name", "must match the pattern [a-zA-Z0-9_.-]+"),
    ]


@pytest.mark.parametrize("name", ["!!!", "名前", "? #", "   "])
def test_channel_name_pattern_violation(name: str) -> None:
    assert violations(channel(channel_name=name)) == [
        Violation("channel_name", "must match the pattern [a-zA-Z0-9_.-]+")
    ]


@pytest.mark.parametrize("name", ["bad name!", "a b", "ab\x00cd", "ok\ud800", "name\n", "x/y"])
def test_patterns_match_the_whole_value(name: str) -> None:
    # As the services check them: each value contains a match of [a-zA-Z0-9_.-]+, none is one
    # whole, and the service rejects it. Refused before any network call, with the field path.
    assert [v.path for v in violations(channel(channel_name=name))] == ["channel_name"]


@pytest.mark.parametrize("name", ["ok-name_1.x", "A", "0.1-_"])
def test_whole_value_pattern_accepts_valid_names(name: str) -> None:
    assert violations(channel(channel_name=name)) == []


@pytest.mark.parametrize(("ttl", "ok"), [(4, False), (5, True), (60, True), (120, True), (121, False)])
def test_message_ttl_seconds_bounds(ttl: int, ok: bool) -> None:
    assert KVS.shape_for("MessageTtlSeconds").metadata == {"min": 5, "max": 120}
    request = channel(single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=ttl))
    expected = (
        []
        if ok
        else [
            Violation(
                "single_master_configuration.message_ttl_seconds", f"must be between 5 and 120, got {ttl}"
            )
        ]
    )
    assert violations(request) == expected


@pytest.mark.parametrize(("count", "ok"), [(0, True), (1, True), (50, True), (51, False)])
def test_tags_on_create_list_size(count: int, ok: bool) -> None:
    assert CREATE_CHANNEL.members["Tags"].metadata == {"min": 0, "max": 50}
    tags = [Tag(key=f"k{i}", value=f"v{i}") for i in range(count)]
    expected = [] if ok else [Violation("tags", "must have between 0 and 50 items, got 51")]
    assert violations(channel(tags=tags)) == expected


@pytest.mark.parametrize("key", ["Käse", "名前", "ключ", "مفتاح", "a b", "x:y/z=+-@_.", "٣"])
def test_tag_keys_accept_unicode_letters_separators_and_numbers(key: str) -> None:
    assert violations(channel(tags=[Tag(key=key, value="Grüße 世界")])) == []


@pytest.mark.parametrize("key", ["Käse!", "tab\there", "semi;colon", "emoji🙂"])
def test_tag_key_pattern_is_anchored_in_the_model(key: str) -> None:
    # The TagKey pattern carries its own ^...$: one bad character anywhere is a violation.
    assert KVS.shape_for("TagKey").metadata["pattern"] == r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$"
    assert violations(channel(tags=[Tag(key=key, value="v")])) == [
        Violation("tags[0].key", r"must match the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$")
    ]


@pytest.mark.parametrize(("length", "ok"), [(1, True), (128, True), (129, False)])
def test_tag_key_length(length: int, ok: bool) -> None:
    assert KVS.shape_for("TagKey").metadata["max"] == 128
    expected = [] if ok else [Violation("tags[0].key", "length must be between 1 and 128, got 129")]
    assert violations(channel(tags=[Tag(key="ä" * length, value="v")])) == expected


def test_tag_key_empty() -> None:
    assert violations(channel(tags=[Tag(key="", value="v")])) == [
        Violation("tags[0].key", "length must be between 1 and 128, got 0")
    ]


@pytest.mark.parametrize(("length", "ok"), [(0, True), (256, True), (257, False)])
def test_tag_value_length(length: int, ok: bool) -> None:
    assert KVS.shape_for("TagValue").metadata["max"] == 256
    expected = [] if ok else [Violation("tags[1].value", "length must be between 0 and 256, got 257")]
    tags = [Tag(key="a", value="ok"), Tag(key="b", value="名" * length)]
    assert violations(channel(tags=tags)) == expected


# -- CreateMediaStreamPipeline --------------------------------------------------------------


def test_pipeline_bounds_come_from_the_model() -> None:
    assert CREATE_PIPELINE.required_members == ["Sources", "Sinks"]
    assert CREATE_PIPELINE.members["Sources"].metadata == {"min": 1}
    assert CREATE_PIPELINE.members["Sinks"].metadata == {"min": 1, "max": 2}
    assert PIPELINES.shape_for("ReservedStreamCapacity").metadata == {"min": 1, "max": 10}
    token = CREATE_PIPELINE.members["ClientRequestToken"].metadata
    assert (token["min"], token["max"], token["pattern"]) == (2, 64, "[-_a-zA-Z0-9]*")


@pytest.mark.parametrize(("capacity", "ok"), [(0, False), (1, True), (10, True), (11, False)])
def test_reserved_stream_capacity_bounds(capacity: int, ok: bool) -> None:
    expected = (
        []
        if ok
        else [Violation("sinks[0].reserved_stream_capacity", f"must be between 1 and 10, got {capacity}")]
    )
    assert violations(pipeline(sinks=[sink(capacity)])) == expected


def sinks_cases() -> list[Any]:
    bounds = CREATE_PIPELINE.members["Sinks"].metadata
    lo, hi = bounds["min"], bounds["max"]
    return [(n, lo <= n <= hi) for n in (lo - 1, lo, hi, hi + 1)]


@pytest.mark.parametrize(("count", "ok"), sinks_cases())
def test_sinks_list_size(count: int, ok: bool) -> None:
    expected = [] if ok else [Violation("sinks", f"must have between 1 and 2 items, got {count}")]
    assert violations(pipeline(sinks=[sink() for _ in range(count)])) == expected


def test_sinks_cases_cover_the_model_numbers() -> None:
    assert sinks_cases() == [(0, False), (1, True), (2, True), (3, False)]


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (2, True), (3, True), (25, True)])
def test_sources_list_size(count: int, ok: bool) -> None:
    # The model sets only a minimum (1) for Sources.
    expected = [] if ok else [Violation("sources", "must have at least 1 items, got 0")]
    assert violations(pipeline(sources=[source() for _ in range(count)])) == expected


@pytest.mark.parametrize(("length", "ok"), [(1, False), (2, True), (64, True), (65, False)])
def test_client_request_token_length(length: int, ok: bool) -> None:
    expected = (
        [] if ok else [Violation("client_request_token", f"length must be between 2 and 64, got {length}")]
    )
    assert violations(pipeline(client_request_token="t" * length)) == expected


def test_client_request_token_pattern_applies_to_the_whole_token() -> None:
    # "[-_a-zA-Z0-9]*" matches the empty string somewhere in every value; matched against the
    # whole token, as the service does, "bad token!" and "!!" break it.
    assert paths(pipeline(client_request_token="bad token!")) == ["client_request_token"]
    assert paths(pipeline(client_request_token="!!")) == ["client_request_token"]
    assert violations(pipeline(client_request_token="tok-_9")) == []


def test_pipeline_tag_bounds() -> None:
    assert CREATE_PIPELINE.members["Tags"].metadata == {"min": 1, "max": 200}
    tags = [PipelineTag(key=f"k{i}", value="v") for i in range(201)]
    assert violations(pipeline(tags=[])) == [Violation("tags", "must have between 1 and 200 items, got 0")]
    assert violations(pipeline(tags=tags[:200])) == []
    assert violations(pipeline(tags=tags)) == [
        Violation("tags", "must have between 1 and 200 items, got 201")
    ]


def test_every_violation_is_reported_at_once_with_its_path() -> None:
    request = CreateMediaStreamPipelineRequest(
        sources=[source(), MediaStreamSource(source_type="ChimeSdkMeeting", source_arn="not-an-arn")],
        sinks=[sink(11), sink(0)],
        client_request_token="x",
        tags=[PipelineTag(key="k" * 129, value="v")],
    )
    with pytest.raises(ValidationError) as caught:
        validate_request(request)
    assert caught.value.request_type == "CreateMediaStreamPipelineRequest"
    assert set(caught.value.violations) == {
        Violation("sources[1].source_arn", r"must match the pattern ^arn[\/\:\-\_\.a-zA-Z0-9]+$"),
        Violation("sinks[0].reserved_stream_capacity", "must be between 1 and 10, got 11"),
        Violation("sinks[1].reserved_stream_capacity", "must be between 1 and 10, got 0"),
        Violation("client_request_token", "length must be between 2 and 64, got 1"),
        Violation("tags[0].key", "length must be between 1 and 128, got 129"),
    }
    assert len(caught.value.violations) == 5
    message = str(caught.value)
    assert "5 problem(s)" in message
    assert "sinks[0].reserved_stream_capacity: must be between 1 and 10, got 11" in message


# -- required and types -----------------------------------------------------------------------


def test_required_member_none_is_reported() -> None:
    assert violations(CreateSignalingChannelRequest(channel_name=None)) == [  # type: ignore[arg-type]  # deliberately wrong type: validation must catch it at run time
        Violation("channel_name", "is required")
    ]
    assert violations(pipeline(sinks=None, sources=None)) == [
        Violation("sources", "is required"),
        Violation("sinks", "is required"),
    ]


def test_nested_required_member_none_is_reported_with_its_path() -> None:
    bad_sink = attrs.evolve(sink(), media_stream_type=None)  # type: ignore[arg-type]  # deliberately wrong type: validation must catch it at run time
    assert violations(pipeline(sinks=[sink(), bad_sink])) == [
        Violation("sinks[1].media_stream_type", "is required")
    ]
    assert violations(channel(tags=[Tag(key="k", value=None)])) == [  # type: ignore[arg-type]  # deliberately wrong type: validation must catch it at run time
        Violation("tags[0].value", "is required")
    ]


@pytest.mark.parametrize("ttl", ["60", True, False, 60.0, None])
def test_integer_member_of_the_wrong_type(ttl: object) -> None:
    request = channel(single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=ttl))  # type: ignore[arg-type]  # deliberately wrong type: validation must catch it at run time
    if ttl is None:  # optional: None means "not set"
        assert violations(request) == []
        return
    assert violations(request) == [
        Violation(
            "single_master_configuration.message_ttl_seconds", f"must be integer, got {type(ttl).__name__}"
        )
    ]


def test_other_members_of_the_wrong_type() -> None:
    assert violations(channel(channel_name=5)) == [Violation("channel_name", "must be a string, got int")]
    assert paths(channel(tags=Tag(key="k", value="v"))) == ["tags"]
    assert paths(channel(tags=[{"Key": "k", "Value": "v"}])) == ["tags[0]"]
    assert paths(channel(single_master_configuration={"MessageTtlSeconds": 60})) == [
        "single_master_configuration"
    ]
    assert violations(pipeline(sinks=[sink(True)])) == [
        Violation("sinks[0].reserved_stream_capacity", "must be integer, got bool")
    ]
    assert paths(pipeline(sinks=[sink()], client_request_token=1234)) == ["client_request_token"]


def test_unknown_enum_values_pass_validation() -> None:
    # Open enums: a value newer than this model must reach the service.
    assert violations(channel(channel_type="MULTI_MASTER")) == []
    future_sink = MediaStreamSink(
        sink_arn=SINK_ARN, sink_type="S3Bucket", reserved_stream_capacity=1, media_stream_type="Surround"
    )
    assert (
        violations(pipeline(sources=[MediaStreamSource(source_type="Webinar", source_arn=SOURCE_ARN)])) == []
    )
    assert violations(pipeline(sinks=[future_sink])) == []


def test_large_numeric_bounds_are_written_in_full() -> None:
    # MaxLocalMediaSizeInMB is 64..2000000: the rule must say 2000000, not 2e+06.
    assert KVS.shape_for("MaxLocalMediaSizeInMB").metadata == {"min": 64, "max": 2000000}
    request = StartEdgeConfigurationUpdateRequest(
        stream_name="camera-1",
        edge_config=EdgeConfig(
            hub_device_arn="arn:aws:iot:us-east-1:111122223333:thing/hub",
            recorder_config=RecorderConfig(
                media_source_config=MediaSourceConfig(
                    media_uri_secret_arn="arn:aws:secretsmanager:us-east-1:111122223333:secret:cam",
                    media_uri_type="RTSP_URI",
                )
            ),
            deletion_config=DeletionConfig(
                local_size_config=LocalSizeConfig(max_local_media_size_in_mb=2000001)
            ),
        ),
    )
    assert violations(request) == [
        Violation(
            "edge_config.deletion_config.local_size_config.max_local_media_size_in_mb",
            "must be between 64 and 2000000, got 2000001",
        )
    ]


# -- through the facade: raised before any network call --------------------------------------


def fake_client(service: str) -> Any:
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def test_facade_raises_validation_error_before_any_network_call() -> None:
    client = fake_client("kinesisvideo")
    kv = KinesisVideo(client=client)
    secret_name = "Secret-Name!" + "x" * 250
    secret_key = "geheim;" + "k" * 10
    request = CreateSignalingChannelRequest(
        channel_name=secret_name,
        single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=121),
        tags=[Tag(key=secret_key, value="v")],
    )
    with Stubber(client) as stubber:  # nothing queued: any request would raise UnStubbedResponseError
        with pytest.raises(ValidationError) as caught:
            kv.create_signaling_channel(request)
        stubber.assert_no_pending_responses()
    message = str(caught.value)
    assert "channel_name: length must be between 1 and 256, got 262" in message
    assert "single_master_configuration.message_ttl_seconds: must be between 5 and 120, got 121" in message
    assert r"tags[0].key: must match the pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$" in message
    assert "Secret-Name" not in message
    assert "geheim" not in message
    assert all("Secret-Name" not in v.rule and "geheim" not in v.rule for v in caught.value.violations)


def test_a_valid_request_does_reach_the_client() -> None:
    # The control for the test above: with nothing stubbed, a valid request fails in Stubber.
    client = fake_client("kinesisvideo")
    with Stubber(client), pytest.raises(UnStubbedResponseError):
        KinesisVideo(client=client).create_signaling_channel(channel())


def test_media_pipelines_facade_validates_before_calling() -> None:
    client = fake_client("chime-sdk-media-pipelines")
    media = MediaPipelines(client=client)
    with Stubber(client), pytest.raises(ValidationError) as caught:
        media.create_media_stream_pipeline(pipeline(sinks=[sink(11)], client_request_token="t" * 65))
    assert set(caught.value.violations) == {
        Violation("sinks[0].reserved_stream_capacity", "must be between 1 and 10, got 11"),
        Violation("client_request_token", "length must be between 2 and 64, got 65"),
    }
    assert "t" * 65 not in str(caught.value)
    with Stubber(client), pytest.raises(UnStubbedResponseError):
        media.create_media_stream_pipeline(pipeline())


def test_java_ascii_classes_accept_what_the_service_accepts() -> None:
    # Java's \S is ASCII-only, so the service's `.*\S.*` accepts a non-breaking space; Python's
    # Unicode \S would reject it, and the client must never reject what the service accepts.
    from kvs_chime._validate import validate_request
    from kvs_chime.media_pipelines import GetMediaPipelineKinesisVideoStreamPoolRequest

    validate_request(GetMediaPipelineKinesisVideoStreamPoolRequest(identifier="\u00a0"))
    with pytest.raises(ValidationError):
        validate_request(GetMediaPipelineKinesisVideoStreamPoolRequest(identifier=" "))


def test_map_entries_are_named_by_position_not_by_key() -> None:
    from kvs_chime._validate import validate_request
    from kvs_chime.kinesisvideo import TagStreamRequest

    request = TagStreamRequest(stream_name="camera", tags={"secret-project-name": "v" * 257})
    with pytest.raises(ValidationError) as caught:
        validate_request(request)
    assert [v.path for v in caught.value.violations] == ["tags<value 0>"]
    assert "secret-project-name" not in str(caught.value)
