"""Parse an EventBridge event (a dict, or its JSON text as Lambda, SQS or a file gives it) into
the typed events of `_types`.

The rules: an event type or source this version does not know is an `UnknownEvent`, never an
error; unknown detail members are kept in `unknown_fields`; a known event whose documented
member is missing or of the wrong type is an `EventParseError` naming that member.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from ..errors import KvsChimeError
from ._types import (
    ChimeEvent,
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
)

__all__ = ["PIPELINE_DETAIL_TYPE", "POOL_DETAIL_TYPE", "SOURCE", "EventParseError", "parse_event"]

SOURCE = "aws.chime"
PIPELINE_DETAIL_TYPE = "Chime Media Pipeline State Change"
POOL_DETAIL_TYPE = "Chime Media Pipeline Kinesis Video Pool State Change"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class EventParseError(KvsChimeError, ValueError):
    """An event that cannot be what it says it is. `field` is the member's path in the event
    (`detail.startFragmentNumber`), `rule` what it broke; `event` is what was given, whole."""

    def __init__(self, field: str, rule: str, event: object = None) -> None:
        self.field: str = field
        self.rule: str = rule
        self.event: object = event
        super().__init__(f"{field}: {rule}")

    def __reduce__(self) -> tuple[type[EventParseError], tuple[str, str, object]]:
        return type(self), (self.field, self.rule, self.event)


_PIPELINE_TYPES: dict[str, type[MediaPipelineEvent]] = {
    "chime:MediaPipelineInProgress": MediaPipelineInProgress,
    "chime:MediaPipelineDeleted": MediaPipelineDeleted,
    "chime:MediaPipelineTemporaryFailure": MediaPipelineTemporaryFailure,
    "chime:MediaPipelineResumed": MediaPipelineResumed,
    "chime:MediaPipelinePermanentFailure": MediaPipelinePermanentFailure,
    "chime:MediaPipelineKinesisVideoStreamStart": KinesisVideoStreamStart,
    "chime:MediaPipelineKinesisVideoStreamEnd": KinesisVideoStreamEnd,
}
_POOL_TYPES: dict[str, type[StreamPoolEvent]] = {
    "chime:MediaPipelineKinesisVideoStreamPoolActive": StreamPoolActive,
    "chime:MediaPipelineKinesisVideoStreamPoolUpdated": StreamPoolUpdated,
    "chime:MediaPipelineKinesisVideoStreamPoolDeleted": StreamPoolDeleted,
    "chime:MediaPipelineKinesisVideoStreamPoolTemporaryFailure": StreamPoolTemporaryFailure,
    "chime:MediaPipelineKinesisVideoStreamPoolPermanentFailure": StreamPoolPermanentFailure,
}

# detail member -> (attribute, converter, required) per family; `eventType` and `timestamp`
# are read for every event.
_Converter = Callable[[str, object, object], object]


def _str(path: str, value: object, event: object) -> str:
    if not isinstance(value, str):
        raise EventParseError(path, f"must be a string, got {type(value).__name__}", event)
    return value


def _nonempty(path: str, value: object, event: object) -> str:
    text = _str(path, value, event)
    if not text:
        raise EventParseError(path, "must not be empty", event)
    return text


def _fragment_number(path: str, value: object, event: object) -> str:
    text = _str(path, value, event)
    if not text.isdigit() or not text.isascii():
        raise EventParseError(path, "must be a fragment number (decimal digits)", event)
    return text


_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?"
)


def _time(path: str, value: object, event: object) -> datetime:
    text = _str(path, value, event)
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise EventParseError(path, f"must be an ISO 8601 date-time, got {text!r}", event)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")[:6]),
            tzinfo=timezone.utc,
        )
    except ValueError as exc:
        raise EventParseError(path, f"is not a valid date-time: {exc}", event) from None
    # EventBridge writes UTC ("Z"); an offset is honoured, a missing zone read as UTC.
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def _millis(path: str, value: object, event: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise EventParseError(path, f"must be epoch milliseconds (an integer), got {value!r}", event)
    if value < 0:
        raise EventParseError(path, f"must not be negative, got {value}", event)
    return value


_COMMON: dict[str, tuple[str, _Converter, bool]] = {
    "mediaPipelineId": ("media_pipeline_id", _nonempty, True),
    "meetingId": ("meeting_id", _str, False),
    "externalMeetingId": ("external_meeting_id", _str, False),
    "mediaRegion": ("media_region", _str, False),
    "version": ("version", _str, False),
}
_STREAM: dict[str, tuple[str, _Converter, bool]] = {
    **_COMMON,
    "attendeeId": ("attendee_id", _str, False),
    "externalUserId": ("external_user_id", _str, False),
    "kinesisVideoStreamArn": ("kinesis_video_stream_arn", _nonempty, True),
    "startFragmentNumber": ("start_fragment_number", _fragment_number, True),
    "startTime": ("start_time", _time, True),
}
_STREAM_END: dict[str, tuple[str, _Converter, bool]] = {
    **_STREAM,
    "endFragmentNumber": ("end_fragment_number", _fragment_number, True),
    "endTime": ("end_time", _time, True),
}
_POOL: dict[str, tuple[str, _Converter, bool]] = {
    "poolArn": ("pool_arn", _nonempty, True),
    "mediaRegion": ("media_region", _str, False),
}


def _fields(
    detail: Mapping[str, object], spec: Mapping[str, tuple[str, _Converter, bool]], event: object
) -> tuple[dict[str, Any], dict[str, object]]:
    values: dict[str, Any] = {}
    unknown: dict[str, object] = {}
    for key, value in detail.items():
        if key in ("eventType", "timestamp"):
            continue
        known = spec.get(key)
        if known is None:
            unknown[key] = value
        elif value is not None:
            values[known[0]] = known[1](f"detail.{key}", value, event)
    for key, (attribute, _, required) in spec.items():
        if required and attribute not in values:
            raise EventParseError(f"detail.{key}", "is required", event)
    return values, unknown


def _load(event: Mapping[str, object] | str | bytes | bytearray) -> Mapping[str, object]:
    if isinstance(event, (str, bytes, bytearray)):
        try:
            loaded = json.loads(event)
        except (ValueError, UnicodeDecodeError) as exc:
            raise EventParseError("$", f"is not JSON: {exc}", event) from None
        event = loaded
    if not isinstance(event, Mapping):
        raise EventParseError("$", f"must be a JSON object, got {type(event).__name__}", event)
    return event


def parse_event(event: Mapping[str, object] | str | bytes | bytearray) -> ChimeEvent:
    """Parse one EventBridge event into its typed value.

    Media pipeline events give a `MediaPipelineEvent` subclass (`KinesisVideoStreamStart`,
    `MediaPipelineDeleted`, ...), pool events a `StreamPoolEvent` subclass, anything else
    (another source, a new event type) an `UnknownEvent` holding the detail. Raises
    `EventParseError` naming the member when the event is not an EventBridge event, or a known
    event lacks a documented member or has one of the wrong type.
    """
    raw = _load(event)
    detail_type = _str("detail-type", raw.get("detail-type"), raw) if "detail-type" in raw else None
    if detail_type is None:
        raise EventParseError("detail-type", "is required (not an EventBridge event)", raw)
    source = _str("source", raw["source"], raw) if "source" in raw else None
    if source is None:
        raise EventParseError("source", "is required (not an EventBridge event)", raw)
    detail = raw.get("detail")
    if not isinstance(detail, Mapping):
        raise EventParseError("detail", "must be an object", raw)
    detail_map: Mapping[str, object] = detail  # pyright: ignore[reportUnknownVariableType]  # keys are str in JSON
    envelope: dict[str, Any] = {
        "detail_type": detail_type,
        "source": source,
        "raw": raw,
    }
    for key in ("id", "account", "region"):
        if raw.get(key) is not None:
            envelope[key] = _str(key, raw[key], raw)
    if raw.get("time") is not None:
        envelope["time"] = _time("time", raw["time"], raw)
    resources = raw.get("resources")
    if resources is not None:
        if not isinstance(resources, list):
            raise EventParseError("resources", "must be a list of strings", raw)
        items = cast("list[object]", resources)
        envelope["resources"] = tuple(_str(f"resources[{i}]", r, raw) for i, r in enumerate(items))
    event_type = detail_map.get("eventType")
    envelope["event_type"] = event_type if isinstance(event_type, str) else ""
    known: type[ChimeEvent] | None = None
    spec: Mapping[str, tuple[str, _Converter, bool]] = {}
    if source == SOURCE and isinstance(event_type, str):
        if detail_type == PIPELINE_DETAIL_TYPE and event_type in _PIPELINE_TYPES:
            known = _PIPELINE_TYPES[event_type]
            spec = _COMMON
            if known is KinesisVideoStreamStart:
                spec = _STREAM
            elif known is KinesisVideoStreamEnd:
                spec = _STREAM_END
        elif detail_type == POOL_DETAIL_TYPE and event_type in _POOL_TYPES:
            known = _POOL_TYPES[event_type]
            spec = _POOL
    if known is None:
        timestamp = detail_map.get("timestamp")
        if isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp >= 0:
            envelope["timestamp_ms"] = timestamp
            envelope["timestamp"] = _EPOCH + timedelta(milliseconds=timestamp)
        return UnknownEvent(**envelope, detail=dict(detail_map))
    if detail_map.get("timestamp") is None:
        raise EventParseError("detail.timestamp", "is required", raw)
    millis = _millis("detail.timestamp", detail_map["timestamp"], raw)
    envelope["timestamp_ms"] = millis
    envelope["timestamp"] = _EPOCH + timedelta(milliseconds=millis)
    values, unknown = _fields(detail_map, spec, raw)
    return known(**envelope, **values, unknown_fields=unknown)
