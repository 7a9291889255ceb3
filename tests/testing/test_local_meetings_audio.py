"""Meetings, and media stream pipelines writing their audio and events, on the local endpoint."""

from __future__ import annotations

import importlib.util
import itertools
import json
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kvs_chime.events import KinesisVideoStreamEnd, KinesisVideoStreamStart, parse_event
from kvs_chime.media import Fragment, iter_fragments
from kvs_chime.testing import LocalEndpoint, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(10.0)


@pytest.fixture
def ep(clock: ManualClock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0.5, clock=clock) as endpoint:
        yield endpoint


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_meetings_and_attendees(ep: LocalEndpoint) -> None:
    chime = ep.client("chime-sdk-meetings")
    meeting = chime.create_meeting(
        ClientRequestToken="tok-1", MediaRegion="us-east-1", ExternalMeetingId="standup"
    )["Meeting"]
    again = chime.create_meeting(
        ClientRequestToken="tok-1", MediaRegion="us-east-1", ExternalMeetingId="standup"
    )
    assert again["Meeting"]["MeetingId"] == meeting["MeetingId"]
    assert meeting["MeetingArn"].endswith(":meeting/" + meeting["MeetingId"])
    meeting_id = meeting["MeetingId"]
    alice = chime.create_attendee(MeetingId=meeting_id, ExternalUserId="alice")["Attendee"]
    assert alice["Capabilities"] == {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}
    assert (
        chime.create_attendee(MeetingId=meeting_id, ExternalUserId="alice")["Attendee"]["AttendeeId"]
        == alice["AttendeeId"]
    )
    batch = chime.batch_create_attendee(
        MeetingId=meeting_id, Attendees=[{"ExternalUserId": f"user-{i}"} for i in range(3)]
    )
    assert len(batch["Attendees"]) == 3 and batch["Errors"] == []
    first = chime.list_attendees(MeetingId=meeting_id, MaxResults=2)
    second = chime.list_attendees(MeetingId=meeting_id, NextToken=first["NextToken"])
    assert len(first["Attendees"]) + len(second["Attendees"]) == 4
    assert (
        chime.get_attendee(MeetingId=meeting_id, AttendeeId=alice["AttendeeId"])["Attendee"]["ExternalUserId"]
        == "alice"
    )
    chime.delete_attendee(MeetingId=meeting_id, AttendeeId=alice["AttendeeId"])
    with pytest.raises(ClientError) as gone:
        chime.get_attendee(MeetingId=meeting_id, AttendeeId=alice["AttendeeId"])
    assert _code(gone) == "NotFoundException"

    chime.tag_resource(ResourceARN=meeting["MeetingArn"], Tags=[{"Key": "team", "Value": "a"}])
    assert chime.list_tags_for_resource(ResourceARN=meeting["MeetingArn"])["Tags"] == [
        {"Key": "team", "Value": "a"}
    ]
    chime.untag_resource(ResourceARN=meeting["MeetingArn"], TagKeys=["team"])
    assert chime.list_tags_for_resource(ResourceARN=meeting["MeetingArn"])["Tags"] == []
    with pytest.raises(ClientError) as bad_region:
        chime.create_meeting(ClientRequestToken="tok-2", MediaRegion="mars-north-1", ExternalMeetingId="xy")
    assert _code(bad_region) == "BadRequestException"
    chime.delete_meeting(MeetingId=meeting_id)
    with pytest.raises(ClientError) as ended:
        chime.get_meeting(MeetingId=meeting_id)
    assert _code(ended) == "NotFoundException"


def _pipeline(
    ep: LocalEndpoint, clock: ManualClock, kind: str, people: int = 2
) -> tuple[str, str, list[dict[str, Any]]]:
    chime = ep.client("chime-sdk-meetings")
    meeting = chime.create_meeting(
        ClientRequestToken="mtg", MediaRegion="us-east-1", ExternalMeetingId="standup"
    )["Meeting"]
    attendees = chime.batch_create_attendee(
        MeetingId=meeting["MeetingId"],
        Attendees=[{"ExternalUserId": name} for name in ("alice", "bob")[:people]],
    )["Attendees"]
    pipelines = ep.client("chime-sdk-media-pipelines")
    pool = pipelines.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="audio", StreamConfiguration={"Region": "us-east-1", "DataRetentionInHours": 24}
    )["KinesisVideoStreamPoolConfiguration"]
    clock.advance(1)
    pipeline = pipelines.create_media_stream_pipeline(
        Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": meeting["MeetingArn"]}],
        Sinks=[
            {
                "SinkArn": pool["PoolArn"],
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": people,
                "MediaStreamType": kind,
            }
        ],
    )["MediaStreamPipeline"]
    return pipeline["MediaPipelineId"], meeting["MeetingId"], attendees


