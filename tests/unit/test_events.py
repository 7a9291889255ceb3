"""EventBridge events of media pipelines and pools: the documented examples parse into typed
values, unknown types and members are kept, malformed events name the member at fault."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone
from typing import Any

import pytest

from kvs_chime import KvsChimeError
from kvs_chime.events import (
    EventParseError,
    KinesisVideoStreamEnd,
    KinesisVideoStreamStart,
    MediaPipelineDeleted,
    MediaPipelineEvent,
    MediaPipelineInProgress,
    MediaPipelinePermanentFailure,
    MediaPipelineResumed,
    MediaPipelineTemporaryFailure,
    StreamPoolActive,
    StreamPoolDeleted,
    StreamPoolEvent,
    StreamPoolPermanentFailure,
    StreamPoolTemporaryFailure,
    StreamPoolUpdated,
    UnknownEvent,
    parse_event,
)

ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:stream/ChimeMediaPipelines-pool-1f2e/1627503649251"


def _envelope(detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    # The shape of the Chime SDK developer guide's examples.
    return {
        "version": "0",
        "id": "5ee6265a-0a40-104e-d8fd-a3b4bdd78483",
        "detail-type": detail_type,
        "source": "aws.chime",
        "account": "111122223333",
        "time": "2021-07-28T20:20:49Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def stream_start(**changes: Any) -> dict[str, Any]:
    detail = {
        "eventType": "chime:MediaPipelineKinesisVideoStreamStart",
        "timestamp": 1627503649251,
        "meetingId": "1e6bf4f5-f4b5-4917-b8c9-bda45c340706",
        "externalMeetingId": "Meeting_Id",
        "mediaPipelineId": "e40ee45e-2ed1-408e-9156-f52b8208a491",
        "mediaRegion": "ap-southeast-1",
        "attendeeId": "Attendee_Id",
        "externalUserId": "External_User_Id",
        "kinesisVideoStreamArn": ARN,
        "startFragmentNumber": "91343852333181432392682062607743920146264118616",
        "startTime": "2021-07-28T20:20:49.251Z",
    }
    detail.update(changes)
    return _envelope("Chime Media Pipeline State Change", detail)


def test_stream_start_from_the_guide_parses_every_member() -> None:
    event = parse_event(stream_start())
    assert isinstance(event, KinesisVideoStreamStart)
    assert event.event_type == "chime:MediaPipelineKinesisVideoStreamStart"
    assert event.kinesis_video_stream_arn == ARN
    assert event.start_fragment_number == "91343852333181432392682062607743920146264118616"
    assert event.start_time == datetime(2021, 7, 28, 20, 20, 49, 251000, tzinfo=timezone.utc)
    assert event.timestamp == datetime(2021, 7, 28, 20, 20, 49, 251000, tzinfo=timezone.utc)
    assert event.timestamp_ms == 1627503649251
    assert event.time == datetime(2021, 7, 28, 20, 20, 49, tzinfo=timezone.utc)
    assert (event.meeting_id, event.attendee_id, event.external_user_id) == (
        "1e6bf4f5-f4b5-4917-b8c9-bda45c340706",
        "Attendee_Id",
        "External_User_Id",
    )
    assert event.media_pipeline_id == "e40ee45e-2ed1-408e-9156-f52b8208a491"
    assert (event.media_region, event.region, event.account) == (
        "ap-southeast-1",
        "us-east-1",
        "111122223333",
    )
    assert not event.is_mixed_audio
    assert event.unknown_fields == {}


def test_json_text_and_bytes_parse_like_the_dict() -> None:
    event = stream_start()
    assert parse_event(json.dumps(event)) == parse_event(event)
    assert parse_event(json.dumps(event).encode()) == parse_event(event)


def test_mixed_audio_has_empty_attendee() -> None:
    event = parse_event(stream_start(attendeeId="", externalUserId=""))
    assert isinstance(event, KinesisVideoStreamStart)
    assert event.is_mixed_audio
    absent = stream_start()
    del absent["detail"]["attendeeId"], absent["detail"]["externalUserId"]
    parsed = parse_event(absent)
    assert isinstance(parsed, KinesisVideoStreamStart) and parsed.is_mixed_audio


def test_stream_end_has_its_end() -> None:
    raw = stream_start(
        eventType="chime:MediaPipelineKinesisVideoStreamEnd",
        endTime="2021-07-28T20:51:00Z",
        endFragmentNumber="91343852333181432392682062607743920146264999999",
    )
    event = parse_event(raw)
    assert isinstance(event, KinesisVideoStreamEnd)
    assert not isinstance(event, KinesisVideoStreamStart)
    assert event.end_time == datetime(2021, 7, 28, 20, 51, tzinfo=timezone.utc)
    assert event.end_fragment_number.endswith("999999")


@pytest.mark.parametrize(
    ("event_type", "cls"),
    [
        ("chime:MediaPipelineInProgress", MediaPipelineInProgress),
        ("chime:MediaPipelineDeleted", MediaPipelineDeleted),
        ("chime:MediaPipelineTemporaryFailure", MediaPipelineTemporaryFailure),
        ("chime:MediaPipelineResumed", MediaPipelineResumed),
        ("chime:MediaPipelinePermanentFailure", MediaPipelinePermanentFailure),
    ],
)
def test_pipeline_state_changes(event_type: str, cls: type[MediaPipelineEvent]) -> None:
    raw = _envelope(
        "Chime Media Pipeline State Change",
        {
            "version": "0",
            "eventType": event_type,
            "timestamp": 1627503710485,
            "meetingId": "1e6bf4f5-f4b5-4917-b8c9-bda45c340706",
            "externalMeetingId": "Meeting_Id",
            "mediaPipelineId": "e40ee45e-2ed1-408e-9156-f52b8208a491",
            "mediaRegion": "ap-southeast-1",
        },
    )
    event = parse_event(raw)
    assert type(event) is cls
    assert isinstance(event, MediaPipelineEvent)
    assert event.media_pipeline_id == "e40ee45e-2ed1-408e-9156-f52b8208a491"
    assert event.version == "0"


@pytest.mark.parametrize(
    ("suffix", "cls"),
    [
        ("Active", StreamPoolActive),
        ("Updated", StreamPoolUpdated),
        ("Deleted", StreamPoolDeleted),
        ("TemporaryFailure", StreamPoolTemporaryFailure),
        ("PermanentFailure", StreamPoolPermanentFailure),
    ],
)
def test_pool_state_changes(suffix: str, cls: type[StreamPoolEvent]) -> None:
    pool = "arn:aws:chime:us-east-1:111122223333:media-pipeline-kinesis-video-stream-pool/meetings"
    raw = _envelope(
        "Chime Media Pipeline Kinesis Video Pool State Change",
        {
            "eventType": f"chime:MediaPipelineKinesisVideoStreamPool{suffix}",
            "timestamp": 1627503649251,
            "mediaRegion": "ap-southeast-1",
            "poolArn": pool,
        },
    )
    event = parse_event(raw)
    assert type(event) is cls
    assert isinstance(event, StreamPoolEvent)
    assert event.pool_arn == pool


def test_unknown_members_are_kept() -> None:
    raw = stream_start(errorCode="Throttled", nested={"a": [1, 2]})
    raw["newEnvelopeMember"] = True
    event = parse_event(raw)
    assert isinstance(event, KinesisVideoStreamStart)
    assert event.unknown_fields == {"errorCode": "Throttled", "nested": {"a": [1, 2]}}
    assert event.raw["newEnvelopeMember"] is True
    assert event.raw == raw


@pytest.mark.parametrize(
    "change",
    [
        {"detail": {"eventType": "chime:MediaPipelineSomethingNew", "timestamp": 1, "extra": "x"}},
        {"source": "aws.kinesisvideo"},
        {"detail-type": "Chime Meeting State Change"},
    ],
)
def test_unknown_types_and_sources_are_kept_not_errors(change: dict[str, Any]) -> None:
    raw = stream_start()
    raw.update(change)
    event = parse_event(raw)
    assert type(event) is UnknownEvent
    assert event.detail == raw["detail"]
    assert event.raw == raw
    assert event.detail_type == raw["detail-type"]


def test_unknown_event_without_timestamp_still_parses() -> None:
    event = parse_event({"detail-type": "x", "source": "y", "detail": {}})
    assert isinstance(event, UnknownEvent)
    assert event.timestamp is None and event.event_type == ""


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["detail"].pop("kinesisVideoStreamArn"), "detail.kinesisVideoStreamArn"),
        (lambda d: d["detail"].pop("startFragmentNumber"), "detail.startFragmentNumber"),
        (lambda d: d["detail"].update(startFragmentNumber=123), "detail.startFragmentNumber"),
        (lambda d: d["detail"].update(startFragmentNumber="12a"), "detail.startFragmentNumber"),
        (lambda d: d["detail"].update(startTime="yesterday"), "detail.startTime"),
        (lambda d: d["detail"].update(startTime="2021-13-28T20:20:49Z"), "detail.startTime"),
        (lambda d: d["detail"].update(timestamp="1627503649251"), "detail.timestamp"),
        (lambda d: d["detail"].update(timestamp=True), "detail.timestamp"),
        (lambda d: d["detail"].pop("timestamp"), "detail.timestamp"),
        (lambda d: d["detail"].update(mediaPipelineId=""), "detail.mediaPipelineId"),
        (lambda d: d["detail"].update(attendeeId=7), "detail.attendeeId"),
        (lambda d: d.pop("detail-type"), "detail-type"),
        (lambda d: d.pop("source"), "source"),
        (lambda d: d.update(detail="{}"), "detail"),
        (lambda d: d.update(time="noon"), "time"),
        (lambda d: d.update(resources="arn"), "resources"),
        (lambda d: d.update(resources=["arn", 3]), "resources[1]"),
    ],
)
def test_malformed_events_name_the_member(mutate: Any, field: str) -> None:
    raw = stream_start()
    mutate(raw)
    given = copy.deepcopy(raw)
    with pytest.raises(EventParseError) as caught:
        parse_event(raw)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert caught.value.event == given
    assert isinstance(caught.value, KvsChimeError)


def test_not_an_event_at_all() -> None:
    for text in ("not json", "[1, 2]", b"\xff\xfe"):
        with pytest.raises(EventParseError) as caught:
            parse_event(text)
        assert caught.value.field == "$"


def test_error_pickles() -> None:
    error = EventParseError("detail.startTime", "must be an ISO 8601 date-time", {"a": 1})
    copy_ = pickle.loads(pickle.dumps(error))
    assert (copy_.field, copy_.rule, copy_.event, str(copy_)) == (
        error.field,
        error.rule,
        error.event,
        str(error),
    )


def test_time_offsets_and_fractions() -> None:
    event = parse_event(stream_start(startTime="2021-07-28T22:20:49.5+02:00"))
    assert isinstance(event, KinesisVideoStreamStart)
    assert event.start_time == datetime(2021, 7, 28, 20, 20, 49, 500000, tzinfo=timezone.utc)


def test_events_are_frozen_and_hashable() -> None:
    event = parse_event(stream_start())
    with pytest.raises(AttributeError):
        event.source = "x"  # type: ignore[misc]  # frozen: the point of the test
    assert hash(event) == hash(parse_event(stream_start()))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timestamp": 10**15}, "detail.timestamp"),
        ({"timestamp": 1e300}, "detail.timestamp"),
        ({"startTime": "9999-12-31T23:59:59-01:00"}, "detail.startTime"),
        ({"startTime": "0001-01-01T00:00:00+01:00"}, "detail.startTime"),
    ],
)
def test_out_of_range_times_name_the_member(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(EventParseError) as caught:
        parse_event(stream_start(**changes))
    assert caught.value.field == field


@pytest.mark.parametrize("timestamp", [10**15, 1e300, 2**70])
def test_an_unknown_event_with_an_out_of_range_timestamp_is_still_an_event(timestamp: object) -> None:
    raw = stream_start(timestamp=timestamp, eventType="chime:SomethingNew")
    event = parse_event(raw)
    assert isinstance(event, UnknownEvent) and event.timestamp is None


def test_json_nested_too_deeply_is_a_parse_error() -> None:
    with pytest.raises(EventParseError) as caught:
        parse_event("[" * 100_000 + "]" * 100_000)
    assert caught.value.field == "$"
