"""The admin API over plain HTTP, as a test in any language would drive it."""

from __future__ import annotations

import http.client
import json

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from kvs_chime.testing import LocalEndpoint


def _call(ep: LocalEndpoint, method: str, path: str, body: object = None) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, "/_kvs_chime/" + path, body=payload)
        response = connection.getresponse()
        document = json.loads(response.read())
        assert isinstance(document, dict)
        return response.status, document
    finally:
        connection.close()


def test_fail_the_next_n_calls_of_an_operation_with_a_code(local_endpoint: LocalEndpoint) -> None:
    status, body = _call(
        local_endpoint,
        "POST",
        "faults",
        {"kind": "fail", "operation": "ListStreams", "code": "ClientLimitExceededException", "times": 2},
    )
    assert (status, body) == (201, {"pending": 1})
    kvs = local_endpoint.client("kinesisvideo")
    for _ in range(2):
        with pytest.raises(ClientError) as info:
            kvs.list_streams()
        assert info.value.response["Error"]["Code"] == "ClientLimitExceededException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert kvs.list_streams()["StreamInfoList"] == []
    assert _call(local_endpoint, "GET", "faults") == (200, {"pending": 0})


def test_apply_then_drop_and_the_journal_shows_it(local_endpoint: LocalEndpoint) -> None:
    _call(local_endpoint, "POST", "faults", {"kind": "drop_after_apply", "operation": "CreateStream"})
    kvs = local_endpoint.client("kinesisvideo")
    with pytest.raises(ConnectionClosedError):
        kvs.create_stream(StreamName="cam")
    # Applied although the client saw a dropped connection.
    assert [s["StreamName"] for s in kvs.list_streams()["StreamInfoList"]] == ["cam"]
    status, journal = _call(local_endpoint, "GET", "journal?operation=CreateStream")
    entries = journal["entries"]
    assert status == 200 and isinstance(entries, list) and len(entries) == 1
    entry = entries[0]
    assert isinstance(entry, dict)
    assert (entry["dropped"], entry["fault"], entry["params"]) == (
        True,
        "drop_after_apply",
        {"StreamName": "cam"},
    )
    assert entry["region"] == "us-east-1" and entry["account"] == "123456789012"
    assert _call(local_endpoint, "DELETE", "journal") == (200, {"entries": []})
    assert len(local_endpoint.journal) == 0


def test_latency_is_added_and_recorded(local_endpoint: LocalEndpoint) -> None:
    _call(local_endpoint, "POST", "faults", {"kind": "latency", "operation": "*", "seconds": 0.2, "times": 1})
    local_endpoint.client("kinesisvideo").list_streams()
    assert local_endpoint.journal.entries()[-1].latency == 0.2


def test_the_clock_moves_asynchronous_states() -> None:
    with LocalEndpoint(activation_delay=60) as ep:
        kvs = ep.client("kinesisvideo")
        kvs.create_stream(StreamName="cam")
        assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "CREATING"
        status, clock = _call(ep, "POST", "clock", {"advance": 59})
        assert status == 200 and clock["offset"] == 59
        assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "CREATING"
        _call(ep, "POST", "clock", {"advance": 1})
        assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["Status"] == "ACTIVE"


def test_settings_and_reset(local_endpoint: LocalEndpoint) -> None:
    status, settings = _call(local_endpoint, "PUT", "settings", {"activation_delay": 5, "stream_limit": 1})
    assert status == 200 and (settings["activation_delay"], settings["stream_limit"]) == (5, 1)
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_stream(StreamName="a")
    with pytest.raises(ClientError) as info:
        kvs.create_stream(StreamName="b")
    assert info.value.response["Error"]["Code"] == "AccountStreamLimitExceededException"
    assert _call(local_endpoint, "POST", "reset") == (200, {"reset": True})
    assert kvs.list_streams()["StreamInfoList"] == []


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "words"),
    [
        (
            "POST",
            "faults",
            {"kind": "fail", "operation": "NoSuchOperation", "code": "X"},
            400,
            "unknown operation",
        ),
        ("POST", "faults", {"kind": "explode", "operation": "ListStreams"}, 400, "'kind' must be one of"),
        ("POST", "faults", {"kind": "latency", "operation": "ListStreams", "seconds": 99}, 400, "latency"),
        (
            "POST",
            "faults",
            {"kind": "fail", "operation": "ListStreams", "code": "Custom"},
            400,
            "HTTP status",
        ),
        ("POST", "clock", {"advance": -1}, 400, "not negative"),
        ("PUT", "settings", {"region": "x"}, 400, "read-only"),
        ("GET", "nowhere", None, 404, "no admin route"),
        ("DELETE", "clock", None, 405, "not allowed"),
    ],
)
def test_admin_mistakes_are_json_errors(
    local_endpoint: LocalEndpoint, method: str, path: str, body: object, status: int, words: str
) -> None:
    answer_status, answer = _call(local_endpoint, method, path, body)
    assert answer_status == status
    assert words in str(answer["error"])
    assert local_endpoint.faults.pending() == 0
