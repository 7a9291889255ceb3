"""The media pipelines facades' waiters as steps (`_steps.py`), run by the sync facade
(`MediaPipelines`) and the async one (`kvs_chime.aio.AsyncMediaPipelines`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._steps import Steps, invoke
from .._waiter import Poll, wait
from ..errors import NotFoundError
from ._operations import MediaPipelinesOperations as Ops
from ._shapes import KinesisVideoStreamPoolStatus, MediaPipelineStatus

# The request and response classes are imported in the functions that build them: imported
# here, they would define their modules' shapes whenever the facade is (see kvs_chime/_lazy.py).
if TYPE_CHECKING:
    from ._shapes import KinesisVideoStreamPoolConfiguration, MediaPipeline

__all__ = [
    "get_pool",
    "pipeline_deleted",
    "pipeline_status",
    "pipeline_status_reached",
    "pool_active",
    "pool_deleted",
]

Clock = Callable[[], float]


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


def get_pool(media: object, identifier: str) -> Steps[KinesisVideoStreamPoolConfiguration | None]:
    """The pool's configuration, or None when it does not exist."""
    from ._shapes import GetMediaPipelineKinesisVideoStreamPoolRequest

    request = GetMediaPipelineKinesisVideoStreamPoolRequest(identifier=identifier)
    try:
        response = yield from invoke(media, Ops.get_media_pipeline_kinesis_video_stream_pool, request)
    except NotFoundError:
        return None
    return response.kinesis_video_stream_pool_configuration


def _get_pipeline(media: object, media_pipeline_id: str) -> Steps[MediaPipeline | None]:
    from ._shapes import GetMediaPipelineRequest

    request = GetMediaPipelineRequest(media_pipeline_id=media_pipeline_id)
    try:
        return (yield from invoke(media, Ops.get_media_pipeline, request)).media_pipeline
    except NotFoundError:
        return None


_POOL_ENDED = (KinesisVideoStreamPoolStatus.FAILED, KinesisVideoStreamPoolStatus.DELETING)


def pool_active(
    media: object, identifier: str, poll: Poll | None, clock: Clock
) -> Steps[KinesisVideoStreamPoolConfiguration]:
    pool = yield from wait(
        "stream pool active",
        lambda: get_pool(media, identifier),
        done=lambda p: p is not None and p.pool_status == KinesisVideoStreamPoolStatus.ACTIVE,
        failure=lambda p: (
            f"the pool is {p.pool_status}" if p is not None and p.pool_status in _POOL_ENDED else None
        ),
        poll=poll or Poll(),
        clock=clock,
        must_appear=True,
    )
    assert pool is not None  # done() accepted it
    return pool


def pool_deleted(media: object, identifier: str, poll: Poll | None, clock: Clock) -> Steps[None]:
    yield from wait(
        "stream pool deleted",
        lambda: get_pool(media, identifier),
        done=lambda p: p is None,
        failure=lambda p: None,
        poll=poll or Poll(),
        clock=clock,
    )


def pipeline_status_reached(
    media: object, media_pipeline_id: str, target: MediaPipelineStatus | str, poll: Poll | None, clock: Clock
) -> Steps[MediaPipeline]:
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

    pipeline = yield from wait(
        f"media pipeline {target}",
        lambda: _get_pipeline(media, media_pipeline_id),
        done=lambda p: pipeline_status(p) == target,
        failure=failure,
        poll=poll or Poll(),
        clock=clock,
        must_appear=True,
    )
    assert pipeline is not None  # done() accepted it
    return pipeline


def pipeline_deleted(media: object, media_pipeline_id: str, poll: Poll | None, clock: Clock) -> Steps[None]:
    yield from wait(
        "media pipeline deleted",
        lambda: _get_pipeline(media, media_pipeline_id),
        done=lambda p: p is None,
        failure=lambda p: None,
        poll=poll or Poll(),
        clock=clock,
    )
