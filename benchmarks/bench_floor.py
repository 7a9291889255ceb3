"""Hand-written conversions: the practical pure-Python floor for what `kvs_chime._convert` does.

Each function builds exactly the attrs objects (or dict) the cattrs converter builds, with the same
checks the converter makes: scalars type-checked (a bool is not an integer), lists must be lists,
open enums map known values to members and keep unknown strings as `str`, unknown keys ignored,
`None` members left out of requests. Written the way a careful person would write them by hand
for these three shapes: direct dict look-ups, no generic dispatch.
"""

from __future__ import annotations

import datetime
from collections import deque
from collections.abc import Mapping
from itertools import repeat
from typing import Any

from kvs_chime.kinesisvideo import ChannelInfo, ChannelType, ListSignalingChannelsResponse, Status
from kvs_chime.kinesisvideo import SingleMasterConfiguration as KvsSingleMaster
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    CreateMediaStreamPipelineResponse,
    MediaPipelineSourceType,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)

_CHANNEL_TYPES = ChannelType._value2member_map_
_STATUSES = Status._value2member_map_
_SOURCE_TYPES = MediaPipelineSourceType._value2member_map_
_SINK_TYPES = MediaStreamPipelineSinkType._value2member_map_
_STREAM_TYPES = MediaStreamType._value2member_map_
_PIPELINE_STATUSES = MediaPipelineStatus._value2member_map_


def _bad(expected: str, value: object) -> TypeError:
    return TypeError(f"expected {expected}, got {type(value).__name__}")


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _bad("string", value)


def _req_str(value: object) -> str:
    if isinstance(value, str):
        return value
    raise _bad("string", value)


def _req_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad("integer", value)


def _opt_time(value: object) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value
    raise _bad("timestamp", value)


def _enum(known: Mapping[str, Any], value: object) -> Any:
    if isinstance(value, str):
        return known.get(value, value)
    raise _bad("string", value)


def _list(value: object) -> list[Any]:
    if isinstance(value, list):
        return value  # pyright: ignore[reportUnknownVariableType]
    raise _bad("list", value)


# -- CreateMediaStreamPipeline response ------------------------------------------------------------


def _source(raw: Mapping[str, Any]) -> MediaStreamSource:
    return MediaStreamSource(
        source_type=_enum(_SOURCE_TYPES, raw["SourceType"]), source_arn=_req_str(raw["SourceArn"])
    )


def _sink(raw: Mapping[str, Any]) -> MediaStreamSink:
    return MediaStreamSink(
        sink_arn=_req_str(raw["SinkArn"]),
        sink_type=_enum(_SINK_TYPES, raw["SinkType"]),
        reserved_stream_capacity=_req_int(raw["ReservedStreamCapacity"]),
        media_stream_type=_enum(_STREAM_TYPES, raw["MediaStreamType"]),
    )


def structure_create_pipeline(raw: Mapping[str, Any]) -> CreateMediaStreamPipelineResponse:
    p = raw.get("MediaStreamPipeline")
    if p is None:
        return CreateMediaStreamPipelineResponse()
    status = p.get("Status")
    sources = p.get("Sources")
    sinks = p.get("Sinks")
    return CreateMediaStreamPipelineResponse(
        media_stream_pipeline=MediaStreamPipeline(
            media_pipeline_id=_opt_str(p.get("MediaPipelineId")),
            media_pipeline_arn=_opt_str(p.get("MediaPipelineArn")),
            created_timestamp=_opt_time(p.get("CreatedTimestamp")),
            updated_timestamp=_opt_time(p.get("UpdatedTimestamp")),
            status=None if status is None else _enum(_PIPELINE_STATUSES, status),
            sources=None if sources is None else [_source(s) for s in _list(sources)],
            sinks=None if sinks is None else [_sink(s) for s in _list(sinks)],
        )
    )


# -- ListSignalingChannels page --------------------------------------------------------------------


