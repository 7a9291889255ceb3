"""A sans-I/O incremental Matroska (EBML) reader: feed it bytes, get whole fragments back.

Why not an EBML library: ebmlite (the one well-kept pure-Python one on PyPI, and what the
aws-samples consumer library vendors) reads from a seekable file and has no way to be fed a
stream; used incrementally it must re-parse its buffer on every chunk. The figures are in
`benchmarks/bench_mkv.py`.

How it stays constant in memory: only elements whose content is needed (block payloads, tags,
track entries, a few numbers) are held until complete; any other element's payload is skipped as
it streams past, however large. What accumulates is the current fragment's frames, handed over
when the next fragment starts (or the stream ends).

Kinesis Video writes each fragment as its own EBML header and a Segment of unknown size, with
Clusters of unknown size. An unknown-size element ends where an element arrives that cannot be
its child (the next Cluster, the Tags after a Cluster, the next fragment's EBML header): the
Matroska rule, applied with the children tables below.

Where a fragment of a `GetMedia` answer ends: the service writes the fragment's number and
timestamps in a Tags element before the Cluster, and `AWS_KINESISVIDEO_MILLIS_BEHIND_NOW` and
`AWS_KINESISVIDEO_CONTINUATION_TOKEN` in a Tags element after it (the GetMedia reference; the
fragment dumps of awslabs/amazon-kinesis-video-streams-parser-library show the same order). An
answer can stop cleanly at any element boundary, so with `get_media=True` a fragment is whole only
once those closing tags are read, or the next fragment starts; one the answer stops before is
`truncated`.

Limits: Kinesis Video caps a fragment at 50 MiB, so no element may reach past 50 MiB from its
fragment's start (`max_fragment_size`), and the leaves the reader holds have their own caps
(`_CAPS`): a hostile size field fails at its header, before anything is buffered for it.
"""

from __future__ import annotations

import struct
from typing import Any

import attrs

from ._errors import MkvFormatError
from ._fragment import Fragment, Frame, MkvTag, Track

__all__ = ["MkvReader"]

EBML = 0x1A45DFA3
SEGMENT = 0x18538067
SEEK_HEAD = 0x114D9B74
INFO = 0x1549A966
TIMECODE_SCALE = 0x2AD7B1
TRACKS = 0x1654AE6B
TRACK_ENTRY = 0xAE
TRACK_NUMBER = 0xD7
TRACK_TYPE = 0x83
CODEC_ID = 0x86
CODEC_PRIVATE = 0x63A2
NAME = 0x536E
DEFAULT_DURATION = 0x23E383
AUDIO = 0xE1
SAMPLING_FREQUENCY = 0xB5
CHANNELS = 0x9F
TAGS = 0x1254C367
TAG = 0x7373
TARGETS = 0x63C0
SIMPLE_TAG = 0x67C8
TAG_NAME = 0x45A3
TAG_STRING = 0x4487
TAG_BINARY = 0x4485
CLUSTER = 0x1F43B675
TIMECODE = 0xE7
SIMPLE_BLOCK = 0xA3
BLOCK_GROUP = 0xA0
BLOCK = 0xA1
BLOCK_DURATION = 0x9B
REFERENCE_BLOCK = 0xFB
CUES = 0x1C53BB6B
CHAPTERS = 0x1043A770
ATTACHMENTS = 0x1941A469
VOID = 0xEC
CRC32 = 0xBF

_NAMES = {
    EBML: "EBML",
    SEGMENT: "Segment",
    INFO: "Info",
    TRACKS: "Tracks",
    TRACK_ENTRY: "TrackEntry",
    AUDIO: "Audio",
    TAGS: "Tags",
    TAG: "Tag",
    SIMPLE_TAG: "SimpleTag",
    CLUSTER: "Cluster",
    BLOCK_GROUP: "BlockGroup",
    SIMPLE_BLOCK: "SimpleBlock",
    BLOCK: "Block",
    TIMECODE: "Timecode",
    TIMECODE_SCALE: "TimecodeScale",
    TAG_NAME: "TagName",
    TAG_STRING: "TagString",
    TAG_BINARY: "TagBinary",
    TRACK_NUMBER: "TrackNumber",
    TRACK_TYPE: "TrackType",
    CODEC_ID: "CodecID",
    CODEC_PRIVATE: "CodecPrivate",
    NAME: "Name",
    DEFAULT_DURATION: "DefaultDuration",
    SAMPLING_FREQUENCY: "SamplingFrequency",
    CHANNELS: "Channels",
    BLOCK_DURATION: "BlockDuration",
    REFERENCE_BLOCK: "ReferenceBlock",
}

