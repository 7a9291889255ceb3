"""The same task with raw boto3 and with kvs_chime, side by side: make sure a signaling
channel exists with a 60-second message TTL, and use it once it is ACTIVE."""

# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
# (the raw boto3 half is untyped, which is this page's point; the kvs_chime half needs none of it)

import contextlib
import time

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import DeleteSignalingChannelRequest, Status
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import ensure_signaling_channel

with LocalEndpoint() as endpoint:
    session = endpoint.boto3_session()
    url, region = endpoint.url, endpoint.region

    # [boto3]
    client = session.client(  # boto3 ships no types: everything below is untyped
        "kinesisvideo", endpoint_url=url, region_name=region
    )  # real code: boto3.client("kinesisvideo")
    with contextlib.suppress(
        client.exceptions.ResourceInUseException
    ):  # same configuration? Up to you.
        client.create_signaling_channel(
            ChannelName="door", SingleMasterConfiguration={"MessageTtlSeconds": 60}
        )
    while True:
        info = client.describe_signaling_channel(ChannelName="door")["ChannelInfo"]
        if (
            info["ChannelStatus"] == "ACTIVE"
        ):  # dicts and strings: typos fail at run time
            break
        time.sleep(2)  # and a throttled describe raises ClientError here
    print(info["ChannelARN"], info["ChannelStatus"])
    # [/boto3]

    client.delete_signaling_channel(ChannelARN=info["ChannelARN"])
    fast = Poll(interval=0.05)

    # [kvs_chime]
    kv = KinesisVideo(
        session=session, endpoint_url=url, region_name=region
    )  # real code: KinesisVideo()
    channel = ensure_signaling_channel(kv, "door", message_ttl_seconds=60, poll=fast)
    print(channel.channel_arn, channel.channel_status)
    # typed: ChannelInfo, Status.ACTIVE
    # [/kvs_chime]

    assert channel.channel_status == Status.ACTIVE
    kv.delete_signaling_channel(
        DeleteSignalingChannelRequest(channel_arn=channel.channel_arn)
    )
