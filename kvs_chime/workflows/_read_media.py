"""Reading a stream's media back, sync: live with `GetMedia`, or a past range with
`ListFragments` and `GetMediaForFragmentList`. The decisions are `kvs_chime.media._follow`'s,
shared with the async readers (`kvs_chime.aio`); this module only performs the calls."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..archived_media import (
    FragmentSelector,
    GetMediaForFragmentListRequest,
    KinesisVideoArchivedMedia,
    ListFragmentsRequest,
)
from ..errors import TransportError
from ..events import KinesisVideoStreamEnd, KinesisVideoStreamStart
from ..kinesisvideo import KinesisVideo
from ..media._follow import LiveRead, event_start, fragment_batches
from ..media._fragment import Fragment
from ..media._io import DEFAULT_CHUNK_SIZE, read_fragments
from ..stream_media import KinesisVideoMedia, StartSelector

__all__ = ["event_start", "follow_event", "follow_stream", "read_stream_range"]


def follow_stream(
    kv: KinesisVideo,
    stream_arn: str,
    *,
    start: StartSelector | None = None,
    end_fragment_number: str | None = None,
    max_idle_resumes: int = 3,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[Fragment]:
    """The stream's fragments as they arrive (`GetMedia`, from `start`: NOW by default).

    A dropped connection, or an answer that ends, is followed by a new `GetMedia` from the last
    fragment's continuation token: no fragment is handed over twice and none is lost (one cut
    off by the drop comes again, whole). It ends after `end_fragment_number` (a stream-end
    event's), or when `max_idle_resumes` answers in a row bring nothing new (the stream stopped);
    a `GetMedia` the service ends with an error tag raises `MediaStreamError`. Each `GetMedia`
    goes to the stream's GET_MEDIA endpoint as `kv` knows it then (`KinesisVideoMedia.for_stream`:
    one that is no longer the stream's is forgotten and asked for again); resumes wait on `sleep`
    (by default `kv`'s). Each fragment is read as it arrives: memory stays at one fragment::

        stream = started.kinesis_video_stream_arn  # a KinesisVideoStreamStart event's
        for fragment in follow_stream(kv, stream, end_fragment_number=ended.end_fragment_number):
            for frame in fragment.frames:
                ...
    """
    live = LiveRead(stream_arn, start, end_fragment_number, max_idle_resumes)
    pause = sleep or kv._pipeline.sleep  # pyright: ignore[reportPrivateUsage]  # the facade's injected sleep
    media = KinesisVideoMedia.for_stream(kv, stream_arn=stream_arn)
    while True:
        try:
            response = media.get_media(live.request())
            with response.payload as payload:
                for fragment in read_fragments(payload, chunk_size, get_media=True):
                    if live.accept(fragment):
                        yield fragment
                        if live.finished:
                            return
        except TransportError:
            pass  # the connection broke: resumed from the last whole fragment, if at all
        if not live.resume():
            return
        pause(live.resume_delay)


def follow_event(
    kv: KinesisVideo,
    started: KinesisVideoStreamStart,
    ended: KinesisVideoStreamEnd | None = None,
    *,
    max_idle_resumes: int = 3,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[Fragment]:
    """One attendee's audio (or the meeting's mix), as the media pipeline's events name it: the
    fragments of `started`'s stream from its first, to `ended`'s last when the end event is known
    (else until the stream stops); `follow_stream` does the reading::

        for fragment in follow_event(kv, started, ended):
            track = fragment.audio_track
            ...
    """
    return follow_stream(
        kv,
        started.kinesis_video_stream_arn,
        start=event_start(started),
        end_fragment_number=None if ended is None else ended.end_fragment_number,
        max_idle_resumes=max_idle_resumes,
        sleep=sleep,
    )


def read_stream_range(
    kv: KinesisVideo,
    stream_arn: str,
    selector: FragmentSelector,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Fragment]:
    """The stream's fragments in `selector`'s time range, in fragment-number order: their
    numbers from `ListFragments` (which pages in no order), then their media from
    `GetMediaForFragmentList`, at most 1,000 a call, each read as it arrives."""
    archived = KinesisVideoArchivedMedia.for_stream(kv, stream_arn=stream_arn)
    listed = archived.iter_fragments(ListFragmentsRequest(fragment_selector=selector))
    for batch in fragment_batches(listed):
        response = archived.get_media_for_fragment_list(GetMediaForFragmentListRequest(fragments=batch))
        with response.payload as payload:
            yield from read_fragments(payload, chunk_size)
