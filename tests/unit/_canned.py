"""A tiny hostile HTTP server for tests: it records every request and answers each with the next
canned (status, headers, body), byte for byte, whatever the request was. Bound to 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.frozen
class Answer:
    status: int = 200
    body: bytes = b"{}"
    headers: tuple[tuple[str, str], ...] = ()
    request_id: str = "req-0123456789"


@attrs.define
class Recorded:
    method: str
    path: str
    body: bytes


@attrs.define
class CannedServer:
    url: str
    answers: list[Answer]
    requests: list[Recorded] = attrs.field(factory=list)


@contextmanager
def canned_server(*answers: Answer) -> Iterator[CannedServer]:
    state = CannedServer(url="", answers=list(answers))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.requests.append(Recorded(self.command, self.path, self.rfile.read(length)))
            answer = state.answers.pop(0) if state.answers else Answer(status=500, body=b"no answer left")
            self.send_response(answer.status)
            self.send_header("x-amzn-RequestId", answer.request_id)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def client_for(service: str, url: str) -> object:
    """A boto3 client on `url` with dummy credentials and botocore's retries off."""
    import boto3
    from botocore.config import Config

    return boto3.client(  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
        service,
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
