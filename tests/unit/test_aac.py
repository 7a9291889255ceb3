"""AAC as Chime stores it: AudioSpecificConfig from CodecPrivate, ADTS framing, WAV output,
and (where the `audio` extra is installed) decoding the committed tones back to their pitch."""

from __future__ import annotations

import array
import importlib.util
import io
import math
import pickle
import wave
from pathlib import Path

import pytest

from kvs_chime import KvsChimeError
from kvs_chime.media import (
    AacDecoder,
    AudioFormatError,
    AudioSpecificConfig,
    MissingExtraError,
    adts_frames,
    adts_header,
    decode_aac,
    read_fragments,
    write_wav,
)
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment

TONES = Path(__file__).resolve().parents[2] / "kvs_chime" / "testing" / "_audio"
HAVE_AV = importlib.util.find_spec("av") is not None
needs_av = pytest.mark.skipif(not HAVE_AV, reason='needs the audio extra: pip install "kvs-chime[audio]"')


def _bits(data: bytes, start: int, count: int) -> int:
    value = int.from_bytes(data, "big")
    return (value >> (len(data) * 8 - start - count)) & ((1 << count) - 1)


@pytest.mark.parametrize(
    ("codec_private", "expected"),
    [
        (b"\x11\x88", (2, 48000, 3, 1, 1024, None, None)),  # AAC LC 48 kHz mono (Chime)
        (b"\x12\x10", (2, 44100, 4, 2, 1024, None, None)),  # AAC LC 44.1 kHz stereo
        (b"\x14\x0c", (2, 16000, 8, 1, 960, None, None)),  # frameLengthFlag: 960 samples
        (b"\x2b\x92\x08\x00", (2, 22050, 7, 2, 1024, 5, 44100)),  # HE-AAC, explicit SBR
        # index 15: the rate written out (12345 Hz), mono
        (bytes([0x17, 0x80, 0x18, 0x1C, 0x88]), (2, 12345, None, 1, 1024, None, None)),
    ],
)
def test_audio_specific_config(codec_private: bytes, expected: tuple[object, ...]) -> None:
    config = AudioSpecificConfig.parse(codec_private)
    got = (
        config.audio_object_type,
        config.sampling_frequency,
        config.sampling_frequency_index,
        config.channel_configuration,
        config.frame_length,
        config.extension_object_type,
        config.extension_sampling_frequency,
    )
    assert got == expected
    assert config.raw == codec_private


def test_output_rate_and_channels() -> None:
    he = AudioSpecificConfig.parse(b"\x2b\x92\x08\x00")
    assert (he.output_sample_rate, he.channels) == (44100, 2)
    assert AudioSpecificConfig.parse(b"\x11\x88").channels == 1
    assert AudioSpecificConfig.parse(b"\x11\x80").channels is None  # configuration 0: a PCE


@pytest.mark.parametrize(
    ("data", "rule"), [(b"", "ends before"), (b"\x11", "ends before"), (b"\x16\x88", "reserved")]
)
def test_bad_audio_specific_config(data: bytes, rule: str) -> None:
    with pytest.raises(AudioFormatError) as caught:
        AudioSpecificConfig.parse(data)
    assert caught.value.field == "AudioSpecificConfig" and rule in caught.value.rule
    assert isinstance(caught.value, KvsChimeError)
    assert str(pickle.loads(pickle.dumps(caught.value))) == str(caught.value)


def test_adts_header_fields() -> None:
    config = AudioSpecificConfig.parse(b"\x11\x88")
    header = adts_header(config, 100)
    assert len(header) == 7
    assert _bits(header, 0, 12) == 0xFFF  # sync
    assert _bits(header, 12, 1) == 0  # MPEG-4
    assert _bits(header, 15, 1) == 1  # no CRC
    assert _bits(header, 16, 2) == 1  # profile: object type - 1 (LC)
    assert _bits(header, 18, 4) == 3  # 48 kHz
    assert _bits(header, 23, 3) == 1  # mono
    assert _bits(header, 30, 13) == 107  # header + payload
    assert _bits(header, 43, 11) == 0x7FF  # variable rate
    assert _bits(header, 54, 2) == 0  # one raw data block
    framed = list(adts_frames(config, [b"a" * 5, b"b" * 9]))
    assert [len(f) for f in framed] == [12, 16] and framed[1].endswith(b"b" * 9)


