"""The model-driven constraint checks, directly."""

from __future__ import annotations

from kvs_chime.testing._model import load_services
from kvs_chime.testing._validation import validate


def test_java_unicode_classes_in_patterns() -> None:
    shape = load_services()["kinesisvideo"].operations["TagResource"].input
    assert shape is not None
    arn = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
    ok = {"ResourceARN": arn, "Tags": [{"Key": "Größe 大小 ٣", "Value": "ü"}]}
    assert validate(shape, ok) is None
    bad = {"ResourceARN": arn, "Tags": [{"Key": "semi;colon", "Value": ""}]}
    problem = validate(shape, bad)
    assert problem == (
        "1 validation error detected: Value 'semi;colon' at 'tags.1.member.key' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"
    )


def test_patterns_match_the_whole_value_as_the_services_do() -> None:
    shape = load_services()["kinesisvideo"].operations["CreateSignalingChannel"].input
    assert shape is not None
    # [a-zA-Z0-9_.-]+ contains a match in "has space" but is not one whole: AWS rejects it.
    assert validate(shape, {"ChannelName": "has space"}) == (
        "1 validation error detected: Value 'has space' at 'channelName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    )
    assert validate(shape, {"ChannelName": "door-1.cam_2"}) is None
    # Java's `.` stops at line terminators and its \\S is ASCII: `.*\\S.*` refuses "a\\nb".
    pools = load_services()["chime-sdk-media-pipelines"].operations["GetMediaPipelineKinesisVideoStreamPool"]
    assert pools.input is not None
    assert validate(pools.input, {"Identifier": "a\nb"}) is not None
    assert validate(pools.input, {"Identifier": "pool"}) is None


def test_integers_are_32_bit_and_null_is_named() -> None:
    shape = load_services()["kinesisvideo"].operations["ListStreams"].input
    assert shape is not None
    problem = validate(shape, {"MaxResults": 2**31})
    assert problem is not None and "at 'maxResults'" in problem and "32-bit" in problem
    create = load_services()["kinesisvideo"].operations["CreateStream"].input
    assert create is not None
    assert validate(create, {}) == (
        "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_sensitive_values_are_not_echoed() -> None:
    shape = load_services()["chime-sdk-media-pipelines"].operations["CreateMediaStreamPipeline"].input
    assert shape is not None
    sources = [
        {"SourceType": "ChimeSdkMeeting", "SourceArn": "arn:aws:chime:us-east-1:123456789012:meeting/m"}
    ]
    sinks = [
        {
            "SinkArn": "arn:aws:chime:x",
            "SinkType": "KinesisVideoStreamPool",
            "ReservedStreamCapacity": 1,
            "MediaStreamType": "MixedAudio",
        }
    ]
    problem = validate(shape, {"Sources": sources, "Sinks": sinks, "ClientRequestToken": "bad token!"})
    assert problem is not None and "Value at 'clientRequestToken'" in problem and "bad token" not in problem


def test_every_problem_is_reported_with_its_field() -> None:
    shape = load_services()["chime-sdk-media-pipelines"].operations["CreateMediaStreamPipeline"].input
    assert shape is not None
    problem = validate(shape, {"Sources": [], "Sinks": [{"SinkType": "Nope", "ReservedStreamCapacity": 0}]})
    assert problem is not None
    assert problem.startswith("5 validation errors detected")
    for field in (
        "'sources'",
        "'sinks.1.member.sinkArn'",
        "'sinks.1.member.sinkType'",
        "'sinks.1.member.reservedStreamCapacity'",
        "'sinks.1.member.mediaStreamType'",
    ):
        assert field in problem
