"""What a GetMedia answer cut anywhere, a hostile size field, or an odd number does to the reader:
a fragment is handed over only once its end shows, whole and once across a resume; a size past the
service's limits fails at its header; numbers are bounded; only the package's errors escape."""

from __future__ import annotations

import datetime
import time
import tracemalloc
from collections.abc import Sequence

import pytest

from kvs_chime.media import AudioFormatError, Fragment, Frame, MkvFormatError, MkvReader, MkvTag, Track
from kvs_chime.media._follow import LiveRead, fragment_batches
from kvs_chime.media._reader import MAX_FRAGMENT_SIZE
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, element, encode_size, kvs_fragment

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1700000000000"
TRACK = AudioTrackSpec(codec_private=bytes([0x11, 0x88]))
T0 = 1_627_503_649_251
PREFIX = "AWS_KINESISVIDEO_"
MASTERS = {  # the masters a GetMedia answer holds, for the walker below (not the reader's tables)
    0x1A45DFA3, 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE1, 0x1254C367, 0x7373, 0x67C8,
    0x1F43B675, 0xA0,
}  # fmt: skip


def get_media_fragment(index: int, *, unknown_sizes: bool = True, block_groups: bool = False) -> bytes:
    number = str(1000 + index)
    return kvs_fragment(
        track=TRACK,
        cluster_timecode=T0 + index * 1000,
        frames=[FrameSpec(i * 21, bytes([index * 16 + i]) * (30 + i)) for i in range(5)],
        tags=[(PREFIX + "FRAGMENT_NUMBER", number), (PREFIX + "SERVER_TIMESTAMP", "1627503649.300")],
        trailing_tags=[(PREFIX + "MILLIS_BEHIND_NOW", "120"), (PREFIX + "CONTINUATION_TOKEN", number)],
        unknown_sizes=unknown_sizes,
        block_groups=block_groups,
    )


def boundaries(data: bytes) -> list[int]:
    """Every element boundary of `data`: each element's start (children included) and the end."""
    found: list[int] = []
    pos = 0
    while pos < len(data):
        found.append(pos)
        id_length = 9 - data[pos].bit_length()
        eid = int.from_bytes(data[pos : pos + id_length], "big")
        size_length = 9 - data[pos + id_length].bit_length()
        raw = int.from_bytes(data[pos + id_length : pos + id_length + size_length], "big")
        size = raw & ((1 << (7 * size_length)) - 1)
        header = id_length + size_length
        pos += header if eid in MASTERS else header + size
    return [*found, len(data)]


def read(data: bytes, *, get_media: bool = True) -> list[Fragment]:
    reader = MkvReader(get_media=get_media)
    return reader.feed(data) + reader.close()


@pytest.mark.parametrize("unknown_sizes", [True, False])
@pytest.mark.parametrize("block_groups", [False, True])
def test_an_answer_cut_at_any_element_boundary_hands_over_only_whole_fragments(
    unknown_sizes: bool, block_groups: bool
) -> None:
    parts = [get_media_fragment(i, unknown_sizes=unknown_sizes, block_groups=block_groups) for i in range(3)]
    stream = b"".join(parts)
    ends = [sum(map(len, parts[: i + 1])) for i in range(3)]
    whole = read(stream)
    assert [f.truncated for f in whole] == [False] * 3
    cuts = boundaries(stream)
    assert len(cuts) > 100
    for cut in cuts:
        got = read(stream[:cut])
        handed = [f for f in got if not f.truncated]
        # A fragment is whole exactly when the cut lies at or past its end (its closing tags).
        assert len(handed) == sum(end <= cut for end in ends), cut
        assert handed == whole[: len(handed)], cut
        assert all(f.truncated for f in got[len(handed) :]), cut


