"""The async facades: generated operations plus the waiters and reconcilers of the sync ones,
whose logic (`<service>/_logic.py`) both run."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from .._call import Reconciler
from .._waiter import Poll
from ..kinesisvideo import _logic as kv_logic
from ..kinesisvideo._async_operations import AsyncKinesisVideoOperations
from ..media_pipelines import _logic as media_logic
from ..media_pipelines._async_operations import AsyncMediaPipelinesOperations
from ..media_pipelines._shapes import MediaPipelineStatus
from ..meetings._async_operations import AsyncMeetingsOperations
from ..signaling._async_operations import AsyncKinesisVideoSignalingOperations
from ._pipeline import arun

if TYPE_CHECKING:
    from ..kinesisvideo._shapes import APIName, ChannelInfo, StreamInfo
    from ..media_pipelines._shapes import KinesisVideoStreamPoolConfiguration, MediaPipeline

__all__ = ["AsyncKinesisVideo", "AsyncKinesisVideoSignaling", "AsyncMediaPipelines", "AsyncMeetings"]


class AsyncKinesisVideo(AsyncKinesisVideoOperations):
    """Async typed access to the Amazon Kinesis Video Streams API; as `kvs_chime.KinesisVideo`,
    with `await` (creates without a token are reconciled the same way).

    >>> async with AsyncKinesisVideo(region_name="us-east-1") as kv:  # doctest: +SKIP
    ...     created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    """

    def _reconcilers(self) -> Mapping[str, Reconciler]:
        return {
            "CreateSignalingChannel": functools.partial(kv_logic.reconcile_channel, self),
            "CreateStream": functools.partial(kv_logic.reconcile_stream, self),
        }

    data_endpoint_ttl: ClassVar[float] = 600.0
    """Seconds `data_endpoint` keeps an answer (AWS publishes no validity for data endpoints)."""

    _data_endpoints: kv_logic.DataEndpoints | None = None

    async def data_endpoint(
        self, api_name: APIName | str, *, stream_arn: str | None = None, stream_name: str | None = None
    ) -> str:
        """The stream's data endpoint for `api_name` (`GetDataEndpoint`), cached per stream and
        API for `data_endpoint_ttl` seconds on the facade's clock (the 1,024 latest answers); as
        `KinesisVideo.data_endpoint`."""
        steps = kv_logic.data_endpoint(
            self, api_name, stream_arn, stream_name, now=self._pipeline.clock(), ttl=self.data_endpoint_ttl
        )
        return await arun(steps, self._pipeline.sleep)

    def forget_data_endpoint(
        self,
        api_name: APIName | str | None = None,
        *,
        stream_arn: str | None = None,
        stream_name: str | None = None,
    ) -> None:
        """Drop cached data endpoints of a stream (of one API, or all when `api_name` is None)."""
        kv_logic.DataEndpoints.of(self).forget(api_name, stream_arn, stream_name)

    async def wait_until_signaling_channel_active(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> ChannelInfo:
        """Poll `describe_signaling_channel` until the channel is ACTIVE and return its info
        (`WaiterError` as for `KinesisVideo.wait_until_signaling_channel_active`)."""
        steps = functools.partial(kv_logic.channel_active, self, channel_name, channel_arn, poll)
        return await self._wait(steps, poll)

    async def wait_until_signaling_channel_deleted(
        self, *, channel_name: str | None = None, channel_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_signaling_channel` answers ResourceNotFound."""
        await self._wait(
            functools.partial(kv_logic.channel_deleted, self, channel_name, channel_arn, poll), poll
        )

    async def wait_until_stream_active(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> StreamInfo:
        """Poll `describe_stream` until the stream is ACTIVE and return its info."""
        steps = functools.partial(kv_logic.stream_active, self, stream_name, stream_arn, poll)
        return await self._wait(steps, poll)

    async def wait_until_stream_deleted(
        self, *, stream_name: str | None = None, stream_arn: str | None = None, poll: Poll | None = None
    ) -> None:
        """Poll until `describe_stream` answers ResourceNotFound."""
        await self._wait(
            functools.partial(kv_logic.stream_deleted, self, stream_name, stream_arn, poll), poll
        )


class AsyncKinesisVideoSignaling(AsyncKinesisVideoSignalingOperations):
    """Async typed access to the Kinesis Video Streams signaling data plane; build it with the
    channel's HTTPS endpoint, as `kvs_chime.KinesisVideoSignaling`."""


class AsyncMediaPipelines(AsyncMediaPipelinesOperations):
    """Async typed access to the Amazon Chime SDK media pipelines API; as
    `kvs_chime.MediaPipelines`, with `await` (the same idempotency tokens and waiters)."""

    async def wait_until_stream_pool_active(
        self, identifier: str, *, poll: Poll | None = None
    ) -> KinesisVideoStreamPoolConfiguration:
        """Poll until the Kinesis Video Stream pool (name or ARN) is ACTIVE; return its configuration."""
        return await self._wait(functools.partial(media_logic.pool_active, self, identifier, poll), poll)

    async def wait_until_stream_pool_deleted(self, identifier: str, *, poll: Poll | None = None) -> None:
        """Poll until the pool is gone (NotFound)."""
        await self._wait(functools.partial(media_logic.pool_deleted, self, identifier, poll), poll)

    async def wait_until_media_pipeline_status(
        self,
        media_pipeline_id: str,
        target: MediaPipelineStatus | str = MediaPipelineStatus.IN_PROGRESS,
        *,
        poll: Poll | None = None,
    ) -> MediaPipeline:
        """Poll `get_media_pipeline` until the pipeline reaches `target` (default InProgress)."""
        steps = functools.partial(media_logic.pipeline_status_reached, self, media_pipeline_id, target, poll)
        return await self._wait(steps, poll)

    async def wait_until_media_pipeline_deleted(
        self, media_pipeline_id: str, *, poll: Poll | None = None
    ) -> None:
        """Poll until `get_media_pipeline` answers NotFound."""
        await self._wait(functools.partial(media_logic.pipeline_deleted, self, media_pipeline_id, poll), poll)


class AsyncMeetings(AsyncMeetingsOperations):
    """Async typed access to the Amazon Chime SDK meetings API; as `kvs_chime.Meetings`, with
    `await` (the meetings and attendees a media pipeline reads from)."""
