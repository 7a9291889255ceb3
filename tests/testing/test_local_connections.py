"""Connections as a hostile or careless client makes them: bad input, slow bodies, too many sockets,
slow WebSocket readers. Everything goes through real sockets on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time

import pytest

from kvs_chime.testing import LocalEndpoint


def _exchange(port: int, raw: bytes, *, timeout: float = 10.0) -> bytes:
    """Send `raw`, then read until the server closes or one whole answer arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return _read_answer(sock)


def _read_answer(sock: socket.socket) -> bytes:
    data = b""
    while not _complete(data):
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _complete(data: bytes) -> bool:
    head, found, body = data.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def _status_and_json(answer: bytes) -> tuple[int, dict[str, object]]:
    assert answer, "the connection closed without a status line"
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower()
    document = json.loads(body)
    assert isinstance(document, dict)
    return status, document


# --- every bad input gets a status line and a JSON body ------------------------------------------


@pytest.mark.parametrize("path", [b"/listStreams", b"/data/s-1/putMedia"])
@pytest.mark.parametrize("length", [b"\xb2", b"\xd9\xa1", b"-1", b"1e3", b"99999999999999999999999"])
def test_a_content_length_that_is_not_ascii_digits_gets_400(
    local_endpoint: LocalEndpoint, path: bytes, length: bytes
) -> None:
    # b"\xb2" is "²" in ISO-8859-1, which str.isdigit() accepts and int() refuses.
    answer = _exchange(
        local_endpoint.port,
        b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}",
    )
    status, document = _status_and_json(answer)
    assert (status, document["message"]) == (400, "Content-Length is not a number")
    # The endpoint still answers.
    assert local_endpoint.client("kinesisvideo").list_streams()["StreamInfoList"] == []


def test_deeply_nested_json_on_the_signaling_admin_route_gets_400(local_endpoint: LocalEndpoint) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    answer = _exchange(
        local_endpoint.port,
        b"PUT /_kvs_chime/signaling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body,
    )
    status, document = _status_and_json(answer)
    assert status == 400 and "not valid JSON" in str(document["error"])


@pytest.mark.parametrize("code", [99999, 1005, 1006, 2000, -1])
def test_a_close_code_no_close_frame_can_carry_gets_400_and_the_connection_lives(
    local_endpoint: LocalEndpoint, code: int
) -> None:
    from .signaling_peers import open_peer

    kv = local_endpoint.client("kinesisvideo")
    arn = kv.create_signaling_channel(ChannelName="door")["ChannelARN"]
    with open_peer(local_endpoint, arn) as master:
        body = json.dumps({"action": "close", "channel_arn": arn, "code": code}).encode()
        answer = _exchange(
            local_endpoint.port,
            b"POST /_kvs_chime/signaling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
            % len(body)
            + body,
        )
        status, document = _status_and_json(answer)
        assert status == 400 and "close code" in str(document["error"])
        # The master is still connected and served: a good code closes it cleanly.
        body = json.dumps({"action": "close", "channel_arn": arn, "code": 4000}).encode()
        answer = _exchange(
            local_endpoint.port,
            b"POST /_kvs_chime/signaling HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
            % len(body)
            + body,
        )
        assert _status_and_json(answer) == (200, {"connections": 1})
        from websockets.exceptions import ConnectionClosed

        with pytest.raises(ConnectionClosed) as closed:
            master.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        # A close frame whose code is out of range (99999 does not fit; 0x869f is its low half).
        (bytes([0x88, 0x82, 0, 0, 0, 0]) + (99999 & 0xFFFF).to_bytes(2, "big"), 1002),
        # A text frame that is not UTF-8.
        (bytes([0x81, 0x82, 0, 0, 0, 0]) + b"\xff\xfe", 1007),
    ],
)
def test_a_bad_frame_is_closed_with_the_protocols_code(
    local_endpoint: LocalEndpoint, frame: bytes, code: int
) -> None:
    from websockets.exceptions import ConnectionClosed

    from .signaling_peers import open_peer

    kv = local_endpoint.client("kinesisvideo")
    arn = kv.create_signaling_channel(ChannelName="door")["ChannelARN"]
    with open_peer(local_endpoint, arn) as master:
        master.socket.sendall(frame)
        with pytest.raises(ConnectionClosed) as closed:
            master.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code
    # The server records the code it closed with, and serves the next peer.
    deadline = time.monotonic() + 5
    while not local_endpoint.journal.entries("Disconnect") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert local_endpoint.journal.entries("Disconnect")[-1].params["CloseCode"] == code
    with open_peer(local_endpoint, arn) as again:
        assert again.protocol.state.name == "OPEN"