def _read(ep: LocalEndpoint, arn: str, start: str) -> list[Fragment]:
    kv = ep.client("kinesisvideo")
    url = kv.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA")["DataEndpoint"]
    media = ep.client("kinesis-video-media", endpoint_url=url)
    payload = media.get_media(
        StreamARN=arn, StartSelector={"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": start}
    )["Payload"]
    return list(iter_fragments(payload.iter_chunks(8192)))


def test_individual_audio_writes_a_stream_per_attendee_with_events(
    ep: LocalEndpoint, clock: ManualClock
) -> None:
    pipeline_id, meeting_id, attendees = _pipeline(ep, clock, "IndividualAudio")
    ep.fast_forward(5)
    ep.client("chime-sdk-media-pipelines").delete_media_pipeline(MediaPipelineId=pipeline_id)
    ep.fast_forward(1)
    events = [parse_event(e) for e in ep.events.events()]
    kinds = [e.event_type for e in events]
    assert kinds[:2] == ["chime:MediaPipelineKinesisVideoStreamPoolActive", "chime:MediaPipelineInProgress"]
    assert kinds[-1] == "chime:MediaPipelineDeleted"
    starts = [e for e in events if isinstance(e, KinesisVideoStreamStart)]
    ends = {e.kinesis_video_stream_arn: e for e in events if isinstance(e, KinesisVideoStreamEnd)}
    assert {s.attendee_id for s in starts} == {a["AttendeeId"] for a in attendees}
    assert set(ends) == {s.kinesis_video_stream_arn for s in starts}
    names = {a["AttendeeId"]: a["ExternalUserId"] for a in attendees}
    for start in starts:
        assert ":stream/ChimeMediaPipelines-" in start.kinesis_video_stream_arn
        fragments = _read(ep, start.kinesis_video_stream_arn, start.start_fragment_number)
        assert fragments[0].fragment_number == start.start_fragment_number
        assert fragments[-1].fragment_number == ends[start.kinesis_video_stream_arn].end_fragment_number
        numbers = [int(f.fragment_number or 0) for f in fragments]
        # InProgress at 11.5 s, deleted at 16 s (gone, Stopping over, at 16.5 s): 4.5 s of audio,
        # the last fragment short.
        assert numbers == sorted(numbers) and len(fragments) == 5
        for fragment in fragments:
            assert fragment.meeting_id == meeting_id and fragment.external_meeting_id == "standup"
            assert fragment.attendee_id == start.attendee_id
            assert fragment.external_user_id == names[start.attendee_id or ""]
            assert (fragment.sample_rate, fragment.channels) == (48000, 1)
        stamps = [f.frames[0].timestamp_ns for f in fragments]
        assert stamps == sorted(stamps)


def test_mixed_audio_is_one_stream_and_failures_are_reported(ep: LocalEndpoint, clock: ManualClock) -> None:
    pipeline_id, _, _ = _pipeline(ep, clock, "MixedAudio")
    ep.fast_forward(2)
    ep.fail_media_pipeline(pipeline_id, seconds=3)
    ep.fast_forward(4)
    ep.fail_media_pipeline(pipeline_id, permanent=True)
    kinds = [e["detail"]["eventType"] for e in ep.events.events()]
    assert kinds == [
        "chime:MediaPipelineKinesisVideoStreamPoolActive",
        "chime:MediaPipelineInProgress",
        "chime:MediaPipelineKinesisVideoStreamStart",
        "chime:MediaPipelineTemporaryFailure",
        "chime:MediaPipelineResumed",
        "chime:MediaPipelinePermanentFailure",
        "chime:MediaPipelineKinesisVideoStreamEnd",
    ]
    start = ep.events.events("MediaPipelineKinesisVideoStreamStart")[0]["detail"]
    assert start["attendeeId"] == ""
    fragments = _read(ep, start["kinesisVideoStreamArn"], start["startFragmentNumber"])
    assert all(f.attendee_id is None for f in fragments)
    seconds = [f.frames[0].timestamp_ns / 1e9 for f in fragments]
    assert max(b - a for a, b in itertools.pairwise(seconds)) > 2.5  # the temporary failure's gap
    status = ep.client("chime-sdk-media-pipelines").get_media_pipeline(MediaPipelineId=pipeline_id)
    assert status["MediaPipeline"]["MediaStreamPipeline"]["Status"] == "Failed"


