"""A meeting's audio read back through the readers, against the local endpoint's media: two
attendees, an IndividualAudio pipeline, the stream-start and stream-end events naming each
attendee's stream; live (`follow_stream`, also across dropped connections) and as a past range
(`read_stream_range`), sync and async, the same fragments every way."""

from __future__ import annotations

import datetime
import functools
import importlib.util
import io
from collections.abc import Iterator
from typing import Any

import pytest

from kvs_chime import KinesisVideo, MediaPipelines, Meetings
from kvs_chime.archived_media import FragmentSelector, FragmentSelectorType, TimestampRange
from kvs_chime.events import KinesisVideoStreamEnd, KinesisVideoStreamStart, parse_event
from kvs_chime.media import Fragment, iter_fragments
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    DeleteMediaPipelineRequest,
    KinesisVideoStreamConfiguration,
    MediaStreamSink,
    MediaStreamSource,
)
from kvs_chime.meetings import CreateAttendeeRequest, CreateMeetingRequest
from kvs_chime.stream_media import GetMediaRequest, KinesisVideoMedia, StartSelector, StartSelectorType
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.workflows import follow_event, follow_stream, read_stream_range

SECONDS = 10
MeetingAudio = tuple[LocalEndpoint, dict[str, tuple[KinesisVideoStreamStart, KinesisVideoStreamEnd]]]
"""The endpoint, and per attendee (external user id) the start and end events of its stream."""


@pytest.fixture(scope="module")
def meeting_audio() -> Iterator[
    tuple[LocalEndpoint, dict[str, tuple[KinesisVideoStreamStart, KinesisVideoStreamEnd]]]
]:
    """The endpoint, and per attendee (external user id) the start and end events of its stream."""
    with LocalEndpoint(activation_delay=0, clock=ManualClock()) as ep:
        session, url, region = ep.boto3_session(), ep.url, ep.region
        meetings = Meetings(session=session, endpoint_url=url, region_name=region)
        media = MediaPipelines(session=session, endpoint_url=url, region_name=region)
        meeting = meetings.create_meeting(
            CreateMeetingRequest(
                client_request_token="read-back", media_region=region, external_meeting_id="read-back"
            )
        ).meeting
        assert meeting is not None and meeting.meeting_id is not None and meeting.meeting_arn is not None
        for name in ("alice", "bob"):
            meetings.create_attendee(
                CreateAttendeeRequest(meeting_id=meeting.meeting_id, external_user_id=name)
            )
        pool = media.create_media_pipeline_kinesis_video_stream_pool(
            CreateMediaPipelineKinesisVideoStreamPoolRequest(
                pool_name="read-back",
                stream_configuration=KinesisVideoStreamConfiguration(
                    region=region, data_retention_in_hours=24
                ),
            )
        ).kinesis_video_stream_pool_configuration
        assert pool is not None and pool.pool_arn is not None
        pipeline = media.create_media_stream_pipeline(
            CreateMediaStreamPipelineRequest(
                sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=meeting.meeting_arn)],
                sinks=[
                    MediaStreamSink(
                        sink_arn=pool.pool_arn,
                        sink_type="KinesisVideoStreamPool",
                        reserved_stream_capacity=2,
                        media_stream_type="IndividualAudio",
                    )
                ],
            )
        ).media_stream_pipeline
        assert pipeline is not None
        ep.fast_forward(SECONDS)
        media.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=pipeline.media_pipeline_id))
        for name in ("alice", "bob"):  # the streams end as the deletion takes effect
            assert ep.events.wait_for(functools.partial(_ends, name=name)) is not None

        starts: dict[str, KinesisVideoStreamStart] = {}
        ends: dict[str, KinesisVideoStreamEnd] = {}
        for event in map(parse_event, ep.events.events()):
            if isinstance(event, KinesisVideoStreamStart):
                starts[event.external_user_id] = event
            elif isinstance(event, KinesisVideoStreamEnd):
                ends[event.external_user_id] = event
        assert set(starts) == set(ends) == {"alice", "bob"}
        yield ep, {name: (starts[name], ends[name]) for name in starts}


def _ends(event: dict[str, Any], name: str) -> bool:
    detail = event.get("detail") or {}
    return (
        detail.get("eventType") == "chime:MediaPipelineKinesisVideoStreamEnd"
        and detail.get("externalUserId") == name
    )


def kinesis_video(ep: LocalEndpoint) -> KinesisVideo:
    return KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name=ep.region)


def at(event: KinesisVideoStreamStart) -> StartSelector:
    # The fragment a stream-start event names is the stream's first.
    return StartSelector(
        start_selector_type=StartSelectorType.FRAGMENT_NUMBER,
        after_fragment_number=event.start_fragment_number,
    )


def summary(fragments: list[Fragment]) -> list[tuple[str | None, int, str | None]]:
    return [(f.fragment_number, len(f.frames), f.external_user_id) for f in fragments]


