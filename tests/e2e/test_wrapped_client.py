"""A client wrapped by a facade (`client=`) behaves for its other users exactly as before.

The facade's botocore hooks act on the facade's own attempts only: the user's direct calls on
the same client see the same results and the same errors with or without a facade wrapping it,
and nothing a direct call leaves behind changes what a later facade call reports.
"""

from __future__ import annotations

import contextlib
from typing import Any

import boto3
import pytest
from botocore.config import Config

from kvs_chime.errors import ResourceInUseError, ResponseParseError
from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest, KinesisVideo

from ..hostile import Reply, error_reply, hostile, json_reply

CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
DESCRIBED = {
    "ChannelInfo": {
        "ChannelName": "door",
        "ChannelARN": CHANNEL_ARN,
        "ChannelType": "SINGLE_MASTER",
        "ChannelStatus": "ACTIVE",
        "Version": "1",
        "CreationTime": 1700000000.0,
    }
}
JSON = (("Content-Type", "application/json"),)

BODIES = {
    "success": json_reply(200, DESCRIBED),
    "not json": Reply(200, JSON, b"<html>hello</html>"),
    "a json array": Reply(200, JSON, b"[1, 2]"),
    "empty": Reply(200, JSON, b""),
    "an unreadable timestamp": json_reply(200, {"ChannelInfo": {"CreationTime": "yesterday"}}),
    "an error type on a 200": Reply(200, (*JSON, ("x-amzn-ErrorType", "Boom")), b"{}"),
    "a service error": error_reply(400, "ResourceInUseException", "in use"),
    "an html 502": Reply(502, (("Content-Type", "text/html"),), b"<html>bad gateway</html>"),
}


def _client(url: str) -> Any:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    # No retries of botocore's own: each direct call is one request, with or without a facade.
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    client: Any = session.client("kinesisvideo", endpoint_url=url, config=config)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
    return client


def _outcome(client: Any) -> object:
    """What a direct call sees: its result without the server's date, or its exception."""
    try:
        result = client.describe_signaling_channel(ChannelARN=CHANNEL_ARN)
    except Exception as exc:  # the comparison is the point: whatever it is, it must not change
        return ("raised", type(exc).__name__, str(exc))
    result.get("ResponseMetadata", {}).get("HTTPHeaders", {}).pop("date", None)
    return ("returned", result)


@pytest.mark.parametrize("body", list(BODIES))
def test_direct_calls_see_what_they_see_without_a_facade(body: str) -> None:
    with hostile(BODIES[body]) as server:
        alone = _outcome(_client(server.url))
        client = _client(server.url)
        facade = KinesisVideo(client=client)
        with contextlib.suppress(Exception):  # the facade's own call first (its outcome: other tests')
            facade.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=CHANNEL_ARN))
        wrapped = _outcome(client)
    assert wrapped == alone


def test_a_direct_call_that_fails_to_parse_leaves_nothing_for_the_facade() -> None:
    # The direct call's body makes botocore's parser raise; the facade's call after it, on the
    # same thread, gets a service error, which must be reported as that error.
    with hostile(BODIES["an unreadable timestamp"], BODIES["a service error"]) as server:
        client = _client(server.url)
        facade = KinesisVideo(client=client)
        with pytest.raises(Exception) as direct:
            client.describe_signaling_channel(ChannelARN=CHANNEL_ARN)
        assert not isinstance(direct.value, ResponseParseError)
        with pytest.raises(ResourceInUseError):
            facade.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=CHANNEL_ARN))
