"""Reading a stream's media back, async: the sync readers' decisions
(`kvs_chime.media._follow`), performed with `await` on the async data-plane facades."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from ..archived_media import FragmentSelector, GetMediaForFragmentListRequest, ListFragmentsRequest
from ..errors import TransportError
from ..events import KinesisVideoStreamEnd, KinesisVideoStreamStart
from ..media._follow import LiveRead, event_start, fragment_batches
from ..media._fragment import Fragment
from ..media._io import DEFAULT_CHUNK_SIZE, aiter_fragments
from ..stream_media import StartSelector
from ._data_plane import AsyncKinesisVideoArchivedMedia, AsyncKinesisVideoMedia
from ._services import AsyncKinesisVideo

__all__ = ["follow_event", "follow_stream", "read_stream_range"]


async def follow_stream(
    kv: AsyncKinesisVideo,
    stream_arn: str,
    *,
    start: StartSelector | None = None,
    end_fragment_number: str | None = None,
    max_idle_resumes: int = 3,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> AsyncIterator[Fragment]:
    """`kvs_chime.workflows.follow_stream`, async: the stream's fragments as they arrive, resumed
    from the last continuation token after a drop, with no duplicate and no loss. Each `GetMedia`
    goes to the stream's GET_MEDIA endpoint as `kv` knows it then (`for_stream`); resumes wait on
    `sleep` (by default `kv`'s)."""
    live = LiveRead(stream_arn, start, end_fragment_number, max_idle_resumes)
    pause = sleep or kv._pipeline.sleep  # pyright: ignore[reportPrivateUsage]  # the facade's injected sleep
    async with await AsyncKinesisVideoMedia.for_stream(kv, stream_arn=stream_arn) as media:
        while True:
            try:
                response = await media.get_media(live.request())
                async with response.payload as payload:
                    async for fragment in aiter_fragments(payload.aiter_chunks(chunk_size), get_media=True):
                        if live.accept(fragment):
                            yield fragment
                            if live.finished:
                                return
            except TransportError:
                pass  # the connection broke: resumed from the last whole fragment, if at all
            if not live.resume():
                return
            await pause(live.resume_delay)


def follow_event(
    kv: AsyncKinesisVideo,
    started: KinesisVideoStreamStart,
    ended: KinesisVideoStreamEnd | None = None,
    *,
    max_idle_resumes: int = 3,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> AsyncIterator[Fragment]:
    """`kvs_chime.workflows.follow_event`, async: the stream a stream-start event names, from its
    first fragment to the end event's last (or until the stream stops)."""
    return follow_stream(
        kv,
        started.kinesis_video_stream_arn,
        start=event_start(started),
        end_fragment_number=None if ended is None else ended.end_fragment_number,
        max_idle_resumes=max_idle_resumes,
        sleep=sleep,
    )


async def read_stream_range(
    kv: AsyncKinesisVideo,
    stream_arn: str,
    selector: FragmentSelector,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> AsyncIterator[Fragment]:
    """`kvs_chime.workflows.read_stream_range`, async (each API on its endpoint, `for_stream`)."""
    async with await AsyncKinesisVideoArchivedMedia.for_stream(kv, stream_arn=stream_arn) as archived:
        request = ListFragmentsRequest(fragment_selector=selector)
        batches = fragment_batches([info async for info in archived.iter_fragments(request)])
        for batch in batches:
            response = await archived.get_media_for_fragment_list(
                GetMediaForFragmentListRequest(fragments=batch)
            )
            async with response.payload as payload:
                async for fragment in aiter_fragments(payload.aiter_chunks(chunk_size)):
                    yield fragment
