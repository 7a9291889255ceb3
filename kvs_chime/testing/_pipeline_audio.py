"""Media stream pipelines that produce audio: AAC in MKV into their pool's streams, and events.

A `MediaStreamPipeline` whose source meeting exists here writes, once InProgress, one stream per
attendee (`IndividualAudio`) or one for the meeting (`MixedAudio`) into each sink pool: streams
named `ChimeMediaPipelines-<pool id>-<uuid>`, fragments of 47 AAC frames (about one second) tagged
`meetingId`, `externalMeetingId`, `attendeeId`, `externalUserId`, `sampleRate` and `channels`, as
the service tags them. The audio is a known test signal: a sine tone per attendee (440 Hz for the
first, 660 Hz for the second, then alternating) and a 440 + 660 Hz mix for mixed audio, AAC-encoded
once by tools/make_audio_fixtures.py.

Nothing runs on its own: `advance(now)` produces every fragment and event due by `now` on the
emulator's clock. The endpoint calls it on every request and from a ticker, so a ManualClock (or
the admin API's clock advance) fast-forwards a pipeline by whole minutes in one step.
"""

from __future__ import annotations

import functools
import math
import uuid
from importlib import resources
from typing import cast

import attrs

from ..media import read_fragments
from ..media._writer import element, encode_size
from ._backend import Ids, Lifecycle, Settings
from ._events import PIPELINE_DETAIL_TYPE, POOL_DETAIL_TYPE, envelope, iso_millis
from ._kinesis_video import KinesisVideo, Stream
from ._media import Media, StreamMedia
from ._media_pipelines import MediaPipelines, Pipeline, Pool
from ._meetings import Attendee, Meeting, Meetings
from ._mkv_ingest import ClusterSplitter
from ._params import opt_str, struct_list
from ._types import JsonObject

RATE = 48_000
FRAME_SAMPLES = 1024
FRAMES_PER_FRAGMENT = 47
"""About one second of AAC frames per fragment, as the service writes them."""
_TONES = ("tone-440hz.mkv", "tone-660hz.mkv")
_MIXED = "tone-mixed-440-660hz.mkv"
_CLUSTER = 0x1F43B675
_TIMECODE = 0xE7
_SIMPLE_BLOCK = 0xA3


@attrs.frozen
class Tone:
    """A committed test tone: the Segment head (Info + Tracks) to serve and its raw AAC frames."""

    head: bytes
    frames: tuple[bytes, ...]


@functools.cache
def tone(name: str) -> Tone:
    """A fixture under kvs_chime/testing/_audio, re-wrapped with the package's Kinesis-shaped head."""
    from ..media._writer import AudioTrackSpec, FrameSpec, kvs_fragment

    data = resources.files("kvs_chime.testing").joinpath("_audio").joinpath(name).read_bytes()
    [fragment] = read_fragments(_Bytes(data))
    track = fragment.audio_track
    assert track is not None
    frames = tuple(f.data for f in fragment.frames)
    sample = kvs_fragment(
        track=AudioTrackSpec(codec_private=track.codec_private, channels=track.channels or 1),
        cluster_timecode=0,
        frames=[FrameSpec(0, frames[0])],
    )
    splitter = ClusterSplitter()
    [cluster] = splitter.feed(sample) + splitter.close()
    return Tone(cluster.head, frames)