def test_he_aac_goes_out_as_its_lc_core() -> None:
    header = adts_header(AudioSpecificConfig.parse(b"\x2b\x92\x08\x00"), 10)
    assert (_bits(header, 16, 2), _bits(header, 18, 4)) == (1, 7)


def _config(**changes: object) -> AudioSpecificConfig:
    fields: dict[str, object] = {
        "audio_object_type": 2,
        "sampling_frequency": 48000,
        "sampling_frequency_index": 3,
        "channel_configuration": 1,
    }
    fields.update(changes)
    return AudioSpecificConfig(**fields)  # type: ignore[arg-type]  # the test varies one field at a time


@pytest.mark.parametrize(
    ("config", "length", "field"),
    [
        (_config(), 8185, "frame"),
        (_config(), -1, "frame"),
        (_config(sampling_frequency=12345, sampling_frequency_index=None), 10, "sampling_frequency"),
        (_config(channel_configuration=0), 10, "channel_configuration"),
        (_config(audio_object_type=5), 10, "audio_object_type"),
        (_config(audio_object_type=42), 10, "audio_object_type"),
    ],
)
def test_what_adts_cannot_carry(config: AudioSpecificConfig, length: int, field: str) -> None:
    with pytest.raises(AudioFormatError) as caught:
        adts_header(config, length)
    assert caught.value.field == field
    assert adts_header(_config(), 8184)  # the largest frame ADTS holds


def test_write_wav_round_trips_through_wave(tmp_path: Path) -> None:
    samples = array.array("h", [0, 1000, -1000, 32767, -32768, 5] * 100)
    pcm = samples.tobytes()
    path = tmp_path / "out.wav"
    # Chunks split mid-sample: whole frames are written, the rest carried over.
    written = write_wav(path, [pcm[:7], pcm[7:301], pcm[301:]], sample_rate=16000, channels=2)
    assert written == len(samples) // 2
    with wave.open(str(path), "rb") as back:
        assert (back.getnchannels(), back.getsampwidth(), back.getframerate()) == (2, 2, 16000)
        assert back.readframes(back.getnframes()) == pcm
    buffer = io.BytesIO()
    assert write_wav(buffer, [pcm], sample_rate=8000, channels=1) == len(samples)
    with pytest.raises(ValueError, match="whole frame"):
        write_wav(io.BytesIO(), [b"\x00\x00\x00"], sample_rate=8000, channels=2)
    with pytest.raises(ValueError, match="sample_rate"):
        write_wav(io.BytesIO(), [], sample_rate=0, channels=1)


def tone_frames(name: str) -> tuple[bytes, list[bytes]]:
    with (TONES / name).open("rb") as file:
        [fragment] = read_fragments(file)
    track = fragment.audio_track
    assert track is not None
    return track.codec_private, [f.data for f in fragment.frames]


def dominant_frequency(pcm: bytes, rate: int) -> float:
    """Strongest frequency from 100 Hz to 2 kHz (Goertzel, 10 Hz steps) over 0.1 s mid-signal."""
    samples = array.array("h")
    samples.frombytes(pcm)
    middle = len(samples) // 2
    window = samples[middle : middle + rate // 10]
    best, best_power = 0.0, -1.0
    for frequency in range(100, 2001, 10):
        coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
        s1 = s2 = 0.0
        for x in window:
            s1, s2 = x + coefficient * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        if power > best_power:
            best, best_power = float(frequency), power
    return best


@pytest.mark.skipif(HAVE_AV, reason="checks the error given without the audio extra")
def test_decoding_without_the_extra_says_which_to_install() -> None:
    with pytest.raises(MissingExtraError) as caught:
        AacDecoder(b"\x11\x88")
    assert "kvs-chime[audio]" in str(caught.value)
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, KvsChimeError)


