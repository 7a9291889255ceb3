"""stream_meeting_audio: a Chime SDK meeting's audio into a Kinesis Video Stream pool, as one call."""

from __future__ import annotations

import contextlib
import logging
import sys
from types import TracebackType

import attrs

from .._waiter import Poll
from ..errors import ConflictError, KvsChimeError, NotFoundError
from ..media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    DeleteMediaPipelineKinesisVideoStreamPoolRequest,
    DeleteMediaPipelineRequest,
    GetMediaPipelineKinesisVideoStreamPoolRequest,
    KinesisVideoStreamConfiguration,
    KinesisVideoStreamPoolConfiguration,
    MediaPipelines,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
    Tag,
)
from ._tags import TagsLike, as_tag_list

__all__ = ["MeetingAudioStream", "stream_meeting_audio"]

logger = logging.getLogger("kvs_chime")


def _say(error: BaseException, note: str) -> None:
    logger.warning("stream_meeting_audio: %s", note)
    if sys.version_info >= (3, 11):  # pragma: no branch - version dependent
        error.add_note(note)


@attrs.define
class MeetingAudioStream:
    """A running media stream pipeline from a meeting into a Kinesis Video Stream pool.

    `stop()` deletes the pipeline (and, with `delete_pool=True`, the pool once no pipeline uses
    it). As a context manager it stops on exit. Stopping twice does nothing the second time.
    """

    media: MediaPipelines = attrs.field(repr=False)
    """The facade the pipeline was made with."""
    pipeline: MediaStreamPipeline
    """The running media stream pipeline."""
    pool: KinesisVideoStreamPoolConfiguration
    """The Kinesis Video Stream pool it streams into."""
    created_pool: bool
    """True when this call created the pool (rather than finding it)."""
    stopped: bool = False
    """True once `stop()` deleted the pipeline."""
    pool_deleted: bool = False
    """True once `stop(delete_pool=True)` deleted the pool."""
    poll: Poll | None = attrs.field(default=None, repr=False)

    @property
    def pipeline_id(self) -> str:
        """The pipeline's id."""
        assert self.pipeline.media_pipeline_id is not None
        return self.pipeline.media_pipeline_id

    def stop(self, *, delete_pool: bool = False) -> bool:
        """Delete the pipeline; with `delete_pool`, then the pool unless another pipeline uses it.

        Returns True when the pool has been deleted (by this or an earlier `stop`). The pool's
        deletion waits for the pipeline to be gone first; a pool still in use
        (ConflictException) is left in place and logged, and a later `stop` may try again.
        """
        if not self.stopped:
            with contextlib.suppress(NotFoundError):  # already gone: stopping is idempotent
                self.media.delete_media_pipeline(
                    DeleteMediaPipelineRequest(media_pipeline_id=self.pipeline_id)
                )
            self.stopped = True
        if delete_pool and not self.pool_deleted:
            self.pool_deleted = _delete_pool(self.media, self.pipeline_id, _pool_name(self.pool), self.poll)
        return self.pool_deleted

    def __enter__(self) -> MeetingAudioStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _pool_name(pool: KinesisVideoStreamPoolConfiguration) -> str:
    assert pool.pool_name is not None
    return pool.pool_name


def _delete_pool(media: MediaPipelines, pipeline_id: str | None, pool_name: str, poll: Poll | None) -> bool:
    if pipeline_id is not None:
        media.wait_until_media_pipeline_deleted(pipeline_id, poll=poll)
    try:
        media.delete_media_pipeline_kinesis_video_stream_pool(
            DeleteMediaPipelineKinesisVideoStreamPoolRequest(identifier=pool_name)
        )
    except ConflictError:
        logger.info("stream_meeting_audio: pool %s is still used by another pipeline; kept", pool_name)
        return False
    except NotFoundError:
        return False
    return True


def _get_pool(media: MediaPipelines, name: str) -> KinesisVideoStreamPoolConfiguration | None:
    try:
        request = GetMediaPipelineKinesisVideoStreamPoolRequest(identifier=name)
        return media.get_media_pipeline_kinesis_video_stream_pool(
            request
        ).kinesis_video_stream_pool_configuration
    except NotFoundError:
        return None


