"""The server under bad input and load: what a hostile or broken client gets back."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from kvs_chime.testing import LocalEndpoint
from kvs_chime.testing._server import MAX_BODY


def _exchange(ep: LocalEndpoint, raw: bytes, *, timeout: float = 10.0) -> bytes:
    with socket.create_connection(("127.0.0.1", ep.port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks: list[bytes] = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                break
        return b"".join(chunks)


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _status_and_json(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower()
    document = json.loads(body)
    assert isinstance(document, dict)
    return status, document


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(local_endpoint: LocalEndpoint) -> None:
    with socket.create_connection(("127.0.0.1", local_endpoint.port), timeout=30) as sock:
        sock.sendall(
            b"POST /listStreams HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n"
        )
        chunk = b"x" * (1024 * 1024)
        sent = [0]

        def send() -> None:
            # 4 times the limit, as a client that ignores the answer would.
            try:
                while sent[0] < 4 * MAX_BODY:
                    sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                    sent[0] += len(chunk)
            except OSError:
                pass

        sender = threading.Thread(target=send)
        sender.start()
        answer = b""
        while not _complete(answer):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        # The answer comes while the body is still arriving, not after all of it was read.
        answered_after = sent[0]
        sender.join(30)
    status, document = _status_and_json(answer)
    assert status == 413 and "larger than" in str(document["message"])
    assert answered_after < 4 * MAX_BODY
    assert local_endpoint.journal.entries() == []


def test_a_content_length_over_the_limit_is_refused_unread(local_endpoint: LocalEndpoint) -> None:
    answer = _exchange(
        local_endpoint,
        b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1),
    )
    assert _status_and_json(answer)[0] == 413


def test_a_slow_body_is_cut_off_and_frees_its_thread() -> None:
    with LocalEndpoint(activation_delay=0, body_timeout=0.3) as ep:
        start = time.monotonic()
        answer = _exchange(
            ep, b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{", timeout=10
        )
        elapsed = time.monotonic() - start
        status, document = _status_and_json(answer)
        assert status == 408 and "did not arrive" in str(document["message"])
        assert elapsed < 5  # cut off after the body timeout, not the 300 s idle timeout
        # The server still answers others.
        assert ep.client("kinesisvideo").list_streams()["StreamInfoList"] == []


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"[" * 100_000 + b"]" * 100_000, b'{"ChannelName": "a"' + b"," * 3, b"\xff\xfe"],
)
def test_malformed_or_deeply_nested_json_is_serialization_exception_400(
    local_endpoint: LocalEndpoint, body: bytes
) -> None:
    request = (
        b"POST /createSignalingChannel HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body) + body
    )
    answer = _exchange(local_endpoint, request)
    head = answer.partition(b"\r\n\r\n")[0].lower()
    assert b" 400 " in head.split(b"\r\n")[0] + b" "
    assert b"x-amzn-errortype: serializationexception" in head


def test_deeply_nested_json_object_is_refused_as_well(local_endpoint: LocalEndpoint) -> None:
    body = b'{"ChannelName": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}"
    request = (
        b"POST /createSignalingChannel HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    )
    answer = _exchange(local_endpoint, request)
    assert b"x-amzn-errortype: serializationexception" in answer.lower()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"NONSENSE\r\n\r\n", 400),
        (b"GET / HTTP/9.9\r\n\r\n", 505),
        (b"POST /listStreams HTTP/1.1\r\nContent-Length: banana\r\n\r\n", 400),
        (b"POST /listStreams HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n", 400),  # TLS hello
    ],
)
def test_malformed_http_gets_a_clean_json_error(
    local_endpoint: LocalEndpoint, raw: bytes, expected: int
) -> None:
    answer = _exchange(local_endpoint, raw)
    status, document = _status_and_json(answer)
    assert status == expected
    assert "message" in document
    assert b"Traceback" not in answer and b"<html" not in answer.lower()


def test_200_concurrent_connections_are_served(local_endpoint: LocalEndpoint) -> None:
    barrier = threading.Barrier(200)
    results: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with socket.create_connection(("127.0.0.1", local_endpoint.port), timeout=60) as sock:
            barrier.wait(timeout=60)  # all 200 connections open at once before any request
            body = b"{}"
            sock.sendall(b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n" + body)
            data = b""
            while not _complete(data):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            with lock:
                results.append(int(data.split(b" ", 2)[1]))

    threads = [threading.Thread(target=one) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert results == [200] * 200