def test_a_follow_cut_at_any_boundary_hands_each_frame_over_once() -> None:
    # What follow_stream does with an answer that ends cleanly: the resumed answer starts at the
    # last whole fragment's continuation token (here: its successor's bytes).
    parts = [get_media_fragment(i) for i in range(3)]
    stream = b"".join(parts)
    starts = [sum(map(len, parts[:i])) for i in range(3)]
    expected = [frame for f in read(stream) for frame in f.frames]
    for cut in boundaries(stream)[1:-1]:
        live = LiveRead(ARN)
        handed: list[Frame] = []
        for fragment in read(stream[:cut]):
            if live.accept(fragment):
                handed += fragment.frames
        assert live.resume()
        token = live.request().start_selector.continuation_token
        resume_at = 0 if token is None else starts[int(token) - 1000 + 1]
        for fragment in read(stream[resume_at:]):
            if live.accept(fragment):
                handed += fragment.frames
        assert handed == expected, cut


def test_without_get_media_a_clean_end_is_the_end_of_a_file() -> None:
    stream = get_media_fragment(0)
    cut = stream.rindex(bytes.fromhex("1254C367"))  # before the closing tags
    [fragment] = read(stream[:cut], get_media=False)
    assert not fragment.truncated and len(fragment.frames) == 5
    [fragment] = read(stream[:cut])
    assert fragment.truncated and len(fragment.frames) == 5


# -- bounded memory ------------------------------------------------------------------------------


def huge(eid: int) -> bytes:
    """An element header declaring 2^56 - 2 bytes (the largest known size)."""
    return element(eid, b"", size_length=8)[:-8] + encode_size((1 << 56) - 2, 8)