# Masters the reader descends into, with the children each may hold (Matroska v4). An element
# not listed for an open unknown-size master ends that master.
_GLOBAL = frozenset({VOID, CRC32})
_CHILDREN: dict[int, frozenset[int]] = {
    SEGMENT: frozenset({SEEK_HEAD, INFO, TRACKS, CLUSTER, CUES, ATTACHMENTS, CHAPTERS, TAGS}),
    CLUSTER: frozenset({TIMECODE, 0x5854, 0xA7, 0xAB, SIMPLE_BLOCK, BLOCK_GROUP, 0xAF}),
    INFO: frozenset(
        {TIMECODE_SCALE, 0x73A4, 0x7384, 0x3CB923, 0x3C83AB, 0x3EB923, 0x3E83BB, 0x4444, 0x6924}
        | {0x4489, 0x4461, 0x7BA9, 0x4D80, 0x5741}
    ),
    TRACKS: frozenset({TRACK_ENTRY}),
    TRACK_ENTRY: frozenset(
        {TRACK_NUMBER, 0x73C5, TRACK_TYPE, 0xB9, 0x88, 0x55AA, 0x9C, 0x6DE7, 0x6DF8}
        | {DEFAULT_DURATION, 0x234E7A, 0x23314F, 0x55EE, NAME, 0x22B59C, 0x22B59D, CODEC_ID}
        | {CODEC_PRIVATE, 0x258688, 0x7446, 0xAA, 0x6FAB, 0x6624, 0x56AA, 0x56BB, 0xE0, AUDIO}
        | {0xE2, 0x6D80}
    ),
    AUDIO: frozenset({SAMPLING_FREQUENCY, 0x78B5, CHANNELS, 0x6264, 0x52F1}),
    TAGS: frozenset({TAG}),
    TAG: frozenset({TARGETS, SIMPLE_TAG}),
    SIMPLE_TAG: frozenset({TAG_NAME, 0x447A, 0x447B, 0x4484, TAG_STRING, TAG_BINARY, SIMPLE_TAG}),
    BLOCK_GROUP: frozenset({BLOCK, 0x75A1, BLOCK_DURATION, 0xFA, REFERENCE_BLOCK, 0xA4, 0x75A2}),
}
_TOP = frozenset({EBML, SEGMENT})
# Leaves whose payload the reader needs whole; every other leaf is skipped as it streams past.
_LEAVES = frozenset(
    {
        SIMPLE_BLOCK,
        BLOCK,
        TIMECODE,
        TIMECODE_SCALE,
        TRACK_NUMBER,
        TRACK_TYPE,
        CODEC_ID,
        CODEC_PRIVATE,
        NAME,
        DEFAULT_DURATION,
        SAMPLING_FREQUENCY,
        CHANNELS,
        TAG_NAME,
        TAG_STRING,
        TAG_BINARY,
        BLOCK_DURATION,
        REFERENCE_BLOCK,
    }
)

# Length of a variable-size integer from its first byte (0: invalid, no marker bit), and the
# mask of its value bits. All value bits set is the reserved "unknown size".
_VINT_LENGTH = bytes([0] + [8 - b.bit_length() + 1 for b in range(1, 256)])
_VALUE_MASK = [0] + [(1 << (7 * n)) - 1 for n in range(1, 9)]

MAX_FRAGMENT_SIZE = 50 * 1024 * 1024
"""Kinesis Video's limit on one fragment (the GetMedia and PutMedia references)."""

# The most bytes a held leaf may declare, far above what any writer puts there: numbers and
# floats are at most 8 bytes (EBML), names and codec strings short, tags and CodecPrivate small.
_CAPS: dict[int, int] = {
    EBML: 4096,
    TIMECODE: 8,
    TIMECODE_SCALE: 8,
    TRACK_NUMBER: 8,
    TRACK_TYPE: 8,
    DEFAULT_DURATION: 8,
    CHANNELS: 8,
    BLOCK_DURATION: 8,
    REFERENCE_BLOCK: 8,
    SAMPLING_FREQUENCY: 8,
    CODEC_ID: 1024,
    NAME: 64 * 1024,
    TAG_NAME: 64 * 1024,
    TAG_STRING: 1024 * 1024,
    TAG_BINARY: 1024 * 1024,
    CODEC_PRIVATE: 1024 * 1024,
}
_TAG_LEAVES = frozenset({TAG_NAME, TAG_STRING, TAG_BINARY})
_END_TAGS = frozenset({"AWS_KINESISVIDEO_CONTINUATION_TOKEN", "AWS_KINESISVIDEO_MILLIS_BEHIND_NOW"})

