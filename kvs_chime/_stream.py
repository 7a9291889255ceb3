"""A streaming response payload (GetMedia's, GetClip's, GetMediaForFragmentList's `Payload`).

The payload is the HTTP body itself, still on the wire when the call returns: the caller reads
it incrementally and closes it, and it is never read into memory whole. The call pipeline hands
botocore's `StreamingBody` over untouched (its deadline and retries end there: nothing is
repeated once the stream is the caller's); this wrapper gives it a typed surface and turns a
failed read into a `TransportError` like the call's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import Any

from .errors import TransportError

__all__ = ["DEFAULT_CHUNK_SIZE", "PayloadStream"]

DEFAULT_CHUNK_SIZE = 64 * 1024
"""Bytes per chunk of `PayloadStream.iter_chunks` unless told otherwise."""


class PayloadStream:
    """A binary stream over a response body: `read(n)`, `iter_chunks()`, `close()`, and a
    context manager that closes it.

    `read` returns at most `size` bytes (all that is left when `size` is negative or omitted:
    avoid that on a live `GetMedia`, which does not end), empty at the end of the stream. A
    read that fails (connection reset, read timeout) raises `TransportError` naming the
    operation, with botocore's exception as its `__cause__`; nothing is retried. The client's
    `read_timeout` (30 s by default) bounds each read, not the whole stream.
    """

    __slots__ = ("_body", "_closed", "operation", "request_id")

    def __init__(self, body: object, *, operation: str = "", request_id: str | None = None) -> None:
        if not callable(getattr(body, "read", None)):
            raise TypeError(f"expected a readable body, got {type(body).__name__}")
        self._body: Any = body
        self._closed = False
        self.operation: str = operation
        """The operation whose response this is (`GetMedia`)."""
        self.request_id: str | None = request_id
        """The request id of that call, for support cases."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (the rest of the stream if `size` is negative); empty at the end."""
        if self._closed:
            raise ValueError("read from a closed PayloadStream")
        if isinstance(size, bool) or not isinstance(size, int):  # pyright: ignore[reportUnnecessaryIsInstance]  # untyped callers
            raise TypeError(f"size must be an int, got {type(size).__name__}")
        try:
            data = self._body.read(None if size < 0 else size)
        except Exception as exc:
            if not (isinstance(exc, OSError) or _is_transport(exc)):
                raise
            raise TransportError(
                self.operation or "payload",
                f"reading the payload failed ({type(exc).__name__})",
                outcome_unknown=False,
                request_id=self.request_id,
            ) from exc
        return data if type(data) is bytes else bytes(data)

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """The rest of the stream, `chunk_size` bytes at a time (the last chunk may be shorter),
        each as soon as it has arrived."""
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:  # pyright: ignore[reportUnnecessaryIsInstance]  # untyped callers
            raise ValueError(f"chunk_size must be a positive int, got {chunk_size!r}")
        while chunk := self.read(chunk_size):
            yield chunk

    def close(self) -> None:
        """Release the connection (the rest of a live stream is not read). Idempotent."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self._body, "close", None)
        if callable(close):
            close()

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    def __enter__(self) -> PayloadStream:
        return self

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


def _is_transport(exc: BaseException) -> bool:
    """botocore's and urllib3's read failures (`ResponseStreamingError`, `ReadTimeoutError`,
    `IncompleteReadError`, urllib3's `ProtocolError`) do not all derive from `OSError`."""
    module = type(exc).__module__
    return module.startswith(("botocore", "urllib3"))
