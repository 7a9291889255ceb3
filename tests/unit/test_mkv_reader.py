"""The incremental MKV reader against Kinesis-Video-shaped streams made here: every EBML size
form, chunks split at every byte, concatenated fragments, a truncated last fragment, both tag
spellings, BlockGroups and lacing, malformed input, constant memory, and a Matroska file written
by FFmpeg's muxer (the committed test tones)."""

from __future__ import annotations

import asyncio
import gc
import io
import pickle
import tracemalloc
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvs_chime import KvsChimeError
from kvs_chime.media import (
    AudioFormatError,
    Fragment,
    MkvFormatError,
    MkvReader,
    aiter_fragments,
    iter_fragments,
    read_fragments,
)
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, element, encode_size, kvs_fragment

from ..depth import examples

SEGMENT, CLUSTER = 0x18538067, 0x1F43B675
TONES = Path(__file__).resolve().parents[2] / "kvs_chime" / "testing" / "_audio"
ASC = bytes([0x11, 0x88])  # AAC LC, 48 kHz, mono
TRACK = AudioTrackSpec(codec_private=ASC)
T0 = 1_627_503_649_251  # cluster timecode: epoch milliseconds, as Kinesis Video producers write it

GET_MEDIA_TAGS = [
    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "91343852333181432392682062607743920146264118616"),
    ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", "1627503649.300"),
    ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", "1627503649.251"),
    ("meetingId", "1e6bf4f5-f4b5-4917-b8c9-bda45c340706"),
    ("externalMeetingId", "Meeting_Id"),
    ("attendeeId", "a1"),
    ("externalUserId", "alice"),
    ("sampleRate", "48000"),
    ("channels", "1"),
]
TRAILING = [("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "1200"), ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", "tok-1")]


def frames(count: int, *, start: int = 0, size: int = 40) -> list[FrameSpec]:
    # ~21 ms per AAC frame at 48 kHz; distinct payloads so order and identity can be checked.
    return [FrameSpec(i * 21, bytes([(start + i) % 251]) * (size + i % 5)) for i in range(count)]


def fragment(index: int = 0, count: int = 4, **options: object) -> bytes:
    return kvs_fragment(
        track=TRACK,
        cluster_timecode=T0 + index * 2000,
        frames=frames(count, start=index * 10),
        tags=GET_MEDIA_TAGS,
        trailing_tags=TRAILING,
        **options,  # type: ignore[arg-type]  # the writer's keyword options, varied per test
    )


def read_all(data: bytes, chunk: int | None = None) -> list[Fragment]:
    reader = MkvReader()
    out: list[Fragment] = []
    step = chunk or max(1, len(data))
    for start in range(0, len(data), step):
        out += reader.feed(data[start : start + step])
    return out + reader.close()


def summary(fragments: Sequence[Fragment]) -> list[tuple[object, ...]]:
    return [
        (
            f.offset,
            f.size,
            f.truncated,
            f.tags,
            f.tracks,
            [(x.timestamp_ns, x.data, x.keyframe) for x in f.frames],
        )
        for f in fragments
    ]


def test_one_fragment_reads_back_everything_written() -> None:
    [got] = read_all(fragment(count=5))
    assert not got.truncated
    assert got.fragment_number == "91343852333181432392682062607743920146264118616"
    assert (
        got.server_timestamp is not None
        and got.server_timestamp.isoformat() == "2021-07-28T20:20:49.300000+00:00"
    )
    assert got.producer_timestamp is not None and got.producer_timestamp.timestamp() == 1627503649.251
    assert got.continuation_token == "tok-1"
    assert got.millis_behind_now == 1200
    assert (got.meeting_id, got.external_meeting_id, got.attendee_id, got.external_user_id) == (
        "1e6bf4f5-f4b5-4917-b8c9-bda45c340706",
        "Meeting_Id",
        "a1",
        "alice",
    )
    assert (got.sample_rate, got.channels) == (48000, 1)
    assert [t.name for t in got.tags] == [name for name, _ in GET_MEDIA_TAGS + TRAILING]
    track = got.audio_track
    assert track is not None
    assert (track.codec_id, track.codec_private, track.sampling_frequency, track.channels) == (
        "A_AAC",
        ASC,
        48000.0,
        1,
    )
    written = frames(5)
    assert [f.data for f in got.frames] == [f.data for f in written]
    # Absolute: cluster timecode + block timecode, times TimecodeScale (1 ms).
    assert [f.timestamp_ns for f in got.frames] == [(T0 + f.relative_timecode) * 1_000_000 for f in written]
    assert got.frames[0].timestamp.isoformat() == "2021-07-28T20:20:49.251000+00:00"
    assert got.frames_of(1) == got.frames and got.frames_of(2) == ()