_COMPACT_AT = 1 << 16
# Up to this many buffered bytes a pass scans an immutable copy; beyond it, a view.
_COPY_AT_MOST = 1 << 20
_EBML_ID = EBML.to_bytes(4, "big")


def _frame_fast() -> tuple[Any, ...]:
    """`object.__new__` and the slot setters of `Frame`, for building frames in the hot loop
    without the frozen class's generated __init__ (which sets each slot through a bound
    `object.__setattr__`). `Frame` has no validators or converters; tests check that frames
    built this way equal `Frame(...)`."""
    slots = Frame.__dict__
    names = ("track_number", "timestamp_ns", "data", "keyframe", "duration_ns")
    assert tuple(f.name for f in attrs.fields(Frame)) == names
    return (object.__new__, *(slots[name].__set__ for name in names))


_FRAME_FAST = _frame_fast()


def _name(eid: int) -> str:
    return _NAMES.get(eid, f"element 0x{eid:X}")


class _Open:
    """An open master element: its ID, where it starts, and where it ends: None while its size
    is unknown, unless a parent of known size bounds it."""

    __slots__ = ("eid", "end", "start", "unknown")

    def __init__(self, eid: int, start: int, end: int | None, unknown: bool) -> None:
        self.eid = eid
        self.start = start
        self.end = end
        self.unknown = unknown


class _Building:
    """What is known so far of the fragment being read."""

    __slots__ = (
        "block",
        "block_duration",
        "block_keyframe",
        "cluster_seen",
        "cluster_timecode",
        "end_tag",
        "ended",
        "frames",
        "offset",
        "segment_seen",
        "simple_tags",
        "tags",
        "timecode_scale",
        "track",
        "tracks",
    )

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.segment_seen = False
        self.tags: list[MkvTag] = []
        self.tracks: dict[int, Track] = {}
        self.frames: list[Frame] = []
        self.timecode_scale = 1_000_000
        self.cluster_timecode: int | None = None
        self.track: dict[int, object] | None = None
        # A SimpleTag may nest others: one [name, value] per open SimpleTag.
        self.simple_tags: list[list[str | bytes | None]] = []
        self.block: tuple[bytes, int] | None = None
        self.block_duration: int | None = None
        self.block_keyframe = True
        # GetMedia's end of a fragment: a Tags element after a Cluster holding a closing tag.
        self.cluster_seen = False
        self.end_tag = False
        self.ended = False


