"""The Kinesis Video Streams facade: generated operations plus reconciled creates and waiters."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from .._pipeline import Reconciler, run
from .._waiter import Poll
from . import _logic
from ._operations import KinesisVideoOperations

if TYPE_CHECKING:
    from ._shapes import APIName, ChannelInfo, StreamInfo

__all__ = ["KinesisVideo"]


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

    _data_endpoints: _logic.DataEndpoints | None = None
    # Data-plane facades bound through this one (`for_stream`, `for_channel`): kept here, not in
    # a global, so they go with this facade (they refer to it: a cycle the collector frees).
    _bound_facades: dict[tuple[object, ...], object] | None = None

    def data_endpoint(
        self, api_name: APIName | str, *, stream_arn: str | None = None, stream_name: str | None = None
    ) -> str:
        """The stream's data endpoint for `api_name` (`GetDataEndpoint`), cached per stream and
        API for `data_endpoint_ttl` seconds on the facade's clock (the 1,024 latest answers).

        Each data-plane API (GET_MEDIA, LIST_FRAGMENTS, GET_CLIP, ...) has its own endpoint: a
        data-plane client built without one talks to the control-plane host and fails. Name the
        stream by exactly one of `stream_arn` and `stream_name`.
        """
        steps = _logic.data_endpoint(
            self, api_name, stream_arn, stream_name, now=self._pipeline.clock(), ttl=self.data_endpoint_ttl
        )
        return run(steps, self._pipeline.sleep)

    def forget_data_endpoint(
        self,
        api_name: APIName | str | None = None,
        *,
        stream_arn: str | None = None,
        stream_name: str | None = None,
    ) -> None:
        """Drop cached data endpoints of a stream (of one API, or all when `api_name` is None),
        e.g. after `InvalidEndpointError`; the next `data_endpoint` asks again."""
        _logic.DataEndpoints.of(self).forget(api_name, stream_arn, stream_name)

    def _reconcilers(self) -> Mapping[str, Reconciler]:
        return {
            "CreateSignalingChannel": functools.partial(_logic.reconcile_channel, self),
            "CreateStream": functools.partial(_logic.reconcile_stream, self),
        }

    # -- waiters (their polling loops are in _logic.py, shared with the async facade) ----------

    def wait_until_signaling_channel_active(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> ChannelInfo:
        """Poll `describe_signaling_channel` until the channel is ACTIVE and return its info.

        Raises `WaiterError` (with the last `ChannelInfo` seen, or None) if the channel is being
        deleted, or is still not ACTIVE when `poll.timeout` passes.
        """
        return self._wait(
            functools.partial(_logic.channel_active, self, channel_name, channel_arn, poll), poll
        )

    def wait_until_signaling_channel_deleted(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_signaling_channel` answers ResourceNotFound.

        Raises `WaiterError` (with the last `ChannelInfo` seen) when `poll.timeout` passes.
        """
        self._wait(functools.partial(_logic.channel_deleted, self, channel_name, channel_arn, poll), poll)

    def wait_until_stream_active(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> StreamInfo:
        """Poll `describe_stream` until the stream is ACTIVE and return its info.

        Raises `WaiterError` (with the last `StreamInfo` seen, or None) if the stream is being
        deleted, or is still not ACTIVE when `poll.timeout` passes.
        """
        return self._wait(functools.partial(_logic.stream_active, self, stream_name, stream_arn, poll), poll)

    def wait_until_stream_deleted(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_stream` answers ResourceNotFound.

        Raises `WaiterError` (with the last `StreamInfo` seen) when `poll.timeout` passes.
        """
        self._wait(functools.partial(_logic.stream_deleted, self, stream_name, stream_arn, poll), poll)
