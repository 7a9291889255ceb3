"""The Kinesis Video media data plane: PutMedia, GetMedia and the archived-media operations.

Fragments are kept per stream (`StreamMedia`) in memory. Writers (a PutMedia connection, a media
stream pipeline) append under the stream's own lock; streaming readers (a live `GetMedia`) read
without the endpoint's lock and wait on the hub's condition for more, so a long-lived `GetMedia`
never holds up other requests. Every operation answers only on the data endpoint
`GetDataEndpoint` handed out for its API name.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator, Mapping

import attrs

from ._backend import Context, Handler, Settings, page
from ._errors import ServiceError
from ._fragments import (
    StoredFragment,
    cut_before_closing_tags,
    epoch_ms,
    error_chunk,
    find,
    fragment_list_chunk,
    fragment_number,
    get_media_chunk,
    in_range,
    listing_key,
    start_index,
)
from ._hub import MediaHub, MediaPlan
from ._kinesis_video import KinesisVideo, Stream
from ._mkv_ingest import Cluster, ClusterSplitter, IngestError
from ._params import opt_int, opt_str, opt_struct, str_list
from ._types import Params
from ._wire import ConnectionDropped, StreamedPayload

_INVALID = "InvalidArgumentException"
_NOT_FOUND = "ResourceNotFoundException"
# The endpoint prefix GetDataEndpoint hands out for each data-plane API (see _kinesis_video).
API_PREFIX = {
    "PutMedia": "s",
    "GetMedia": "g",
    "ListFragments": "l",
    "GetMediaForFragmentList": "f",
    "GetHLSStreamingSessionURL": "h",
    "GetDASHStreamingSessionURL": "b",
    "GetClip": "c",
    "GetImages": "i",
}
_API_NAME = {
    "PutMedia": "PUT_MEDIA",
    "GetMedia": "GET_MEDIA",
    "ListFragments": "LIST_FRAGMENTS",
    "GetMediaForFragmentList": "GET_MEDIA_FOR_FRAGMENT_LIST",
    "GetHLSStreamingSessionURL": "GET_HLS_STREAMING_SESSION_URL",
    "GetDASHStreamingSessionURL": "GET_DASH_STREAMING_SESSION_URL",
    "GetClip": "GET_CLIP",
    "GetImages": "GET_IMAGES",
}
# The latest producer start time taken (year 2286): later ones overflow the service's fields.
_MAX_EPOCH_MS = 9_999_999_999_999
GET_MEDIA_IDLE = 5.0
"""Real seconds a caught-up `GetMedia` waits for a fragment before it ends the response."""
_BATCH = 1024 * 1024
_NOT_EMULATED = (
    "kvs_chime.testing has no video packager or image encoder: {operation} is not emulated "
    "(see docs/howto/testing.md)"
)


@attrs.define(eq=False)
class StreamMedia:
    """The fragments of one stream, and who is writing to it."""

    serial: int
    fragments: list[StoredFragment] = attrs.field(factory=list[StoredFragment])
    producers: int = 0
    """Open writers (PutMedia connections, a pipeline's audio); a caught-up GetMedia waits while any."""
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def append(
        self,
        *,
        producer_ms: int,
        server_ms: int,
        duration_ms: int,
        head: bytes,
        cluster: bytes,
        tags: tuple[tuple[str, str], ...],
    ) -> StoredFragment:
        """Store one fragment under the next number."""
        with self.lock:
            fragment = StoredFragment(
                number=fragment_number(self.serial, len(self.fragments)),
                producer_ms=producer_ms,
                server_ms=server_ms,
                duration_ms=duration_ms,
                head=head,
                cluster=cluster,
                tags=tags,
            )
            self.fragments.append(fragment)
        return fragment


_serials = iter(range(1, 10**12))
_serials_lock = threading.Lock()


def _next_serial() -> int:
    with _serials_lock:
        return next(_serials)


class Media:
    """The data plane of one account and region."""

    def __init__(self, settings: Settings, kinesis_video: KinesisVideo) -> None:
        self._settings = settings
        self._kv = kinesis_video
        self.streams: dict[str, StreamMedia] = {}

    @property
    def hub(self) -> MediaHub:
        return self._settings.hub

    def of(self, stream: Stream) -> StreamMedia:
        """The media of `stream` (made on first use)."""
        found = self.streams.get(stream.arn)
        if found is None:
            found = self.streams[stream.arn] = StreamMedia(_next_serial())
        return found

    def purge(self, now: float) -> None:
        """Forget the media of streams that no longer exist."""
        if not self.streams:
            return
        known = {s.arn for s in self._kv.streams.values()}
        for arn in [a for a in self.streams if a not in known]:
            del self.streams[arn]

    def handlers(self) -> dict[str, Handler]:
        """The kinesis-video-media and kinesis-video-archived-media operations."""
        return {
            "GetMedia": self.get_media,
            "ListFragments": self.list_fragments,
            "GetMediaForFragmentList": self.get_media_for_fragment_list,
            "GetClip": self._refuse("GetClip", "UnsupportedStreamMediaTypeException"),
            "GetHLSStreamingSessionURL": self._refuse(
                "GetHLSStreamingSessionURL", "UnsupportedStreamMediaTypeException"
            ),
            "GetDASHStreamingSessionURL": self._refuse(
                "GetDASHStreamingSessionURL", "UnsupportedStreamMediaTypeException"
            ),
            "GetImages": self.get_images,
        }

    # -- the checks every operation shares ----------------------------------------------------

    def check_endpoint(self, ctx: Context, operation: str, error: str = _INVALID) -> None:
        """Refuse a call that did not arrive on the data endpoint handed out for its API."""
        endpoint = ctx.data_endpoint or ""
        if endpoint.partition("-")[0] != API_PREFIX[operation]:
            raise ServiceError(
                error,
                f"{operation} must be sent to the endpoint GetDataEndpoint returns for APIName {_API_NAME[operation]}",
            )

    def _stream(self, params: Params) -> Stream:
        name, arn = opt_str(params, "StreamName"), opt_str(params, "StreamARN")
        if name is not None and arn is not None:
            raise ServiceError(_INVALID, "Specify either StreamName or StreamARN, not both")
        stream = self._kv.stream(name, arn)
        if stream.life.gone_at is not None:
            raise ServiceError(_NOT_FOUND, "The stream does not exist")
        return stream

    def _refuse(self, operation: str, code: str) -> Handler:
        def handler(ctx: Context, params: Params) -> Params:
            self.check_endpoint(ctx, operation)
            stream = self._stream(params)
            if stream.retention == 0:
                raise ServiceError("NoDataRetentionException", "The stream does not retain data")
            raise ServiceError(code, _NOT_EMULATED.format(operation=operation))

        return handler

    # -- GetMedia ---------------------------------------------------------------------------------

    def get_media(self, ctx: Context, params: Params) -> Params:
        """GetMedia: the stream's fragments from the StartSelector on, live as they arrive."""
        self.check_endpoint(ctx, "GetMedia", "InvalidEndpointException")
        media = self.of(self._stream(params))
        selector = opt_struct(params, "StartSelector") or {}
        index = start_index(media.fragments, selector)
        plan = self.hub.faults.plan(get_media=True)
        awaits = selector.get("StartSelectorType") == "NOW"
        return {
            "ContentType": "video/webm",
            "Payload": StreamedPayload(self._live(media, index, plan, awaits_first=awaits)),
        }

    def _live(
        self, media: StreamMedia, index: int, plan: MediaPlan, *, awaits_first: bool
    ) -> Iterator[bytes]:
        """Fragments from `index` on, then each as it arrives. Caught up, it ends once no producer
        is writing (a NOW reader first waits for one to start), or after GET_MEDIA_IDLE seconds
        with no new fragment."""
        hub = self.hub
        sent = 0
        idle_since = time.monotonic()
        while not hub.stopping.is_set():
            fragments = media.fragments
            if index < len(fragments):
                batch: list[bytes] = []
                size = 0
                while index < len(fragments) and size < _BATCH:
                    if plan.delay > 0 and hub.stopping.wait(plan.delay):
                        return
                    fragment = fragments[index]
                    chunk = get_media_chunk(fragment, fragments[-1].server_ms - fragment.server_ms)
                    index += 1
                    if plan.drop_after is not None and sent >= plan.drop_after:
                        if batch:
                            yield b"".join(batch)
                        if plan.clean:
                            yield cut_before_closing_tags(chunk, fragment)
                            return
                        yield chunk[: len(chunk) // 2]
                        raise ConnectionDropped
                    batch.append(chunk)
                    size += len(chunk)
                    sent += 1
                    if plan.delay > 0:
                        break
                yield b"".join(batch)
                idle_since = time.monotonic()
                continue
            waiting = media.producers > 0 or (awaits_first and sent == 0)
            if not waiting or time.monotonic() - idle_since > GET_MEDIA_IDLE:
                return
            with hub.changed:
                if index >= len(media.fragments):
                    hub.changed.wait(0.1)

    # -- archived media ---------------------------------------------------------------------------

    def list_fragments(self, ctx: Context, params: Params) -> Params:
        """ListFragments: in no particular order (as AWS warns), paginated, filtered by a range."""
        self.check_endpoint(ctx, "ListFragments")
        media = self.of(self._stream(params))
        selector = opt_struct(params, "FragmentSelector")
        if selector is not None:
            bounds = opt_struct(selector, "TimestampRange") or {}
            low, high = epoch_ms(bounds.get("StartTimestamp")), epoch_ms(bounds.get("EndTimestamp"))
            if low is not None and high is not None and high < low:
                raise ServiceError(_INVALID, "EndTimestamp must not be earlier than StartTimestamp")
        with media.lock:
            chosen = [f for f in media.fragments if in_range(f, selector)]
        chosen.sort(key=listing_key)
        chunk, token = page(
            chosen, listing_key, opt_int(params, "MaxResults") or 1000, opt_str(params, "NextToken"), _INVALID
        )
        fragments: list[Params] = [
            {
                "FragmentNumber": f.number,
                "FragmentSizeInBytes": f.size,
                "ProducerTimestamp": f.producer_ms / 1000,
                "ServerTimestamp": f.server_ms / 1000,
                "FragmentLengthInMilliseconds": f.duration_ms,
            }
            for f in chunk
        ]
        return {"Fragments": fragments, "NextToken": token}

    def get_media_for_fragment_list(self, ctx: Context, params: Params) -> Params:
        """GetMediaForFragmentList: the listed fragments (1 to 1,000), in the order asked."""
        self.check_endpoint(ctx, "GetMediaForFragmentList")
        media = self.of(self._stream(params))
        numbers = str_list(params, "Fragments")
        chosen: list[StoredFragment] = []
        for number in numbers:
            fragment = find(media.fragments, number)
            if fragment is None:
                raise ServiceError(_NOT_FOUND, "A requested fragment does not exist")
            chosen.append(fragment)
        plan = self.hub.faults.plan(get_media=False)
        return {"ContentType": "video/webm", "Payload": StreamedPayload(self._listed(chosen, plan))}

    def _listed(self, fragments: list[StoredFragment], plan: MediaPlan) -> Iterator[bytes]:
        for fragment in fragments:
            if plan.delay > 0 and self.hub.stopping.wait(plan.delay):
                return
            yield fragment_list_chunk(fragment)

    def get_images(self, ctx: Context, params: Params) -> Params:
        """GetImages: one entry per sampling interval, each `MEDIA_ERROR` (no image encoder here)."""
        self.check_endpoint(ctx, "GetImages")
        stream = self._stream(params)
        if stream.retention == 0:
            raise ServiceError("NoDataRetentionException", "The stream does not retain data")
        start = (epoch_ms(params.get("StartTimestamp")) or 0) / 1000
        end = (epoch_ms(params.get("EndTimestamp")) or 0) / 1000
        interval = (opt_int(params, "SamplingInterval") or 3000) / 1000
        if end <= start:
            raise ServiceError(_INVALID, "EndTimestamp must be later than StartTimestamp")
        steps = min(int((end - start) / interval) + 1, opt_int(params, "MaxResults") or 100)
        images: list[Params] = [
            {"TimeStamp": start + i * interval, "Error": "MEDIA_ERROR"} for i in range(steps)
        ]
        return {"Images": images}

    # -- PutMedia ---------------------------------------------------------------------------------

    def open_put_media(self, ctx: Context, headers: dict[str, str]) -> tuple[StreamMedia, Params]:
        """Check a PutMedia request's headers and claim the stream (one producer at a time).

        Returns the stream's media and the session's settings (timecode type, start, scale).
        """
        self.check_endpoint(ctx, "PutMedia", "InvalidEndpointException")
        name, arn = headers.get("x-amzn-stream-name"), headers.get("x-amzn-stream-arn")
        if (name is None) == (arn is None):
            raise ServiceError(_INVALID, "Specify either x-amzn-stream-name or x-amzn-stream-arn, not both")
        kind = headers.get("x-amzn-fragment-timecode-type")
        if kind not in ("ABSOLUTE", "RELATIVE"):
            raise ServiceError(_INVALID, "x-amzn-fragment-timecode-type must be ABSOLUTE or RELATIVE")
        start = _producer_start(headers.get("x-amzn-producer-start-timestamp"))
        stream = self._kv.stream(name, arn)
        if stream.life.gone_at is not None or stream.life.status(ctx.now) == "CREATING":
            raise ServiceError(_NOT_FOUND, "The stream does not exist or is not ACTIVE")
        media = self.of(stream)
        # Last: nothing after the claim may fail, or the stream would stay claimed.
        with media.lock:
            if media.producers > 0:
                raise ServiceError(
                    "ConnectionLimitExceededException",
                    "Another PutMedia connection is writing to this stream",
                )
            media.producers += 1
        return media, {"relative": kind == "RELATIVE", "start_ms": round(start * 1000)}

    def ingest(self, media: StreamMedia, session: Params, body: Iterator[bytes]) -> Iterator[bytes]:
        """PutMedia's answer: read the upload as it arrives, store each fragment, ack it.

        BUFFERING as soon as a fragment's Cluster and Timecode have arrived, RECEIVED and
        PERSISTED once it is complete and stored; an ERROR ack ends the session.

        The stream claimed by `open_put_media` is given back however the answer ends: read to
        its end, closed, or dropped unread (a connection reset before the first ack is written).
        """
        return _Upload(media, self.hub, self._acks(media, session, body))

    def _acks(self, media: StreamMedia, session: Params, body: Iterator[bytes]) -> Iterator[bytes]:
        splitter = ClusterSplitter()
        relative = bool(session["relative"])
        start_ms = int(str(session["start_ms"]))
        last_timecode = 0
        buffered = False
        try:
            for data in body:
                for cluster in splitter.feed(data):
                    last_timecode = cluster.timecode
                    yield self._store(media, cluster, relative, start_ms, buffered=buffered)
                    buffered = False
                pending = splitter.pending_timecode
                if pending is not None and not buffered:
                    # Only this connection writes to the stream: the next number is this one's.
                    number = fragment_number(media.serial, len(media.fragments))
                    yield _ack(
                        {"EventType": "BUFFERING", "FragmentTimecode": pending, "FragmentNumber": number}
                    )
                    buffered = True
            for cluster in splitter.close():
                yield self._store(media, cluster, relative, start_ms, buffered=buffered)
        except IngestError as error:
            yield _ack({"EventType": "ERROR", "FragmentTimecode": last_timecode, "ErrorId": error.error_id})
        except Exception:
            # The body could not be read (cut off, timed out, not chunked properly): the
            # service's STREAM_READ_ERROR, and the end of the session.
            yield _ack({"EventType": "ERROR", "FragmentTimecode": last_timecode, "ErrorId": 4000})

    def _store(
        self, media: StreamMedia, cluster: Cluster, relative: bool, start_ms: int, *, buffered: bool
    ) -> bytes:
        scale = cluster.timecode_scale / 1_000_000
        producer_ms = round(cluster.timecode * scale) + (start_ms if relative else 0)
        fragment = media.append(
            producer_ms=producer_ms,
            server_ms=round(self._settings.wall(self._settings.now()) * 1000),
            duration_ms=round(cluster.span * scale),
            head=cluster.head,
            cluster=cluster.cluster,
            tags=cluster.tags,
        )
        self.hub.notify()
        kinds = ("RECEIVED", "PERSISTED") if buffered else ("BUFFERING", "RECEIVED", "PERSISTED")
        acks = [
            {"EventType": kind, "FragmentTimecode": cluster.timecode, "FragmentNumber": fragment.number}
            for kind in kinds
        ]
        return b"".join(_ack(a) for a in acks)


def _producer_start(raw: str | None) -> float:
    """x-amzn-producer-start-timestamp: finite, non-negative epoch seconds (NaN, infinities and
    overflowing values are refused with the service's 400 before the stream is claimed)."""
    try:
        start = float(raw) if raw is not None else math.nan
    except ValueError:
        start = math.nan
    if not math.isfinite(start) or start < 0 or start * 1000 > _MAX_EPOCH_MS:
        raise ServiceError(_INVALID, "x-amzn-producer-start-timestamp must be epoch seconds")
    return start


class _Upload(Iterator[bytes]):
    """PutMedia's acks, and the stream's slot given back exactly once: at their end or on close,
    which the server calls however writing the answer ends (a generator never started runs no
    `finally`, hence this object)."""

    def __init__(self, media: StreamMedia, hub: MediaHub, acks: Iterator[bytes]) -> None:
        self._media = media
        self._hub = hub
        self._acks = acks
        self._open = True

    def __iter__(self) -> _Upload:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._acks)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        with self._media.lock:
            if not self._open:
                return
            self._open = False
            self._media.producers -= 1
        close = getattr(self._acks, "close", None)
        if close is not None:
            close()
        self._hub.notify()


def _ack(event: Mapping[str, object]) -> bytes:
    # The service writes one JSON object per acknowledgement, separated by newlines.
    return json.dumps(event, separators=(",", ":")).encode("utf-8") + b"\n"


__all__ = ["GET_MEDIA_IDLE", "Media", "StreamMedia", "error_chunk"]
