"""The signaling WebSocket on the emulator's own HTTP server: the `websockets` sans-I/O protocol,
driven on the connection's thread.

The HTTP server hands over a socket whose request asked for `Upgrade: websocket`; the handshake is
answered here (101, or the refusal's status with a JSON body), then frames are read until either
side closes. Only the connection's own thread touches the socket: other threads (the relay, the
faults) put frames in the connection's outbound queue and wake it, so relaying to a peer that
reads slowly never blocks the relaying peer. A queue that grows past MAX_OUTBOUND bytes is the
peer's fault: what it has not been sent is dropped (reported through `on_drop`, which the journal
records) and the connection is closed with 1008. The connection's thread also closes it (1001)
when it is idle too long or too old.
"""

from __future__ import annotations

import collections
import contextlib
import json
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
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
MAX_OUTBOUND = 1024 * 1024
"""Bytes waiting for a peer (beyond what the kernel buffers) before it is closed with 1008."""
SLOW_READER_CODE = 1008
"""The close code of a peer that did not read its frames fast enough (policy violation)."""
# How long one write to a peer may block before the connection is cut (the peer stopped reading).
_WRITE_TIMEOUT = 10.0


class WebSocketPeer:
    """One signaling WebSocket on a socket the HTTP server handed over."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._protocol = ServerProtocol(max_size=_MAX_FRAME, logger=_WIRE_LOG)
        self._lock = threading.Lock()
        self._closing_since: float | None = None
        # Frames relayed between registration and the 101 answer: sent right after it.
        self._early: list[str] = []
        # Bytes for the peer, in order; written by the connection's thread only.
        self._outbox: collections.deque[bytes] = collections.deque()
        self._outbox_bytes = 0
        self._eof_pending = False
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_writer.setblocking(False)
        self.on_drop: Callable[[int, int], None] = lambda frames, size: None
        """Called with (frames, bytes) when a slow reader's unsent frames are dropped."""
        self.close_code: int | None = None
        self.refused_frames = 0
        """Frames relayed to the connection once it was closing (never sent)."""
        self.refused_bytes = 0

    def _collect(self) -> bool:
        # Caller holds the lock: move what the protocol made into the outbox, in order.
        # False when the outbox overflowed (the caller drops and closes).
        for data in self._protocol.data_to_send():
            if data:
                self._outbox.append(data)
                self._outbox_bytes += len(data)
            else:
                self._eof_pending = True
        return self._outbox_bytes <= MAX_OUTBOUND

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def send_text(self, text: str) -> None:
        """Queue one text frame (dropped quietly once the connection is closing); never blocks."""
        dropped: tuple[int, int] | None = None
        with self._lock:
            if self._protocol.state is State.CONNECTING:
                self._early.append(text)
                return
            if self._protocol.state is not State.OPEN:
                # Relayed while closing: never sent, and counted so the journal says so.
                self.refused_frames += 1
                self.refused_bytes += len(text)
                return
            self._protocol.send_text(text.encode("utf-8"))
            if not self._collect():
                dropped = (len(self._outbox), self._outbox_bytes)
                self._outbox.clear()
                self._outbox_bytes = 0
                self._protocol.send_close(SLOW_READER_CODE, "the peer did not read its messages in time")
                self._closing_since = time.monotonic()
                self._collect()
        self._wake()
        if dropped is not None:
            self.on_drop(*dropped)

    def close(self, code: int, reason: str) -> None:
        """Start the closing handshake with `code`."""
        with self._lock:
            if self._protocol.state is not State.OPEN:
                return
            self._protocol.send_close(code, reason)
            self._closing_since = time.monotonic()
            self._collect()
        self._wake()

    def abort(self) -> None:
        """Cut the TCP connection without a closing handshake (the peer sees 1006)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def _write_out(self) -> None:
        # The connection's thread only. A blocked write waits for this peer alone.
        while True:
            with self._lock:
                if not self._outbox:
                    eof, self._eof_pending = self._eof_pending, False
                    break
                data = self._outbox.popleft()
                self._outbox_bytes -= len(data)
            self._sock.settimeout(_WRITE_TIMEOUT)
            try:
                self._sock.sendall(data)
            finally:
                self._sock.settimeout(_POLL)
        if eof:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)

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
            self._collect()
        self._write_out()
        return response.status_code == 101

    def _readable(self) -> tuple[bool, bool]:
        # (socket readable, woken). TLS may hold decrypted bytes select() cannot see.
        if isinstance(self._sock, ssl.SSLSocket) and self._sock.pending():
            return True, False
        ready, _, _ = select.select([self._sock, self._wake_reader], [], [], _POLL)
        woken = self._wake_reader in ready
        if woken:
            with contextlib.suppress(OSError):
                self._wake_reader.recv(4096)
        return self._sock in ready, woken

    def run(self, hub: SignalingHub, connection: Connection) -> None:
        """Read frames until the connection ends; relay each text message through `hub`."""
        self._sock.settimeout(_POLL)
        fragments: list[bytes] = []
        while True:
            self._write_out()
            readable, _ = self._readable()
            if not readable:
                if self._closing_since is not None:
                    if time.monotonic() - self._closing_since > _CLOSE_TIMEOUT:
                        self.abort()
                        return
                    continue
                reason = hub.expired(connection)
                if reason is not None:
                    self.close(1001, reason)
                continue
            try:
                data = self._sock.recv(65536)
            except (TimeoutError, ssl.SSLWantReadError):
                continue
            except OSError:
                return
            with self._lock:
                if data:
                    self._protocol.receive_data(data)
                else:
                    self._protocol.receive_eof()
                events = self._protocol.events_received()
                self._collect()
                if self._protocol.close_sent is not None and self._closing_since is None:
                    # The protocol failed the connection (a bad frame): close within the timeout.
                    self._closing_since = time.monotonic()
                self._note_close_code()
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
                        message, fragments = b"".join(fragments), []
                        try:
                            text = message.decode("utf-8")
                        except UnicodeDecodeError:
                            # RFC 6455: a text message that is not UTF-8 fails the connection.
                            self.close(1007, "the text message is not valid UTF-8")
                            continue
                        hub.receive(connection, text)
            if not data or self._protocol.state is State.CLOSED:
                with contextlib.suppress(OSError):
                    self._write_out()
                return

    def final_close_code(self) -> int:
        """The close code of the ended connection (1006 when no close frame passed)."""
        with self._lock:
            self._note_close_code()
        return self.close_code if self.close_code is not None else 1006

    def _note_close_code(self) -> None:
        # Caller holds the lock. The code the peer sent, else the one the server sent (a peer
        # failed for a bad frame gets 1002 or 1007 and may never answer).
        received, sent = self._protocol.close_rcvd, self._protocol.close_sent
        if received is not None:
            self.close_code = received.code
        elif sent is not None:
            self.close_code = sent.code
        elif self._protocol.state is State.CLOSED:
            self.close_code = self._protocol.close_code

    def release(self) -> None:
        """Close the wake-up pair (the HTTP server closes the connection's socket)."""
        self._wake_reader.close()
        self._wake_writer.close()


def serve(hub: SignalingHub, request: HttpRequest, sock: socket.socket) -> None:
    """Serve one signaling WebSocket handshake and connection on `sock` (the caller closes it)."""
    peer = WebSocketPeer(sock)
    try:
        _serve(hub, request, peer)
    finally:
        peer.release()


def _serve(hub: SignalingHub, request: HttpRequest, peer: WebSocketPeer) -> None:
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
    peer.on_drop = lambda frames, size: hub.journal_dropped(connection, frames, size, SLOW_READER_CODE)
    try:
        if older is not None:
            older.peer.close(1000, "replaced by a newer connection")
        if peer.handshake(request, None):
            peer.run(hub, connection)
    except OSError:
        pass
    finally:
        code = peer.final_close_code()
        if peer.refused_frames:
            hub.journal_dropped(connection, peer.refused_frames, peer.refused_bytes, code)
        hub.leave(connection, code)
