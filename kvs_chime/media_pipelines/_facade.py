"""The Amazon Chime SDK media pipelines facade: generated operations plus waiters."""

from __future__ import annotations

from .._waiter import Poll
from ..errors import NotFoundError
from ._operations import MediaPipelinesOperations
from ._shapes import (
    GetMediaPipelineKinesisVideoStreamPoolRequest,
    GetMediaPipelineRequest,
    KinesisVideoStreamPoolConfiguration,
    KinesisVideoStreamPoolStatus,
    MediaPipeline,
    MediaPipelineStatus,
)

__all__ = ["MediaPipelines"]


def pipeline_status(pipeline: MediaPipeline | None) -> MediaPipelineStatus | str | None:
    """The status of whichever kind of pipeline `pipeline` holds (stream, capture, ...)."""
    if pipeline is None:
        return None
    for kind in (
        pipeline.media_stream_pipeline,
        pipeline.media_capture_pipeline,
        pipeline.media_concatenation_pipeline,
        pipeline.media_live_connector_pipeline,
        pipeline.media_insights_pipeline,
    ):
        if kind is not None:
            return kind.status
    return None


class MediaPipelines(MediaPipelinesOperations):
    """Typed access to the Amazon Chime SDK media pipelines API.

    Creates carry an idempotency token (`client_request_token`): the facade makes one per call
    when you leave it unset and sends the same one on every retry, so a retried create never
    makes two pipelines. `kvs_chime.last_call().idempotency_token` shows the token used, and
    every error the call raises (`ServiceError`, `TransportError`) carries it too.

    >>> media = MediaPipelines(region_name="us-east-1")  # doctest: +SKIP
    >>> created = media.create_media_stream_pipeline(request)  # doctest: +SKIP
    >>> media.wait_until_media_pipeline_status(created.media_stream_pipeline.media_pipeline_id)  # doctest: +SKIP
    """

    def _get_pool(self, identifier: str) -> KinesisVideoStreamPoolConfiguration | None:
        try:
            request = GetMediaPipelineKinesisVideoStreamPoolRequest(identifier=identifier)
            return self.get_media_pipeline_kinesis_video_stream_pool(
                request
            ).kinesis_video_stream_pool_configuration
        except NotFoundError:
            return None

    def wait_until_stream_pool_active(
        self, identifier: str, *, poll: Poll | None = None
    ) -> KinesisVideoStreamPoolConfiguration:
        """Poll until the Kinesis Video Stream pool (name or ARN) is ACTIVE; return its configuration.

        Raises `WaiterError` at once if the pool reaches FAILED or DELETING, and when
        `poll.timeout` passes; the error carries the last configuration seen.
        """
        pool = self._wait(
            "stream pool active",
            lambda: self._get_pool(identifier),
            done=lambda p: p is not None and p.pool_status == KinesisVideoStreamPoolStatus.ACTIVE,
            failure=lambda p: (
                f"the pool is {p.pool_status}"
                if p is not None
                and p.pool_status
                in (KinesisVideoStreamPoolStatus.FAILED, KinesisVideoStreamPoolStatus.DELETING)
                else None
            ),
            poll=poll,
            must_appear=True,
        )
        assert pool is not None  # done() accepted it
        return pool

    def wait_until_stream_pool_deleted(self, identifier: str, *, poll: Poll | None = None) -> None:
        """Poll until the pool is gone (NotFound). Raises `WaiterError` when `poll.timeout` passes."""
        self._wait(
            "stream pool deleted",
            lambda: self._get_pool(identifier),
            done=lambda p: p is None,
            failure=lambda p: None,
            poll=poll,
        )

    def _get_pipeline(self, media_pipeline_id: str) -> MediaPipeline | None:
        try:
            return self.get_media_pipeline(
                GetMediaPipelineRequest(media_pipeline_id=media_pipeline_id)
            ).media_pipeline
        except NotFoundError:
            return None

    def wait_until_media_pipeline_status(
        self,
        media_pipeline_id: str,
        target: MediaPipelineStatus | str = MediaPipelineStatus.IN_PROGRESS,
        *,
        poll: Poll | None = None,
    ) -> MediaPipeline:
        """Poll `get_media_pipeline` until the pipeline reaches `target` (default InProgress).

        Fails fast with `WaiterError` when the pipeline reaches Failed (the model gives no status
        reason, so the error carries the whole last `MediaPipeline` seen), when it stops while
        waiting for another status, or vanishes after having been seen, and when `poll.timeout`
        passes. A pipeline not found yet is polled again: a create may take a moment to show.
        """
        ended = {MediaPipelineStatus.FAILED, MediaPipelineStatus.STOPPED} - {target}
        seen = False

        def failure(pipeline: MediaPipeline | None) -> str | None:
            nonlocal seen
            if pipeline is None:
                return f"the pipeline vanished while waiting for {target}" if seen else None
            seen = True
            status = pipeline_status(pipeline)
            if status in ended:
                return f"the pipeline reached {status} while waiting for {target}"
            return None

        pipeline = self._wait(
            f"media pipeline {target}",
            lambda: self._get_pipeline(media_pipeline_id),
            done=lambda p: pipeline_status(p) == target,
            failure=failure,
            poll=poll,
            must_appear=True,
        )
        assert pipeline is not None  # done() accepted it
        return pipeline

    def wait_until_media_pipeline_deleted(self, media_pipeline_id: str, *, poll: Poll | None = None) -> None:
        """Poll until `get_media_pipeline` answers NotFound. Raises `WaiterError` on timeout."""
        self._wait(
            "media pipeline deleted",
            lambda: self._get_pipeline(media_pipeline_id),
            done=lambda p: p is None,
            failure=lambda p: None,
            poll=poll,
        )
