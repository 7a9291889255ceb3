"""Write the committed AAC test tones: one short sine per attendee, AAC-LC in Matroska.

    python tools/make_audio_fixtures.py            # needs PyAV: pip install "kvs-chime[audio]"
    python tools/make_audio_fixtures.py tone-mixed-440-660hz.mkv   # only the files named

Each tone is 2 s of a pure sine (amplitude 0.5) at 48 kHz mono; the mixed one (what the
emulator's MixedAudio pipelines write) is the 440 Hz and 660 Hz sines summed, amplitude 0.25
each. Naming files regenerates only those and appends their provenance (the encoder build may
differ from the other files').

Each tone is 2 s of a pure sine (amplitude 0.5) at 48 kHz mono, encoded by FFmpeg's native AAC
encoder at 64 kbit/s (what a Chime media pipeline writes for one attendee) and muxed by
FFmpeg's Matroska muxer. The files are read back by `kvs_chime.media` (their frames and
CodecPrivate) and re-wrapped as Kinesis Video fragments by tests and the emulator; the reader
thereby also meets a Matroska file written by a muxer other than its own.

It also writes `kvs_chime/testing/_audio/attendee-440hz.getmedia.mkv`: the 440 Hz tone re-wrapped by
the package's Kinesis-shaped writer as two one-second fragments with the tags `GetMedia` and a
media stream pipeline add (a recorded `GetMedia` body, for the how-to page).

Provenance (the encoder and library versions) is written to `PROVENANCE.txt` beside the tones.
The AAC frames are the same on every run with one FFmpeg build (checked); the Matroska muxer's
random SegmentUID and date differ, so a re-run changes a few dozen bytes of each file and none of
the audio. Another FFmpeg build may encode different bytes of the same tone.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

TONES: dict[str, tuple[float, ...]] = {
    "tone-440hz.mkv": (440.0,),
    "tone-660hz.mkv": (660.0,),
    "tone-mixed-440-660hz.mkv": (440.0, 660.0),
}
RATE = 48_000
SECONDS = 2
BITRATE = 64_000
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "kvs_chime" / "testing" / "_audio"
SAMPLE = ROOT / "kvs_chime" / "testing" / "_audio" / "attendee-440hz.getmedia.mkv"


def _encode(path: Path, frequencies: tuple[float, ...]) -> int:
    import av

    samples = RATE * SECONDS
    amplitude = 0.5 / len(frequencies)
    pcm = bytearray()
    for n in range(samples):
        value = round(amplitude * 32767 * sum(math.sin(2 * math.pi * f * n / RATE) for f in frequencies))
        pcm += value.to_bytes(2, "little", signed=True)
    with av.open(str(path), "w", format="matroska") as container:
        stream = container.add_stream("aac", rate=RATE, layout="mono")
        stream.bit_rate = BITRATE
        frame_size = 1024
        for start in range(0, samples, frame_size):
            chunk = bytes(pcm[start * 2 : (start + frame_size) * 2])
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk)
            frame.sample_rate = RATE
            frame.pts = start
            frame.time_base = Fraction(1, RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path.stat().st_size


def _getmedia_sample(tone: Path, out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from kvs_chime.media import read_fragments
    from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment

    with tone.open("rb") as file:
        [fragment] = read_fragments(file)
    track = fragment.audio_track
    assert track is not None
    frames = [f.data for f in fragment.frames]
    start_ms = 1_627_503_649_251
    parts: list[bytes] = []
    for index, first in enumerate(range(0, len(frames), 47)):
        at = start_ms + first * 1024 * 1000 // RATE
        number = str(91343852333181432392682062607743920146264118616 + index)
        parts.append(
            kvs_fragment(
                track=AudioTrackSpec(codec_private=track.codec_private, channels=1),
                cluster_timecode=at,
                frames=[
                    FrameSpec(i * 1024 * 1000 // RATE, f) for i, f in enumerate(frames[first : first + 47])
                ],
                tags=[
                    ("AWS_KINESISVIDEO_FRAGMENT_NUMBER", number),
                    ("AWS_KINESISVIDEO_SERVER_TIMESTAMP", f"{(at + 40) / 1000:.3f}"),
                    ("AWS_KINESISVIDEO_PRODUCER_TIMESTAMP", f"{at / 1000:.3f}"),
                    ("meetingId", "1e6bf4f5-f4b5-4917-b8c9-bda45c340706"),
                    ("externalMeetingId", "standup"),
                    ("attendeeId", "a1b2c3d4-0000-4000-8000-000000000440"),
                    ("externalUserId", "alice"),
                    ("sampleRate", str(RATE)),
                    ("channels", "1"),
                ],
                trailing_tags=[
                    ("AWS_KINESISVIDEO_MILLIS_BEHIND_NOW", "0"),
                    ("AWS_KINESISVIDEO_CONTINUATION_TOKEN", number),
                ],
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(b"".join(parts))
    return out.stat().st_size


def main(argv: list[str]) -> int:
    import av

    OUT.mkdir(parents=True, exist_ok=True)
    versions = f"PyAV {av.__version__}, FFmpeg libraries {av.library_versions}"
    if argv:
        # Only the files named, their provenance appended: the others stay as committed.
        lines = [(OUT / "PROVENANCE.txt").read_text(encoding="utf-8").rstrip("\n")]
        for name in argv:
            size = _encode(OUT / name, TONES[name])
            hertz = " + ".join(f"{f:g}" for f in TONES[name])
            lines.append(f"{name}: {hertz} Hz, {size} bytes ({versions})")
            print(lines[-1])
        (OUT / "PROVENANCE.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return 0
    lines = [
        "Generated by tools/make_audio_fixtures.py; do not edit by hand.",
        versions,
        f"{SECONDS} s sine, amplitude 0.5, {RATE} Hz mono, FFmpeg native AAC-LC at {BITRATE} bit/s, Matroska",
    ]
    for name, frequencies in TONES.items():
        size = _encode(OUT / name, frequencies)
        lines.append(f"{name}: {' + '.join(f'{f:g}' for f in frequencies)} Hz, {size} bytes")
        print(lines[-1])
    size = _getmedia_sample(OUT / "tone-440hz.mkv", SAMPLE)
    lines.append(f"{SAMPLE.relative_to(ROOT)}: tone-440hz.mkv as 2 Kinesis Video fragments, {size} bytes")
    print(lines[-1])
    (OUT / "PROVENANCE.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
