"""The demo's meeting-audio steps on the in-process local endpoint: a meeting with two attendees
whose media stream pipeline writes a test tone per attendee, and each attendee's audio read back
through the events and `follow_event` (decoded, and its tone measured, with the audio extra)."""

from __future__ import annotations

import array
import itertools
import statistics
import sys
from collections.abc import Iterable, Mapping, Sequence

import attrs

from .events import KinesisVideoStreamEnd, KinesisVideoStreamStart, parse_event
from .kinesisvideo import KinesisVideo
from .media import AudioSpecificConfig, Frame, MissingExtraError, decode_aac
from .meetings import CreateAttendeeRequest, CreateMeetingRequest, Meetings
from .workflows import follow_event

__all__ = ["ATTENDEES", "AttendeeAudio", "local_meeting", "read_back"]

ATTENDEES = ("alice", "bob")


@attrs.frozen
class AttendeeAudio:
    """What was read back of one attendee's stream."""

    who: str
    fragments: int
    seconds: float
    sample_rate: int
    frequency: float | None
    """The tone's frequency in Hz, from the decoded PCM; None without the audio extra."""


def local_meeting(meetings: Meetings, region: str) -> str:
    """A meeting with the two attendees; its ARN."""
    meeting = meetings.create_meeting(
        CreateMeetingRequest(
            client_request_token="kvs-chime-demo", media_region=region, external_meeting_id="demo"
        )
    ).meeting
    for who in ATTENDEES:
        meetings.create_attendee(CreateAttendeeRequest(meeting_id=meeting.meeting_id, external_user_id=who))
    return meeting.meeting_arn


def read_back(kv: KinesisVideo, events: Iterable[Mapping[str, object]]) -> list[AttendeeAudio]:
    """Each attendee's stream, as the pipeline's start and end events name it, read to its end."""
    starts: dict[str, KinesisVideoStreamStart] = {}
    ends: dict[str, KinesisVideoStreamEnd] = {}
    for event in map(parse_event, events):
        if isinstance(event, KinesisVideoStreamStart):
            starts[event.kinesis_video_stream_arn] = event
        elif isinstance(event, KinesisVideoStreamEnd):
            ends[event.kinesis_video_stream_arn] = event
    got: list[AttendeeAudio] = []
    for arn, started in sorted(starts.items(), key=lambda item: item[1].external_user_id):
        frames: list[Frame] = []
        codec_private, count = b"", 0
        for fragment in follow_event(kv, started, ends.get(arn)):
            track = fragment.audio_track
            if track is None:
                continue
            codec_private, count = track.codec_private, count + 1
            frames.extend(fragment.frames_of(track.number))
        if not frames:
            continue
        config = AudioSpecificConfig.parse(codec_private)
        seconds = len(frames) * config.frame_length / config.sampling_frequency
        frequency = _tone(codec_private, frames, config.output_sample_rate)
        who = started.external_user_id or "mixed audio"
        got.append(AttendeeAudio(who, count, seconds, config.sampling_frequency, frequency))
    return got


def _tone(codec_private: bytes, frames: list[Frame], sample_rate: int) -> float | None:
    """The frequency of a pure tone, decoded: None without the audio extra."""
    try:
        pcm = b"".join(decode_aac(codec_private, (f.data for f in frames), channels=1))
    except MissingExtraError:
        return None
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) // 2 * 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return tone_frequency(samples, sample_rate)


def tone_frequency(samples: Sequence[int], sample_rate: int) -> float | None:
    """A pure tone's frequency from its periods: the time between consecutive upward zero
    crossings, each placed between two samples by linear interpolation.

    The decoded stream is not one unbroken tone: the encoder's silence before the tone (AAC
    priming, ~0.02 s) and the joins between fragments break it. Dividing the swings by the whole
    length counted those gaps as time and read 434 Hz for 440. So the periods that differ from
    the median period by more than 5% (those spanning a gap) are left out, and the frequency is
    the sample rate over the mean of the others (to within 0.1 Hz on the committed tones). A
    crossing counts once the signal then rises above +10% of its peak (from below -10%), so coding
    noise near zero is not a period.
    """
    if len(samples) < 2:
        return None
    threshold = max(abs(v) for v in samples) // 10
    crossings: list[float] = []
    last_crossing, high = None, samples[0] > 0
    for index in range(1, len(samples)):
        before, value = samples[index - 1], samples[index]
        if before < 0 <= value:
            last_crossing = index - 1 + before / (before - value)
        if high and value < -threshold:
            high = False
        elif not high and value > threshold:
            high = True
            if last_crossing is not None:
                crossings.append(last_crossing)
    periods = [later - earlier for earlier, later in itertools.pairwise(crossings)]
    if not periods:
        return None
    typical = statistics.median(periods)
    steady = [p for p in periods if abs(p - typical) <= 0.05 * typical]
    return sample_rate / statistics.fmean(steady)
