"""The User-Agent header a facade sends is the one botocore would build, though built once.

botocore builds it per request; the facades' clients keep it per set of feature codes
(`kvs_chime/_user_agent.py`). What the server sees must not change: the same header as an
untouched client made with the same configuration, and a feature a request adds still shows.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.context import start_as_current_context
from botocore.useragent import register_feature_id

from kvs_chime._facade import CLIENT_DEFAULTS
from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest, KinesisVideo

from ..hostile import hostile, json_reply

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


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def test_the_header_is_what_an_untouched_client_sends_and_follows_the_requests_features() -> None:
    with hostile(json_reply(200, DESCRIBED)) as server:
        session = _session()
        kv = KinesisVideo(session=session, endpoint_url=server.url)
        raw: Any = session.client("kinesisvideo", endpoint_url=server.url, config=CLIENT_DEFAULTS)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
        request = DescribeSignalingChannelRequest(channel_arn=CHANNEL_ARN)

        def facade_call() -> None:
            kv.describe_signaling_channel(request)

        def raw_call() -> None:
            raw.describe_signaling_channel(ChannelARN=CHANNEL_ARN)

        for call in (facade_call, facade_call, raw_call):
            call()
        with start_as_current_context():
            register_feature_id("WAITER")
            facade_call()
        with start_as_current_context():
            register_feature_id("WAITER")
            raw_call()
        facade_call()

        agents = [seen.headers["user-agent"] for seen in server.requests]
    first, second, untouched, with_waiter, untouched_with_waiter, after = agents
    assert first == second == untouched == after
    assert with_waiter == untouched_with_waiter != first
    waiter_code = "B"  # botocore's feature code for WAITER
    features = next(part for part in with_waiter.split() if part.startswith("m/"))
    assert waiter_code in features[2:].split(",")
    assert first.endswith(" kvs-chime")
