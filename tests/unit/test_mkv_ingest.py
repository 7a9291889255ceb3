"""The emulator's PutMedia splitter (sans I/O): one fragment per Cluster, bytes as received."""

from __future__ import annotations

import pytest

from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment
from kvs_chime.testing._mkv_ingest import (
    INVALID_MKV_DATA,
    MAX_FRAGMENT_SIZE_REACHED,
    ClusterSplitter,
    IngestError,
)

TRACK = AudioTrackSpec(codec_private=b"\x11\x90")


def _fragment(index: int, *, unknown: bool = True, tags: tuple[tuple[str, str], ...] = ()) -> bytes:
    return kvs_fragment(
        track=TRACK,
        cluster_timecode=1000 * index,
        frames=[FrameSpec(20 * i, bytes([index, i]) * 7) for i in range(4)],
        tags=tags,
        unknown_sizes=unknown,
    )


def _split(data: bytes, piece: int) -> list[tuple[int, int, bytes, tuple[tuple[str, str], ...]]]:
    splitter = ClusterSplitter()
    out = []
    for start in range(0, len(data), piece):
        out += splitter.feed(data[start : start + piece])
    out += splitter.close()
    return [(c.timecode, c.span, c.cluster, c.tags) for c in out]


def test_every_split_gives_the_same_fragments() -> None:
    stream = _fragment(0, tags=(("a", "1"),)) + _fragment(1, unknown=False) + _fragment(2)
    whole = _split(stream, len(stream))
    assert [(t, s, tags) for t, s, _, tags in whole] == [
        (0, 80, (("a", "1"),)),
        (1000, 80, ()),
        (2000, 80, ()),
    ]
    for piece in range(1, 40):
        assert _split(stream, piece) == whole


def test_pending_timecode_is_known_before_the_cluster_ends() -> None:
    data = _fragment(3)
    cluster_at = data.index(b"\x1f\x43\xb6\x75")
    splitter = ClusterSplitter()
    assert splitter.feed(data[: cluster_at + 8]) == []
    assert splitter.pending_timecode is None  # the Cluster's header only
    splitter.feed(data[cluster_at + 8 : cluster_at + 20])
    assert splitter.pending_timecode == 3000


@pytest.mark.parametrize(
    ("data", "error_id"),
    [
        (b"\x00\x00\x00\x00", INVALID_MKV_DATA),  # not an EBML element
        (b"\x1f\x43\xb6\x75\x80", INVALID_MKV_DATA),  # a Cluster outside any Segment
        (_fragment(0)[:-3], INVALID_MKV_DATA),  # cut inside a block
    ],
)
def test_what_is_not_mkv_is_refused_with_the_services_error_id(data: bytes, error_id: int) -> None:
    splitter = ClusterSplitter()
    with pytest.raises(IngestError) as caught:
        splitter.feed(data)
        splitter.close()
    assert caught.value.error_id == error_id


def test_a_fragment_over_the_limit_is_refused() -> None:
    splitter = ClusterSplitter(max_fragment=50)
    with pytest.raises(IngestError) as caught:
        splitter.feed(_fragment(0))
    assert caught.value.error_id == MAX_FRAGMENT_SIZE_REACHED
