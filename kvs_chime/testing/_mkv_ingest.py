"""Splitting a PutMedia upload into fragments, one per Cluster, as Kinesis Video does (sans I/O).

A producer sends one EBML header and a Segment (often of unknown size) holding Info, Tracks, then
Clusters (often of unknown size), possibly with Tags between them; it may start a new EBML header
and Segment when its tracks change. Each Cluster is a fragment. The splitter keeps the Info and
Tracks bytes of the current Segment (every fragment served later carries them) and the Cluster's
bytes exactly as received, so what `GetMedia` serves is byte for byte what was put.

Memory: at most one Cluster is held, up to `max_fragment` bytes.
"""

from __future__ import annotations

import attrs

EBML_ID = 0x1A45DFA3
SEGMENT_ID = 0x18538067
INFO_ID = 0x1549A966
TRACKS_ID = 0x1654AE6B
TAGS_ID = 0x1254C367
CLUSTER_ID = 0x1F43B675
TIMECODE_ID = 0xE7
TIMECODE_SCALE_ID = 0x2AD7B1
SIMPLE_BLOCK_ID = 0xA3
BLOCK_GROUP_ID = 0xA0
BLOCK_ID = 0xA1
TAG_ID = 0x7373
SIMPLE_TAG_ID = 0x67C8
TAG_NAME_ID = 0x45A3
TAG_STRING_ID = 0x4487
MAX_FRAGMENT = 50 * 1024 * 1024
"""The largest fragment Kinesis Video accepts (PutMedia error 4001 beyond it)."""
# Children a Cluster may hold (Matroska v4); anything else ends a Cluster of unknown size.
_CLUSTER_CHILDREN = frozenset(
    {TIMECODE_ID, 0x5854, 0xA7, 0xAB, SIMPLE_BLOCK_ID, BLOCK_GROUP_ID, 0xAF, 0xEC, 0xBF}
)


