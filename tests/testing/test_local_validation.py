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
    assert problem is not None and "'Tags[0].Key'" in problem and "regular expression" in problem


def test_patterns_are_searched_not_anchored() -> None:
    shape = load_services()["kinesisvideo"].operations["CreateSignalingChannel"].input
    assert shape is not None
    # [a-zA-Z0-9_.-]+ is not anchored in the model, so a partial match satisfies it.
    assert validate(shape, {"ChannelName": "has space"}) is None
    assert validate(shape, {"ChannelName": "***"}) is not None


def test_every_problem_is_reported_with_its_field() -> None:
    shape = load_services()["chime-sdk-media-pipelines"].operations["CreateMediaStreamPipeline"].input
    assert shape is not None
    problem = validate(shape, {"Sources": [], "Sinks": [{"SinkType": "Nope", "ReservedStreamCapacity": 0}]})
    assert problem is not None
    assert problem.startswith("5 validation errors detected")
    for field in (
        "'Sources'",
        "'Sinks[0].SinkArn'",
        "'Sinks[0].SinkType'",
        "'Sinks[0].ReservedStreamCapacity'",
        "'Sinks[0].MediaStreamType'",
    ):
        assert field in problem