def test_events_and_media_faults_over_the_admin_api(ep: LocalEndpoint, clock: ManualClock) -> None:
    pipeline_id, _, _ = _pipeline(ep, clock, "IndividualAudio", people=1)

    def admin(method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{ep.url}/_kvs_chime/{path}", data=data, method=method)
        with urllib.request.urlopen(request, timeout=5) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    admin("POST", "clock", {"advance": 3})
    seen = admin("GET", "events?type=MediaPipelineKinesisVideoStreamStart")
    assert len(seen["events"]) == 1 and seen["events"][0]["source"] == "aws.chime"
    assert admin("GET", f"events?after={seen['next']}")["events"] == []
    # Long polling: the answer waits for the event another thread's failure brings.
    mover = threading.Timer(0.2, ep.fail_media_pipeline, args=(pipeline_id,), kwargs={"seconds": 1})
    mover.start()
    polled = admin("GET", f"events?after={seen['next']}&wait=5")
    mover.join()
    assert [e["detail"]["eventType"] for e in polled["events"]] == ["chime:MediaPipelineTemporaryFailure"]
    clock.advance(1)
    resumed = admin("GET", f"events?after={polled['next']}&type=MediaPipelineResumed&wait=5")["events"]
    assert len(resumed) == 1
    assert admin("POST", "media-faults", {"kind": "drop_get_media", "after_fragments": 1})["pending"] == 1
    assert (
        admin("POST", "media-faults", {"kind": "delay_fragments", "seconds": 0.01, "times": 1})["pending"]
        == 2
    )
    assert admin("DELETE", "media-faults")["pending"] == 0
    admin("POST", "pipeline-failure", {"media_pipeline_id": pipeline_id, "seconds": 1})
    assert ep.events.events()[-1]["detail"]["eventType"] == "chime:MediaPipelineTemporaryFailure"


@pytest.mark.skipif(
    importlib.util.find_spec("av") is None, reason='needs the audio extra: pip install "kvs-chime[audio]"'
)
def test_each_stream_decodes_to_its_tone(ep: LocalEndpoint, clock: ManualClock) -> None:
    from kvs_chime.media import decode_aac

    from ..unit.test_aac import dominant_frequency

    pipeline_id, _, attendees = _pipeline(ep, clock, "IndividualAudio")
    ep.fast_forward(3)
    ep.client("chime-sdk-media-pipelines").delete_media_pipeline(MediaPipelineId=pipeline_id)
    ep.fast_forward(1)
    # Tones follow the order attendees joined: 440 Hz for the first, 660 Hz for the second.
    expected = {attendees[0]["AttendeeId"]: 440.0, attendees[1]["AttendeeId"]: 660.0}
    for event in ep.events.events("MediaPipelineKinesisVideoStreamStart"):
        detail = event["detail"]
        fragments = _read(ep, detail["kinesisVideoStreamArn"], detail["startFragmentNumber"])
        track = fragments[0].audio_track
        assert track is not None
        pcm = b"".join(decode_aac(track.codec_private, (f.data for g in fragments for f in g.frames)))
        # InProgress 0.5 s after the create, deleted 3 s after it: 2.5 s of audio (none while Stopping).
        assert abs(len(pcm) / 2 / 48000 - 2.5) < 0.1
        assert dominant_frequency(pcm, 48000) == expected[detail["attendeeId"]]


def test_moving_a_manual_clock_is_enough(ep: LocalEndpoint, clock: ManualClock) -> None:
    # No request after the clock moves: the endpoint's ticker writes the audio and the events.
    pipeline_id, _, _ = _pipeline(ep, clock, "MixedAudio")
    mark = len(ep.events)
    clock.advance(2)
    started = ep.events.wait_for(
        lambda e: e["detail"]["eventType"] == "chime:MediaPipelineKinesisVideoStreamStart", after=mark
    )
    assert started is not None and started["detail"]["mediaPipelineId"] == pipeline_id
    seen: list[str] = []
    unsubscribe = ep.events.subscribe(lambda e: seen.append(str(e["detail"]["eventType"])))
    pipelines = ep.client("chime-sdk-media-pipelines")
    pipelines.delete_media_pipeline(MediaPipelineId=pipeline_id)
    clock.advance(1)
    assert ep.events.wait_for(lambda e: e["detail"]["eventType"] == "chime:MediaPipelineDeleted") is not None
    pipelines.delete_media_pipeline_kinesis_video_stream_pool(Identifier="audio")
    clock.advance(1)
    assert (
        ep.events.wait_for(
            lambda e: e["detail"]["eventType"] == "chime:MediaPipelineKinesisVideoStreamPoolDeleted"
        )
        is not None
    )
    unsubscribe()
    assert seen == [
        "chime:MediaPipelineKinesisVideoStreamEnd",
        "chime:MediaPipelineDeleted",
        "chime:MediaPipelineKinesisVideoStreamPoolDeleted",
    ]
