"""Answers the model does not describe, over real HTTP: a string where the model has a list of
strings is refused (botocore alone reads it as the list of its characters)."""

from __future__ import annotations

import json

import pytest

from kvs_chime import RetryPolicy
from kvs_chime.errors import ResponseParseError
from kvs_chime.signaling import GetIceServerConfigRequest, KinesisVideoSignaling

from ..hostile import Reply, hostile

CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
JSON = (("Content-Type", "application/json"),)


def _signaling(url: str) -> KinesisVideoSignaling:
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    return KinesisVideoSignaling(session=session, endpoint_url=url, retry=RetryPolicy(max_attempts=1))


def test_a_string_where_a_list_of_strings_belongs_is_refused_with_the_body() -> None:
    document = {
        "IceServerList": [{"Uris": "turn:192.0.2.1:443", "Username": "u", "Password": "p", "Ttl": 300}]
    }
    body = json.dumps(document).encode()
    with hostile(Reply(200, JSON, body)) as server, pytest.raises(ResponseParseError) as caught:
        _signaling(server.url).get_ice_server_config(GetIceServerConfigRequest(channel_arn=CHANNEL_ARN))
    assert caught.value.raw["Body"] == body
    assert any("$.ice_server_list[0].uris" in p and "list" in p for p in caught.value.problems)


def test_a_list_of_strings_is_read() -> None:
    document = {
        "IceServerList": [{"Uris": ["turn:192.0.2.1:443"], "Username": "u", "Password": "p", "Ttl": 300}]
    }
    with hostile(Reply(200, JSON, json.dumps(document).encode())) as server:
        response = _signaling(server.url).get_ice_server_config(
            GetIceServerConfigRequest(channel_arn=CHANNEL_ARN)
        )
    assert response.ice_server_list[0].uris == ["turn:192.0.2.1:443"]