def stream_meeting_audio(
    media: MediaPipelines,
    meeting_arn: str,
    pool_name: str,
    stream_configuration: KinesisVideoStreamConfiguration,
    *,
    media_stream_type: MediaStreamType | str = MediaStreamType.MIXED_AUDIO,
    reserved_stream_capacity: int = 1,
    pool_tags: TagsLike | None = None,
    pipeline_tags: TagsLike | None = None,
    keep_on_failure: bool = False,
    poll: Poll | None = None,
) -> MeetingAudioStream:
    """Stream a Chime SDK meeting's audio into a Kinesis Video Stream pool and return the handle.

    Ensures the pool exists and is ACTIVE (created with an idempotency token when missing),
    creates the media stream pipeline (the meeting as source, the pool as sink), and waits until
    it is InProgress. If anything fails midway, what this call created is deleted again (the
    pipeline, then the pool if this call made it), and the error says so (a log line at WARNING,
    and an exception note on Python 3.11+) — unless `keep_on_failure` asks to keep it.

    >>> config = KinesisVideoStreamConfiguration(region="us-east-1", data_retention_in_hours=24)
    >>> with stream_meeting_audio(media, meeting_arn, "meetings", config) as stream:  # doctest: +SKIP
    ...     print(stream.pipeline.media_pipeline_arn)
    """
    pool = _get_pool(media, pool_name)
    created_pool = False
    if pool is None:
        try:
            pool = media.create_media_pipeline_kinesis_video_stream_pool(
                CreateMediaPipelineKinesisVideoStreamPoolRequest(
                    stream_configuration=stream_configuration,
                    pool_name=pool_name,
                    tags=as_tag_list(pool_tags, Tag),
                )
            ).kinesis_video_stream_pool_configuration
            created_pool = True
        except ConflictError:
            pool = _get_pool(media, pool_name)  # another caller made it first: use theirs
    pipeline: MediaStreamPipeline | None = None
    try:
        pool = media.wait_until_stream_pool_active(pool_name, poll=poll)
        assert pool.pool_arn is not None
        pipeline = media.create_media_stream_pipeline(
            CreateMediaStreamPipelineRequest(
                sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=meeting_arn)],
                sinks=[
                    MediaStreamSink(
                        sink_arn=pool.pool_arn,
                        sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                        reserved_stream_capacity=reserved_stream_capacity,
                        media_stream_type=media_stream_type,
                    )
                ],
                tags=as_tag_list(pipeline_tags, Tag),
            )
        ).media_stream_pipeline
        running = media.wait_until_media_pipeline_status(
            pipeline.media_pipeline_id, MediaPipelineStatus.IN_PROGRESS, poll=poll
        )
        pipeline = running.media_stream_pipeline or pipeline
    except BaseException as error:
        _clean_up(media, error, pipeline, pool_name if created_pool else None, keep_on_failure, poll)
        raise
    return MeetingAudioStream(media, pipeline, pool, created_pool, poll=poll)


def _clean_up(
    media: MediaPipelines,
    error: BaseException,
    pipeline: MediaStreamPipeline | None,
    created_pool: str | None,
    keep: bool,
    poll: Poll | None,
) -> None:
    made = ([f"pipeline {pipeline.media_pipeline_id}"] if pipeline is not None else []) + (
        [f"pool {created_pool}"] if created_pool else []
    )
    if not made:
        return
    if keep:
        _say(error, f"failed midway; kept what this call created, as asked: {', '.join(made)}")
        return
    try:
        pipeline_id = pipeline.media_pipeline_id if pipeline is not None else None
        if pipeline_id is not None:
            with contextlib.suppress(NotFoundError):  # already gone is what we want
                media.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=pipeline_id))
        if created_pool is not None:
            _delete_pool(media, pipeline_id, created_pool, poll)
    except KvsChimeError as cleanup_error:
        _say(error, f"failed midway, and cleaning up {', '.join(made)} failed too: {cleanup_error}")
        return
    _say(error, f"failed midway; deleted what this call created: {', '.join(made)}")
