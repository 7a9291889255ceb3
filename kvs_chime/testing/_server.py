"""The HTTP/1.1 server on 127.0.0.1, answering from a Dispatcher on a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import cast
from urllib.parse import parse_qs, urlsplit

from ._wire import HttpRequest, HttpResponse

_JOIN_TIMEOUT = 5.0
_MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Keep-alive plus Nagle plus delayed ACK costs ~40 ms a call; answers go out in one write.
    disable_nagle_algorithm = True
    server_version = "kvs-chime-local"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: a test run should not print a line per request.
        return

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        server = cast(LocalHTTPServer, self.server)
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self.send_error(400)
            return
        target = urlsplit(self.path)
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

    def _write(self, response: HttpResponse) -> None:
        reason = self.responses.get(response.status, ("",))[0]
        lines = [f"{self.protocol_version} {response.status} {reason}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers]
        body = b"" if self.command == "HEAD" else response.body
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
    request_queue_size = 128

    def __init__(self, answer: Callable[[HttpRequest], HttpResponse | None], host: str = "127.0.0.1") -> None:
        self.answer = answer
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__((host, 0), _Handler)

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

    def __init__(self, answer: Callable[[HttpRequest], HttpResponse | None], host: str = "127.0.0.1") -> None:
        self._server = LocalHTTPServer(answer, host)
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
