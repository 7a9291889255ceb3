"""The signaling WebSocket on the emulator's own HTTP server: the `websockets` sans-I/O protocol,
driven on the connection's thread.

The HTTP server hands over a socket whose request asked for `Upgrade: websocket`; the handshake is
answered here (101, or the refusal's status with a JSON body), then frames are read until either
side closes. Sends come from other threads (the relay), so the protocol object is used under a
lock. The connection's thread also closes it (1001) when it is idle too long or too old.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from urllib.parse import urlencode

from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from ..webrtc._redact import redacting_logger
from ._signaling import Connection, Refusal, SignalingHub
from ._wire import HttpRequest

_MAX_FRAME = 64 * 1024
# websockets' records (DEBUG: the handshake's request line) without the presigned query's values.
_WIRE_LOG = redacting_logger("kvs_chime.testing.websocket")
# How often a quiet connection wakes to check its idle and age limits.
_POLL = 0.05
# How long a closing handshake may take before the TCP connection is cut.
_CLOSE_TIMEOUT = 2.0


class WebSocketPeer:
    """One signaling WebSocket on a socket the HTTP server handed over."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._protocol = ServerProtocol(max_size=_MAX_FRAME, logger=_WIRE_LOG)
        self._lock = threading.Lock()
        self._closing_since: float | None = None
        # Frames relayed between registration and the 101 answer: sent right after it.
        self._early: list[str] = []
        self.close_code: int | None = None

    def _flush(self) -> None:
        # Caller holds the lock: frames leave in the order the protocol made them.
        for data in self._protocol.data_to_send():
            if data:
                self._sock.sendall(data)
            else:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_WR)

    def send_text(self, text: str) -> None:
        """Send one text frame (dropped quietly once the connection is closing)."""
        with self._lock:
            if self._protocol.state is State.CONNECTING:
                self._early.append(text)
                return
            if self._protocol.state is not State.OPEN:
                return
            self._protocol.send_text(text.encode("utf-8"))
            with contextlib.suppress(OSError):
                self._flush()

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake with `code`."""
        with self._lock:
            if self._protocol.state is not State.OPEN:
                return
            self._protocol.send_close(code, reason)
            self._closing_since = time.monotonic()
            with contextlib.suppress(OSError):
                self._flush()

    def abort(self) -> None:
        """Cut the TCP connection without a closing handshake (the peer sees 1006)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def handshake(self, request: HttpRequest, refusal: Refusal | None) -> bool:
        """Answer the opening handshake: True when the WebSocket is open."""
        # The protocol parses the request itself before it reads frames: give it the request again.
        target = request.path + ("?" + urlencode(request.query, doseq=True) if request.query else "")
        lines = [f"GET {target} HTTP/1.1", *(f"{name}: {value}" for name, value in request.headers.items())]
        with self._lock:
            self._protocol.receive_data(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
            parsed = [e for e in self._protocol.events_received() if isinstance(e, Request)]
            if refusal is not None:
                body = json.dumps({"__type": refusal.code, "message": refusal.message})
                response = self._protocol.reject(refusal.status, body)
                response.headers["Content-Type"] = "application/json"
                response.headers["x-amzn-ErrorType"] = refusal.code
            else:
                if not parsed:
                    return False
                response = self._protocol.accept(parsed[0])
            self._protocol.send_response(response)
            if response.status_code == 101:
                for text in self._early:
                    self._protocol.send_text(text.encode("utf-8"))
            self._early = []
            self._flush()
            return response.status_code == 101

    def run(self, hub: SignalingHub, connection: Connection) -> None:
        """Read frames until the connection ends; relay each text message through `hub`."""
        self._sock.settimeout(_POLL)
        fragments: list[bytes] = []
        while True:
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                if self._closing_since is not None:
                    if time.monotonic() - self._closing_since > _CLOSE_TIMEOUT:
                        self.abort()
                        return
                    continue
                reason = hub.expired(connection)
                if reason is not None:
                    self.close(1001, reason)
                continue
            except OSError:
                return
            with self._lock:
                if data:
                    self._protocol.receive_data(data)
                else:
                    self._protocol.receive_eof()
                events = self._protocol.events_received()
                with contextlib.suppress(OSError):
                    self._flush()
                self.close_code = self._protocol.close_code
            for event in events:
                if not isinstance(event, Frame):
                    continue
                # Any frame (pings included) counts as activity for the idle cut.
                connection.last_seen = hub.now()
                if event.opcode in (Opcode.TEXT, Opcode.CONT) or (
                    fragments and event.opcode is Opcode.BINARY
                ):
                    fragments.append(bytes(event.data))
                    if event.fin:
                        text = b"".join(fragments).decode("utf-8", "replace")
                        fragments = []
                        hub.receive(connection, text)
            if not data or self._protocol.state is State.CLOSED:
                return


def serve(hub: SignalingHub, request: HttpRequest, sock: socket.socket) -> None:
    """Serve one signaling WebSocket handshake and connection on `sock` (the caller closes it)."""
    peer = WebSocketPeer(sock)
    try:
        admitted = hub.admit(request)
    except Refusal as refusal:
        hub.journal_refusal(request, refusal)
        with contextlib.suppress(OSError):
            peer.handshake(request, refusal)
        return
    # Registered before the 101 goes out: once the client sees it connected, faults and relays
    # reach it (what is relayed meanwhile is sent right after the 101).
    connection, older = hub.join(admitted, peer)
    try:
        if older is not None:
            older.peer.close(1000, "replaced by a newer connection")
        if peer.handshake(request, None):
            peer.run(hub, connection)
    except OSError:
        pass
    finally:
        hub.leave(connection, peer.close_code)
