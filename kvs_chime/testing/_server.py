"""The HTTP/1.1 server, answering from a Dispatcher on a background thread.

Hardened for clients it does not know: bodies over 16 MiB are refused (chunked ones as soon as they
pass the limit), a body that has not wholly arrived BODY_TIMEOUT seconds after its headers is cut
off (408: a deadline for the whole body, not a limit per read), anything that is not HTTP gets a
JSON 400 and a closed connection, never a traceback or an HTML page, and connections beyond
MAX_CONNECTIONS are answered 503 at once and closed (each open one costs a thread).

Two media operations stream: PutMedia's body is handed over as it arrives (no size limit, each
read still bounded by the body timeout) and answers with acks written as they are made; GetMedia
answers with fragments written as they arrive. Both use chunked transfer encoding.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase, BufferedReader
from typing import cast
from urllib.parse import parse_qs, urlsplit

from ._wire import ConnectionDropped, HttpRequest, HttpResponse, StreamingResponse

_JOIN_TIMEOUT = 5.0
MAX_BODY = 16 * 1024 * 1024
"""The largest request body accepted, in bytes."""
BODY_TIMEOUT = 10.0
"""Seconds a request body may take to arrive before the connection is cut off."""
# An idle keep-alive connection is closed after this long (clients reconnect transparently).
_IDLE_TIMEOUT = 300.0
# How long a refused request's remaining input is discarded before the connection is closed.
_LINGER = 1.0
MAX_CONNECTIONS = 512
"""Connections served at once (a thread each); more are answered 503 and closed."""
# Connections over the cap waiting for their 503; beyond this they are closed unanswered.
_REFUSALS_QUEUED = 256
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json_error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


class _DeadlineReader:
    """Reads a request body that must have wholly arrived by `deadline` (time.monotonic()).

    Each read from the socket waits at most what is left, so a body trickled a byte at a time
    is cut off at the deadline, not after a timeout per read.
    """

    def __init__(self, rfile: BufferedIOBase, sock: socket.socket, deadline: float) -> None:
        self._rfile = cast(BufferedReader, rfile)
        self._sock = sock
        self._deadline = deadline

    def _wait(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self._sock.settimeout(left)

    def exactly(self, size: int) -> bytes:
        parts: list[bytes] = []
        while size > 0:
            self._wait()
            data = self._rfile.read1(min(size, 65536))
            if not data:
                raise _BadRequest(400, "The request body ended early")
            parts.append(data)
            size -= len(data)
        return b"".join(parts)

    def line(self, limit: int = 1024) -> bytes:
        """One line (with its end), at most `limit` bytes; b"" at the end of input."""
        parts: list[bytes] = []
        size = 0
        while size < limit:
            self._wait()
            # peek: what is buffered, or one read from the socket.
            buffered = self._rfile.peek(1)[: limit - size]
            if not buffered:
                break
            end = buffered.find(b"\n")
            taken = self._rfile.read(len(buffered) if end < 0 else end + 1)
            parts.append(taken)
            size += len(taken)
            if end >= 0:
                break
        return b"".join(parts)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive plus Nagle plus delayed ACK costs ~40 ms a call; answers go out in one write.
    disable_nagle_algorithm = True
    server_version = "kvs-chime-local"
    sys_version = ""
    timeout = _IDLE_TIMEOUT
    _answered = False

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: a test run should not print a line per request.
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server answers malformed requests with an HTML page; clients of AWS APIs expect JSON.
        self.close_connection = True
        text = message or self.responses.get(code, ("Bad request",))[0]
        self._write(
            HttpResponse(
                code,
                (("Content-Type", "application/json"), ("x-amzn-ErrorType", "BadRequest")),
                _json_error(code, "BadRequest", text),
            )
        )
        self._linger()

    def _linger(self) -> None:
        # Closing with unread input makes the kernel send a reset, which can destroy the answer
        # before the client reads it: stop writing, then discard what still arrives, briefly.
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(0.2)
            deadline = time.monotonic() + _LINGER
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass

    def _content_length(self) -> int:
        raw = (self.headers.get("Content-Length") or "0").strip()
        # Only ASCII digits: str.isdigit() and int() also take "²" or Arabic-Indic digits.
        if not _CONTENT_LENGTH.fullmatch(raw):
            raise _BadRequest(400, "Content-Length is not a number")
        return int(raw)

    def _read_body(self) -> bytes:
        """The whole body, which must have arrived `body_timeout` seconds after the headers."""
        server = cast(LocalHTTPServer, self.server)
        body = _DeadlineReader(self.rfile, self.connection, time.monotonic() + server.body_timeout)
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = body.line()
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    raise _BadRequest(400, "Malformed chunked request body") from None
                if size < 0:
                    raise _BadRequest(400, "Malformed chunked request body")
                total += size
                if total > MAX_BODY:
                    raise _BadRequest(413, f"The request body is larger than {MAX_BODY} bytes")
                if size == 0:
                    while body.line() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(body.exactly(size))
                body.line()
        length = self._content_length()
        if length > MAX_BODY:
            raise _BadRequest(413, f"The request body is larger than {MAX_BODY} bytes")
        return body.exactly(length) if length > 0 else b""

    def _stream_chunked(self) -> Iterator[bytes]:
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise _BadRequest(400, "The request body ended early")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest(400, "Malformed chunked request body") from None
            if size <= 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return
            while size > 0:
                # read1: hand over what has arrived, so acks can follow a producer in real time.
                data = self.rfile.read1(min(size, 65536))
                if not data:
                    raise _BadRequest(400, "The request body ended early")
                size -= len(data)
                yield data
            self.rfile.readline(1024)

    def _stream_body(self) -> Iterator[bytes]:
        """The request body as it arrives; each read waits at most the body timeout."""
        server = cast(LocalHTTPServer, self.server)
        self.connection.settimeout(server.body_timeout)
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                yield from self._stream_chunked()
                return
            left = self._content_length()
            while left > 0:
                data = self.rfile.read1(min(left, 65536))
                if not data:
                    raise _BadRequest(400, "The request body ended early")
                left -= len(data)
                yield data
        except _BadRequest:
            self.close_connection = True
            raise
        except OSError:
            # Timed out or reset: the rest of the body can never be read on this connection.
            self.close_connection = True
            raise
        finally:
            self.connection.settimeout(self.timeout)

    def _serve(self) -> None:
        try:
            self._serve_request()
        except (_BadRequest, OSError):
            # A streamed body went bad after its answer started, or the client went away.
            self.close_connection = True
        except Exception:
            # An emulator bug: a JSON 500 rather than a connection closed without a status line.
            self.close_connection = True
            if not self._answered:
                with contextlib.suppress(OSError):
                    self.send_error(500, "kvs_chime.testing failed to answer")

    def _serve_request(self) -> None:
        self._answered = False
        server = cast(LocalHTTPServer, self.server)
        if server.upgrade is not None and "websocket" in self.headers.get("Upgrade", "").lower():
            # The connection becomes a WebSocket (the signaling endpoints); it ends with it.
            self.close_connection = True
            target = urlsplit(self.path)
            server.upgrade(
                HttpRequest(
                    method=self.command,
                    path=target.path or "/",
                    query=parse_qs(target.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=b"",
                ),
                self.connection,
            )
            return
        target = urlsplit(self.path)
        if server.streams_body is not None and server.streams_body(self.command, target.path):
            if "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
                try:
                    self._content_length()
                except _BadRequest as error:
                    self.send_error(error.status, error.message)
                    return
            stream = self._stream_body()
            request = HttpRequest(
                method=self.command,
                path=target.path or "/",
                query=parse_qs(target.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=b"",
                body_stream=stream,
            )
            answer = server.answer(request)
            if answer is None:
                self.close_connection = True
                return
            self._write(answer)
            # Whatever of the body the answer did not read cannot be skipped reliably.
            try:
                if next(stream, None) is not None:
                    self.close_connection = True
            except (_BadRequest, OSError):
                self.close_connection = True
            return
        try:
            try:
                body = self._read_body()
            finally:
                self.connection.settimeout(self.timeout)
        except _BadRequest as error:
            self.send_error(error.status, error.message)
            return
        except TimeoutError:
            self.send_error(408, f"The request body did not arrive within {server.body_timeout:g} seconds")
            return
        request = HttpRequest(
            method=self.command,
            path=target.path or "/",
            query=parse_qs(target.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = server.answer(request)
        if response is None:
            # The ambiguous failure: no answer at all; the server then closes the socket.
            self.close_connection = True
            return
        self._write(response)

    def _write_streaming(self, response: StreamingResponse) -> None:
        self._answered = True
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        lines.append("Transfer-Encoding: chunked")
        # The answer's chunks are closed however writing ends, the status line included: a
        # producer (PutMedia's claim on its stream) is released even when the client is gone
        # before the first byte.
        chunks = iter(response.chunks)
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
            self.wfile.flush()
            for chunk in chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except ConnectionDropped:
            # The injected fault: the body stops mid-stream and the socket closes.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            # The client went away (or the endpoint is stopping): stop producing for it.
            self.close_connection = True
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _write(self, response: HttpResponse | StreamingResponse) -> None:
        if isinstance(response, StreamingResponse):
            self._write_streaming(response)
            return
        self._answered = True
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        body = b"" if getattr(self, "command", None) == "HEAD" else response.body
        if response.status != 204 and not 100 <= response.status < 200:
            lines.append(f"Content-Length: {len(response.body)}")
        else:
            body = b""
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.wfile.write(head + body)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve
    do_PATCH = _serve
    do_HEAD = _serve
    do_OPTIONS = _serve


class LocalHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections so it can close them all when stopped."""

    daemon_threads = True
    block_on_close = False
    # Tests fire bursts of concurrent calls; an overflowing backlog would cost a SYN retry (~1 s).
    request_queue_size = 512

    def __init__(
        self,
        answer: Callable[[HttpRequest], HttpResponse | StreamingResponse | None],
        host: str = "127.0.0.1",
        port: int = 0,
        body_timeout: float = BODY_TIMEOUT,
        streams_body: Callable[[str, str], bool] | None = None,
        upgrade: Callable[[HttpRequest, socket.socket], None] | None = None,
        max_connections: int = MAX_CONNECTIONS,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.answer = answer
        self.tls = tls
        """Serves HTTPS (and WSS) on every connection when set."""
        self.body_timeout = body_timeout
        self.max_connections = max_connections
        """Connections served at once; the next ones are answered 503 and closed."""
        self.refused = 0
        """How many connections were refused for the cap."""
        self._refusals: queue.Queue[socket.socket | None] = queue.Queue(_REFUSALS_QUEUED)
        self._refuser: threading.Thread | None = None
        self.streams_body = streams_body
        """Says, from method and path, whether a request's body is handed over as it arrives."""
        self.upgrade = upgrade
        """Serves a request asking for `Upgrade: websocket` on its socket, until the WebSocket ends."""
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def port(self) -> int:
        """The port the operating system chose."""
        return int(self.server_address[1])

    def process_request(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        if not isinstance(request, socket.socket):
            return
        with self._connections_lock:
            full = len(self._connections) >= self.max_connections
        if full:
            self._refuse(request)
            return
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="kvs-chime-local-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _refuse(self, sock: socket.socket) -> None:
        # Answered on one thread of its own, so that refusing costs no thread per connection and
        # never holds up the accepting loop.
        self.refused += 1
        if self._refuser is None:
            self._refuser = threading.Thread(
                target=self._answer_refusals, name="kvs-chime-local-refusals", daemon=True
            )
            self._refuser.start()
        try:
            self._refusals.put_nowait(sock)
        except queue.Full:
            sock.close()

    def _answer_refusals(self) -> None:
        body = _json_error(
            503,
            "ServiceUnavailable",
            f"The local endpoint serves at most {self.max_connections} connections at once; retry later",
        )
        head = (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "x-amzn-ErrorType: ServiceUnavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode("ascii")
        while (sock := self._refusals.get()) is not None:
            with contextlib.suppress(OSError, ValueError):
                sock.settimeout(0.2)
                if self.tls is not None:
                    sock = self.tls.wrap_socket(sock, server_side=True)
                sock.sendall(head + body)
                # Closing with the request unread would reset the connection, answer and all.
                sock.shutdown(socket.SHUT_WR)
                deadline = time.monotonic() + 0.2
                while time.monotonic() < deadline and sock.recv(65536):
                    pass
            sock.close()

    @property
    def open_connections(self) -> int:
        """How many connections are being served now."""
        with self._connections_lock:
            return len(self._connections)

    def _secure(self, sock: socket.socket) -> socket.socket | None:
        # The handshake runs on the connection's thread, bounded, so a client that connects and
        # says nothing holds only its own thread.
        if self.tls is None:
            return sock
        try:
            sock.settimeout(self.body_timeout)
            first = sock.recv(1, socket.MSG_PEEK)
            if first and first != b"\x16":
                # Not a TLS handshake: plain HTTP on the TLS port gets a plain, clear answer.
                body = _json_error(400, "BadRequest", "This port serves HTTPS: use https:// (and wss://)")
                sock.sendall(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                    b"x-amzn-ErrorType: BadRequest\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                sock.shutdown(socket.SHUT_WR)
                with contextlib.suppress(OSError):
                    while sock.recv(65536):
                        pass
                sock.close()
                return None
            secure = self.tls.wrap_socket(sock, server_side=True)
        except (OSError, ValueError):
            sock.close()
            return None
        secure.settimeout(None)
        return secure

    def _serve_connection(self, request: socket.socket, client_address: object) -> None:
        try:
            secure = self._secure(request)
            if secure is None:
                return
            if secure is not request:
                with self._connections_lock:
                    self._connections[threading.current_thread()] = secure
            self.process_request_thread(secure, client_address)
        finally:
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients dropping connections (or the endpoint stopping) is normal in tests; stay quiet.
        return

    def close_connections(self) -> None:
        """Close every open connection and wait for the threads serving them."""
        with self._connections_lock:
            open_connections = list(self._connections.items())
        for _, sock in open_connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread, _ in open_connections:
            thread.join(_JOIN_TIMEOUT)
        if self._refuser is not None:
            with contextlib.suppress(queue.Full):
                self._refusals.put(None, timeout=_JOIN_TIMEOUT)
            self._refuser.join(_JOIN_TIMEOUT)


class ServerThread:
    """Runs a LocalHTTPServer on a daemon thread; start() and stop() are each called once."""

    def __init__(
        self,
        answer: Callable[[HttpRequest], HttpResponse | StreamingResponse | None],
        host: str = "127.0.0.1",
        port: int = 0,
        body_timeout: float = BODY_TIMEOUT,
        streams_body: Callable[[str, str], bool] | None = None,
        upgrade: Callable[[HttpRequest, socket.socket], None] | None = None,
        max_connections: int = MAX_CONNECTIONS,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._server = LocalHTTPServer(
            answer, host, port, body_timeout, streams_body, upgrade, max_connections, tls
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="kvs-chime-local-endpoint",
            daemon=True,
        )

    @property
    def port(self) -> int:
        """The listening port."""
        return self._server.port

    @property
    def server(self) -> LocalHTTPServer:
        """The server itself (its limits and counters)."""
        return self._server

    def start(self) -> None:
        """Start serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close every connection, close the listening socket and join the threads."""
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(_JOIN_TIMEOUT)