class _Bytes:
    """A minimal binary reader over bytes for `read_fragments`."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._pos + size
        chunk = self._data[self._pos : end]
        self._pos += len(chunk)
        return chunk


def cluster_bytes(start_ms: float, first_frame: int, frames: list[bytes]) -> tuple[bytes, int, int]:
    """A Cluster of `frames` (global indexes from `first_frame`) on a feed starting at `start_ms`.

    Returns the bytes, the Cluster's timecode (epoch ms) and its duration in ms.
    """
    frame_ms = FRAME_SAMPLES * 1000 / RATE
    timecode = math.floor(start_ms + first_frame * frame_ms)
    blocks = b"".join(
        element(
            _SIMPLE_BLOCK,
            encode_size(1)
            + (round(start_ms + (first_frame + i) * frame_ms) - timecode).to_bytes(2, "big", signed=True)
            + b"\x80"
            + data,
        )
        for i, data in enumerate(frames)
    )
    body = element(_TIMECODE, timecode.to_bytes(8, "big").lstrip(b"\x00") or b"\x00") + blocks
    duration = round(start_ms + (first_frame + len(frames)) * frame_ms) - timecode
    return element(_CLUSTER, body), timecode, duration


@attrs.define(eq=False)
class _Feed:
    """One stream a pipeline writes: whose audio, from when, how far."""

    stream: Stream
    media: StreamMedia
    attendee: Attendee | None
    tone: Tone
    start_clock: float
    start_ms: float
    next_frame: int = 0
    first_number: str | None = None
    last_number: str | None = None
    ended: bool = False


@attrs.define(eq=False)
class _Run:
    pipeline_id: str
    arn: str
    meeting: Meeting | None
    in_progress: bool = False
    feeds: dict[tuple[str, str], _Feed] = attrs.field(factory=dict[tuple[str, str], _Feed])
    failed_at: float | None = None
    resume_at: float | None = None
    permanent: bool = False
    finished: bool = False


class PipelineAudio:
    """The audio and events of the media stream pipelines of one account and region."""

    def __init__(
        self,
        settings: Settings,
        kinesis_video: KinesisVideo,
        media: Media,
        pipelines: MediaPipelines,
        meetings: Meetings,
    ) -> None:
        self._settings = settings
        self._kv = kinesis_video
        self._media = media
        self._pipelines = pipelines
        self._meetings = meetings
        self._runs: dict[str, _Run] = {}
        self._pools: dict[str, tuple[bool, float]] = {}  # pool ARN -> (announced active, updated)

    @property
    def active(self) -> bool:
        """Whether a pipeline or pool may still produce audio or events as time passes."""
        if any(not run.finished for run in self._runs.values()):
            return True
        if any(
            p.kind == "MediaStreamPipeline" and p.pipeline_id not in self._runs
            for p in self._pipelines.pipelines.values()
        ):
            return True
        pools = self._pipelines.pools()
        return len(pools) != len(self._pools) or any(
            self._pools.get(p.arn) != (True, p.updated) or p.life.gone_at is not None for p in pools
        )

    def _ms(self, clock: float) -> float:
        return self._settings.wall(clock) * 1000

    def _emit(self, detail_type: str, detail: JsonObject, at: float, resources: list[str]) -> None:
        self._settings.hub.events.emit(
            envelope(
                detail_type,
                detail,
                account=self._pipelines.account,
                region=self._pipelines.region,
                epoch_ms=round(self._ms(at)),
                resources=resources,
            )
        )

    # -- pools ------------------------------------------------------------------------------------

    def _advance_pools(self, now: float) -> None:
        current = {pool.arn: pool for pool in self._pipelines.pools()}
        for arn, pool in current.items():
            announced, updated = self._pools.get(arn, (False, pool.updated))
            if not announced and pool.life.status(now) == "ACTIVE":
                self._pool_event("Active", pool, pool.life.ready_at)
                announced = True
            elif announced and pool.updated != updated and pool.life.gone_at is None:
                self._pool_event("Updated", pool, now)
            self._pools[arn] = (announced, pool.updated)
        for arn in [a for a in self._pools if a not in current]:
            del self._pools[arn]
            self._emit(
                POOL_DETAIL_TYPE,
                {
                    "version": "0",
                    "eventType": "chime:MediaPipelineKinesisVideoStreamPoolDeleted",
                    "timestamp": round(self._ms(now)),
                    "poolArn": arn,
                    "mediaRegion": self._pipelines.region,
                },
                now,
                [arn],
            )

    def _pool_event(self, kind: str, pool: Pool, at: float) -> None:
        self._emit(
            POOL_DETAIL_TYPE,
            {
                "version": "0",
                "eventType": f"chime:MediaPipelineKinesisVideoStreamPool{kind}",
                "timestamp": round(self._ms(at)),
                "poolArn": pool.arn,
                "mediaRegion": pool.region,
            },
            at,
            [pool.arn],
        )

    # -- pipelines --------------------------------------------------------------------------------

    def advance(self, now: float) -> None:
        """Produce every fragment and event due by `now` (caller holds the endpoint's lock)."""
        self._advance_pools(now)
        for pipeline in list(self._pipelines.pipelines.values()):
            if pipeline.kind != "MediaStreamPipeline":
                continue
            run = self._runs.get(pipeline.pipeline_id)
            if run is None:
                sources = struct_list(pipeline.spec, "Sources")
                source = opt_str(sources[0], "SourceArn") if sources else None
                meeting = self._meetings.by_arn(source) if source is not None else None
                run = self._runs[pipeline.pipeline_id] = _Run(pipeline.pipeline_id, pipeline.arn, meeting)
            if not run.finished:
                self._advance(run, pipeline, now)
        forgotten, self._pipelines.forgotten = self._pipelines.forgotten, {}
        for pipeline_id, run in list(self._runs.items()):
            if pipeline_id not in self._pipelines.pipelines:
                # Deleted and forgotten before this look (a zero deletion delay): it stopped at
                # its deletion, not now.
                if not run.finished:
                    deleted, gone = forgotten.get(pipeline_id, (now, now))
                    self._stop(run, deleted)
                    self._finish(run, gone, deleted=True)
                del self._runs[pipeline_id]

    def _detail(self, run: _Run, event_type: str, at: float) -> JsonObject:
        detail: JsonObject = {
            "version": "0",
            "eventType": f"chime:MediaPipeline{event_type}",
            "timestamp": round(self._ms(at)),
            "mediaPipelineId": run.pipeline_id,
        }
        if run.meeting is not None:
            detail["meetingId"] = run.meeting.meeting_id
            detail["externalMeetingId"] = run.meeting.external_meeting_id or ""
            detail["mediaRegion"] = run.meeting.media_region
        return detail

    def _advance(self, run: _Run, pipeline: Pipeline, now: float) -> None:
        life = pipeline.life
        if not run.in_progress:
            if now < life.ready_at or (life.gone_at is not None and life.gone_at <= life.ready_at):
                if life.gone_at is not None and now >= life.gone_at:
                    self._finish(run, life.gone_at, deleted=True)
                return
            run.in_progress = True
            self._emit(
                PIPELINE_DETAIL_TYPE, self._detail(run, "InProgress", life.ready_at), life.ready_at, [run.arn]
            )
        meeting = run.meeting
        if meeting is not None and meeting.meeting_id not in self._meetings.meetings:
            # The meeting ended: the service stops (and deletes) its pipelines.
            life.gone_at = life.gone_at if life.gone_at is not None else now
            pipeline.deleted_at = pipeline.deleted_at if pipeline.deleted_at is not None else now
        # Audio stops at the deletion (Stopping writes nothing); the pipeline is gone later.
        stop = pipeline.deleted_at if pipeline.deleted_at is not None else life.gone_at
        end = now if stop is None else min(now, stop)
        if meeting is not None and meeting.meeting_id in self._meetings.meetings:
            self._open_feeds(run, pipeline, meeting, life.ready_at, end)
        if run.resume_at is not None and end >= run.resume_at:
            for feed in run.feeds.values():
                feed.next_frame = max(feed.next_frame, self._frames_by(feed, run.resume_at))
            self._emit(
                PIPELINE_DETAIL_TYPE, self._detail(run, "Resumed", run.resume_at), run.resume_at, [run.arn]
            )
            run.failed_at = run.resume_at = None
        until = end if run.failed_at is None else min(end, run.failed_at)
        for key, feed in run.feeds.items():
            if feed.ended:
                continue
            left = meeting is not None and key[1] and key[1] not in meeting.attendees
            self._produce(run, feed, until)
            if left:
                self._end_feed(run, feed, until)
        if stop is not None and now >= stop:
            self._stop(run, stop)
        if life.gone_at is not None and now >= life.gone_at:
            self._finish(run, life.gone_at, deleted=True)

    def _stop(self, run: _Run, at: float) -> None:
        # Every stream ends at the deletion (StreamEnd events), before the pipeline is gone.
        for feed in run.feeds.values():
            if not feed.ended:
                self._end_feed(run, feed, at if run.failed_at is None else min(at, run.failed_at))

    def _open_feeds(self, run: _Run, pipeline: Pipeline, meeting: Meeting, ready: float, now: float) -> None:
        pools = {pool.arn: pool for pool in self._pipelines.pools()}
        for sink in struct_list(pipeline.spec, "Sinks"):
            pool = pools.get(opt_str(sink, "SinkArn") or "")
            if pool is None:
                continue
            if opt_str(sink, "MediaStreamType") == "MixedAudio":
                if (pool.arn, "") not in run.feeds:
                    run.feeds[(pool.arn, "")] = self._feed(pool, None, tone(_MIXED), ready)
                continue
            for index, attendee in enumerate(sorted(meeting.attendees.values(), key=lambda a: a.joined)):
                if (pool.arn, attendee.attendee_id) in run.feeds:
                    continue
                start = max(ready, attendee.joined)
                if start <= now:
                    run.feeds[(pool.arn, attendee.attendee_id)] = self._feed(
                        pool, attendee, tone(_TONES[index % len(_TONES)]), start
                    )

    def _streams_in(self, region: str) -> tuple[KinesisVideo, Media]:
        # The pool's region, which need not be the one the pipeline was created in.
        resolve = self._settings.region_scope
        if region == self._kv.region or resolve is None:
            return self._kv, self._media
        scope = resolve(region, self._kv.account)
        return cast(KinesisVideo, scope.kinesis_video), cast(Media, scope.media)

    def _feed(self, pool: Pool, attendee: Attendee | None, sound: Tone, start: float) -> _Feed:
        name = f"ChimeMediaPipelines-{pool.pool_id}-{uuid.uuid4()}"
        millis = Ids().arn_millis(self._settings.wall(start))
        kv, media_of = self._streams_in(pool.region or self._kv.region)
        stream = Stream(
            name=name,
            arn=f"arn:aws:kinesisvideo:{kv.region}:{kv.account}:stream/{name}/{millis}",
            device_name=None,
            media_type="audio/aac",
            kms_key_id=f"arn:aws:kms:{kv.region}:{kv.account}:alias/aws/kinesisvideo",
            retention=pool.retention or 0,
            version=Ids.version(),
            created=self._settings.wall(start),
            life=Lifecycle.created(start, 0),
            endpoint_id=Ids.short(),
        )
        kv.streams[name] = stream
        media = media_of.of(stream)
        media.producers += 1
        return _Feed(stream, media, attendee, sound, start, self._ms(start))

    @staticmethod
    def _frames_by(feed: _Feed, clock: float) -> int:
        return max(0, math.floor((clock - feed.start_clock) * RATE / FRAME_SAMPLES + 1e-9))

    def _produce(self, run: _Run, feed: _Feed, until: float, *, flush: bool = False) -> None:
        target = self._frames_by(feed, until)
        while feed.next_frame + FRAMES_PER_FRAGMENT <= target:
            self._write(run, feed, FRAMES_PER_FRAGMENT)
        if flush and feed.next_frame < target:
            self._write(run, feed, target - feed.next_frame)

    def _write(self, run: _Run, feed: _Feed, count: int) -> None:
        frames = [feed.tone.frames[(feed.next_frame + i) % len(feed.tone.frames)] for i in range(count)]
        cluster, timecode, duration = cluster_bytes(feed.start_ms, feed.next_frame, frames)
        meeting = run.meeting
        tags: list[tuple[str, str]] = []
        if meeting is not None:
            tags += [
                ("meetingId", meeting.meeting_id),
                ("externalMeetingId", meeting.external_meeting_id or ""),
            ]
        if feed.attendee is not None:
            tags += [
                ("attendeeId", feed.attendee.attendee_id),
                ("externalUserId", feed.attendee.external_user_id),
            ]
        tags += [("sampleRate", str(RATE)), ("channels", "1")]
        fragment = feed.media.append(
            producer_ms=timecode,
            server_ms=timecode + duration,
            duration_ms=duration,
            head=feed.tone.head,
            cluster=cluster,
            tags=tuple(tags),
        )
        feed.next_frame += count
        feed.last_number = fragment.number
        if feed.first_number is None:
            feed.first_number = fragment.number
            self._stream_event(run, feed, "Start", feed.start_clock)
        self._settings.hub.notify()

    def _stream_event(self, run: _Run, feed: _Feed, kind: str, at: float) -> None:
        detail = self._detail(run, f"KinesisVideoStream{kind}", at)
        detail.update(
            {
                "attendeeId": feed.attendee.attendee_id if feed.attendee is not None else "",
                "externalUserId": feed.attendee.external_user_id if feed.attendee is not None else "",
                "kinesisVideoStreamArn": feed.stream.arn,
                "startFragmentNumber": feed.first_number or "",
                "startTime": iso_millis(round(feed.start_ms)),
            }
        )
        if kind == "End":
            detail["endFragmentNumber"] = feed.last_number or ""
            detail["endTime"] = iso_millis(round(self._ms(at)))
        self._emit(PIPELINE_DETAIL_TYPE, detail, at, [run.arn])

    def _end_feed(self, run: _Run, feed: _Feed, at: float) -> None:
        self._produce(run, feed, at, flush=True)
        feed.ended = True
        feed.media.producers -= 1
        if feed.first_number is not None:
            self._stream_event(run, feed, "End", at)
        self._settings.hub.notify()

    def _finish(self, run: _Run, at: float, *, deleted: bool) -> None:
        for feed in run.feeds.values():
            if not feed.ended:
                self._end_feed(run, feed, at if run.failed_at is None else min(at, run.failed_at))
        run.finished = True
        if deleted:
            self._emit(PIPELINE_DETAIL_TYPE, self._detail(run, "Deleted", at), at, [run.arn])

    # -- injected failures ------------------------------------------------------------------------

    def fail(self, pipeline_id: str, now: float, *, permanent: bool, seconds: float) -> bool:
        """Fail a running pipeline now: for `seconds` then Resumed, or for good (False if unknown)."""
        pipeline = self._pipelines.pipelines.get(pipeline_id.lower())
        if pipeline is None or pipeline.kind != "MediaStreamPipeline":
            return False
        self.advance(now)
        run = self._runs.get(pipeline.pipeline_id)
        if run is None or run.finished or not run.in_progress:
            raise ValueError("the media pipeline is not InProgress")
        for feed in run.feeds.values():
            if not feed.ended:
                self._produce(run, feed, now, flush=True)
        if permanent:
            self._emit(PIPELINE_DETAIL_TYPE, self._detail(run, "PermanentFailure", now), now, [run.arn])
            run.permanent = True
            pipeline.failed = True
            pipeline.life.changed()
            self._finish(run, now, deleted=False)
        else:
            self._emit(PIPELINE_DETAIL_TYPE, self._detail(run, "TemporaryFailure", now), now, [run.arn])
            run.failed_at = now
            run.resume_at = now + seconds
        return True
