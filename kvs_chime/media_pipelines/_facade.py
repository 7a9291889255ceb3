"""The Amazon Chime SDK media pipelines facade: generated operations plus waiters."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .._waiter import Poll
from . import _logic
from ._operations import MediaPipelinesOperations
from ._shapes import MediaPipelineStatus

if TYPE_CHECKING:
    from ._shapes import KinesisVideoStreamPoolConfiguration, MediaPipeline

__all__ = ["MediaPipelines"]


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

    # Waiters: their polling loops are in _logic.py, shared with the async facade.

    def wait_until_stream_pool_active(
        self, identifier: str, *, poll: Poll | None = None
    ) -> KinesisVideoStreamPoolConfiguration:
        """Poll until the Kinesis Video Stream pool (name or ARN) is ACTIVE; return its configuration.

        Raises `WaiterError` at once if the pool reaches FAILED or DELETING, and when
        `poll.timeout` passes; the error carries the last configuration seen.
        """
        return self._wait(functools.partial(_logic.pool_active, self, identifier, poll), poll)

    def wait_until_stream_pool_deleted(self, identifier: str, *, poll: Poll | None = None) -> None:
        """Poll until the pool is gone (NotFound). Raises `WaiterError` when `poll.timeout` passes."""
        self._wait(functools.partial(_logic.pool_deleted, self, identifier, poll), poll)

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
        return self._wait(
            functools.partial(_logic.pipeline_status_reached, self, media_pipeline_id, target, poll), poll
        )

    def wait_until_media_pipeline_deleted(self, media_pipeline_id: str, *, poll: Poll | None = None) -> None:
        """Poll until `get_media_pipeline` answers NotFound. Raises `WaiterError` on timeout."""
        self._wait(functools.partial(_logic.pipeline_deleted, self, media_pipeline_id, poll), poll)