def test_get_media_for_fragment_list_spelling() -> None:
    tags = [
        ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", "42"),
        ("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP", "1627503651.5"),
        ("AWS_KINESISVIDEO_PRODUCER_SIDE_TIMESTAMP", "1627503651.25"),
    ]
    [got] = read_all(kvs_fragment(track=TRACK, cluster_timecode=T0, frames=frames(2), tags=tags))
    assert got.fragment_number == "42"
    assert got.server_timestamp is not None and got.server_timestamp.timestamp() == 1627503651.5
    assert got.producer_timestamp is not None and got.producer_timestamp.timestamp() == 1627503651.25
    assert got.continuation_token is None and got.millis_behind_now is None


def test_error_tags_in_both_spellings() -> None:
    get_media = read_all(
        kvs_fragment(
            track=TRACK,
            cluster_timecode=T0,
            frames=[],
            tags=[("AWS_KINESISVIDEO_ERROR_CODE", "4000"), ("AWS_KINESISVIDEO_ERROR_ID", "x")],
        )
    )[0]
    assert (get_media.error_code, get_media.error_message) == ("4000", "x")
    listed = read_all(
        kvs_fragment(
            track=TRACK,
            cluster_timecode=T0,
            frames=[],
            tags=[
                ("AWS_KINESISVIDEO_EXCEPTION_ERROR_CODE", "3"),
                ("AWS_KINESISVIDEO_EXCEPTION_MESSAGE", "gone"),
            ],
        )
    )[0]
    assert (listed.error_code, listed.error_message) == ("3", "gone")


def test_binary_tags_and_bad_numbers() -> None:
    [got] = read_all(
        kvs_fragment(
            track=TRACK,
            cluster_timecode=T0,
            frames=frames(1),
            tags=[("blob", b"\x00\x01"), ("sampleRate", "fast")],
        )
    )
    assert got.tag("blob") == b"\x00\x01"
    with pytest.raises(AudioFormatError) as caught:
        _ = got.sample_rate
    assert caught.value.field == "tag sampleRate"


@pytest.mark.parametrize("size_length", [None, 1, 2, 3, 4, 5, 6, 7, 8])
@pytest.mark.parametrize("unknown_sizes", [True, False])
def test_every_size_form_reads_the_same(size_length: int | None, unknown_sizes: bool) -> None:
    count, size = 6, 40
    data = b"".join(
        kvs_fragment(
            track=TRACK,
            cluster_timecode=T0 + i * 2000,
            frames=frames(count, start=i, size=size),
            tags=[("AWS_KINESISVIDEO_FRAGMENT_NUMBER", str(i))],
            size_length=size_length,
            unknown_sizes=unknown_sizes,
        )
        for i in range(2)
    )
    got = read_all(data)
    assert [f.fragment_number for f in got] == ["0", "1"]
    assert [[x.data for x in f.frames] for f in got] == [
        [x.data for x in frames(count, start=i, size=size)] for i in range(2)
    ]
    assert not any(f.truncated for f in got)
    assert sum(f.size for f in got) == len(data)


def test_size_encodings_are_what_they_claim() -> None:
    # The writer's sizes are the forms under test: n bytes, marker bit at 8 - n.
    for length in range(1, 9):
        encoded = encode_size(5, length)
        assert len(encoded) == length and encoded[0] >> (8 - length) == 1
    assert element(0xEC, b"", unknown_size=True) == b"\xec\x01\xff\xff\xff\xff\xff\xff\xff"


