"""WAV output with the standard library's `wave` module."""

from __future__ import annotations

import os
import wave
from collections.abc import Iterable
from typing import BinaryIO

__all__ = ["write_wav"]


def write_wav(
    target: str | os.PathLike[str] | BinaryIO,
    pcm: Iterable[bytes],
    *,
    sample_rate: int,
    channels: int,
    sample_width: int = 2,
) -> int:
    """Write interleaved little-endian PCM chunks as a WAV file; return the frames written.

    Chunks are written as they come, so a long recording is never held whole. A file object
    must be seekable (the header's sizes are written at the end).
    """
    for name, value, low in (("sample_rate", sample_rate, 1), ("channels", channels, 1)):
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}")
    if sample_width not in (1, 2, 3, 4):
        raise ValueError(f"sample_width must be 1-4 bytes, got {sample_width}")
    block = channels * sample_width
    leftover = b""
    written = 0
    with wave.open(target if not isinstance(target, os.PathLike) else os.fspath(target), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(sample_width)
        out.setframerate(sample_rate)
        for chunk in pcm:
            data = leftover + bytes(chunk)
            whole = len(data) - len(data) % block
            out.writeframesraw(data[:whole])
            written += whole // block
            leftover = data[whole:]
        if leftover:
            raise ValueError(f"PCM ends with {len(leftover)} bytes, not a whole frame of {block}")
    return written