def test_each_attendees_stream_read_live_to_its_end_event(meeting_audio: MeetingAudio) -> None:
    ep, streams = meeting_audio
    kv = kinesis_video(ep)
    for name, (start, end) in streams.items():
        fragments = list(follow_event(kv, start, end))  # the stream as the events name it
        assert fragments[0].fragment_number == start.start_fragment_number
        assert fragments[-1].fragment_number == end.end_fragment_number
        assert {f.external_user_id for f in fragments} == {name}
        numbers = [int(f.fragment_number or 0) for f in fragments]
        assert numbers == sorted(set(numbers))  # in order, each once
        seconds = sum(len(f.frames) for f in fragments) * 1024 / (fragments[0].sample_rate or 48000)
        assert SECONDS - 1 <= seconds <= SECONDS + 1


def test_dropped_connections_resume_without_loss_or_duplicate(
    meeting_audio: MeetingAudio,
) -> None:
    ep, streams = meeting_audio
    kv = kinesis_video(ep)
    start, end = streams["alice"]
    arn = start.kinesis_video_stream_arn

    def read() -> list[Fragment]:
        follow = follow_stream(
            kv, arn, start=at(start), end_fragment_number=end.end_fragment_number, sleep=lambda _: None
        )
        return list(follow)

    whole = read()
    ep.media_faults.drop_get_media(after_fragments=2, times=3)  # three cuts, each mid-fragment
    resumed = read()
    assert ep.media_faults.pending() == 0  # every cut happened
    assert summary(resumed) == summary(whole)
    assert [f.frames for f in resumed] == [f.frames for f in whole]  # frame for frame


def test_answers_ending_cleanly_inside_a_fragment_lose_no_audio(
    meeting_audio: MeetingAudio,
) -> None:
    # Each answer ends with no transport error at an element boundary inside a fragment, before
    # its closing tags: that fragment is not handed over as it stands but read again whole and
    # handed over once, and each resume starts from the last whole fragment's continuation token.
    ep, streams = meeting_audio
    kv = kinesis_video(ep)
    start, end = streams["alice"]
    arn = start.kinesis_video_stream_arn

    def read() -> list[Fragment]:
        follow = follow_stream(
            kv, arn, start=at(start), end_fragment_number=end.end_fragment_number, sleep=lambda _: None
        )
        return list(follow)

    whole = read()
    ep.media_faults.drop_get_media(after_fragments=2, times=3, clean=True)
    resumed = read()
    assert ep.media_faults.pending() == 0  # every cut happened
    assert summary(resumed) == summary(whole)
    assert [f.frames for f in resumed] == [f.frames for f in whole]
    assert all(not f.truncated and f.continuation_token == f.fragment_number for f in resumed)


def test_a_past_range_reads_the_same_fragments_as_following(
    meeting_audio: MeetingAudio,
) -> None:
    ep, streams = meeting_audio
    kv = kinesis_video(ep)
    start, end = streams["bob"]
    arn = start.kinesis_video_stream_arn
    live = list(follow_stream(kv, arn, start=at(start), end_fragment_number=end.end_fragment_number))
    hour = datetime.timedelta(hours=1)
    selector = FragmentSelector(
        fragment_selector_type=FragmentSelectorType.SERVER_TIMESTAMP,
        timestamp_range=TimestampRange(
            start_timestamp=start.start_time - hour, end_timestamp=end.end_time + hour
        ),
    )
    past = list(read_stream_range(kv, arn, selector))
    assert summary(past) == summary(live)
    assert [f.frames for f in past] == [f.frames for f in live]


@pytest.mark.skipif(
    importlib.util.find_spec("av") is None,
    reason='needs PyAV (the audio extra): pip install "kvs-chime[audio]"',
)
def test_the_emulators_get_media_mkv_reads_the_same_in_pyav(
    meeting_audio: MeetingAudio,
) -> None:
    # FFmpeg's Matroska demuxer (through PyAV) reads the emulator's GetMedia answer: the
    # emulator's writer and the package's reader cannot share a mistake unseen.
    import av

    ep, streams = meeting_audio
    kv = kinesis_video(ep)
    start, _ = streams["bob"]
    arn = start.kinesis_video_stream_arn
    media = KinesisVideoMedia.for_stream(kv, stream_arn=arn)
    with media.get_media(GetMediaRequest(stream_arn=arn, start_selector=at(start))).payload as payload:
        body = payload.read()
    ours = list(iter_fragments([body], get_media=True))
    assert ours and not any(f.truncated for f in ours)
    frames = [frame for fragment in ours for frame in fragment.frames]
    track = ours[0].audio_track
    assert track is not None
    with av.open(io.BytesIO(body), format="matroska") as container:
        stream = container.streams.audio[0]
        context = stream.codec_context
        assert (context.name, context.sample_rate) == ("aac", track.sampling_frequency)
        assert context.layout.nb_channels == track.channels
        assert bytes(context.extradata or b"") == track.codec_private
        assert container.metadata["AWS_KINESISVIDEO_FRAGMENT_NUMBER"] == ours[0].fragment_number
        assert container.metadata["externalUserId"] == "bob"
        assert str(stream.time_base) == "1/1000"  # TimecodeScale: milliseconds
        packets = [(int(p.pts), bytes(p)) for p in container.demux(stream) if p.size]
    assert packets == [(f.timestamp_ns // 1_000_000, f.data) for f in frames]