def test_splits_at_every_byte_offset() -> None:
    data = fragment(0, count=2, size_length=None) + fragment(1, count=2)
    whole = summary(read_all(data))
    assert len(whole) == 2
    for cut in range(len(data) + 1):
        reader = MkvReader()
        got = reader.feed(data[:cut]) + reader.feed(data[cut:]) + reader.close()
        assert summary(got) == whole, cut


def test_one_byte_at_a_time() -> None:
    data = b"".join(fragment(i, count=3) for i in range(3))
    assert summary(read_all(data, chunk=1)) == summary(read_all(data))


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=30))
def test_any_chunking_reads_the_same(cuts: list[int]) -> None:
    data = b"".join(fragment(i, count=5, block_groups=i == 1) for i in range(3))
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    assert summary(list(iter_fragments(chunks))) == summary(read_all(data))


def test_fragments_are_handed_over_as_the_next_one_starts() -> None:
    first, second = fragment(0), fragment(1)
    reader = MkvReader()
    assert reader.feed(first) == []  # unknown-size Segment: it may go on
    done = reader.feed(second[:10])  # the next EBML header ends it
    assert [f.offset for f in done] == [0]
    assert [f.offset for f in reader.feed(second[10:]) + reader.close()] == [len(first)]


def test_concatenated_fragments_keep_offsets_and_order() -> None:
    parts = [fragment(i, count=3) for i in range(5)]
    got = read_all(b"".join(parts), chunk=333)
    assert [f.offset for f in got] == [sum(len(p) for p in parts[:i]) for i in range(5)]
    assert [f.size for f in got] == [len(p) for p in parts]
    stamps = [x.timestamp_ns for f in got for x in f.frames]
    assert stamps == sorted(stamps)


def test_truncated_last_fragment_is_reported_not_dropped() -> None:
    complete = fragment(0, count=6)
    last = fragment(1, count=6, unknown_sizes=False)  # known sizes: any cut is detectably short
    full_frames = [x.data for x in read_all(last)[0].frames]
    for cut in range(1, len(last)):
        got = read_all(complete + last[:cut], chunk=97)
        assert len(got) == 2, cut
        assert not got[0].truncated
        assert got[1].truncated, cut
        assert got[1].offset == len(complete) and got[1].size == cut
        frames_read = [x.data for x in got[1].frames]
        assert frames_read == full_frames[: len(frames_read)], cut


def test_truncated_inside_a_block_of_an_unknown_size_cluster() -> None:
    data = fragment(0, count=6)
    whole = read_all(data)[0]
    last_block = data.rindex(whole.frames[-1].data)
    got = read_all(data[: last_block + 3])
    assert len(got) == 1 and got[0].truncated
    assert [x.data for x in got[0].frames] == [x.data for x in whole.frames[:-1]]


def test_block_groups_carry_durations() -> None:
    [got] = read_all(fragment(0, count=3, block_groups=True))
    assert [x.data for x in got.frames] == [x.data for x in frames(3)]
    assert all(x.duration_ns == 1_000_000 and x.keyframe for x in got.frames)


@pytest.mark.parametrize("kind", ["xiph", "ebml", "fixed"])
def test_laced_blocks_split_into_frames(kind: str) -> None:
    track = AudioTrackSpec(codec_private=ASC, default_duration_ns=21_333_333)
    sizes = [300, 40, 255, 510, 7] if kind != "fixed" else [50] * 5
    written = [FrameSpec(0, bytes([i]) * s) for i, s in enumerate(sizes)]
    data = kvs_fragment(track=track, cluster_timecode=T0, frames=written, lace=(kind, 5))  # type: ignore[arg-type]  # kind is one of the Literal values
    [got] = read_all(data)
    assert [x.data for x in got.frames] == [w.data for w in written]
    assert [x.timestamp_ns for x in got.frames] == [T0 * 1_000_000 + i * 21_333_333 for i in range(5)]


