"""Typed EventBridge events of Chime SDK media pipelines and Kinesis Video Stream pools.

    event = parse_event(body)        # a dict, or its JSON text (Lambda, an SQS body)
    match event:
        case KinesisVideoStreamStart():
            ...  # event.kinesis_video_stream_arn, event.start_fragment_number, event.attendee_id
        case KinesisVideoStreamEnd():
            ...
        case UnknownEvent():
            ...  # another source or a new event type: kept whole in event.detail

Unknown event types and unknown members are kept, never an error; a known event with a missing
or mistyped documented member raises `EventParseError` naming it.
"""

from ._parse import PIPELINE_DETAIL_TYPE, POOL_DETAIL_TYPE, SOURCE, EventParseError, parse_event
from ._types import (
    ChimeEvent,
    KinesisVideoStreamEnd,
    KinesisVideoStreamEvent,
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
)

__all__ = [
    "PIPELINE_DETAIL_TYPE",
    "POOL_DETAIL_TYPE",
    "SOURCE",
    "ChimeEvent",
    "EventParseError",
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
    "parse_event",
]
