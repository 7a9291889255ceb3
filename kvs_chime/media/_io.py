"""Thin sync and async shells that drive `MkvReader` from a byte source."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Protocol

from ._fragment import Fragment
from ._reader import MAX_FRAGMENT_SIZE, MkvReader

__all__ = ["DEFAULT_CHUNK_SIZE", "Readable", "aiter_fragments", "iter_fragments", "read_fragments"]

DEFAULT_CHUNK_SIZE = 64 * 1024


class Readable(Protocol):
    """A binary file-like: `read(n)` returns up to `n` bytes, empty at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes; empty at the end of the stream."""
        ...


def iter_fragments(
    chunks: Iterable[bytes], *, get_media: bool = False, max_fragment_size: int = MAX_FRAGMENT_SIZE
) -> Iterator[Fragment]:
    """Fragments from an iterable of byte chunks (e.g. botocore's `StreamingBody.iter_chunks()`),
    each as soon as it is complete; the last one when the chunks end (`truncated` if cut off).
    `get_media` and `max_fragment_size` are `MkvReader`'s."""
    reader = MkvReader(get_media=get_media, max_fragment_size=max_fragment_size)
    for chunk in chunks:
        yield from reader.feed(chunk)
    yield from reader.close()


def read_fragments(
    stream: Readable,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    get_media: bool = False,
    max_fragment_size: int = MAX_FRAGMENT_SIZE,
) -> Iterator[Fragment]:
    """Fragments from a binary file-like, read `chunk_size` bytes at a time (`get_media` and
    `max_fragment_size` are `MkvReader`'s)."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")

    def chunks() -> Iterator[bytes]:
        while chunk := stream.read(chunk_size):
            yield chunk

    return iter_fragments(chunks(), get_media=get_media, max_fragment_size=max_fragment_size)


async def aiter_fragments(
    chunks: AsyncIterable[bytes], *, get_media: bool = False, max_fragment_size: int = MAX_FRAGMENT_SIZE
) -> AsyncIterator[Fragment]:
    """Fragments from an async iterable of byte chunks (e.g. an aiohttp or aiobotocore body);
    `get_media` and `max_fragment_size` are `MkvReader`'s."""
    reader = MkvReader(get_media=get_media, max_fragment_size=max_fragment_size)
    async for chunk in chunks:
        for fragment in reader.feed(chunk):
            yield fragment
    for fragment in reader.close():
        yield fragment
