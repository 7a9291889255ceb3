"""The signaling client's exceptions."""

from __future__ import annotations

__all__ = ["SignalingClosedError", "SignalingConnectError", "SignalingError"]


class SignalingError(Exception):
    """Base class of the signaling client's failures."""


class SignalingConnectError(SignalingError):
    """The signaling WebSocket could not be opened (refused handshake, unreachable endpoint).

    `status` is the HTTP status of a refused handshake (403 for a bad or expired signature, 404
    for a channel that does not exist...), None when no answer came.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message, status)
        self.status = status

    def __str__(self) -> str:
        return str(self.args[0])


class SignalingClosedError(SignalingError):
    """The client is closed, or gave up reconnecting: nothing more is sent or received.

    `close_code` is the WebSocket close code of the last connection, when it had one.
    """

    def __init__(self, message: str, close_code: int | None = None) -> None:
        super().__init__(message, close_code)
        self.close_code = close_code

    def __str__(self) -> str:
        return str(self.args[0])