# --- the body deadline --------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_a_trickled_body_gets_408_at_the_deadline_not_a_timeout_per_read(chunked: bool) -> None:
    with LocalEndpoint(activation_delay=0, body_timeout=1.0) as ep:
        with socket.create_connection(("127.0.0.1", ep.port), timeout=15) as sock:
            if chunked:
                sock.sendall(b"POST /listStreams HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                pieces = [b"8\r\n", b"{", b" ", b" ", b" ", b" ", b" ", b" ", b"}", b"\r\n0\r\n\r\n"]
            else:
                sock.sendall(b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n")
                pieces = [b"{", b" ", b" ", b" ", b" ", b" ", b" ", b"}"]
            start = time.monotonic()
            sent = 0
            try:
                # A byte every 0.7 s: each read well within the timeout, the whole body not.
                for piece in pieces:
                    time.sleep(0.7)
                    sock.sendall(piece)
                    sent += 1
            except OSError:
                pass
            answer = _read_answer(sock)
            elapsed = time.monotonic() - start
        status, document = _status_and_json(answer)
        assert status == 408 and "did not arrive within 1 seconds" in str(document["message"])
        assert sent < len(pieces) or elapsed < 0.7 * len(pieces) + 1


# --- the connection cap -------------------------------------------------------------------------


def test_connections_beyond_the_cap_get_503_and_the_rest_are_served() -> None:
    with LocalEndpoint(activation_delay=0, max_connections=4) as ep:
        held = [socket.create_connection(("127.0.0.1", ep.port), timeout=10) for _ in range(4)]
        try:
            # The held connections are served (they answer a request each) ...
            for sock in held:
                sock.sendall(b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
                assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
            # ... and one more is refused with a status line and a JSON body.
            answer = _exchange(
                ep.port, b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
            )
            status, document = _status_and_json(answer)
            assert status == 503 and "at most 4 connections" in str(document["message"])
            assert b"retry-after: 1" in answer.lower()
        finally:
            for sock in held:
                sock.close()
        # Once they close, new connections are served again.
        deadline = time.monotonic() + 5
        while True:
            answer = _exchange(
                ep.port, b"POST /listStreams HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
            )
            if answer.startswith(b"HTTP/1.1 200 ") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert answer.startswith(b"HTTP/1.1 200 ")


def test_max_connections_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        LocalEndpoint(max_connections=0)


# --- a slow WebSocket reader ----------------------------------------------------------------------


def test_a_slow_reader_gets_its_frames_or_1008_and_the_journal_says_what_was_dropped(
    local_endpoint: LocalEndpoint,
) -> None:
    import base64

    from websockets.exceptions import ConnectionClosed

    from kvs_chime.testing._signaling_ws import MAX_OUTBOUND

    from .signaling_peers import open_peer

    kv = local_endpoint.client("kinesisvideo")
    arn = kv.create_signaling_channel(ChannelName="door")["ChannelARN"]
    payload = base64.b64encode(b"x" * 7000).decode()
    # Enough to fill the kernel's buffers on both sides and then the outbound queue.
    total = 4 * MAX_OUTBOUND // len(payload) + 2000
    # max_queue=1: the client stops reading the socket after one unread message.
    with (
        open_peer(local_endpoint, arn, "slow", max_queue=1) as slow,
        open_peer(local_endpoint, arn, "quick") as quick,
        open_peer(local_endpoint, arn) as master,
    ):
        for _ in range(total):
            message = {"action": "ICE_CANDIDATE", "messagePayload": payload, "recipientClientId": "slow"}
            master.send(json.dumps(message))
        # Relaying to the stalled peer never held up the master's messages to another one.
        master.send(
            json.dumps({"action": "SDP_ANSWER", "messagePayload": "YQ==", "recipientClientId": "quick"})
        )
        assert json.loads(quick.recv(timeout=10))["messageType"] == "SDP_ANSWER"
        received = 0
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                slow.recv(timeout=20)
                received += 1
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    dropped = local_endpoint.journal.entries("DropFrames")
    assert dropped and all(e.params["ClientId"] == "slow" for e in dropped)
    assert dropped[0].error_code == "SlowReader" and dropped[0].params["CloseCode"] == 1008
    frames = [e.params["Frames"] for e in dropped]
    assert all(isinstance(n, int) and n > 0 for n in frames)
    # Every frame relayed with 200 was either delivered or journaled as dropped (the ones the
    # queue held when it overflowed, and those relayed while the connection was closing).
    relayed = sum(1 for e in local_endpoint.journal.entries("SendIceCandidate") if e.status == 200)
    assert received + sum(n for n in frames if isinstance(n, int)) == relayed
