"""The reader against Matroska the project did not write: FFmpeg's muxer and AAC encoder (a
seekable file and a live one, 48 kHz mono and 16 kHz stereo) and mkvmerge's laced blocks, all in
tests/fixtures/ffmpeg (made by its make_fixtures.py). What FFmpeg's own demuxer read from each
file is recorded there (packets.json), so this runs without PyAV; with it, the files are also
decoded back to their tones."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import pytest

from kvs_chime.media import Fragment, MkvReader, decode_aac

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ffmpeg"
DEMUXED: dict[str, dict[str, object]] = json.loads((FIXTURES / "packets.json").read_text())
HAVE_AV = importlib.util.find_spec("av") is not None


def read(name: str, chunk: int) -> list[Fragment]:
    data = (FIXTURES / name).read_bytes()
    reader = MkvReader()
    out: list[Fragment] = []
    for start in range(0, len(data), chunk):
        out += reader.feed(data[start : start + chunk])
    return out + reader.close()


def test_every_fixture_is_recorded_and_small() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.mkv"))
    assert names == sorted(DEMUXED)
    assert {"aac-48k-mono.mkv", "aac-16k-stereo-live.mkv"} <= set(names)
    assert all((FIXTURES / n).stat().st_size < 64_000 for n in names)


@pytest.mark.parametrize("name", sorted(DEMUXED))
@pytest.mark.parametrize("chunk", [7, 65536])
def test_the_reader_gives_what_ffmpegs_demuxer_gives(name: str, chunk: int) -> None:
    expected = DEMUXED[name]
    fragments = read(name, chunk)
    assert [f.truncated for f in fragments] == [False]
    [fragment] = fragments
    track = fragment.audio_track
    assert track is not None and track.codec_id == "A_AAC"
    assert track.codec_private.hex() == expected["codec_private"]
    assert track.sampling_frequency == expected["sample_rate"]
    assert track.channels == expected["channels"]
    time_base = Fraction(str(expected["time_base"]))  # seconds per tick: the TimecodeScale
    assert fragment.timecode_scale_ns == time_base * 1_000_000_000
    frames = fragment.frames_of(track.number)
    packets = expected["packets"]
    assert isinstance(packets, list)
    assert [(len(f.data), hashlib.sha256(f.data).hexdigest()) for f in frames] == [
        (p[1], p[2]) for p in packets
    ]
    # Timestamps against FFmpeg's millisecond pts: FFmpeg subtracts the track's CodecDelay (the
    # encoder's priming, one frame), the reader gives the blocks' own timestamps; the offset is
    # the same for every frame (laced ones are placed by DefaultDuration, rounded by FFmpeg).
    offsets = [
        frame.timestamp_ns / 1_000_000 - float(packet[0] * time_base * 1000)
        for frame, packet in zip(frames, packets, strict=True)
    ]
    frame_ms = 1024 * 1000 / float(track.sampling_frequency or 1)
    assert 0 <= offsets[0] <= frame_ms + 1
    assert all(abs(offset - offsets[0]) < 1.0 for offset in offsets), offsets


@pytest.mark.skipif(not HAVE_AV, reason='decoding needs the audio extra: pip install "kvs-chime[audio]"')
@pytest.mark.parametrize("name", sorted(DEMUXED))
def test_the_fixtures_decode_to_a_second_of_aac(name: str) -> None:
    [fragment] = read(name, 65536)
    track = fragment.audio_track
    assert track is not None
    pcm = b"".join(decode_aac(track.codec_private, (f.data for f in fragment.frames)))
    seconds = len(pcm) / 2 / track.channels / int(track.sampling_frequency or 0)
    assert 0.95 <= seconds <= 1.1
