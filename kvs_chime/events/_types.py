"""Typed EventBridge events of Chime SDK media pipelines and Kinesis Video Stream pools.

Field names are the documented detail fields in snake_case. Every event keeps what it came
from: `raw` is the whole event as parsed, `unknown_fields` the detail members this version does
not know (a field the service adds later is never lost).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

__all__ = [
    "ChimeEvent",
    "KinesisVideoStreamEnd",
    "KinesisVideoStreamEvent",
    "KinesisVideoStreamStart",
    "MediaPipelineDeleted",
    "MediaPipelineEvent",
    "MediaPipelineInProgress",
    "MediaPipelinePermanentFailure",
    "MediaPipelineResumed",
    "MediaPipelineTemporaryFailure",
    "StreamPoolActive",
    "StreamPoolDeleted",
    "StreamPoolEvent",
    "StreamPoolPermanentFailure",
    "StreamPoolTemporaryFailure",
    "StreamPoolUpdated",
    "UnknownEvent",
]


@attrs.frozen(kw_only=True)
class ChimeEvent:
    """The EventBridge envelope, common to every event.

    `time` is the envelope's time; `timestamp` (detail, epoch milliseconds) when the service
    says the change happened, both aware UTC datetimes.
    """

    event_type: str
    """`detail.eventType`, e.g. `chime:MediaPipelineKinesisVideoStreamStart`."""
    detail_type: str
    source: str
    id: str | None = None
    account: str | None = None
    region: str | None = None
    time: datetime | None = None
    resources: tuple[str, ...] = ()
    timestamp: datetime | None = None
    timestamp_ms: int | None = None
    """`detail.timestamp` exactly as sent (epoch milliseconds)."""
    unknown_fields: Mapping[str, object] = attrs.field(factory=dict[str, object], hash=False, repr=False)
    raw: Mapping[str, object] = attrs.field(factory=dict[str, object], hash=False, repr=False)


@attrs.frozen(kw_only=True)
class UnknownEvent(ChimeEvent):
    """An event of a type (or from a source) this version does not know; `detail` holds it all."""

    detail: Mapping[str, object] = attrs.field(factory=dict[str, object], hash=False, repr=False)


@attrs.frozen(kw_only=True)
class MediaPipelineEvent(ChimeEvent):
    """`Chime Media Pipeline State Change`: a pipeline of a meeting changed state."""

    media_pipeline_id: str
    meeting_id: str | None = None
    external_meeting_id: str | None = None
    media_region: str | None = None
    version: str | None = None
    """`detail.version`, where sent."""


@attrs.frozen(kw_only=True)
class MediaPipelineInProgress(MediaPipelineEvent):
    """`chime:MediaPipelineInProgress`: the pipeline was created and is running."""


@attrs.frozen(kw_only=True)
class MediaPipelineDeleted(MediaPipelineEvent):
    """`chime:MediaPipelineDeleted`: the pipeline stopped and is gone."""


@attrs.frozen(kw_only=True)
class MediaPipelineTemporaryFailure(MediaPipelineEvent):
    """`chime:MediaPipelineTemporaryFailure`: the pipeline is failing and retrying."""


@attrs.frozen(kw_only=True)
class MediaPipelineResumed(MediaPipelineEvent):
    """`chime:MediaPipelineResumed`: the pipeline recovered from a temporary failure."""


@attrs.frozen(kw_only=True)
class MediaPipelinePermanentFailure(MediaPipelineEvent):
    """`chime:MediaPipelinePermanentFailure`: the pipeline failed and stopped."""


@attrs.frozen(kw_only=True)
class KinesisVideoStreamEvent(MediaPipelineEvent):
    """A media stream pipeline started or stopped writing audio into one stream of its pool.

    `attendee_id` and `external_user_id` are empty for the meeting's mixed audio.
    """

    kinesis_video_stream_arn: str
    start_fragment_number: str
    start_time: datetime
    attendee_id: str = ""
    external_user_id: str = ""

    @property
    def is_mixed_audio(self) -> bool:
        """True when the stream carries the meeting's mixed audio, not one attendee's."""
        return not self.attendee_id


@attrs.frozen(kw_only=True)
class KinesisVideoStreamStart(KinesisVideoStreamEvent):
    """`chime:MediaPipelineKinesisVideoStreamStart`: read the stream from `start_fragment_number`
    (or `start_time`)."""


@attrs.frozen(kw_only=True)
class KinesisVideoStreamEnd(KinesisVideoStreamEvent):
    """`chime:MediaPipelineKinesisVideoStreamEnd`: the audio in the stream runs from the start
    fragment to `end_fragment_number`."""

    end_fragment_number: str
    end_time: datetime


@attrs.frozen(kw_only=True)
class StreamPoolEvent(ChimeEvent):
    """`Chime Media Pipeline Kinesis Video Pool State Change`: a stream pool changed state."""

    pool_arn: str
    media_region: str | None = None


@attrs.frozen(kw_only=True)
class StreamPoolActive(StreamPoolEvent):
    """`chime:MediaPipelineKinesisVideoStreamPoolActive`: the pool was created and is usable."""


@attrs.frozen(kw_only=True)
class StreamPoolUpdated(StreamPoolEvent):
    """`chime:MediaPipelineKinesisVideoStreamPoolUpdated`."""


@attrs.frozen(kw_only=True)
class StreamPoolDeleted(StreamPoolEvent):
    """`chime:MediaPipelineKinesisVideoStreamPoolDeleted`."""


@attrs.frozen(kw_only=True)
class StreamPoolTemporaryFailure(StreamPoolEvent):
    """`chime:MediaPipelineKinesisVideoStreamPoolTemporaryFailure`."""


@attrs.frozen(kw_only=True)
class StreamPoolPermanentFailure(StreamPoolEvent):
    """`chime:MediaPipelineKinesisVideoStreamPoolPermanentFailure`."""
