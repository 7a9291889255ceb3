"""A tiny scripted HTTP server on 127.0.0.1 for faults the local endpoint does not make:
raw bytes, drips, resets mid-body, any status, header and body.

Each request gets the next `Reply` of the script (the last one repeats). Requests are recorded
with their method, path, headers and body so tests can count attempts and read what was sent.
"""

from __future__ import annotations

import io
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import attrs


@attrs.frozen
class Reply:
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b"{}"
    drip: float | None = None
    """Send the body one byte every `drip` seconds."""
    stall_before_headers: float = 0.0
    reset_after: int | None = None
    """Close the connection after this many body bytes (a reset mid-body)."""


def json_reply(status: int, document: object, *headers: tuple[str, str]) -> Reply:
    return Reply(
        status, (("Content-Type", "application/x-amz-json-1.1"), *headers), json.dumps(document).encode()
    )


def error_reply(status: int, code: str, message: str = "", *headers: tuple[str, str]) -> Reply:
    return json_reply(status, {"__type": code, "message": message}, ("x-amzn-ErrorType", code), *headers)


@attrs.define
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HostileServer:
    def __init__(self, script: Sequence[Reply]) -> None:
        self.script = list(script)
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while server._serve_one(self.rfile, self.connection):
                    pass

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _serve_one(self, reader: io.BufferedIOBase, conn: socket.socket) -> bool:
        line = reader.readline()
        if not line:
            return False
        method, path, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = reader.readline().decode("latin-1")
            if header in ("\r\n", "\n", ""):
                break
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        with self._lock:
            self.requests.append(Seen(method, path, headers, body))
            index = min(len(self.requests) - 1, len(self.script) - 1)
            reply = self.script[index]
        try:
            return self._reply(conn, reply)
        except OSError:
            return False

    def _reply(self, conn: socket.socket, reply: Reply) -> bool:
        if reply.stall_before_headers:
            time.sleep(reply.stall_before_headers)
        head = [
            f"HTTP/1.1 {reply.status} X",
            f"Content-Length: {len(reply.body)}",
            "x-amzn-RequestId: hostile-1",
        ]
        head += [f"{k}: {v}" for k, v in reply.headers]
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        body = reply.body if reply.reset_after is None else reply.body[: reply.reset_after]
        if reply.drip is None:
            conn.sendall(body)
        else:
            for i in range(len(body)):
                conn.sendall(body[i : i + 1])
                time.sleep(reply.drip)
        if reply.reset_after is not None:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            conn.close()
            return False
        return True

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def hostile(*script: Reply) -> Iterator[HostileServer]:
    with HostileServer(script) as server:
        yield server
