"""The HTTP/1.1 server, answering from a Dispatcher on a background thread.

Hardened for clients it does not know: bodies over 16 MiB are refused (chunked ones as soon as they
pass the limit), a body that does not arrive within BODY_TIMEOUT seconds is cut off, and anything
that is not HTTP gets a JSON 400 and a closed connection, never a traceback or an HTML page.

Two media operations stream: PutMedia's body is handed over as it arrives (no size limit, each
read still bounded by the body timeout) and answers with acks written as they are made; GetMedia
answers with fragments written as they arrive. Both use chunked transfer encoding.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json_error(status: int, code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive plus Nagle plus delayed ACK costs ~40 ms a call; answers go out in one write.
    disable_nagle_algorithm = True
    server_version = "kvs-chime-local"
    sys_version = ""
    timeout = _IDLE_TIMEOUT

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

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) != size:
            raise _BadRequest(400, "The request body ended early")
        return data

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
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
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self._read_exactly(size))
            self.rfile.readline(1024)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length") or "0"
        if not raw.strip().isdigit():
            raise _BadRequest(400, "Content-Length is not a number")
        length = int(raw)
        if length > MAX_BODY:
            raise _BadRequest(413, f"The request body is larger than {MAX_BODY} bytes")
        return self._read_exactly(length) if length > 0 else b""

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
            raw = self.headers.get("Content-Length") or "0"
            if not raw.strip().isdigit():
                raise _BadRequest(400, "Content-Length is not a number")
            left = int(raw)
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
            self.connection.settimeout(server.body_timeout)
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
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        lines.append("Transfer-Encoding: chunked")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
        self.wfile.flush()
        chunks = iter(response.chunks)
        try:
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
    ) -> None:
        self.answer = answer
        self.body_timeout = body_timeout
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
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="kvs-chime-local-connection",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: object) -> None:
        try:
            self.process_request_thread(request, client_address)
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
    ) -> None:
        self._server = LocalHTTPServer(answer, host, port, body_timeout, streams_body, upgrade)
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
