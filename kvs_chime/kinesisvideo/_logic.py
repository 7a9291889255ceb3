"""The Kinesis Video facades' decisions as steps (`_steps.py`): reconciled creates and waiters,
run by the sync facade (`KinesisVideo`) and the async one (`kvs_chime.aio.AsyncKinesisVideo`)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from .._bounded import remember
from .._steps import Steps, invoke
from .._waiter import Poll, wait
from ..errors import KvsChimeError, ReconciliationConflictError, ResourceNotFoundError
from ._operations import KinesisVideoOperations as Ops
from ._reconcile import channel_differences, stream_differences
from ._shapes import Status

# The request and response classes are imported in the functions that build them: imported
# here, they would define their modules' shapes whenever the facade is (see kvs_chime/_lazy.py).
if TYPE_CHECKING:
    from ._shapes import (
        APIName,
        ChannelInfo,
        CreateSignalingChannelRequest,
        CreateSignalingChannelResponse,
        CreateStreamRequest,
        CreateStreamResponse,
        StreamInfo,
    )

__all__ = [
    "DataEndpoints",
    "channel_active",
    "channel_deleted",
    "data_endpoint",
    "describe_channel",
    "reconcile_channel",
    "reconcile_stream",
    "stream_active",
    "stream_deleted",
]

_LOOKUP_FAILED: dict[str, tuple[object, object]] = {"exists": (True, False)}
Clock = Callable[[], float]


def _created_before(
    created: datetime.datetime | None, started: datetime.datetime
) -> dict[str, tuple[object, object]]:
    """Only a resource created at or after the call started can be the call's own."""
    if created is None:
        return {"creation_time": (started, None)}
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    return {"creation_time": (started, created)} if created < started else {}


def reconcile_channel(
    kv: object, request: CreateSignalingChannelRequest, started: datetime.datetime
) -> Steps[CreateSignalingChannelResponse]:
    from ._shapes import (
        CreateSignalingChannelResponse,
        DescribeSignalingChannelRequest,
        ListTagsForResourceRequest,
    )

    name = request.channel_name
    try:
        described = yield from invoke(
            kv, Ops.describe_signaling_channel, DescribeSignalingChannelRequest(channel_name=name)
        )
        info, tags = described.channel_info, None
        if request.tags:
            listed = yield from invoke(
                kv,
                Ops.list_tags_for_resource,
                ListTagsForResourceRequest(resource_arn=info.channel_arn),
            )
            tags = listed.tags
    except KvsChimeError as exc:
        raise ReconciliationConflictError("CreateSignalingChannel", name, _LOOKUP_FAILED) from exc
    differences = channel_differences(request, info, (tags or {}) if request.tags else None)
    differences.update(_created_before(info.creation_time, started))
    if differences:
        raise ReconciliationConflictError("CreateSignalingChannel", name, differences)
    return CreateSignalingChannelResponse(channel_arn=info.channel_arn)


def reconcile_stream(
    kv: object, request: CreateStreamRequest, started: datetime.datetime
) -> Steps[CreateStreamResponse]:
    from ._shapes import CreateStreamResponse, DescribeStreamRequest, ListTagsForStreamRequest

    name = request.stream_name
    try:
        described = yield from invoke(kv, Ops.describe_stream, DescribeStreamRequest(stream_name=name))
        info, tags = described.stream_info, None
        if request.tags:
            listed = yield from invoke(
                kv, Ops.list_tags_for_stream, ListTagsForStreamRequest(stream_arn=info.stream_arn)
            )
            tags = listed.tags
    except KvsChimeError as exc:
        raise ReconciliationConflictError("CreateStream", name, _LOOKUP_FAILED) from exc
    differences = stream_differences(request, info, (tags or {}) if request.tags else None)
    differences.update(_created_before(info.creation_time, started))
    if differences:
        raise ReconciliationConflictError("CreateStream", name, differences)
    return CreateStreamResponse(stream_arn=info.stream_arn)


# -- waiters -----------------------------------------------------------------------------------


def describe_channel(
    kv: object, channel_name: str | None, channel_arn: str | None
) -> Steps[ChannelInfo | None]:
    """The channel's info, or None when it does not exist."""
    from ._shapes import DescribeSignalingChannelRequest

    request = DescribeSignalingChannelRequest(channel_name=channel_name, channel_arn=channel_arn)
    try:
        return (yield from invoke(kv, Ops.describe_signaling_channel, request)).channel_info
    except ResourceNotFoundError:
        return None


def _describe_stream(kv: object, stream_name: str | None, stream_arn: str | None) -> Steps[StreamInfo | None]:
    from ._shapes import DescribeStreamRequest

    request = DescribeStreamRequest(stream_name=stream_name, stream_arn=stream_arn)
    try:
        return (yield from invoke(kv, Ops.describe_stream, request)).stream_info
    except ResourceNotFoundError:
        return None