def test_timecode_scale_is_applied() -> None:
    data = kvs_fragment(track=TRACK, cluster_timecode=100, frames=[FrameSpec(-3, b"a")], timecode_scale=1000)
    assert read_all(data)[0].frames[0].timestamp_ns == 97_000


def test_void_and_unknown_elements_are_skipped() -> None:
    data = fragment(0, count=3, void=5000)
    [got] = read_all(data, chunk=64)
    assert [x.data for x in got.frames] == [x.data for x in frames(3)]


def test_real_matroska_from_ffmpeg() -> None:
    # Written by FFmpeg's muxer (known sizes, SeekHead, Cues, DefaultDuration): see PROVENANCE.txt.
    with (TONES / "tone-440hz.mkv").open("rb") as file:
        got = list(read_fragments(file, chunk_size=1000))
    assert len(got) == 1 and not got[0].truncated
    track = got[0].audio_track
    assert track is not None and track.codec_id == "A_AAC" and track.codec_private[:2] == ASC
    assert len(got[0].frames) > 90  # 2 s at ~47 frames/s
    stamps = [x.timestamp_ns for x in got[0].frames]
    assert stamps == sorted(stamps) and stamps[-1] >= 1_900_000_000


@pytest.mark.parametrize(
    ("data", "element_name", "offset", "rule"),
    [
        (b"\x00\x81\x00", "element ID", 0, "invalid first byte"),
        (b"\x1a\x45\xdf\xa3\x00", "element size", 4, "invalid first byte"),
        (
            element(SEGMENT, element(CLUSTER, element(0xA3, b"\x81\x00\x00\x80xx"))),
            "SimpleBlock",
            10,
            "before",
        ),
        (
            element(SEGMENT, element(CLUSTER, element(0xE7, b"\x01") + element(0xA3, b"\x81\x00"))),
            "SimpleBlock",
            13,
            "too short",
        ),
        (
            b"\x1f\x43\xb6\x75\x83" + element(0xE7, b"\x01\x02"),
            "Timecode",
            5,
            "runs past the end of its parent",
        ),
        (b"\xe7\x01\xff\xff\xff\xff\xff\xff\xff", "Timecode", 0, "unknown size"),
        (
            element(CLUSTER, element(0xE7, b"\x01") + b"\xa3\x88\x81\x00\x00\x80xx"),
            "SimpleBlock",
            8,
            "runs past",
        ),
        (
            element(SEGMENT, element(CLUSTER, element(0xE7, b"\x01") + b"\xa3\xff")),
            "SimpleBlock",
            13,
            "unknown size",
        ),
        (element(0xAE, element(0x86, b"A_AAC")), "TrackEntry", 0, "TrackNumber"),
    ],
)
def test_malformed_input_names_element_and_offset(
    data: bytes, element_name: str, offset: int, rule: str
) -> None:
    with pytest.raises(MkvFormatError) as caught:
        read_all(data)
    assert (caught.value.element, caught.value.offset) == (element_name, offset)
    assert rule in caught.value.rule
    assert isinstance(caught.value, KvsChimeError)
    again = pickle.loads(pickle.dumps(caught.value))
    assert str(again) == str(caught.value)


