"""Property tests: whatever bytes, tag values, AAC configs, frames or events come in, what comes out
is a value or one of the package's typed errors (MkvFormatError, AudioFormatError, EventParseError),
never a builtin exception, and never a runaway parse. Example counts follow tests/depth.py."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvs_chime.events import ChimeEvent, EventParseError, parse_event
from kvs_chime.media import (
    AacDecoder,
    AudioFormatError,
    AudioSpecificConfig,
    Fragment,
    MkvFormatError,
    MkvReader,
    MkvTag,
    adts_frames,
    adts_header,
)
from kvs_chime.media._follow import LiveRead
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment

from ..depth import examples

HAVE_AV = importlib.util.find_spec("av") is not None
PREFIX = "AWS_KINESISVIDEO_"
ASC = bytes([0x11, 0x88])


def budget(full: int) -> settings:
    return settings(max_examples=examples(full), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def stream() -> bytes:
    def one(index: int, **options: Any) -> bytes:
        return kvs_fragment(
            track=AudioTrackSpec(codec_private=ASC),
            cluster_timecode=1_627_503_649_251 + index * 1000,
            frames=[FrameSpec(i * 21, bytes([i]) * (20 + i)) for i in range(4)],
            tags=[(PREFIX + "FRAGMENT_NUMBER", str(index))],
            trailing_tags=[(PREFIX + "CONTINUATION_TOKEN", str(index))],
            **options,
        )

    return one(0) + one(1, block_groups=True) + one(2, lace=("xiph", 2)) + one(3, unknown_sizes=False)


STREAM = stream()


def read_everything(data: bytes, chunk: int, get_media: bool) -> list[Fragment]:
    reader = MkvReader(get_media=get_media, max_fragment_size=1 << 20)
    out: list[Fragment] = []
    try:
        for start in range(0, len(data), chunk):
            out += reader.feed(data[start : start + chunk])
        out += reader.close()
    except MkvFormatError:
        pass
    return out


def touch(fragment: Fragment) -> None:
    """Every property a user reads: a value or AudioFormatError."""
    for name in (
        "fragment_number",
        "server_timestamp",
        "producer_timestamp",
        "continuation_token",
        "millis_behind_now",
        "error_code",
        "error_message",
        "meeting_id",
        "attendee_id",
        "sample_rate",
        "channels",
        "audio_track",
    ):
        with contextlib.suppress(AudioFormatError):
            getattr(fragment, name)
    for frame in fragment.frames:
        with contextlib.suppress(AudioFormatError):
            _ = frame.timestamp
    LiveRead("arn").accept(fragment) if fragment.error_code is None else None


@budget(300)
@given(
    st.lists(st.tuples(st.integers(0, len(STREAM) - 1), st.integers(0, 255)), max_size=12),
    st.integers(1, 700),
    st.booleans(),
    st.integers(0, len(STREAM)),
)
def test_the_reader_gives_fragments_or_its_error(
    flips: list[tuple[int, int]], chunk: int, get_media: bool, cut: int
) -> None:
    data = bytearray(STREAM)
    for where, value in flips:
        data[where] = value
    for fragment in read_everything(bytes(data[:cut] if cut else data), chunk, get_media):
        touch(fragment)


@budget(200)
@given(st.binary(max_size=400), st.integers(1, 64))
def test_random_bytes_give_fragments_or_the_readers_error(data: bytes, chunk: int) -> None:
    for fragment in read_everything(data, chunk, True):
        touch(fragment)


NUMBERISH = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=string.digits + "+-.eE ", max_size=30),
    st.integers(-(10**40), 10**40).map(str),
    st.floats().map(str),
    st.sampled_from(["1e20", "9E+999999", "1E+400000", "²", "1" * 5000, "NaN", "-0", ".5", "5."]),
)


@budget(300)
@given(NUMBERISH, st.booleans())
def test_tag_properties_give_values_or_the_packages_error(value: str, as_bytes: bool) -> None:
    stored: str | bytes = value.encode("utf-8") if as_bytes else value
    names = [
        PREFIX + "SERVER_TIMESTAMP",
        PREFIX + "PRODUCER_TIMESTAMP",
        PREFIX + "MILLIS_BEHIND_NOW",
        PREFIX + "FRAGMENT_NUMBER",
        PREFIX + "CONTINUATION_TOKEN",
        "sampleRate",
        "channels",
    ]
    touch(Fragment(offset=0, size=1, tags=tuple(MkvTag(n, stored) for n in names)))


@budget(300)
@given(st.binary(max_size=12), st.integers(-5, 1 << 14), st.lists(st.binary(max_size=40), max_size=4))
def test_adts_gives_headers_or_the_packages_error(
    codec_private: bytes, length: int, frames: list[bytes]
) -> None:
    try:
        config = AudioSpecificConfig.parse(codec_private)
    except AudioFormatError:
        return
    _ = (config.channels, config.output_sample_rate)
    for run in (lambda: adts_header(config, length), lambda: list(adts_frames(config, frames))):
        with contextlib.suppress(AudioFormatError):
            run()


@pytest.mark.skipif(not HAVE_AV, reason='needs the audio extra: pip install "kvs-chime[audio]"')
@budget(100)
@given(
    st.sampled_from([ASC, b"\x12\x10", b"\x14\x0c", b"\x2b\x92\x08\x00"]),
    st.lists(st.binary(max_size=300), max_size=6),
    st.booleans(),
)
def test_the_aac_decoder_gives_pcm_or_the_packages_error(
    codec_private: bytes, frames: list[bytes], skip: bool
) -> None:
    decoder = AacDecoder(codec_private, skip_bad_frames=skip)
    decoded = 0
    try:
        for frame in frames:
            decoder.decode(frame)
            decoded += 1
    except AudioFormatError:
        assert not skip  # skipping, a bad frame is counted, never raised
    with contextlib.suppress(AudioFormatError):
        decoder.flush()
    assert decoder.bad_frames <= decoded


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
MEMBERS = [
    "eventType",
    "timestamp",
    "mediaPipelineId",
    "kinesisVideoStreamArn",
    "startFragmentNumber",
    "endFragmentNumber",
    "startTime",
    "endTime",
    "attendeeId",
    "poolArn",
]
HOSTILE_VALUES = st.one_of(
    JSON,
    st.sampled_from(
        [
            10**15,
            1e300,
            -1,
            float("inf"),
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00+01:00",
            "²",
            "1" * 5000,
        ]
    ),
)


def event_with(detail: dict[str, Any], detail_type: str, envelope: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"detail-type": detail_type, "source": "aws.chime", "detail": detail}
    base.update(envelope)
    return base


@budget(400)
@given(
    st.dictionaries(st.sampled_from(MEMBERS), HOSTILE_VALUES, max_size=8),
    st.sampled_from(
        [
            "chime:MediaPipelineKinesisVideoStreamStart",
            "chime:MediaPipelineKinesisVideoStreamEnd",
            "chime:MediaPipelineDeleted",
            "chime:MediaPipelineKinesisVideoStreamPoolActive",
            "chime:SomethingNew",
        ]
    ),
    st.sampled_from(
        ["Chime Media Pipeline State Change", "Chime Media Pipeline Kinesis Video Pool State Change"]
    ),
    st.dictionaries(
        st.sampled_from(["time", "id", "resources", "region", "source"]), HOSTILE_VALUES, max_size=3
    ),
    st.booleans(),
)
def test_events_parse_or_give_the_packages_error(
    detail: dict[str, Any], event_type: str, detail_type: str, envelope: dict[str, Any], as_text: bool
) -> None:
    event = event_with({"eventType": event_type, **detail}, detail_type, envelope)
    given_event: Any = event
    if as_text:
        try:
            given_event = json.dumps(event)
        except ValueError:  # NaN is fine for json.dumps; this is for what JSON cannot hold
            return
    try:
        parsed = parse_event(given_event)
    except EventParseError:
        return
    assert isinstance(parsed, ChimeEvent)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"detail": ' + "1" * 5000 + "}",
    ],
    ids=["lists", "objects", "long-int"],
)
def test_deep_or_huge_json_is_the_packages_error(text: str) -> None:
    with pytest.raises(EventParseError):
        parse_event(text)