def channel_active(
    kv: object, channel_name: str | None, channel_arn: str | None, poll: Poll | None, clock: Clock
) -> Steps[ChannelInfo]:
    info = yield from wait(
        "signaling channel active",
        lambda: describe_channel(kv, channel_name, channel_arn),
        done=lambda i: i is not None and i.channel_status == Status.ACTIVE,
        failure=lambda i: (
            "the channel is being deleted" if i and i.channel_status == Status.DELETING else None
        ),
        poll=poll or Poll(),
        clock=clock,
        must_appear=True,
    )
    assert info is not None  # done() accepted it
    return info


def channel_deleted(
    kv: object, channel_name: str | None, channel_arn: str | None, poll: Poll | None, clock: Clock
) -> Steps[None]:
    yield from wait(
        "signaling channel deleted",
        lambda: describe_channel(kv, channel_name, channel_arn),
        done=lambda i: i is None,
        failure=lambda i: None,
        poll=poll or Poll(),
        clock=clock,
    )


def stream_active(
    kv: object, stream_name: str | None, stream_arn: str | None, poll: Poll | None, clock: Clock
) -> Steps[StreamInfo]:
    info = yield from wait(
        "stream active",
        lambda: _describe_stream(kv, stream_name, stream_arn),
        done=lambda i: i is not None and i.status == Status.ACTIVE,
        failure=lambda i: "the stream is being deleted" if i and i.status == Status.DELETING else None,
        poll=poll or Poll(),
        clock=clock,
        must_appear=True,
    )
    assert info is not None  # done() accepted it
    return info


def stream_deleted(
    kv: object, stream_name: str | None, stream_arn: str | None, poll: Poll | None, clock: Clock
) -> Steps[None]:
    yield from wait(
        "stream deleted",
        lambda: _describe_stream(kv, stream_name, stream_arn),
        done=lambda i: i is None,
        failure=lambda i: None,
        poll=poll or Poll(),
        clock=clock,
    )


# -- data endpoints ------------------------------------------------------------------------------

_EndpointKey = tuple[str, str, str]  # ("arn" | "name", the stream's ARN or name, the API name)
_endpoints_lock = threading.Lock()


#: Endpoints a facade remembers: the most recently told (a program may read streams without
#: end; the oldest answer is the nearest to its expiry anyway).
ENDPOINTS_KEPT = 1024


class DataEndpoints:
    """The data endpoints a Kinesis Video facade has been told, per stream and API, each with
    when it was told (on the facade's clock), at most `ENDPOINTS_KEPT` of them. Shared by the
    facade's threads or tasks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[_EndpointKey, tuple[str, float]] = {}

    @staticmethod
    def of(kv: object) -> DataEndpoints:
        """`kv`'s cache, made on first use (kept on the facade, so it goes with it)."""
        with _endpoints_lock:
            cache = getattr(kv, "_data_endpoints", None)
            if cache is None:
                cache = DataEndpoints()
                kv._data_endpoints = cache  # type: ignore[attr-defined]  # the facades declare it
            return cast(DataEndpoints, cache)

    def get(self, key: _EndpointKey, now: float, ttl: float) -> str | None:
        with self._lock:
            found = self._found.get(key)
        return found[0] if found is not None and now - found[1] < ttl else None

    def put(self, key: _EndpointKey, endpoint: str, now: float) -> None:
        with self._lock:
            remember(self._found, key, (endpoint, now), limit=ENDPOINTS_KEPT)

    def forget(self, api_name: APIName | str | None, stream_arn: str | None, stream_name: str | None) -> None:
        """Drop a stream's endpoints (of one API, or all when `api_name` is None)."""
        identity = ("arn", stream_arn) if stream_arn is not None else ("name", stream_name or "")
        with self._lock:
            for key in [
                k for k in self._found if k[:2] == identity and (api_name is None or k[2] == str(api_name))
            ]:
                del self._found[key]


def data_endpoint(
    kv: object,
    api_name: APIName | str,
    stream_arn: str | None,
    stream_name: str | None,
    *,
    now: float,
    ttl: float,
) -> Steps[str]:
    """The stream's endpoint for `api_name`: from `kv`'s cache while younger than `ttl`, else
    asked of `GetDataEndpoint` and remembered."""
    from ._shapes import GetDataEndpointRequest

    if (stream_arn is None) == (stream_name is None):
        raise TypeError("data_endpoint(): pass exactly one of stream_arn= and stream_name=")
    key = ("arn" if stream_arn is not None else "name", stream_arn or stream_name or "", str(api_name))
    cache = DataEndpoints.of(kv)
    found = cache.get(key, now, ttl)
    if found is not None:
        return found
    response = yield from invoke(
        kv,
        Ops.get_data_endpoint,
        GetDataEndpointRequest(api_name=api_name, stream_arn=stream_arn, stream_name=stream_name),
    )
    cache.put(key, response.data_endpoint, now)
    return response.data_endpoint
