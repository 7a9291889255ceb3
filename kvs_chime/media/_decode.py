"""AAC to PCM through PyAV (FFmpeg's decoder), the optional `audio` extra.

PyAV is imported on first use, not at import of the package, so everything else works without
it; using the decoder without it raises `MissingExtraError` saying which extra to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Any

from ._aac import AudioSpecificConfig
from ._errors import AudioFormatError, MissingExtraError

__all__ = ["AacDecoder", "decode_aac"]


def _av() -> Any:
    try:
        return importlib.import_module("av")
    except ImportError as exc:
        raise MissingExtraError("decoding AAC to PCM", "audio", "av") from exc


class AacDecoder:
    """Decodes raw AAC frames (as `Frame.data` holds them) to interleaved signed 16-bit
    little-endian PCM at `sample_rate` with `channels` channels.

    `codec_private` is the track's AudioSpecificConfig; the output format defaults to what it
    describes (the SBR rate for HE-AAC).
    """

    def __init__(
        self, codec_private: bytes, *, sample_rate: int | None = None, channels: int | None = None
    ) -> None:
        self.config: AudioSpecificConfig = AudioSpecificConfig.parse(codec_private)
        self.sample_rate: int = sample_rate or self.config.output_sample_rate
        self.channels: int = channels or self.config.channels or 2
        if self.channels not in (1, 2):
            raise AudioFormatError("channels", f"PCM output is mono or stereo, got {self.channels}")
        av = _av()
        self._av = av
        context = av.CodecContext.create("aac", "r")
        context.extradata = bytes(codec_private)
        self._context = context
        self._resampler = av.AudioResampler(
            format="s16", layout="mono" if self.channels == 1 else "stereo", rate=self.sample_rate
        )

    def decode(self, frame: bytes) -> bytes:
        """PCM for one AAC frame (possibly empty while the decoder fills its delay)."""
        return self._pcm(self._context.decode(self._av.Packet(bytes(frame))))

    def flush(self) -> bytes:
        """PCM still held by the decoder and resampler, at the end of the stream."""
        pcm = self._pcm(self._context.decode(None))
        return pcm + self._pcm([None])

    def _pcm(self, frames: Iterable[Any]) -> bytes:
        out = bytearray()
        width = 2 * self.channels
        for decoded in frames:
            for resampled in self._resampler.resample(decoded):
                # The plane may be padded past its samples.
                out += bytes(resampled.planes[0])[: resampled.samples * width]
        return bytes(out)


def decode_aac(
    codec_private: bytes,
    frames: Iterable[bytes],
    *,
    sample_rate: int | None = None,
    channels: int | None = None,
) -> Iterator[bytes]:
    """PCM chunks (s16le, interleaved) for raw AAC frames, one chunk per frame, then the rest.

    The decoder is made at the call, so a missing extra or a bad CodecPrivate raises here,
    before anything is read or written.
    """
    decoder = AacDecoder(codec_private, sample_rate=sample_rate, channels=channels)
    return _decoded(decoder, frames)


def _decoded(decoder: AacDecoder, frames: Iterable[bytes]) -> Iterator[bytes]:
    for frame in frames:
        pcm = decoder.decode(frame)
        if pcm:
            yield pcm
    tail = decoder.flush()
    if tail:
        yield tail