@needs_av
@pytest.mark.parametrize(("name", "frequency"), [("tone-440hz.mkv", 440.0), ("tone-660hz.mkv", 660.0)])
def test_decoded_tone_has_its_frequency(name: str, frequency: float) -> None:
    # Through the whole path: frames re-wrapped as Kinesis Video fragments, read, decoded.
    codec_private, frames = tone_frames(name)
    track = AudioTrackSpec(codec_private=codec_private)
    stream = b"".join(
        kvs_fragment(
            track=track,
            cluster_timecode=1_627_503_649_000 + start * 21,
            frames=[FrameSpec(i * 21, f) for i, f in enumerate(frames[start : start + 47])],
        )
        for start in range(0, len(frames), 47)
    )
    read = [
        f.data for fragment in read_fragments(io.BytesIO(stream), chunk_size=1000) for f in fragment.frames
    ]
    assert read == frames
    decoder = AacDecoder(codec_private)
    assert (decoder.sample_rate, decoder.channels) == (48000, 1)
    pcm = b"".join(decode_aac(codec_private, read))
    assert abs(len(pcm) / 2 / 48000 - 2.0) < 0.1  # about the 2 s encoded
    assert dominant_frequency(pcm, 48000) == frequency


@needs_av
def test_adts_output_plays_in_another_decoder(tmp_path: Path) -> None:
    import av

    codec_private, frames = tone_frames("tone-660hz.mkv")
    path = tmp_path / "tone.aac"
    path.write_bytes(b"".join(adts_frames(AudioSpecificConfig.parse(codec_private), frames)))
    pcm = bytearray()
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                pcm += bytes(out.planes[0])[: out.samples * 2]
    assert dominant_frequency(bytes(pcm), 48000) == 660.0


@needs_av
def test_stereo_output_and_wav(tmp_path: Path) -> None:
    codec_private, frames = tone_frames("tone-440hz.mkv")
    path = tmp_path / "stereo.wav"
    count = write_wav(path, decode_aac(codec_private, frames, channels=2), sample_rate=48000, channels=2)
    with wave.open(str(path), "rb") as back:
        assert back.getnchannels() == 2 and back.getnframes() == count > 90_000


BAD_FRAMES = [b"", b"\xff" * 50, bytes(range(256)), b"\x00", b"\xde\xad\xbe\xef" * 20]


@needs_av
@pytest.mark.parametrize("bad", BAD_FRAMES, ids=["empty", "ff", "ramp", "zero", "deadbeef"])
def test_a_bad_frame_is_the_packages_error_or_skipped_and_counted(bad: bytes) -> None:
    # One bad frame among the tone's 95: PyAV's errors never escape, and skipping it keeps the
    # rest of the tone (an empty frame would otherwise end the decoder for every later frame).
    codec_private, frames = tone_frames("tone-440hz.mkv")
    spoiled = [*frames[:40], bad, *frames[40:]]
    with pytest.raises(AudioFormatError) as caught:
        b"".join(decode_aac(codec_private, spoiled))
    assert caught.value.field == "AAC frame"
    decoder = AacDecoder(codec_private, skip_bad_frames=True)
    pcm = b"".join(decoder.decode(f) for f in spoiled) + decoder.flush()
    whole = b"".join(decode_aac(codec_private, frames))
    assert decoder.bad_frames == 1
    assert abs(len(pcm) - len(whole)) <= 2 * 1024 * 2  # at most the bad frame's samples differ
    assert dominant_frequency(pcm, 48000) == 440.0
    assert len(b"".join(decode_aac(codec_private, spoiled, skip_bad_frames=True))) == len(pcm)