class MkvReader:
    """Incremental reader of Kinesis Video MKV: `feed` bytes as they arrive, in chunks split
    anywhere, and get each fragment once it is complete; `close` at the end of the stream to get
    the last one (marked `truncated` if the stream stopped inside it).

    No I/O: `read_fragments` (a binary file), `iter_fragments` (an iterable of chunks) and
    `aiter_fragments` (an async iterable) are thin shells around it.

    `get_media=True` reads a `GetMedia` answer, whose fragments each end with the service's
    closing tags (continuation token, millis-behind-now): a fragment is whole only once they are
    read or the next fragment starts, so one the answer stops before, even at an element
    boundary, is `truncated`. `max_fragment_size` bounds memory: an element reaching further
    than that from its fragment's start raises `MkvFormatError` as soon as its header is read
    (Kinesis Video's limit, 50 MiB, by default; raise it to read a large plain file).
    """

    def __init__(self, *, get_media: bool = False, max_fragment_size: int = MAX_FRAGMENT_SIZE) -> None:
        if max_fragment_size < 1:
            raise ValueError(f"max_fragment_size must be at least 1, got {max_fragment_size}")
        self._get_media = get_media
        self._max_fragment = max_fragment_size
        self._buf = bytearray()
        self._pos = 0
        self._base = 0  # stream offset of _buf[0]
        self._skip: int = 0  # bytes still to discard of a skipped element
        self._stack: list[_Open] = []
        self._fragment: _Building | None = None
        self._done: list[Fragment] = []
        self._closed = False
        self._failed: MkvFormatError | None = None
        self._need = 0  # stream offset up to which bytes are needed before scanning again

    @property
    def offset(self) -> int:
        """Bytes consumed so far (fed, less any partial element still waiting)."""
        return self._base + self._pos

    def feed(self, data: bytes | bytearray | memoryview) -> list[Fragment]:
        """Add bytes; return the fragments completed by them (often none).

        Raises `MkvFormatError` where the bytes stop being Matroska. What was read before that
        point is returned first (the fragment in progress marked `truncated`), and the error is
        raised by the next call (`feed` or `close`): nothing read is lost.
        """
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise ValueError("MkvReader.feed: the reader is closed")
        if data:
            self._buf += data
            try:
                self._parse()
            except MkvFormatError as error:
                self._failed = error
                self._closed = True  # cut-off elements no longer raise as they are closed
                while self._stack:
                    self._pop(error.offset)
                if self._fragment is not None:
                    self._finish(error.offset, truncated=True)
                if not self._done:
                    raise
        return self._take()

    def close(self) -> list[Fragment]:
        """End of stream: return the last fragment, if any, `truncated` if it was cut off."""
        if self._failed is not None:
            raise self._failed
        if self._closed:
            return []
        self._closed = True
        leftover = bytes(self._buf[self._pos : self._pos + 4])
        truncated = self._skip > 0 or bool(leftover)
        end = self._base + self._pos
        if leftover and _EBML_ID.startswith(leftover) and all(o.unknown for o in self._stack):
            # The stream stopped inside the next fragment's EBML header: the open fragment
            # was whole, and the cut-off one is reported on its own.
            while self._stack:
                self._pop(end)
            if self._fragment is not None and self._fragment.segment_seen:
                self._finish(end, truncated=self._get_media and not self._fragment.ended)
            self._fragment = _Building(end)
        while self._stack:
            top = self._stack[-1]
            if top.end is not None and top.end > end:
                truncated = True
            self._pop(end)
        if self._fragment is not None:
            # A fragment whose Segment never began was cut off in its EBML header; a GetMedia
            # fragment whose closing tags never came was cut off between two elements.
            fragment = self._fragment
            cut = not fragment.segment_seen or (self._get_media and not fragment.ended)
            self._finish(self._base + len(self._buf), truncated=truncated or cut)
        self._buf = bytearray()
        self._pos = 0
        return self._take()

    def _take(self) -> list[Fragment]:
        done = self._done
        self._done = []
        return done

    # -- the parse loop ----------------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        if self._base + len(buf) < self._need:
            return  # the element waited for is still incomplete: nothing to scan again
        if len(buf) - self._pos <= _COPY_AT_MOST:
            # The usual case: a few chunks buffered. One immutable copy per pass makes each
            # frame's payload a single slice (bytes of bytes), the hot path's main cost.
            pos = self._scan(bytes(buf), self._pos)
        else:
            # A large element buffered: a view, so it is not copied again on every pass
            # (released before the buffer is compacted or grown again).
            view = memoryview(buf)
            try:
                pos = self._scan(view, self._pos)
            finally:
                view.release()
        self._pos = pos
        if pos >= _COMPACT_AT or pos == len(buf):
            del buf[:pos]
            self._base += pos
            self._pos = 0

    def _scan(self, buf: bytes | memoryview, pos: int) -> int:
        """Read elements from `pos` of `buf` (the buffer, or a view of it); return where
        reading stopped, having set `_need` to the stream offset it waits for."""
        self._need = 0
        base = self._base
        end = len(buf)
        stack = self._stack
        leaves = _LEAVES
        children = _CHILDREN
        value_mask = _VALUE_MASK
        vint_length = _VINT_LENGTH
        max_fragment = self._max_fragment
        while True:
            if self._skip:
                take = min(self._skip, end - pos)
                pos += take
                self._skip -= take
                if self._skip:
                    return pos
            here = base + pos
            while stack:
                top_end = stack[-1].end
                if top_end is None or top_end > here:
                    break
                self._pop(here)
            if pos >= end:
                return pos
            first = buf[pos]
            id_length = vint_length[first]
            if id_length == 0 or id_length > 4:
                raise MkvFormatError("element ID", here, f"invalid first byte 0x{first:02X}")
            if pos + id_length >= end:
                self._need = here + id_length + 1
                return pos
            size_first = buf[pos + id_length]
            size_length = vint_length[size_first]
            if size_length == 0:
                raise MkvFormatError("element size", here + id_length, "invalid first byte 0x00")
            header = id_length + size_length
            if pos + header > end:
                self._need = here + header
                return pos
            eid = first if id_length == 1 else int.from_bytes(buf[pos : pos + id_length], "big")
            if size_length == 1:
                known = size_first & 0x7F
            else:
                known = int.from_bytes(buf[pos + id_length : pos + header], "big") & value_mask[size_length]
            size: int | None = known
            if known == value_mask[size_length]:
                size = None
            elif eid == SIMPLE_BLOCK and stack and stack[-1].eid == CLUSTER:
                # The hot path: a run of unlaced SimpleBlocks in a Cluster (nearly every
                # element of an audio stream). Anything unusual is left to the general path.
                after = self._block_run(buf, pos, end, stack[-1].end)
                if after != pos:
                    pos = after
                    continue
            elif eid == SIMPLE_TAG and stack and stack[-1].eid == TAG:
                # The other frequent run: a Tag's plain SimpleTags (a name and a string each),
                # dozens per GetMedia fragment. Anything unusual is left to the general path.
                after = self._tag_run(buf, pos, end, stack[-1].end)
                if after != pos:
                    pos = after
                    continue
            # An element that cannot be a child of an open unknown-size master ends it.
            while stack and stack[-1].unknown and eid not in children[stack[-1].eid] and eid not in _GLOBAL:
                self._pop(here)
            if not stack and eid in _TOP:
                self._top_level(eid, here)
            payload = here + header
            if size is not None:
                element_end = payload + size
                # Bounded memory: no element reaches past its fragment's limit; this fails
                # here, at the header, before a byte of the payload is kept.
                fragment = self._fragment
                if element_end - (fragment.offset if fragment is not None else here) > max_fragment:
                    raise MkvFormatError(
                        _name(eid),
                        here,
                        f"declares {size} bytes: past the {max_fragment}-byte fragment limit",
                    )
                if stack:
                    parent_end = stack[-1].end
                    if parent_end is not None and element_end > parent_end:
                        raise MkvFormatError(
                            _name(eid), here, f"runs past the end of its parent {_name(stack[-1].eid)}"
                        )
            else:
                element_end = None
            if eid in children:
                if size is None:
                    if eid != SEGMENT and eid != CLUSTER:
                        raise MkvFormatError(
                            _name(eid), here, "unknown size is allowed only for Segment and Cluster"
                        )
                    # Bounded by a parent of known size, if there is one.
                    element_end = stack[-1].end if stack else None
                stack.append(_Open(eid, here, element_end, size is None))
                self._open(eid)
                pos += header
                continue
            if size is None:
                raise MkvFormatError(_name(eid), here, "unknown size is allowed only for Segment and Cluster")
            if eid in leaves or eid == EBML:
                cap = _CAPS.get(eid)
                if cap is not None and size > cap:
                    # A held leaf has its own, smaller cap.
                    raise MkvFormatError(
                        _name(eid), here, f"declares {size} bytes, more than its limit of {cap}"
                    )
                if pos + header + size > end:
                    self._need = payload + size
                    return pos
                if eid != EBML:
                    self._leaf(eid, buf[pos + header : pos + header + size], here)
                pos += header + size
            else:
                pos += header
                self._skip = size

    def _block_run(self, buf: bytes | memoryview, pos: int, end: int, parent_end: int | None) -> int:
        """Read consecutive plain SimpleBlocks from `pos`; return where the run stopped."""
        fragment = self._fragment
        if fragment is None or fragment.cluster_timecode is None:
            return pos
        base = self._base
        limit = end if parent_end is None else min(end, parent_end - base)
        # A block past the fragment limit is left to the general path, which raises.
        limit = min(limit, fragment.offset + self._max_fragment - base)
        cluster_time = fragment.cluster_timecode
        scale = fragment.timecode_scale
        tracks = fragment.tracks
        append = fragment.frames.append
        viewing = isinstance(buf, memoryview)  # slices of a view are views: copy them once
        new, set_track, set_time, set_data, set_key, set_duration = _FRAME_FAST
        last_track = -1
        duration: int | None = None
        while pos + 2 <= limit and buf[pos] == SIMPLE_BLOCK:
            size_first = buf[pos + 1]
            if size_first & 0x80:
                size, start = size_first & 0x7F, pos + 2
            elif size_first & 0x40 and pos + 3 <= limit:
                size, start = ((size_first & 0x3F) << 8) | buf[pos + 2], pos + 3
            else:
                break
            stop = start + size
            if size < 4 or size == 0x7F or size == 0x3FFF or stop > limit:  # too short, or unknown size
                break
            track_byte = buf[start]
            flags = buf[start + 3]
            if track_byte < 0x80 or flags & 0x06:
                break
            relative = (buf[start + 1] << 8) | buf[start + 2]
            if relative >= 0x8000:
                relative -= 0x10000
            if track_byte != last_track:
                last_track = track_byte
                track = tracks.get(track_byte & 0x7F)
                duration = track.default_duration_ns if track is not None else None
            data = buf[start + 4 : stop]
            # Frame(...) without attrs' generated __init__: the same slots set directly, at
            # half the cost (see _frame_fast); this is most of the reader's time.
            frame = new(Frame)
            set_track(frame, track_byte & 0x7F)
            set_time(frame, (cluster_time + relative) * scale)
            set_data(frame, bytes(data) if viewing else data)
            set_key(frame, flags >= 0x80)
            set_duration(frame, duration)
            append(frame)
            pos = stop
        return pos

    def _tag_run(self, buf: bytes | memoryview, pos: int, end: int, parent_end: int | None) -> int:
        """Read consecutive SimpleTags of exactly a TagName and a TagString (or TagBinary), whole
        in `buf` and within their limits, from `pos`; return where the run stopped."""
        fragment = self._fragment
        if fragment is None or fragment.simple_tags:
            return pos
        base = self._base
        limit = end if parent_end is None else min(end, parent_end - base)
        limit = min(limit, fragment.offset + self._max_fragment - base)
        vint_length = _VINT_LENGTH
        value_mask = _VALUE_MASK
        tags = fragment.tags
        name_cap = _CAPS[TAG_NAME]
        value_cap = _CAPS[TAG_STRING]
        while pos + 3 <= limit and buf[pos] == 0x67 and buf[pos + 1] == 0xC8:
            length = vint_length[buf[pos + 2]]
            body = pos + 2 + length
            if length == 0 or body > limit:
                break
            size = int.from_bytes(buf[pos + 2 : body], "big") & value_mask[length]
            stop = body + size
            if size == value_mask[length] or stop > limit or size < 6:
                break
            # TagName: 0x45A3, its size, its bytes.
            if buf[body] != 0x45 or buf[body + 1] != 0xA3:
                break
            length = vint_length[buf[body + 2]]
            name_at = body + 2 + length
            if length == 0 or name_at > stop:
                break
            name_size = int.from_bytes(buf[body + 2 : name_at], "big") & value_mask[length]
            value_id = name_at + name_size
            if name_size > name_cap or value_id + 3 > stop:
                break
            # TagString (0x4487) or TagBinary (0x4485), ending the SimpleTag exactly.
            if buf[value_id] != 0x44 or buf[value_id + 1] not in (0x87, 0x85):
                break
            binary = buf[value_id + 1] == 0x85
            length = vint_length[buf[value_id + 2]]
            value_at = value_id + 2 + length
            if length == 0 or value_at > stop:
                break
            value_size = int.from_bytes(buf[value_id + 2 : value_at], "big") & value_mask[length]
            if value_size > value_cap or value_at + value_size != stop:
                break
            try:
                name = bytes(buf[name_at:value_id]).decode("utf-8").rstrip("\x00")
                value: str | bytes = (
                    bytes(buf[value_at:stop])
                    if binary
                    else bytes(buf[value_at:stop]).decode("utf-8").rstrip("\x00")
                )
            except UnicodeDecodeError:
                break  # the general path names the element
            tags.append(MkvTag(name, value))
            if name in _END_TAGS and fragment.cluster_seen:
                fragment.end_tag = True
            pos = stop
        return pos

    def _top_level(self, eid: int, here: int) -> None:
        # A new EBML header, or a second Segment, starts the next fragment.
        fragment = self._fragment
        if fragment is not None and (fragment.segment_seen or eid == EBML):
            if fragment.segment_seen:
                self._finish(here, truncated=False)
            fragment = None
        if fragment is None:
            fragment = self._fragment = _Building(here)
        if eid == SEGMENT:
            fragment.segment_seen = True

    def _finish(self, end: int, *, truncated: bool) -> None:
        fragment = self._fragment
        assert fragment is not None
        self._fragment = None
        self._done.append(
            Fragment(
                offset=fragment.offset,
                size=end - fragment.offset,
                tags=tuple(fragment.tags),
                tracks=tuple(fragment.tracks.values()),
                frames=tuple(fragment.frames),
                timecode_scale_ns=fragment.timecode_scale,
                truncated=truncated,
            )
        )

    def _current(self, here: int) -> _Building:
        if self._fragment is None:
            # Bytes that do not start with an EBML header (a stream joined mid-fragment).
            self._fragment = _Building(here)
        return self._fragment

    # -- masters -----------------------------------------------------------------------------

    def _open(self, eid: int) -> None:
        fragment = self._current(self._stack[-1].start)
        if eid == TRACK_ENTRY:
            fragment.track = {}
        elif eid == SIMPLE_TAG:
            fragment.simple_tags.append([None, None])
        elif eid == BLOCK_GROUP:
            fragment.block = None
            fragment.block_duration = None
            fragment.block_keyframe = True
        elif eid == CLUSTER:
            fragment.cluster_timecode = None
            fragment.cluster_seen = True

    def _pop(self, here: int) -> None:
        closed = self._stack.pop()
        fragment = self._fragment
        if fragment is None:
            return
        eid = closed.eid
        if eid == TRACK_ENTRY and fragment.track is not None:
            self._end_track(fragment, closed.start)
        elif eid == SIMPLE_TAG and fragment.simple_tags:
            name, value = fragment.simple_tags.pop()
            if isinstance(name, str):
                fragment.tags.append(MkvTag(name, value if value is not None else ""))
                if name in _END_TAGS and fragment.cluster_seen:
                    fragment.end_tag = True
        elif eid == TAGS and fragment.end_tag:
            # Only a whole Tags element ends the fragment: one cut inside it is still open.
            fragment.ended = True
        elif eid == BLOCK_GROUP and fragment.block is not None:
            data, offset = fragment.block
            fragment.block = None
            self._block(fragment, data, offset, fragment.block_keyframe, fragment.block_duration)

    def _end_track(self, fragment: _Building, offset: int) -> None:
        fields = fragment.track
        fragment.track = None
        assert fields is not None
        number = fields.get(TRACK_NUMBER)
        if not isinstance(number, int) or number < 1:
            if self._closed:
                return  # cut off by the end of the stream: the fragment says it is truncated
            raise MkvFormatError("TrackEntry", offset, "has no TrackNumber of 1 or more")
        sampling = fields.get(SAMPLING_FREQUENCY)
        channels = fields.get(CHANNELS)
        track_type = fields.get(TRACK_TYPE)
        default_duration = fields.get(DEFAULT_DURATION)
        codec_id = fields.get(CODEC_ID, "")
        name = fields.get(NAME, "")
        private = fields.get(CODEC_PRIVATE, b"")
        fragment.tracks[number] = Track(
            number=number,
            codec_id=codec_id if isinstance(codec_id, str) else "",
            codec_private=private if isinstance(private, bytes) else b"",
            track_type=track_type if isinstance(track_type, int) else None,
            name=name if isinstance(name, str) else "",
            default_duration_ns=default_duration if isinstance(default_duration, int) else None,
            sampling_frequency=sampling if isinstance(sampling, float) else None,
            channels=channels if isinstance(channels, int) else 1,  # Matroska's default
        )

    # -- leaves ------------------------------------------------------------------------------

    def _leaf(self, eid: int, payload: bytes | memoryview, here: int) -> None:
        fragment = self._current(here)
        if eid in _TAG_LEAVES:  # the most frequent leaves
            if not fragment.simple_tags:
                return
            current = fragment.simple_tags[-1]
            if eid == TAG_BINARY:
                current[1] = bytes(payload)
            else:
                text = _text(payload, eid, here)
                current[0 if eid == TAG_NAME else 1] = text
        elif eid == SIMPLE_BLOCK:
            self._block(fragment, bytes(payload), here, None, None)
        elif eid == TIMECODE:
            fragment.cluster_timecode = _uint(payload)
        elif eid == BLOCK:
            fragment.block = (bytes(payload), here)
        elif eid == BLOCK_DURATION:
            fragment.block_duration = _uint(payload)
        elif eid == REFERENCE_BLOCK:
            fragment.block_keyframe = False
        elif eid == TIMECODE_SCALE:
            scale = _uint(payload)
            if scale < 1:
                raise MkvFormatError("TimecodeScale", here, "must be at least 1")
            fragment.timecode_scale = scale
        elif fragment.track is not None:
            track = fragment.track
            if eid in (TRACK_NUMBER, TRACK_TYPE, CHANNELS, DEFAULT_DURATION):
                track[eid] = _uint(payload)
            elif eid in (CODEC_ID, NAME):
                track[eid] = _text(payload, eid, here)
            elif eid == CODEC_PRIVATE:
                track[eid] = bytes(payload)
            elif eid == SAMPLING_FREQUENCY:
                track[eid] = _float(payload, here)

    def _block(
        self, fragment: _Building, data: bytes, here: int, keyframe: bool | None, duration: int | None
    ) -> None:
        # Block layout: track number (vint), timecode relative to the cluster (int16), flags,
        # then the frame data, laced or not.
        what = "SimpleBlock" if keyframe is None else "Block"
        if not data:
            raise MkvFormatError(what, here, "is empty")
        length = _VINT_LENGTH[data[0]]
        if length == 0 or len(data) < length + 3:
            raise MkvFormatError(what, here, "is too short for its header")
        track_number = int.from_bytes(data[:length], "big") & _VALUE_MASK[length]
        relative = int.from_bytes(data[length : length + 2], "big", signed=True)
        flags = data[length + 2]
        if keyframe is None:
            keyframe = bool(flags & 0x80)
        if fragment.cluster_timecode is None:
            raise MkvFormatError(what, here, "comes before its Cluster's Timecode")
        scale = fragment.timecode_scale
        timestamp = (fragment.cluster_timecode + relative) * scale
        track = fragment.tracks.get(track_number)
        default = track.default_duration_ns if track is not None else None
        lacing = flags & 0x06
        start = length + 3
        if not lacing:
            fragment.frames.append(
                Frame(
                    track_number=track_number,
                    timestamp_ns=timestamp,
                    data=data[start:],
                    keyframe=keyframe,
                    duration_ns=duration * scale if duration is not None else default,
                )
            )
            return
        for index, frame in enumerate(_unlace(data, start, lacing, what, here)):
            fragment.frames.append(
                Frame(
                    track_number=track_number,
                    timestamp_ns=timestamp + index * (default or 0),
                    data=frame,
                    keyframe=keyframe,
                    duration_ns=default,
                )
            )