def _channel(raw: Mapping[str, Any]) -> ChannelInfo:
    kind = raw.get("ChannelType")
    status = raw.get("ChannelStatus")
    single = raw.get("SingleMasterConfiguration")
    ttl = None if single is None else single.get("MessageTtlSeconds")
    return ChannelInfo(
        channel_name=_opt_str(raw.get("ChannelName")),
        channel_arn=_opt_str(raw.get("ChannelARN")),
        channel_type=None if kind is None else _enum(_CHANNEL_TYPES, kind),
        channel_status=None if status is None else _enum(_STATUSES, status),
        creation_time=_opt_time(raw.get("CreationTime")),
        single_master_configuration=None
        if single is None
        else KvsSingleMaster(message_ttl_seconds=None if ttl is None else _req_int(ttl)),
        version=_opt_str(raw.get("Version")),
    )


def structure_list_page(raw: Mapping[str, Any]) -> ListSignalingChannelsResponse:
    items = raw.get("ChannelInfoList")
    return ListSignalingChannelsResponse(
        channel_info_list=None if items is None else [_channel(c) for c in _list(items)],
        next_token=_opt_str(raw.get("NextToken")),
    )


# -- CreateMediaStreamPipeline request ---------------------------------------------------------------


def unstructure_create_pipeline(request: CreateMediaStreamPipelineRequest) -> dict[str, object]:
    out: dict[str, object] = {
        "Sources": [{"SourceType": s.source_type, "SourceArn": s.source_arn} for s in request.sources],
        "Sinks": [
            {
                "SinkArn": s.sink_arn,
                "SinkType": s.sink_type,
                "ReservedStreamCapacity": s.reserved_stream_capacity,
                "MediaStreamType": s.media_stream_type,
            }
            for s in request.sinks
        ],
    }
    if request.client_request_token is not None:
        out["ClientRequestToken"] = request.client_request_token
    if request.tags is not None:
        out["Tags"] = [{"Key": t.key, "Value": t.value} for t in request.tags]
    return out


# -- ListSignalingChannels page: the least work ---------------------------------------------------

_new = object.__new__
_CHANNEL_COLUMNS = [
    (wire, getattr(ChannelInfo, name).__set__, known)
    for wire, name, known in (
        ("ChannelName", "channel_name", None),
        ("ChannelARN", "channel_arn", None),
        ("ChannelType", "channel_type", _CHANNEL_TYPES),
        ("ChannelStatus", "channel_status", _STATUSES),
        ("CreationTime", "creation_time", None),
        ("Version", "version", None),
    )
]
_SET_SINGLE = ChannelInfo.single_master_configuration.__set__  # pyright: ignore[reportAttributeAccessIssue]
_SET_TTL = KvsSingleMaster.message_ttl_seconds.__set__  # pyright: ignore[reportAttributeAccessIssue]
_consume = deque[object](maxlen=0).extend  # runs an iterator to its end, keeping nothing
_get = dict[str, Any].get


def least_work_items(items: list[dict[str, Any]]) -> list[ChannelInfo]:
    """The same `ChannelInfo` objects as `structure_list_page`, built with the least Python work:
    no check at all, each member's column read and stored into its slot by builtins (`map`), with
    no bytecode run per item. What no typed iterator can go below, in CPython."""
    count = len(items)
    channels = list(map(_new, repeat(ChannelInfo, count)))
    for wire, store, known in _CHANNEL_COLUMNS:
        values = list(map(_get, items, repeat(wire, count)))
        if known is not None:
            values = list(map(known.get, values, values))
        _consume(map(store, channels, values))
    singles = list(map(_get, items, repeat("SingleMasterConfiguration", count)))
    configs = list(map(_new, repeat(KvsSingleMaster, count)))
    _consume(map(_SET_TTL, configs, map(_get, singles, repeat("MessageTtlSeconds", count))))
    _consume(map(_SET_SINGLE, channels, configs))
    return channels
