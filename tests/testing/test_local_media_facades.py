"""The SDK's own facades for meetings and the media data plane, against the local endpoint:
a meeting, an IndividualAudio pipeline, then its audio read back through `KinesisVideoMedia`
and `KinesisVideoArchivedMedia` bound to the stream (each API on its own data endpoint)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kvs_chime import KinesisVideo, KinesisVideoArchivedMedia, KinesisVideoMedia, MediaPipelines, Meetings
from kvs_chime.archived_media import GetMediaForFragmentListRequest
from kvs_chime.events import KinesisVideoStreamStart, parse_event
from kvs_chime.media import read_fragments
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    DeleteMediaPipelineRequest,
    KinesisVideoStreamConfiguration,
    MediaStreamSink,
    MediaStreamSource,
)
from kvs_chime.meetings import BatchCreateAttendeeRequest, CreateAttendeeRequestItem, CreateMeetingRequest
from kvs_chime.stream_media import GetMediaRequest, StartSelector
from kvs_chime.testing import LocalEndpoint, ManualClock


@pytest.fixture
def ep() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0, clock=ManualClock(1.0)) as endpoint:
        yield endpoint


def test_facades_read_a_pipelines_audio_back(ep: LocalEndpoint) -> None:
    options = {"session": ep.boto3_session(), "endpoint_url": ep.url, "region_name": ep.region}
    meetings = Meetings(**options)
    pipelines = MediaPipelines(**options)
    kv = KinesisVideo(**options)
    meeting = meetings.create_meeting(
        CreateMeetingRequest(
            client_request_token="token-1", media_region="us-east-1", external_meeting_id="standup"
        )
    ).meeting
    assert meeting is not None and meeting.meeting_id is not None and meeting.meeting_arn is not None
    meetings.batch_create_attendee(
        BatchCreateAttendeeRequest(
            meeting_id=meeting.meeting_id,
            attendees=[CreateAttendeeRequestItem(external_user_id=name) for name in ("alice", "bob")],
        )
    )
    pool = pipelines.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            pool_name="audio",
            stream_configuration=KinesisVideoStreamConfiguration(
                region="us-east-1", data_retention_in_hours=24
            ),
        )
    ).kinesis_video_stream_pool_configuration
    assert pool is not None and pool.pool_arn is not None
    created = pipelines.create_media_stream_pipeline(
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
    )
    ep.fast_forward(3)
    # Stopped, so a reader that reaches the end is not kept waiting for more.
    assert created.media_stream_pipeline is not None
    pipelines.delete_media_pipeline(
        DeleteMediaPipelineRequest(media_pipeline_id=created.media_stream_pipeline.media_pipeline_id)
    )
    starts = [e for e in map(parse_event, ep.events.events()) if isinstance(e, KinesisVideoStreamStart)]
    assert len(starts) == 2
    for start in starts:
        arn = start.kinesis_video_stream_arn
        media = KinesisVideoMedia.for_stream(kv, stream_arn=arn)
        selector = StartSelector(
            start_selector_type="FRAGMENT_NUMBER", after_fragment_number=start.start_fragment_number
        )
        with media.get_media(GetMediaRequest(start_selector=selector)).payload as payload:
            live = list(read_fragments(payload))
        assert live[0].fragment_number == start.start_fragment_number
        assert {f.attendee_id for f in live} == {start.attendee_id}

        archive = KinesisVideoArchivedMedia.for_stream(kv, stream_arn=arn)
        numbers = sorted((f.fragment_number for f in archive.iter_fragments()), key=int)
        assert numbers == [f.fragment_number for f in live]
        listed = archive.get_media_for_fragment_list(GetMediaForFragmentListRequest(fragments=numbers))
        with listed.payload as payload:
            again = list(read_fragments(payload))
        assert [[fr.data for fr in f.frames] for f in again] == [[fr.data for fr in f.frames] for f in live]
