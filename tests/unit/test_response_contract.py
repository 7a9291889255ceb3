"""Every 2xx body is a typed response or a ResponseParseError carrying the body as received and
the request id; never a builtin exception, never an exception chained to a sensitive value.
Through real HTTP: a hostile server on 127.0.0.1 answers each call with the bytes given."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator

import boto3
import pytest

from kvs_chime import KinesisVideo, RetryPolicy
from kvs_chime.errors import ResponseParseError, TransportError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DeleteSignalingChannelRequest,
    DescribeSignalingChannelRequest,
)
from kvs_chime.signaling import GetIceServerConfigRequest, KinesisVideoSignaling

from ._canned import Answer, CannedServer, canned_server

ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:channel/door/1700000000000"
INFO = {
    "ChannelName": "door",
    "ChannelARN": ARN,
    "ChannelType": "SINGLE_MASTER",
    "ChannelStatus": "ACTIVE",
    "CreationTime": 1700000000.5,
}


def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[CannedServer, KinesisVideo]]:
    with canned_server() as state:
        yield (
            state,
            KinesisVideo(session=session(), endpoint_url=state.url, retry=RetryPolicy(max_attempts=1)),
        )


@pytest.fixture
def server(shared: tuple[CannedServer, KinesisVideo]) -> CannedServer:
    state = shared[0]
    state.requests.clear()
    state.answers.clear()
    return state


_facades: dict[str, KinesisVideo] = {}


def facade(server: CannedServer) -> KinesisVideo:
    # One facade per server: building a boto3 client costs far more than a call.
    kv = _facades.get(server.url)
    if kv is None:
        kv = _facades[server.url] = KinesisVideo(
            session=session(), endpoint_url=server.url, retry=RetryPolicy(max_attempts=1)
        )
    return kv


def describe(server: CannedServer) -> object:
    return facade(server).describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def parse_error(server: CannedServer, answer: Answer) -> ResponseParseError:
    server.answers.append(answer)
    with pytest.raises(ResponseParseError) as caught:
        describe(server)
    error = caught.value
    assert error.raw["Body"] == answer.body  # as received, byte for byte
    metadata = error.raw["ResponseMetadata"]
    assert isinstance(metadata, dict)
    assert metadata["RequestId"] == answer.request_id
    assert len(server.requests) == 1  # not retried: the same answer would come back
    assert error.__cause__ is None and error.__context__ is None
    return error


def test_a_well_formed_answer_is_read(server: CannedServer) -> None:
    server.answers.append(Answer(body=json.dumps({"ChannelInfo": INFO}).encode()))
    info = facade(server).describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
    assert info.channel_info.channel_arn == ARN
    assert info.channel_info.creation_time == datetime.datetime(
        2023, 11, 14, 22, 13, 20, 500000, tzinfo=datetime.timezone.utc
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"null", "not a JSON object"),
        (b'"a string"', "not a JSON object"),
        (b"42", "not a JSON object"),
        (b"  ", "empty body"),
        (b"", "empty body"),
        (b"<html><body>502 Bad Gateway</body></html>", "not a JSON object"),
        (b'{"ChannelInfo": {"ChannelName": "door",', "not valid JSON"),
        (b'{"ChannelInfo": {"ChannelName": "\xff\xfe"}}', "could not be read (UnicodeDecodeError)"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "could not be read (RecursionError)"),
    ],
    ids=["array", "null", "string", "number", "blank", "empty", "html", "truncated", "non-utf8", "deep"],
)
def test_a_body_the_model_does_not_describe_is_a_parse_error(
    server: CannedServer, body: bytes, problem: str
) -> None:
    error = parse_error(server, Answer(body=body))
    assert any(problem in p for p in error.problems), error.problems


def test_a_json_array_for_an_output_without_members_is_unreadable(server: CannedServer) -> None:
    # botocore alone reads `[]` for DeleteSignalingChannel's empty output as success. A delete
    # changes state: a success it cannot read leaves the outcome unknown, the parse error (with
    # the body) its cause.
    server.answers.append(Answer(body=b"[1]"))
    with pytest.raises(TransportError) as caught:
        facade(server).delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=ARN))
    assert caught.value.outcome_unknown
    cause = caught.value.__cause__
    assert isinstance(cause, ResponseParseError) and cause.raw["Body"] == b"[1]"


def test_an_empty_body_for_an_output_without_members_is_success(server: CannedServer) -> None:
    server.answers.append(Answer(body=b""))
    assert facade(server).delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=ARN)) is not None


def test_a_success_status_carrying_an_error_type_is_a_parse_error(server: CannedServer) -> None:
    answer = Answer(
        body=json.dumps({"ChannelInfo": INFO}).encode(),
        headers=(("x-amzn-ErrorType", "ResourceNotFoundException"),),
    )
    error = parse_error(server, answer)
    assert any("x-amzn-ErrorType" in p for p in error.problems)


def test_an_unparseable_timestamp_is_a_parse_error_without_the_value(server: CannedServer) -> None:
    body = json.dumps({"ChannelInfo": {**INFO, "CreationTime": "secret-ts-98765"}}).encode()
    error = parse_error(server, Answer(body=body))
    assert all("secret-ts-98765" not in str(e) for e in chain(error))
    assert "secret-ts-98765" not in str(error.problems)


def test_an_object_where_a_string_belongs_is_a_parse_error(server: CannedServer) -> None:
    body = json.dumps({"ChannelInfo": {**INFO, "ChannelName": {"nested": True}}}).encode()
    error = parse_error(server, Answer(body=body))
    assert any("$.channel_info.channel_name" in p for p in error.problems)
    info = error.raw["ChannelInfo"]
    assert isinstance(info, dict) and info["ChannelName"] == {"nested": True}


def test_a_list_where_an_object_belongs_is_a_parse_error(server: CannedServer) -> None:
    error = parse_error(server, Answer(body=b'{"ChannelInfo": [1, 2]}'))
    assert error.problems


def test_no_chained_exception_carries_a_sensitive_value(server: CannedServer) -> None:
    # A number where the model says string (the value of a sensitive member, say).
    body = json.dumps({"ChannelInfo": {**INFO, "ChannelName": 98765432109876}}).encode()
    error = parse_error(server, Answer(body=body))
    for exc in chain(error):
        assert "98765432109876" not in str(exc)
        assert "98765432109876" not in repr(exc.args)
    assert "98765432109876" not in " ".join(error.problems)


def test_an_omitted_present_member_is_a_parse_error(server: CannedServer) -> None:
    body = json.dumps({"ChannelInfo": {k: v for k, v in INFO.items() if k != "ChannelARN"}}).encode()
    error = parse_error(server, Answer(body=body))
    assert any("required field missing @ $.channel_info.channel_arn" in p for p in error.problems)


def test_an_omitted_present_object_is_a_parse_error(server: CannedServer) -> None:
    error = parse_error(server, Answer(body=b"{}"))
    assert any("$.channel_info" in p for p in error.problems)


def test_create_without_its_arn_leaves_the_outcome_unknown(server: CannedServer) -> None:
    # A success the create's answer cannot be read from: the channel may exist.
    server.answers.append(Answer(body=b'{"Unknown": 1}'))
    with pytest.raises(TransportError) as caught:
        facade(server).create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.outcome_unknown
    cause = caught.value.__cause__
    assert isinstance(cause, ResponseParseError) and cause.raw["Body"] == b'{"Unknown": 1}'
    assert any("$.channel_arn" in p for p in cause.problems)


def test_turn_credentials_are_redacted_and_present(server: CannedServer) -> None:
    body = {
        "IceServerList": [
            {"Uris": ["turn:1.2.3.4:443"], "Username": "u-secret", "Password": "p-secret", "Ttl": 300}
        ]
    }
    server.answers.append(Answer(body=json.dumps(body).encode()))
    signaling = KinesisVideoSignaling(session=session(), endpoint_url=server.url)
    servers = signaling.get_ice_server_config(GetIceServerConfigRequest(channel_arn=ARN)).ice_server_list
    assert servers[0].username == "u-secret" and servers[0].password == "p-secret"
    assert "u-secret" not in repr(servers) and "p-secret" not in repr(servers)