def _unlace(data: bytes, start: int, lacing: int, what: str, here: int) -> list[bytes]:
    if start >= len(data):
        raise MkvFormatError(what, here, "lacing header is missing")
    count = data[start] + 1
    pos = start + 1
    sizes: list[int] = []
    if lacing == 0x02:  # Xiph: each size as a run of 255s and a final byte
        for _ in range(count - 1):
            size = 0
            while True:
                if pos >= len(data):
                    raise MkvFormatError(what, here, "Xiph lace sizes run past the block")
                byte = data[pos]
                pos += 1
                size += byte
                if byte != 255:
                    break
            sizes.append(size)
    elif lacing == 0x06:  # EBML: the first size, then signed differences
        previous = 0
        for index in range(count - 1):
            if pos >= len(data):
                raise MkvFormatError(what, here, "EBML lace sizes run past the block")
            length = _VINT_LENGTH[data[pos]]
            if length == 0 or pos + length > len(data):
                raise MkvFormatError(what, here, "EBML lace size is not a valid vint")
            raw = int.from_bytes(data[pos : pos + length], "big") & _VALUE_MASK[length]
            pos += length
            if index == 0:
                previous = raw
            else:
                previous += raw - ((1 << (7 * length - 1)) - 1)
            if previous < 0:
                raise MkvFormatError(what, here, "EBML lace size is negative")
            sizes.append(previous)
    else:  # fixed: equal sizes
        rest = len(data) - pos
        if rest % count:
            raise MkvFormatError(what, here, f"{rest} bytes do not split into {count} equal laced frames")
        sizes = [rest // count] * (count - 1)
    last = len(data) - pos - sum(sizes)
    if last < 0:
        raise MkvFormatError(what, here, "laced frame sizes exceed the block")
    sizes.append(last)
    frames: list[bytes] = []
    for size in sizes:
        frames.append(data[pos : pos + size])
        pos += size
    return frames


def _uint(payload: bytes | memoryview) -> int:
    return int.from_bytes(payload, "big")


def _float(payload: bytes | memoryview, here: int) -> float:
    if len(payload) == 4:
        return float(struct.unpack(">f", payload)[0])
    if len(payload) == 8:
        return float(struct.unpack(">d", payload)[0])
    if not payload:
        return 0.0
    raise MkvFormatError("SamplingFrequency", here, f"a float must be 0, 4 or 8 bytes, got {len(payload)}")


def _text(payload: bytes | memoryview, eid: int, here: int) -> str:
    try:
        # Strings may be padded with NULs.
        return bytes(payload).decode("utf-8").rstrip("\x00")
    except UnicodeDecodeError as exc:
        raise MkvFormatError(_name(eid), here, "is not UTF-8") from exc