def test_memory_stays_flat_while_a_large_element_streams_past() -> None:
    # 20 MB of an element the reader does not need, fed in 64 KiB chunks.
    void = element(0xEC, b"", size_length=8)[:-8] + encode_size(20_000_000, 8)
    chunk = bytes(65536)
    reader = MkvReader()
    reader.feed(fragment(0))
    gc.collect()
    tracemalloc.start()
    try:
        reader.feed(void)
        for _ in range(20_000_000 // len(chunk)):
            reader.feed(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, peak


def _peak_reading(parts: Sequence[bytes]) -> int:
    reader = MkvReader()
    gc.collect()
    tracemalloc.start()
    try:
        for part in parts:
            for done in reader.feed(part):
                del done
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_memory_holds_one_fragment_at_most() -> None:
    parts = [fragment(i, count=50) for i in range(100)]  # made before tracing starts
    short, long = _peak_reading(parts[:10]), _peak_reading(parts)
    # Ten times the fragments, the same peak: what is held is the fragment in hand.
    assert long < short * 1.25, (short, long)


def test_sync_and_async_shells_agree() -> None:
    data = b"".join(fragment(i, count=3) for i in range(3))[:-20]

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 100):
            yield data[start : start + 100]

    async def collect() -> list[Fragment]:
        return [f async for f in aiter_fragments(body())]

    from_file = list(read_fragments(io.BytesIO(data), chunk_size=77))
    from_async = asyncio.run(collect())
    assert summary(from_file) == summary(from_async) == summary(read_all(data))
    assert from_file[-1].truncated
    with pytest.raises(ValueError, match="chunk_size"):
        list(read_fragments(io.BytesIO(data), chunk_size=0))


def test_a_closed_reader_refuses_more() -> None:
    reader = MkvReader()
    reader.close()
    assert reader.close() == []
    with pytest.raises(ValueError, match="closed"):
        reader.feed(b"x")


def test_track_numbers_past_127() -> None:
    # A two-byte track number takes the general block path, not the hot one.
    track = AudioTrackSpec(codec_private=ASC, number=200)
    [got] = read_all(kvs_fragment(track=track, cluster_timecode=T0, frames=frames(3)))
    assert [f.track_number for f in got.frames] == [200, 200, 200]
    assert got.tracks[0].number == 200 and got.frames_of(200) == got.frames


def test_text_that_is_not_utf8_is_named() -> None:
    data = kvs_fragment(track=TRACK, cluster_timecode=T0, frames=[], tags=[("x", "y")])
    bad = data.replace(b"\x45\xa3\x81x", b"\x45\xa3\x81\xff")
    with pytest.raises(MkvFormatError) as caught:
        read_all(bad)
    assert caught.value.element == "TagName" and "UTF-8" in caught.value.rule


def test_fragments_before_bad_bytes_are_delivered_then_the_error() -> None:
    good = fragment(0) + fragment(1)
    reader = MkvReader()
    done = reader.feed(good + b"\x00garbage")  # the second fragment ends at the bad byte
    assert [(f.offset, f.truncated) for f in done] == [(0, False), (len(fragment(0)), True)]
    assert len(done[1].frames) == 4 and done[1].size == len(fragment(1))
    with pytest.raises(MkvFormatError) as caught:
        reader.close()
    assert caught.value.offset == len(good)
    with pytest.raises(MkvFormatError):
        reader.feed(b"more")
    with pytest.raises(MkvFormatError):  # nothing read before the error: raised at once
        MkvReader().feed(b"\x00")
    shell = iter_fragments([good + b"\x00garbage"])
    assert [f.offset for f in (next(shell), next(shell))] == [0, len(fragment(0))]
    with pytest.raises(MkvFormatError):
        next(shell)


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=255)),
        max_size=8,
    ),
    st.integers(min_value=1, max_value=600),
)
def test_hostile_bytes_give_fragments_or_a_format_error(flips: list[tuple[int, int]], chunk: int) -> None:
    # A valid stream with bytes overwritten: whatever comes out is fragments, then at most an
    # MkvFormatError; never another exception.
    data = bytearray(fragment(0, count=3, block_groups=True) + fragment(1, count=3, lace=("ebml", 3)))
    for where, value in flips:
        data[where % len(data)] = value
    try:
        got = read_all(bytes(data), chunk=chunk)
    except MkvFormatError:
        return
    assert sum(f.size for f in got) <= len(data)


def test_frames_from_the_fast_path_are_ordinary_frames() -> None:
    # The hot loop builds frames without attrs' __init__: they must equal, hash and pickle
    # like frames built the ordinary way.
    import attrs

    from kvs_chime.media import Frame

    [read] = read_all(fragment(0, count=6))
    assert read.frames
    for frame in read.frames:
        ordinary = Frame(**attrs.asdict(frame))
        assert type(frame) is Frame and frame == ordinary and hash(frame) == hash(ordinary)
        assert pickle.loads(pickle.dumps(frame)) == frame
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            frame.data = b""  # type: ignore[misc]  # frozen: the assignment is the point