class IngestError(Exception):
    """The upload stopped being what PutMedia accepts; `error_id` is the service's ack ErrorId."""

    def __init__(self, error_id: int, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message


INVALID_MKV_DATA = 4006
MAX_FRAGMENT_SIZE_REACHED = 4001


@attrs.frozen
class Cluster:
    """One fragment as received: the Segment's head (Info + Tracks) and the Cluster's bytes."""

    head: bytes
    cluster: bytes
    timecode: int
    """The Cluster's Timecode, in TimecodeScale units."""
    timecode_scale: int
    span: int
    """From the Cluster's timecode to its last block's, in TimecodeScale units, plus one block step."""
    tags: tuple[tuple[str, str], ...]
    """The producer's own tags (Tags elements received since the previous Cluster)."""


def read_vint(buf: bytes | bytearray, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `pos`: (value, length), None if incomplete.

    IDs keep their length marker bit (`keep_marker`); sizes drop it, and all ones is -1 (unknown).
    """
    if pos >= len(buf):
        return None
    first = buf[pos]
    if first == 0:
        raise IngestError(INVALID_MKV_DATA, "An EBML element header is not valid")
    length = 8 - first.bit_length() + 1
    if pos + length > len(buf):
        return None
    value = int.from_bytes(buf[pos : pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    if value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _header(buf: bytes | bytearray, pos: int) -> tuple[int, int, int] | None:
    """(id, size or -1, header length) of the element at `pos`, None if incomplete."""
    eid = read_vint(buf, pos, keep_marker=True)
    if eid is None:
        return None
    size = read_vint(buf, pos + eid[1], keep_marker=False)
    if size is None:
        return None
    return eid[0], size[0], eid[1] + size[1]


def _children(body: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(body):
        found = _header(body, pos)
        if found is None or found[1] < 0 or pos + found[2] + found[1] > len(body):
            raise IngestError(INVALID_MKV_DATA, "An element ends past its parent")
        eid, size, length = found
        out.append((eid, body[pos + length : pos + length + size]))
        pos += length + size
    return out


def _block_timecode(payload: bytes) -> int:
    track = read_vint(payload, 0, keep_marker=False)
    if track is None or len(payload) < track[1] + 2:
        raise IngestError(INVALID_MKV_DATA, "A block is too short")
    return int.from_bytes(payload[track[1] : track[1] + 2], "big", signed=True)


def cluster_facts(body: bytes) -> tuple[int, int]:
    """(timecode, span) of a Cluster's body: its Timecode, and how long its blocks last."""
    timecode: int | None = None
    times: list[int] = []
    for eid, payload in _children(body):
        if eid == TIMECODE_ID:
            timecode = int.from_bytes(payload, "big")
        elif eid == SIMPLE_BLOCK_ID:
            times.append(_block_timecode(payload))
        elif eid == BLOCK_GROUP_ID:
            times.extend(_block_timecode(p) for e, p in _children(payload) if e == BLOCK_ID)
    if timecode is None:
        raise IngestError(INVALID_MKV_DATA, "A Cluster has no Timecode")
    if not times:
        return timecode, 0
    step = times[-1] - times[-2] if len(times) > 1 else 0
    return timecode, max(0, times[-1]) + max(0, step)


def simple_tags(body: bytes) -> list[tuple[str, str]]:
    """The (name, string value) pairs of a Tags element's body (binary values are skipped)."""
    found: list[tuple[str, str]] = []
    for eid, tag in _children(body):
        if eid != TAG_ID:
            continue
        for child_id, simple in _children(tag):
            if child_id != SIMPLE_TAG_ID:
                continue
            parts = dict(_children(simple))
            if TAG_NAME_ID in parts and TAG_STRING_ID in parts:
                found.append(
                    (
                        parts[TAG_NAME_ID].decode("utf-8", "replace"),
                        parts[TAG_STRING_ID].decode("utf-8", "replace"),
                    )
                )
    return found


class ClusterSplitter:
    """Feed upload bytes as they arrive; get each `Cluster` once it is complete."""

    def __init__(self, max_fragment: int = MAX_FRAGMENT) -> None:
        self._buf = bytearray()
        self._max = max_fragment
        self._segment_end: int | None = None  # absolute offset where a known-size Segment ends
        self._in_segment = False
        self._base = 0  # absolute offset of _buf[0]
        self._info = b""
        self._tracks = b""
        self._scale = 1_000_000
        self._tags: list[tuple[str, str]] = []
        self._cluster: bytearray | None = None  # an unknown-size Cluster being gathered
        self._started = False

    @property
    def pending_timecode(self) -> int | None:
        """The Timecode of a Cluster begun but not yet complete, once it has arrived (the moment
        PutMedia acks BUFFERING); None when no Cluster is open or its Timecode is still to come."""
        if self._cluster is not None:
            start, body = 0, bytes(self._cluster)
        elif self._started:
            start, body = 0, bytes(self._buf[:64])
        else:
            return None
        found = _header(body, start)
        if found is None:
            return None
        child = _header(body, found[2])
        if child is None or child[0] != TIMECODE_ID or child[1] < 0:
            return None
        at = found[2] + child[2]
        if len(body) < at + child[1]:
            return None
        return int.from_bytes(body[at : at + child[1]], "big")

    def feed(self, data: bytes) -> list[Cluster]:
        """Add bytes; the fragments they complete. Raises IngestError for what is not MKV."""
        self._buf += data
        done: list[Cluster] = []
        while True:
            step = self._step(done)
            if not step:
                break
        return done

    def close(self) -> list[Cluster]:
        """End of upload: a Cluster of unknown size still open is complete; anything else cut off."""
        done: list[Cluster] = []
        if self._cluster is not None:
            if self._buf:
                raise IngestError(INVALID_MKV_DATA, "The upload ended inside an element")
            done.append(self._finish_cluster())
        elif self._buf.strip(b"\x00"):
            raise IngestError(INVALID_MKV_DATA, "The upload ended inside an element")
        return done

    def _consume(self, count: int) -> bytes:
        taken = bytes(self._buf[:count])
        del self._buf[:count]
        self._base += count
        return taken

    def _finish_cluster(self) -> Cluster:
        assert self._cluster is not None
        raw = bytes(self._cluster)
        self._cluster = None
        self._started = False
        found = _header(raw, 0)
        assert found is not None
        timecode, span = cluster_facts(raw[found[2] :])
        tags = tuple(self._tags)
        self._tags = []
        return Cluster(self._info + self._tracks, raw, timecode, self._scale, span, tags)

    def _step(self, done: list[Cluster]) -> bool:
        if self._in_segment and self._segment_end is not None and self._base >= self._segment_end:
            self._in_segment = False
            self._segment_end = None
        found = _header(self._buf, 0)
        if found is None:
            return False
        eid, size, length = found
        if self._cluster is not None:
            if eid in _CLUSTER_CHILDREN and size >= 0:
                if len(self._buf) < length + size:
                    self._started = True
                    return False
                self._cluster += self._consume(length + size)
                if len(self._cluster) > self._max:
                    raise IngestError(
                        MAX_FRAGMENT_SIZE_REACHED, "The fragment is larger than PutMedia accepts"
                    )
                return True
            done.append(self._finish_cluster())
            return True
        if eid == EBML_ID:
            if size < 0:
                raise IngestError(INVALID_MKV_DATA, "The EBML header has no size")
            if len(self._buf) < length + size:
                return False
            self._consume(length + size)
            self._in_segment = False
            return True
        if eid == SEGMENT_ID:
            self._consume(length)
            self._in_segment = True
            self._segment_end = None if size < 0 else self._base + size
            self._info = self._tracks = b""
            return True
        if not self._in_segment:
            raise IngestError(INVALID_MKV_DATA, "Expected an EBML header or a Segment")
        if eid == CLUSTER_ID:
            if not self._tracks:
                raise IngestError(INVALID_MKV_DATA, "A Cluster arrived before the Segment's Tracks")
            if size < 0:
                self._cluster = bytearray(self._consume(length))
                return True
            if size > self._max:
                raise IngestError(MAX_FRAGMENT_SIZE_REACHED, "The fragment is larger than PutMedia accepts")
            if len(self._buf) < length + size:
                self._started = True
                return False
            self._cluster = bytearray(self._consume(length + size))
            done.append(self._finish_cluster())
            return True
        if size < 0:
            raise IngestError(INVALID_MKV_DATA, "Only Segments and Clusters may have an unknown size")
        if size > self._max:
            raise IngestError(INVALID_MKV_DATA, "An element is larger than PutMedia accepts")
        if len(self._buf) < length + size:
            return False
        element = self._consume(length + size)
        if eid == INFO_ID:
            self._info = element
            for child, payload in _children(element[length:]):
                if child == TIMECODE_SCALE_ID:
                    self._scale = int.from_bytes(payload, "big") or 1_000_000
        elif eid == TRACKS_ID:
            self._tracks = element
        elif eid == TAGS_ID:
            self._tags.extend(simple_tags(element[length:]))
        return True
