"""A streaming response payload (GetMedia's, GetClip's, GetMediaForFragmentList's `Payload`).

The payload is the HTTP body itself, still on the wire when the call returns: the caller reads
it incrementally and closes it, and it is never read into memory whole. The call pipeline hands
botocore's `StreamingBody` over untouched (its deadline and retries end there: nothing is
repeated once the stream is the caller's); this wrapper gives it a typed surface and turns a
failed read into a `TransportError` like the call's own.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import Any

from .errors import TransportError

__all__ = ["DEFAULT_CHUNK_SIZE", "PayloadStream"]

DEFAULT_CHUNK_SIZE = 64 * 1024
"""Bytes per chunk of `PayloadStream.iter_chunks` unless told otherwise."""


class PayloadStream:
    """A binary stream over a response body: `read(n)`, `iter_chunks()`, `close()`, and a
    context manager that closes it; from an async facade (`kvs_chime.aio`), the same as
    `await aread(n)`, `async for ... in aiter_chunks()`, `await aclose()` and `async with`.

    `read` returns at most `size` bytes (all that is left when `size` is negative or omitted:
    avoid that on a live `GetMedia`, which does not end), empty at the end of the stream. A
    read that fails (connection reset, read timeout) raises `TransportError` naming the
    operation, with botocore's exception as its `__cause__`; nothing is retried. The client's
    `read_timeout` (30 s by default) bounds each read, not the whole stream. Reading a stream
    the other way (`read` on an async facade's payload, `aread` on a sync one's) raises
    `TypeError` saying which to use.
    """

    __slots__ = ("_asynchronous", "_body", "_closed", "operation", "request_id")

    def __init__(self, body: object, *, operation: str = "", request_id: str | None = None) -> None:
        read = getattr(body, "read", None)
        if not callable(read):
            raise TypeError(f"expected a readable body, got {type(body).__name__}")
        self._body: Any = body
        # aiobotocore's body reads with a coroutine: the payload of an async facade's call.
        self._asynchronous = inspect.iscoroutinefunction(read)
        self._closed = False
        self.operation: str = operation
        """The operation whose response this is (`GetMedia`)."""
        self.request_id: str | None = request_id
        """The request id of that call, for support cases."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (the rest of the stream if `size` is negative); empty at the end."""
        self._check_read(size, asynchronous=False)
        try:
            data = self._body.read(None if size < 0 else size)
        except Exception as exc:
            failed = self._transport_error(exc)
            if failed is None:
                raise
            raise failed from exc
        return data if type(data) is bytes else bytes(data)

    async def aread(self, size: int = -1, /) -> bytes:
        """`read`, for the payload of an async facade's call."""
        self._check_read(size, asynchronous=True)
        try:
            data = await self._body.read(None if size < 0 else size)
        except Exception as exc:
            failed = self._transport_error(exc)
            if failed is None:
                raise
            raise failed from exc
        return data if type(data) is bytes else bytes(data)

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """The rest of the stream, `chunk_size` bytes at a time (the last chunk may be shorter),
        each as soon as it has arrived."""
        _check_chunk_size(chunk_size)
        while chunk := self.read(chunk_size):
            yield chunk

    async def aiter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> AsyncIterator[bytes]:
        """`iter_chunks`, for the payload of an async facade's call."""
        _check_chunk_size(chunk_size)
        while chunk := await self.aread(chunk_size):
            yield chunk

    def close(self) -> None:
        """Release the connection (the rest of a live stream is not read). Idempotent."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self._body, "close", None)
        if callable(close):
            close()

    async def aclose(self) -> None:
        """`close`, awaitable (either kind of payload)."""
        self.close()

    def _check_read(self, size: object, *, asynchronous: bool) -> None:
        if self._closed:
            raise ValueError("read from a closed PayloadStream")
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"size must be an int, got {type(size).__name__}")
        if asynchronous != self._asynchronous:
            use = "await aread() / aiter_chunks()" if self._asynchronous else "read() / iter_chunks()"
            raise TypeError(
                f"this payload came from a{'n async' if self._asynchronous else ' sync'} call: use {use}"
            )

    def _transport_error(self, exc: Exception) -> TransportError | None:
        if not (isinstance(exc, OSError) or _is_transport(exc)):
            return None
        return TransportError(
            self.operation or "payload",
            f"reading the payload failed ({type(exc).__name__})",
            outcome_unknown=False,
            request_id=self.request_id,
        )

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def __enter__(self) -> PayloadStream:
        return self

    async def __aenter__(self) -> PayloadStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<PayloadStream {self.operation or 'payload'} {state}>"


def _check_chunk_size(chunk_size: object) -> None:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")


def _is_transport(exc: BaseException) -> bool:
    """botocore's and urllib3's read failures (`ResponseStreamingError`, `ReadTimeoutError`,
    `IncompleteReadError`, urllib3's `ProtocolError`) do not all derive from `OSError`."""
    module = type(exc).__module__
    return module.startswith(("botocore", "urllib3", "aiohttp", "aiobotocore"))