HOSTILE = {
    "SimpleBlock": (0xA3, "fragment limit"),
    "TagString": (0x4487, "limit"),
    "TagName": (0x45A3, "limit"),
    "element 0xEC": (0xEC, "fragment limit"),  # a Void, skipped yet still past the limit
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_an_oversized_element_fails_at_its_header(name: str) -> None:
    eid, rule = HOSTILE[name]
    whole = get_media_fragment(0)
    at = whole.rindex(bytes.fromhex("45A3"))  # inside the last SimpleTag, before its TagName
    if eid == 0xA3:
        at = whole.index(bytes.fromhex("A3"), whole.index(bytes.fromhex("1F43B675")) + 12)
    reader = MkvReader(get_media=True)
    tracemalloc.start()
    try:
        with pytest.raises(MkvFormatError) as caught:
            reader.feed(whole[:at] + huge(eid))
            for _ in range(64):  # what follows is never buffered: the error came at the header
                reader.feed(bytes(65536))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.element == name and rule in caught.value.rule
    assert caught.value.offset == at
    assert peak < 1_000_000, peak


def test_an_oversized_ebml_header_fails_at_its_header() -> None:
    reader = MkvReader()
    with pytest.raises(MkvFormatError) as caught:
        reader.feed(huge(0x1A45DFA3))  # the fragment it began comes first, truncated
        reader.close()
    assert caught.value.element == "EBML" and caught.value.offset == 0


def test_a_fragment_past_the_limit_fails_however_it_is_split() -> None:
    # An unknown-size Cluster that never ends: blocks of 1 MiB each, one after another.
    block = element(0xA3, b"\x81\x00\x00\x80" + bytes(1 << 20))
    head = kvs_fragment(track=TRACK, cluster_timecode=T0, frames=[FrameSpec(0, b"x")])  # ends in its Cluster
    reader = MkvReader(max_fragment_size=8 << 20)
    with pytest.raises(MkvFormatError) as caught:
        reader.feed(head)
        for _ in range(16):
            reader.feed(block)
    assert "fragment limit" in caught.value.rule
    assert MAX_FRAGMENT_SIZE == 50 * 1024 * 1024
    with pytest.raises(ValueError, match="at least 1"):
        MkvReader(max_fragment_size=0)


def test_a_track_without_channels_has_matroskas_default() -> None:
    assert Track(number=1).channels == 1
    data = get_media_fragment(0).replace(b"\x9f\x81\x01", b"\xec\x81\x00")  # Channels -> Void
    [fragment] = read(data)
    assert fragment.audio_track is not None and fragment.audio_track.channels == 1


# -- bounded numbers -----------------------------------------------------------------------------


def tagged(name: str, value: str) -> Fragment:
    return Fragment(offset=0, size=1, tags=(MkvTag(name, value),))


BAD_NUMBERS = ["1e20", "9E+999999", "1E+400000", "1E+999999", "²", "1" * 5000, "nan", "-inf", "0x10", ""]


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_numeric_tags_are_bounded_and_fail_with_the_packages_error(value: str) -> None:
    fragments = [
        (tagged(PREFIX + "PRODUCER_TIMESTAMP", value), "producer_timestamp"),
        (tagged(PREFIX + "SERVER_TIMESTAMP", value), "server_timestamp"),
        (tagged(PREFIX + "MILLIS_BEHIND_NOW", value), "millis_behind_now"),
        (tagged("sampleRate", value), "sample_rate"),
        (tagged("channels", value), "channels"),
    ]
    for fragment, attribute in fragments:
        started = time.process_time()
        with pytest.raises(AudioFormatError):
            getattr(fragment, attribute)
        assert time.process_time() - started < 1.0  # no runaway parse (a bound, not a timing)


def test_timestamps_past_datetimes_range_are_the_packages_error() -> None:
    with pytest.raises(AudioFormatError):
        _ = tagged(PREFIX + "SERVER_TIMESTAMP", "99999999999999999999").server_timestamp
    assert tagged(PREFIX + "SERVER_TIMESTAMP", "1627503649.251").server_timestamp == datetime.datetime(
        2021, 7, 28, 20, 20, 49, 251000, tzinfo=datetime.timezone.utc
    )
    frame = Frame(track_number=1, timestamp_ns=(1 << 62) * 1_000_000, data=b"")  # Timecode 2^62 at 1 ms
    with pytest.raises(AudioFormatError, match=r"Frame\.timestamp"):
        _ = frame.timestamp


@pytest.mark.parametrize("number", ["²", "1" * 5000, "12a", "-5"])
def test_odd_fragment_numbers_are_not_compared_and_raise_nothing(number: str) -> None:
    live = LiveRead(ARN)
    odd = Fragment(offset=0, size=1, tags=(MkvTag(PREFIX + "FRAGMENT_NUMBER", number),))
    assert live.accept(odd)
    assert fragment_batches_of([number, "7"]) == [[number, "7"]]


def fragment_batches_of(numbers: Sequence[str]) -> list[list[str]]:
    from kvs_chime.archived_media import Fragment as FragmentInfo

    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    infos = [
        FragmentInfo(fragment_number=n, producer_timestamp=moment, server_timestamp=moment) for n in numbers
    ]
    return fragment_batches(infos)


def test_unusual_simple_tags_read_as_the_general_path_reads_them() -> None:
    # The tag fast path takes only plain name + value SimpleTags; the rest must come out the
    # same: NUL padding, binary and empty values, a nested SimpleTag, a value before its name.
    def simple(*children: bytes) -> bytes:
        return element(0x67C8, b"".join(children))

    def name(text: bytes) -> bytes:
        return element(0x45A3, text)

    def string(text: bytes) -> bytes:
        return element(0x4487, text)

    tags = element(
        0x1254C367,
        element(
            0x7373,
            element(0x63C0, b"")
            + simple(name(b"padded\x00\x00"), string(b"value\x00"))
            + simple(name(b"blob"), element(0x4485, b"\x00\xff"))
            + simple(name(b"empty"), string(b""))
            + simple(name(b"outer"), string(b"o"), simple(name(b"inner"), string(b"i")))
            + simple(string(b"before"), name(b"late")),
        ),
    )
    base = kvs_fragment(track=TRACK, cluster_timecode=T0, frames=[FrameSpec(0, b"x")])
    cluster_at = base.index(bytes.fromhex("1F43B675"))
    data = base[:cluster_at] + tags + base[cluster_at:]
    expected = [
        MkvTag("padded", "value"),
        MkvTag("blob", b"\x00\xff"),
        MkvTag("empty", ""),
        MkvTag("inner", "i"),
        MkvTag("outer", "o"),
        MkvTag("late", "before"),
    ]
    for chunk in (1, 5, len(data)):
        reader = MkvReader()
        got: list[Fragment] = []
        for start in range(0, len(data), chunk):
            got += reader.feed(data[start : start + chunk])
        [fragment] = got + reader.close()
        assert list(fragment.tags) == expected, chunk
