"""The Kinesis Video Streams facade: generated operations plus reconciled creates and waiters."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Mapping
from typing import ClassVar

from .._pipeline import Reconciler
from .._waiter import Poll
from ..errors import KvsChimeError, ReconciliationConflictError, ResourceNotFoundError
from ._operations import KinesisVideoOperations
from ._reconcile import channel_differences, stream_differences
from ._shapes import (
    APIName,
    ChannelInfo,
    CreateSignalingChannelRequest,
    CreateSignalingChannelResponse,
    CreateStreamRequest,
    CreateStreamResponse,
    DescribeSignalingChannelRequest,
    DescribeStreamRequest,
    GetDataEndpointRequest,
    ListTagsForResourceRequest,
    ListTagsForStreamRequest,
    Status,
    StreamInfo,
)

__all__ = ["KinesisVideo"]

_LOOKUP_FAILED: dict[str, tuple[object, object]] = {"exists": (True, False)}


def _created_before(
    created: datetime.datetime | None, started: datetime.datetime
) -> dict[str, tuple[object, object]]:
    """Only a resource created at or after the call started can be the call's own."""
    if created is None:
        return {"creation_time": (started, None)}
    if created.tzinfo is None:
        created = created.replace(tzinfo=datetime.timezone.utc)
    return {"creation_time": (started, created)} if created < started else {}


