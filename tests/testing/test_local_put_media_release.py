"""PutMedia gives the stream back on every way an upload can fail (issue 25): a bad header, a
connection reset right after the headers or mid-body, an upload that is not MKV. A stream left
claimed would refuse every later PutMedia with ConnectionLimitExceededException."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import pytest

from kvs_chime.testing import LocalEndpoint, ManualClock
from tests.testing.test_local_media import _endpoint, _put, _stream, _upload


@pytest.fixture
def ep() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0, clock=ManualClock(50.0)) as endpoint:
        yield endpoint


def _path(ep: LocalEndpoint, arn: str) -> str:
    return _endpoint(ep, arn, "PUT_MEDIA").removeprefix(ep.url) + "/putMedia"


def _head(ep: LocalEndpoint, arn: str, start: str = "1700000000") -> bytes:
    lines = [
        f"POST {_path(ep, arn)} HTTP/1.1",
        f"Host: 127.0.0.1:{ep.port}",
        f"x-amzn-stream-arn: {arn}",
        "x-amzn-fragment-timecode-type: RELATIVE",
        f"x-amzn-producer-start-timestamp: {start}",
        "Transfer-Encoding: chunked",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _reset(sock: socket.socket) -> None:
    # SO_LINGER with a zero timeout: close() sends RST, not FIN.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _eventually_free(ep: LocalEndpoint, arn: str) -> tuple[int, list[object]]:
    # The server notices the reset on its own thread: give it a bounded moment.
    deadline = time.monotonic() + 5.0
    while True:
        status, acks = _put(ep, arn, _upload(1))
        if status == 200 or time.monotonic() > deadline:
            return status, acks
        time.sleep(0.05)


@pytest.mark.parametrize("start", ["nan", "inf", "-inf", "1e400", "soon"])
def test_a_bad_producer_start_timestamp_is_a_400_and_leaves_the_stream_free(
    ep: LocalEndpoint, start: str
) -> None:
    arn = _stream(ep)
    status, errors = _put(ep, arn, _upload(1), **{"x-amzn-producer-start-timestamp": start})
    assert status == 400
    error = errors[0]
    assert isinstance(error, dict)
    assert error["code"] == "InvalidArgumentException"
    assert "x-amzn-producer-start-timestamp" in str(error.get("message") or error.get("Message"))
    status, acks = _put(ep, arn, _upload(2))
    assert status == 200
    assert [a["EventType"] for a in acks if isinstance(a, dict)].count("PERSISTED") == 2


def test_a_reset_right_after_the_headers_leaves_the_stream_free(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    for _ in range(3):
        sock = socket.create_connection(("127.0.0.1", ep.port), timeout=5)
        sock.sendall(_head(ep, arn))
        _reset(sock)
    status, acks = _eventually_free(ep, arn)
    assert status == 200, acks


def test_a_reset_mid_body_leaves_the_stream_free(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    sock = socket.create_connection(("127.0.0.1", ep.port), timeout=5)
    sock.sendall(_head(ep, arn))
    data = _upload(2)
    half = data[: len(data) // 2 + 7]
    sock.sendall(b"%x\r\n%s\r\n" % (len(half), half))
    reply = sock.recv(4096)
    assert reply.startswith(b"HTTP/1.1 200")
    _reset(sock)
    status, acks = _eventually_free(ep, arn)
    assert status == 200, acks


@pytest.mark.parametrize(
    "body",
    [
        b"not matroska at all" * 10,
        b"\x1a\x45\xdf\xa3\xff" + b"\x00" * 64,  # an EBML header whose size is unknown, then nothing
        b"\x1f\x43\xb6\x75\x01\xff\xff\xff\xff\xff\xff\xff",  # a Cluster with no header before it
    ],
)
def test_an_upload_that_is_not_mkv_ends_with_an_error_ack_and_frees_the_stream(
    ep: LocalEndpoint, body: bytes
) -> None:
    arn = _stream(ep)
    status, acks = _put(ep, arn, body)
    assert status == 200
    assert acks and isinstance(acks[-1], dict) and acks[-1]["EventType"] == "ERROR"
    assert _put(ep, arn, _upload(1))[0] == 200


def test_a_client_that_goes_after_its_first_acks_frees_the_stream(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    sock = socket.create_connection(("127.0.0.1", ep.port), timeout=5)
    sock.sendall(_head(ep, arn))
    data = _upload(3)
    sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
    reply = b""
    while b"PERSISTED" not in reply:
        reply += sock.recv(4096)
    _reset(sock)
    status, acks = _eventually_free(ep, arn)
    assert status == 200, acks
