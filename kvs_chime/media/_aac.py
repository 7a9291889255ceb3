"""AAC as Chime media pipelines store it: raw access units described by the track's
CodecPrivate (an MPEG-4 AudioSpecificConfig, ISO/IEC 14496-3 1.6.2.1), and ADTS framing
(14496-3 1.A.2) so the frames play in any player without the MKV around them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import attrs

from ._errors import AudioFormatError

__all__ = ["SAMPLING_FREQUENCIES", "AudioSpecificConfig", "adts_frames", "adts_header"]

SAMPLING_FREQUENCIES = (
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
    7350,
)
"""The sampling frequencies an index (0-12) stands for."""

_CHANNELS = (None, 1, 2, 3, 4, 5, 6, 8)
_GA_TYPES = frozenset({1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23})
_SBR, _PS = 5, 29
_ADTS_MAX = (1 << 13) - 1


class _Bits:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def read(self, count: int, what: str) -> int:
        if self.pos + count > len(self.data) * 8:
            raise AudioFormatError("AudioSpecificConfig", f"ends before its {what} ({len(self.data)} bytes)")
        value = 0
        for _ in range(count):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value


def _object_type(bits: _Bits) -> int:
    value = bits.read(5, "audioObjectType")
    return 32 + bits.read(6, "audioObjectTypeExt") if value == 31 else value


def _frequency(bits: _Bits) -> tuple[int | None, int]:
    index = bits.read(4, "samplingFrequencyIndex")
    if index == 15:
        return None, bits.read(24, "samplingFrequency")
    if index >= len(SAMPLING_FREQUENCIES):
        raise AudioFormatError("AudioSpecificConfig", f"samplingFrequencyIndex {index} is reserved")
    return index, SAMPLING_FREQUENCIES[index]


@attrs.frozen(kw_only=True)
class AudioSpecificConfig:
    """What an AAC decoder must know before the first frame.

    `audio_object_type` is the core coding (2 = AAC LC); with HE-AAC signalled explicitly,
    `extension_object_type` is 5 (SBR) or 29 (PS) and `extension_sampling_frequency` the output
    rate.
    """

    audio_object_type: int
    sampling_frequency: int
    sampling_frequency_index: int | None
    """None when the rate is written out explicitly (index 15)."""
    channel_configuration: int
    frame_length: int = 1024
    """Samples per frame per channel: 1024, or 960 when the frameLengthFlag is set."""
    extension_object_type: int | None = None
    extension_sampling_frequency: int | None = None
    raw: bytes = b""

    @classmethod
    def parse(cls, codec_private: bytes) -> AudioSpecificConfig:
        """Read an AudioSpecificConfig (an `A_AAC` track's CodecPrivate)."""
        data = bytes(codec_private)
        bits = _Bits(data)
        object_type = _object_type(bits)
        index, frequency = _frequency(bits)
        channels = bits.read(4, "channelConfiguration")
        extension: int | None = None
        extension_frequency: int | None = None
        if object_type in (_SBR, _PS):
            extension = object_type
            extension_frequency = _frequency(bits)[1]
            object_type = _object_type(bits)
        frame_length = 1024
        if object_type in _GA_TYPES:
            frame_length = 960 if bits.read(1, "frameLengthFlag") else 1024
        if object_type == 0:
            raise AudioFormatError("AudioSpecificConfig", "audioObjectType 0 is not an audio coding")
        return cls(
            audio_object_type=object_type,
            sampling_frequency=frequency,
            sampling_frequency_index=index,
            channel_configuration=channels,
            frame_length=frame_length,
            extension_object_type=extension,
            extension_sampling_frequency=extension_frequency,
            raw=data,
        )

    @property
    def channels(self) -> int | None:
        """Channel count, or None when a program config element defines it (configuration 0)."""
        return _CHANNELS[self.channel_configuration] if self.channel_configuration < len(_CHANNELS) else None

    @property
    def output_sample_rate(self) -> int:
        """The decoded rate: the SBR extension's where signalled, else the core rate."""
        return self.extension_sampling_frequency or self.sampling_frequency


def adts_header(config: AudioSpecificConfig, payload_length: int) -> bytes:
    """The 7-byte ADTS header (no CRC) of one raw AAC frame of `payload_length` bytes.

    ADTS carries AAC Main, LC, SSR or LTP at a tabled sampling rate with channel configurations
    1-7; HE-AAC goes out as its AAC LC core, which decoders extend implicitly.
    """
    profile = config.audio_object_type - 1
    if not 0 <= profile <= 3:
        raise AudioFormatError(
            "audio_object_type", f"ADTS carries object types 1-4, got {config.audio_object_type}"
        )
    index = config.sampling_frequency_index
    if index is None:
        raise AudioFormatError(
            "sampling_frequency", f"ADTS needs a tabled sampling rate, got {config.sampling_frequency} Hz"
        )
    channels = config.channel_configuration
    if not 1 <= channels <= 7:
        raise AudioFormatError("channel_configuration", f"ADTS needs 1-7, got {channels}")
    length = payload_length + 7
    if payload_length < 0 or length > _ADTS_MAX:
        raise AudioFormatError("frame", f"ADTS frames hold 0-{_ADTS_MAX - 7} bytes, got {payload_length}")
    return bytes(
        (
            0xFF,
            0xF1,  # sync, MPEG-4, layer 0, no CRC
            (profile << 6) | (index << 2) | (channels >> 2),
            ((channels & 3) << 6) | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,  # buffer fullness 0x7FF: variable rate
            0xFC,  # ... and one raw data block
        )
    )


def adts_frames(config: AudioSpecificConfig, frames: Iterable[bytes]) -> Iterator[bytes]:
    """Each raw AAC frame with its ADTS header: write them one after another to get an `.aac`."""
    for frame in frames:
        yield adts_header(config, len(frame)) + frame
