"""A small Matroska writer of Kinesis-Video-shaped fragments (private: tests and the emulator).

Each fragment is what `GetMedia` returns for one fragment: its own EBML header, a Segment and a
Cluster of unknown size (as Kinesis Video writes them), Info with the TimecodeScale, an audio
track (`A_AAC` with its CodecPrivate), Tags with whatever names the caller gives (the service's
`AWS_KINESISVIDEO_*`, the pipeline's `meetingId`, `attendeeId`, ...) before and after the
Cluster, and the frames as SimpleBlocks or BlockGroups, optionally laced.

The size-encoding knobs (`size_length`, `unknown_sizes`) exist so tests can produce every form
of EBML size a reader must accept.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Sequence
from typing import Literal

import attrs

from ._reader import (
    AUDIO,
    BLOCK,
    BLOCK_DURATION,
    BLOCK_GROUP,
    CHANNELS,
    CLUSTER,
    CODEC_ID,
    CODEC_PRIVATE,
    DEFAULT_DURATION,
    EBML,
    INFO,
    NAME,
    SAMPLING_FREQUENCY,
    SEGMENT,
    SIMPLE_BLOCK,
    SIMPLE_TAG,
    TAG,
    TAG_BINARY,
    TAG_NAME,
    TAG_STRING,
    TAGS,
    TARGETS,
    TIMECODE,
    TIMECODE_SCALE,
    TRACK_ENTRY,
    TRACK_NUMBER,
    TRACK_TYPE,
    TRACKS,
    VOID,
)

__all__ = ["AudioTrackSpec", "FrameSpec", "element", "encode_size", "kvs_fragment"]

Lacing = Literal["xiph", "ebml", "fixed"]

_UNKNOWN = b"\x01\xff\xff\xff\xff\xff\xff\xff"


def encode_size(value: int, length: int | None = None) -> bytes:
    """An EBML variable-size integer of `length` bytes (1-8; the shortest that fits if None)."""
    if length is None:
        length = 1
        while value >= (1 << (7 * length)) - 1:
            length += 1
    if not 1 <= length <= 8 or value >= (1 << (7 * length)) - 1:
        raise ValueError(f"size {value} does not fit in a {length}-byte vint")
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


def _id(eid: int) -> bytes:
    return eid.to_bytes((eid.bit_length() + 7) // 8, "big")


def element(eid: int, payload: bytes, *, size_length: int | None = None, unknown_size: bool = False) -> bytes:
    """One element: ID, size (unknown if asked: 8 bytes of all ones), payload.

    `size_length` is the least width of the size field: wider where the size needs it.
    """
    if unknown_size:
        size = _UNKNOWN
    else:
        shortest = len(encode_size(len(payload)))
        size = encode_size(len(payload), max(shortest, size_length or 1))
    return _id(eid) + size + payload


def _uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


@attrs.frozen(kw_only=True)
class AudioTrackSpec:
    """The audio track of the fragments: AAC by default, as Chime media pipelines write it."""

    codec_private: bytes
    number: int = 1
    codec_id: str = "A_AAC"
    sampling_frequency: float = 48000.0
    channels: int = 1
    name: str = "AUDIO"
    default_duration_ns: int | None = None


@attrs.frozen
class FrameSpec:
    """A frame to write: its timecode relative to the cluster (TimecodeScale units) and data."""

    relative_timecode: int
    data: bytes


def _lace(frames: Sequence[bytes], lacing: Lacing) -> bytes:
    head = bytes([len(frames) - 1])
    sizes = [len(f) for f in frames[:-1]]
    if lacing == "xiph":
        for size in sizes:
            head += b"\xff" * (size // 255) + bytes([size % 255])
    elif lacing == "ebml":
        head += encode_size(sizes[0])
        for previous, size in itertools.pairwise(sizes):
            diff = size - previous
            length = 1
            while not -((1 << (7 * length - 1)) - 1) <= diff <= (1 << (7 * length - 1)) - 1:
                length += 1
            head += encode_size(diff + (1 << (7 * length - 1)) - 1, length)
    elif any(len(f) != len(frames[0]) for f in frames):
        raise ValueError("fixed lacing needs frames of equal size")
    return head + b"".join(frames)


def _block(track: int, relative: int, flags: int, body: bytes) -> bytes:
    return encode_size(track) + struct.pack(">hB", relative, flags) + body


def _tags(tags: Sequence[tuple[str, str | bytes]], size_length: int | None) -> bytes:
    simple = b""
    for name, value in tags:
        value_element = (
            element(TAG_BINARY, value, size_length=size_length)
            if isinstance(value, bytes)
            else element(TAG_STRING, value.encode("utf-8"), size_length=size_length)
        )
        simple += element(
            SIMPLE_TAG,
            element(TAG_NAME, name.encode("utf-8"), size_length=size_length) + value_element,
            size_length=size_length,
        )
    tag = element(TARGETS, b"", size_length=size_length) + simple
    return element(TAGS, element(TAG, tag, size_length=size_length), size_length=size_length)


def kvs_fragment(
    *,
    track: AudioTrackSpec,
    cluster_timecode: int,
    frames: Sequence[FrameSpec],
    tags: Sequence[tuple[str, str | bytes]] = (),
    trailing_tags: Sequence[tuple[str, str | bytes]] = (),
    timecode_scale: int = 1_000_000,
    size_length: int | None = None,
    unknown_sizes: bool = True,
    block_groups: bool = False,
    lace: tuple[Lacing, int] | None = None,
    void: int = 0,
) -> bytes:
    """One fragment as Kinesis Video writes it.

    `tags` go before the Cluster, `trailing_tags` after it (where `GetMedia` puts
    `AWS_KINESISVIDEO_MILLIS_BEHIND_NOW` and the continuation token). `size_length` forces the
    least width of every size field of known size; `unknown_sizes=False` gives the Segment and the
    Cluster known sizes. `block_groups` writes BlockGroups (Block + BlockDuration of one
    timecode unit) instead of SimpleBlocks; `lace=(kind, n)` puts `n` frames in each block.
    `void` adds a Void element of that many payload bytes inside the Cluster.
    """
    sl = size_length
    header = element(
        EBML,
        element(0x4286, _uint(1), size_length=sl)  # EBMLVersion
        + element(0x42F7, _uint(1), size_length=sl)  # EBMLReadVersion
        + element(0x42F2, _uint(4), size_length=sl)  # EBMLMaxIDLength
        + element(0x42F3, _uint(8), size_length=sl)  # EBMLMaxSizeLength
        + element(0x4282, b"matroska", size_length=sl)  # DocType
        + element(0x4287, _uint(4), size_length=sl)  # DocTypeVersion
        + element(0x4285, _uint(2), size_length=sl),  # DocTypeReadVersion
        size_length=sl,
    )
    info = element(
        INFO,
        element(TIMECODE_SCALE, _uint(timecode_scale), size_length=sl)
        + element(0x4D80, b"kvs_chime", size_length=sl)  # MuxingApp
        + element(0x5741, b"kvs_chime", size_length=sl),  # WritingApp
        size_length=sl,
    )
    audio = element(
        AUDIO,
        element(SAMPLING_FREQUENCY, struct.pack(">d", track.sampling_frequency), size_length=sl)
        + element(CHANNELS, _uint(track.channels), size_length=sl),
        size_length=sl,
    )
    entry = (
        element(TRACK_NUMBER, _uint(track.number), size_length=sl)
        + element(0x73C5, _uint(track.number), size_length=sl)  # TrackUID
        + element(TRACK_TYPE, _uint(2), size_length=sl)
        + element(NAME, track.name.encode("utf-8"), size_length=sl)
        + element(CODEC_ID, track.codec_id.encode("ascii"), size_length=sl)
        + element(CODEC_PRIVATE, track.codec_private, size_length=sl)
    )
    if track.default_duration_ns is not None:
        entry += element(DEFAULT_DURATION, _uint(track.default_duration_ns), size_length=sl)
    tracks = element(TRACKS, element(TRACK_ENTRY, entry + audio, size_length=sl), size_length=sl)

    blocks = b""
    kind, per_block = lace if lace is not None else (None, 1)
    for start in range(0, len(frames), per_block):
        group = frames[start : start + per_block]
        first = group[0]
        if kind is not None and len(group) > 1:
            flags = {"xiph": 0x02, "ebml": 0x06, "fixed": 0x04}[kind]
            body = _lace([f.data for f in group], kind)
        else:
            flags, body = 0, first.data
        if block_groups:
            block = _block(track.number, first.relative_timecode, flags, body)
            blocks += element(
                BLOCK_GROUP,
                element(BLOCK, block, size_length=sl) + element(BLOCK_DURATION, _uint(1), size_length=sl),
                size_length=sl,
            )
        else:
            block = _block(track.number, first.relative_timecode, flags | 0x80, body)
            blocks += element(SIMPLE_BLOCK, block, size_length=sl)
    cluster_body = element(TIMECODE, _uint(cluster_timecode), size_length=sl)
    if void:
        cluster_body += element(VOID, b"\x00" * void, size_length=sl)
    cluster = element(CLUSTER, cluster_body + blocks, size_length=sl, unknown_size=unknown_sizes)
    body = info + tracks
    if tags:
        body += _tags(tags, sl)
    body += cluster
    if trailing_tags:
        body += _tags(trailing_tags, sl)
    return header + element(SEGMENT, body, size_length=sl, unknown_size=unknown_sizes)
