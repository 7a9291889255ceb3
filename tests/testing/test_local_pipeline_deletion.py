"""A media stream pipeline's audio and events stop at its deletion (issue 25): deleted at t=6 s,
then the clock moved on, its stream holds 6 s of audio and its end and deleted events say 6 s."""

from __future__ import annotations

import pytest

from kvs_chime.media import iter_fragments
from kvs_chime.testing import LocalEndpoint, ManualClock

START = 1000.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def _mixed_pipeline(ep: LocalEndpoint) -> str:
    chime = ep.client("chime-sdk-meetings")
    meeting = chime.create_meeting(
        ClientRequestToken="mtg", MediaRegion="us-east-1", ExternalMeetingId="standup"
    )["Meeting"]
    chime.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="alice")
    pipelines = ep.client("chime-sdk-media-pipelines")
    pool = pipelines.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="audio", StreamConfiguration={"Region": "us-east-1", "DataRetentionInHours": 24}
    )["KinesisVideoStreamPoolConfiguration"]
    return str(
        pipelines.create_media_stream_pipeline(
            Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": meeting["MeetingArn"]}],
            Sinks=[
                {
                    "SinkArn": pool["PoolArn"],
                    "SinkType": "KinesisVideoStreamPool",
                    "ReservedStreamCapacity": 1,
                    "MediaStreamType": "MixedAudio",
                }
            ],
        )["MediaStreamPipeline"]["MediaPipelineId"]
    )


def _audio_seconds(ep: LocalEndpoint, arn: str) -> float:
    kv = ep.client("kinesisvideo")
    url = kv.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA")["DataEndpoint"]
    media = ep.client("kinesis-video-media", endpoint_url=url)
    payload = media.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "EARLIEST"})["Payload"]
    frames = [frame for fragment in iter_fragments(payload.iter_chunks(8192)) for frame in fragment.frames]
    # AAC at 48 kHz: 1024 samples a frame.
    return len(frames) * 1024 / 48000


@pytest.mark.parametrize("deletion_delay", [0.0, 0.5])
def test_audio_and_events_stop_at_the_deletion(clock: ManualClock, deletion_delay: float) -> None:
    with LocalEndpoint(activation_delay=0, deletion_delay=deletion_delay, clock=clock) as ep:
        pipeline_id = _mixed_pipeline(ep)  # InProgress at once: t = 0
        ep.fast_forward(6)
        ep.client("chime-sdk-media-pipelines").delete_media_pipeline(MediaPipelineId=pipeline_id)
        ep.fast_forward(1)
        events = {e["detail"]["eventType"]: e["detail"] for e in ep.events.events()}
        start = events["chime:MediaPipelineInProgress"]["timestamp"]
        end = events["chime:MediaPipelineKinesisVideoStreamEnd"]
        deleted = events["chime:MediaPipelineDeleted"]
        assert (end["timestamp"] - start) / 1000 == pytest.approx(6.0, abs=0.001)
        # Deleted once the Stopping state is over.
        assert (deleted["timestamp"] - start) / 1000 == pytest.approx(6.0 + deletion_delay, abs=0.001)
        seconds = _audio_seconds(ep, end["kinesisVideoStreamArn"])
        assert seconds == pytest.approx(6.0, abs=1024 / 48000)