class KinesisVideo(KinesisVideoOperations):
    """Typed access to the Amazon Kinesis Video Streams API (signaling channels, streams).

    >>> kv = KinesisVideo(region_name="us-east-1")  # doctest: +SKIP
    >>> created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))  # doctest: +SKIP
    >>> kv.wait_until_signaling_channel_active(channel_arn=created.channel_arn).channel_status  # doctest: +SKIP
    <Status.ACTIVE: 'ACTIVE'>

    `create_signaling_channel` and `create_stream` have no idempotency token. When an attempt
    fails with its outcome unknown (timeout, dropped connection, HTTP 5xx) the facade retries,
    and if the retry finds the name taken it describes the existing resource: when it was
    created after the call started and matches what was asked, the call succeeds with its ARN
    (`last_call().reconciled` is True); otherwise `ReconciliationConflictError` names what
    differs (a resource older than the call is never this call's). A name taken on the first
    attempt stays a `ResourceInUseError`.
    """

    data_endpoint_ttl: ClassVar[float] = 600.0
    """Seconds `data_endpoint` keeps an answer (AWS publishes no validity for data endpoints)."""

    _endpoint_lock: ClassVar[threading.Lock] = threading.Lock()
    _data_endpoints: dict[tuple[str, str, str], tuple[str, float]] | None = None
    # Data-plane facades bound through this one (`for_stream`, `for_channel`): kept here, not in
    # a global, so they go with this facade (they refer to it: a cycle the collector frees).
    _bound_facades: dict[tuple[object, ...], object] | None = None

    def data_endpoint(
        self, api_name: APIName | str, *, stream_arn: str | None = None, stream_name: str | None = None
    ) -> str:
        """The stream's data endpoint for `api_name` (`GetDataEndpoint`), cached per stream and
        API for `data_endpoint_ttl` seconds on the facade's clock.

        Each data-plane API (GET_MEDIA, LIST_FRAGMENTS, GET_CLIP, ...) has its own endpoint: a
        data-plane client built without one talks to the control-plane host and fails. Name the
        stream by exactly one of `stream_arn` and `stream_name`.
        """
        if (stream_arn is None) == (stream_name is None):
            raise TypeError("data_endpoint(): pass exactly one of stream_arn= and stream_name=")
        key = ("arn" if stream_arn is not None else "name", stream_arn or stream_name or "", str(api_name))
        now = self._pipeline.clock()
        with self._endpoint_lock:
            cache = self._data_endpoints
            if cache is None:
                cache = self._data_endpoints = {}
            cached = cache.get(key)
        if cached is not None and now - cached[1] < self.data_endpoint_ttl:
            return cached[0]
        endpoint = self.get_data_endpoint(
            GetDataEndpointRequest(api_name=api_name, stream_arn=stream_arn, stream_name=stream_name)
        ).data_endpoint
        with self._endpoint_lock:
            cache[key] = (endpoint, now)
        return endpoint

    def forget_data_endpoint(
        self,
        api_name: APIName | str | None = None,
        *,
        stream_arn: str | None = None,
        stream_name: str | None = None,
    ) -> None:
        """Drop cached data endpoints of a stream (of one API, or all when `api_name` is None),
        e.g. after `InvalidEndpointError`; the next `data_endpoint` asks again."""
        identity = ("arn", stream_arn) if stream_arn is not None else ("name", stream_name or "")
        with self._endpoint_lock:
            cache = self._data_endpoints or {}
            for key in [
                k for k in cache if k[:2] == identity and (api_name is None or k[2] == str(api_name))
            ]:
                del cache[key]

    def _reconcilers(self) -> Mapping[str, Reconciler]:
        return {"CreateSignalingChannel": self._reconcile_channel, "CreateStream": self._reconcile_stream}

    def _reconcile_channel(
        self, request: CreateSignalingChannelRequest, started: datetime.datetime
    ) -> CreateSignalingChannelResponse:
        name = request.channel_name
        try:
            info = self.describe_signaling_channel(
                DescribeSignalingChannelRequest(channel_name=name)
            ).channel_info
            tags = None
            if request.tags:
                tags = self.list_tags_for_resource(
                    ListTagsForResourceRequest(resource_arn=info.channel_arn)
                ).tags
        except KvsChimeError as exc:
            raise ReconciliationConflictError("CreateSignalingChannel", name, _LOOKUP_FAILED) from exc
        differences = channel_differences(request, info, (tags or {}) if request.tags else None)
        differences.update(_created_before(info.creation_time, started))
        if differences:
            raise ReconciliationConflictError("CreateSignalingChannel", name, differences)
        return CreateSignalingChannelResponse(channel_arn=info.channel_arn)

    def _reconcile_stream(
        self, request: CreateStreamRequest, started: datetime.datetime
    ) -> CreateStreamResponse:
        name = request.stream_name
        try:
            info = self.describe_stream(DescribeStreamRequest(stream_name=name)).stream_info
            tags = None
            if request.tags:
                tags = self.list_tags_for_stream(ListTagsForStreamRequest(stream_arn=info.stream_arn)).tags
        except KvsChimeError as exc:
            raise ReconciliationConflictError("CreateStream", name, _LOOKUP_FAILED) from exc
        differences = stream_differences(request, info, (tags or {}) if request.tags else None)
        differences.update(_created_before(info.creation_time, started))
        if differences:
            raise ReconciliationConflictError("CreateStream", name, differences)
        return CreateStreamResponse(stream_arn=info.stream_arn)

    # -- waiters -------------------------------------------------------------------------------

    def _describe_channel(self, channel_name: str | None, channel_arn: str | None) -> ChannelInfo | None:
        try:
            request = DescribeSignalingChannelRequest(channel_name=channel_name, channel_arn=channel_arn)
            return self.describe_signaling_channel(request).channel_info
        except ResourceNotFoundError:
            return None

    def wait_until_signaling_channel_active(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> ChannelInfo:
        """Poll `describe_signaling_channel` until the channel is ACTIVE and return its info.

        Raises `WaiterError` (with the last `ChannelInfo` seen, or None) if the channel is being
        deleted, or is still not ACTIVE when `poll.timeout` passes.
        """
        info = self._wait(
            "signaling channel active",
            lambda: self._describe_channel(channel_name, channel_arn),
            done=lambda i: i is not None and i.channel_status == Status.ACTIVE,
            failure=lambda i: (
                "the channel is being deleted" if i and i.channel_status == Status.DELETING else None
            ),
            poll=poll,
            must_appear=True,
        )
        assert info is not None  # done() accepted it
        return info

    def wait_until_signaling_channel_deleted(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_signaling_channel` answers ResourceNotFound.

        Raises `WaiterError` (with the last `ChannelInfo` seen) when `poll.timeout` passes.
        """
        self._wait(
            "signaling channel deleted",
            lambda: self._describe_channel(channel_name, channel_arn),
            done=lambda i: i is None,
            failure=lambda i: None,
            poll=poll,
        )

    def _describe_stream(self, stream_name: str | None, stream_arn: str | None) -> StreamInfo | None:
        try:
            return self.describe_stream(
                DescribeStreamRequest(stream_name=stream_name, stream_arn=stream_arn)
            ).stream_info
        except ResourceNotFoundError:
            return None

    def wait_until_stream_active(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> StreamInfo:
        """Poll `describe_stream` until the stream is ACTIVE and return its info.

        Raises `WaiterError` (with the last `StreamInfo` seen, or None) if the stream is being
        deleted, or is still not ACTIVE when `poll.timeout` passes.
        """
        info = self._wait(
            "stream active",
            lambda: self._describe_stream(stream_name, stream_arn),
            done=lambda i: i is not None and i.status == Status.ACTIVE,
            failure=lambda i: "the stream is being deleted" if i and i.status == Status.DELETING else None,
            poll=poll,
            must_appear=True,
        )
        assert info is not None  # done() accepted it
        return info

    def wait_until_stream_deleted(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_stream` answers ResourceNotFound.

        Raises `WaiterError` (with the last `StreamInfo` seen) when `poll.timeout` passes.
        """
        self._wait(
            "stream deleted",
            lambda: self._describe_stream(stream_name, stream_arn),
            done=lambda i: i is None,
            failure=lambda i: None,
            poll=poll,
        )
