"""stream_meeting_audio: a Chime SDK meeting's audio into a Kinesis Video Stream pool, as one call.

Written once as steps (`_steps.py`): `stream_meeting_audio` and `MeetingAudioStream.stop`
perform them on a `MediaPipelines`; `kvs_chime.aio.stream_meeting_audio` and
`AsyncMeetingAudioStream.stop` await them on an `AsyncMediaPipelines`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from types import TracebackType
from typing import Any, Generic, TypeVar

import attrs

from .._pipeline import run, synchronous
from .._retry import RetryPolicy
from .._steps import Steps, invoke
from .._waiter import Poll
from ..errors import (
    BadRequestError,
    CallError,
    ConflictError,
    KvsChimeError,
    NotFoundError,
    ServerError,
    TransportError,
    WaiterError,
)
from ..media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    DeleteMediaPipelineKinesisVideoStreamPoolRequest,
    DeleteMediaPipelineRequest,
    KinesisVideoStreamConfiguration,
    KinesisVideoStreamPoolConfiguration,
    KinesisVideoStreamPoolStatus,
    MediaPipelines,
    MediaPipelineStatus,
    MediaStreamPipeline,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
    Tag,
)
from ..media_pipelines._logic import get_pool
from ._tags import TagsLike, as_tag_list

__all__ = [
    "MeetingAudioStream",
    "Started",
    "StreamState",
    "stop_steps",
    "stream_meeting_audio",
    "stream_meeting_audio_steps",
]

logger = logging.getLogger("kvs_chime")


def _say(error: BaseException, note: str) -> None:
    logger.warning("stream_meeting_audio: %s", note)
    if sys.version_info >= (3, 11):  # pragma: no branch - version dependent
        error.add_note(note)


M = TypeVar("M")


@attrs.frozen
class Started:
    """What a start made; the sync and async handles are built from it."""

    pipeline: MediaStreamPipeline
    pool: KinesisVideoStreamPoolConfiguration
    created_pool: bool
    poll: Poll | None = attrs.field(kw_only=True)


@attrs.define
class StreamState(Generic[M]):
    """What a started meeting audio stream is: shared by the sync and async handles."""

    media: M = attrs.field(repr=False)
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


def stop_steps(media: MediaPipelines, state: StreamState[Any], delete_pool: bool) -> Steps[bool]:
    """Delete the pipeline; with `delete_pool`, then the pool unless another pipeline uses it."""
    if not state.stopped:
        with contextlib.suppress(NotFoundError):  # already gone: stopping is idempotent
            request = DeleteMediaPipelineRequest(media_pipeline_id=state.pipeline_id)
            yield from invoke(media, MediaPipelines.delete_media_pipeline, request)
        state.stopped = True
    if delete_pool and not state.pool_deleted:
        state.pool_deleted = yield from _delete_pool(
            media, state.pipeline_id, _pool_name(state.pool), state.poll
        )
    return state.pool_deleted


@attrs.define
class MeetingAudioStream(StreamState[MediaPipelines]):
    """A running media stream pipeline from a meeting into a Kinesis Video Stream pool.

    `stop()` deletes the pipeline (and, with `delete_pool=True`, the pool once no pipeline uses
    it). As a context manager it stops on exit. Stopping twice does nothing the second time.
    """

    def stop(self, *, delete_pool: bool = False) -> bool:
        """Delete the pipeline; with `delete_pool`, then the pool unless another pipeline uses it.

        Returns True when the pool has been deleted (by this or an earlier `stop`). The pool's
        deletion waits for the pipeline to be gone first; a pool still in use
        (ConflictException) is left in place and logged, and a later `stop` may try again.
        """
        return run(stop_steps(self.media, self, delete_pool))

    def __enter__(self) -> MeetingAudioStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _pool_name(pool: KinesisVideoStreamPoolConfiguration) -> str:
    assert pool.pool_name is not None
    return pool.pool_name


def _delete_pool(
    media: MediaPipelines,
    pipeline_id: str | None,
    pool_name: str,
    poll: Poll | None,
    retry: RetryPolicy | None = None,
) -> Steps[bool]:
    if pipeline_id is not None:
        yield from invoke(media, MediaPipelines.wait_until_media_pipeline_deleted, pipeline_id, poll=poll)
    try:
        yield from invoke(
            media,
            MediaPipelines.delete_media_pipeline_kinesis_video_stream_pool,
            DeleteMediaPipelineKinesisVideoStreamPoolRequest(identifier=pool_name),
            retry=retry,
        )
    except ConflictError:
        # In use by another pipeline (another caller streams into it), or already being deleted.
        logger.info("stream_meeting_audio: the pool is in use or being deleted; kept")
        return False
    except NotFoundError:
        return False
    return True


def _active_pool(
    media: MediaPipelines,
    pool_name: str,
    stream_configuration: KinesisVideoStreamConfiguration,
    pool_tags: TagsLike | None,
    poll: Poll | None,
    made: _Made,
) -> Steps[KinesisVideoStreamPoolConfiguration]:
    """The ACTIVE pool `pool_name`, made when missing (noted on `made` as soon as it is).

    A pool another caller is deleting is waited out and made anew, so a concurrent `stop`
    never fails a start.
    """
    for _ in range(_POOL_ROUNDS):
        pool = yield from get_pool(media, pool_name)
        if pool is not None and pool.pool_status == KinesisVideoStreamPoolStatus.DELETING:
            yield from invoke(media, MediaPipelines.wait_until_stream_pool_deleted, pool_name, poll=poll)
            continue
        if pool is None:
            try:
                yield from invoke(
                    media,
                    MediaPipelines.create_media_pipeline_kinesis_video_stream_pool,
                    CreateMediaPipelineKinesisVideoStreamPoolRequest(
                        stream_configuration=stream_configuration,
                        pool_name=pool_name,
                        tags=as_tag_list(pool_tags, Tag),
                    ),
                )
                made.pool = True
            except ConflictError:
                pass  # another caller made it first (or is deleting it): look again
        try:
            return (
                yield from invoke(media, MediaPipelines.wait_until_stream_pool_active, pool_name, poll=poll)
            )
        except WaiterError as exc:
            state = exc.last_state
            deleting = isinstance(state, KinesisVideoStreamPoolConfiguration) and (
                state.pool_status == KinesisVideoStreamPoolStatus.DELETING
            )
            if not deleting and state is not None:
                raise
            logger.info("stream_meeting_audio: the pool went away while starting; making it again")
    raise KvsChimeError(f"stream_meeting_audio: the pool kept being deleted ({_POOL_ROUNDS} rounds)")


def stream_meeting_audio_steps(
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
) -> Steps[Started]:
    """Stream a Chime SDK meeting's audio into a Kinesis Video Stream pool and return the handle.

    Ensures the pool exists and is ACTIVE (created when missing), creates the media stream
    pipeline (the meeting as source, the pool as sink), and waits until it is InProgress.

    If anything fails midway, what this call created is deleted again (the pipeline, then the
    pool if this call made it and no other pipeline uses it), and the error says so (a log line
    at WARNING, and an exception note on Python 3.11+) — unless `keep_on_failure` asks to keep
    it. A pipeline create whose outcome is unknown is repeated with its idempotency token to
    learn the pipeline it may have made, which is then deleted too. On Ctrl-C
    (`KeyboardInterrupt`) only the quick part runs, each step one attempt of at most 2 s: the
    pipeline is deleted, and the pool only when no pipeline was made (its deletion would have to
    wait for the pipeline's); nothing is waited for.

    Many callers may share one pool, starting and stopping at once: a start never fails because
    a concurrent `stop(delete_pool=True)` deleted the pool (it waits the deletion out and makes
    the pool again), and a stop deletes the pool only when no pipeline uses it.

    >>> config = KinesisVideoStreamConfiguration(region="us-east-1", data_retention_in_hours=24)
    >>> with stream_meeting_audio(media, meeting_arn, "meetings", config) as stream:  # doctest: +SKIP
    ...     print(stream.pipeline.media_pipeline_arn)
    """
    made = _Made()
    try:
        for _ in range(_POOL_ROUNDS):
            pool = yield from _active_pool(media, pool_name, stream_configuration, pool_tags, poll, made)
            request = CreateMediaStreamPipelineRequest(
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
            made.request = request
            try:
                created = yield from invoke(media, MediaPipelines.create_media_stream_pipeline, request)
                made.pipeline = created.media_stream_pipeline
            except (BadRequestError, NotFoundError) as exc:
                current = yield from get_pool(media, pool_name)
                if current is not None and current.pool_status == KinesisVideoStreamPoolStatus.ACTIVE:
                    raise  # the pool is fine: the request itself was refused
                logger.info(
                    "stream_meeting_audio: the pool went away before the pipeline was made (%s)", exc.code
                )
                continue
            except CallError as exc:
                made.ambiguous = exc
                raise
            pipeline_id = made.pipeline.media_pipeline_id
            running = yield from invoke(
                media,
                MediaPipelines.wait_until_media_pipeline_status,
                pipeline_id,
                MediaPipelineStatus.IN_PROGRESS,
                poll=poll,
            )
            made.pipeline = running.media_stream_pipeline or made.pipeline
            return Started(made.pipeline, pool, made.pool, poll=poll)
        raise KvsChimeError(f"stream_meeting_audio: the pool kept being deleted ({_POOL_ROUNDS} rounds)")
    except Exception as error:
        yield from _clean_up(media, error, made, pool_name, keep_on_failure, poll, quick=False)
        raise
    except (KeyboardInterrupt, asyncio.CancelledError) as error:
        # The user (Ctrl-C) or the task's owner wants out: only the quick part, then re-raise.
        yield from _clean_up(media, error, made, pool_name, keep_on_failure, poll, quick=True)
        raise


# How often a start makes the pool again after concurrent stops deleted it.
_POOL_ROUNDS = 5
# Ctrl-C: the user wants out. One short attempt per step, no waiting.
_QUICK = RetryPolicy(max_attempts=1, deadline=2.0)


@attrs.define
class _Made:
    """What one `stream_meeting_audio` call created (or may have)."""

    pool: bool = False
    pipeline: MediaStreamPipeline | None = None
    request: CreateMediaStreamPipelineRequest | None = None
    ambiguous: CallError | None = None
    """The pipeline create's error, when it may have been applied."""


def _recover_pipeline(media: MediaPipelines, made: _Made, retry: RetryPolicy | None) -> Steps[None]:
    """A create whose outcome is unknown may have made a pipeline: the same token tells which."""
    error = made.ambiguous
    if made.pipeline is not None or error is None or made.request is None or error.idempotency_token is None:
        return
    if not (isinstance(error, ServerError) or (isinstance(error, TransportError) and error.outcome_unknown)):
        return
    request = attrs.evolve(made.request, client_request_token=error.idempotency_token)
    created = yield from invoke(media, MediaPipelines.create_media_stream_pipeline, request, retry=retry)
    made.pipeline = created.media_stream_pipeline


def _clean_up(
    media: MediaPipelines,
    error: BaseException,
    made: _Made,
    pool_name: str,
    keep: bool,
    poll: Poll | None,
    *,
    quick: bool,
) -> Steps[None]:
    retry = _QUICK if quick else None
    try:
        if not keep:
            yield from _recover_pipeline(media, made, retry)
    except KvsChimeError as recovery_error:
        _say(error, f"failed midway; a pipeline may be left behind (token on the error): {recovery_error}")
    what = ([f"pipeline {made.pipeline.media_pipeline_id}"] if made.pipeline is not None else []) + (
        ["the pool"] if made.pool else []
    )
    if not what:
        return
    if keep:
        _say(error, f"failed midway; kept what this call created, as asked: {', '.join(what)}")
        return
    deleted: list[str] = []
    try:
        pipeline_id = made.pipeline.media_pipeline_id if made.pipeline is not None else None
        if pipeline_id is not None:
            with contextlib.suppress(NotFoundError):  # already gone is what we want
                request = DeleteMediaPipelineRequest(media_pipeline_id=pipeline_id)
                yield from invoke(media, MediaPipelines.delete_media_pipeline, request, retry=retry)
            deleted.append(f"pipeline {pipeline_id}")
        if (
            made.pool
            and (not quick or pipeline_id is None)
            and (yield from _delete_pool(media, pipeline_id, pool_name, poll, retry))
        ):
            deleted.append("the pool")
    except KvsChimeError as cleanup_error:
        _say(error, f"failed midway, and cleaning up {', '.join(what)} failed too: {cleanup_error}")
        return
    kept = [w for w in what if w not in deleted]
    note = f"failed midway; deleted what this call created: {', '.join(deleted) or 'nothing'}"
    if kept:
        note += f"; kept (in use, or no time to wait): {', '.join(kept)}"
    _say(error, note)


def _handle(media: MediaPipelines, started: Started) -> MeetingAudioStream:
    return MeetingAudioStream(media, started.pipeline, started.pool, started.created_pool, poll=started.poll)


@synchronous(MediaPipelines, stream_meeting_audio_steps, _handle)
def stream_meeting_audio() -> None:
    """Named stub: the function is `stream_meeting_audio_steps` performed on a `MediaPipelines`."""
