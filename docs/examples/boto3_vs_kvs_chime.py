"""The same task with raw boto3 and with kvs_chime, side by side: make sure a signaling
channel exists with a 60-second message TTL, and use it once it is ACTIVE."""

import contextlib
import time

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import DeleteSignalingChannelRequest, Status
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import ensure_signaling_channel

with LocalEndpoint() as endpoint:
    session = endpoint.boto3_session()
    where = {"endpoint_url": endpoint.url, "region_name": endpoint.region}

    # [boto3]
    client = session.client(
        "kinesisvideo", **where
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
    # Deleting is asynchronous, as on AWS: the name is free again once the channel is gone.
    KinesisVideo(session=session, **where).wait_until_signaling_channel_deleted(
        channel_arn=info["ChannelARN"], poll=fast
    )

    # [kvs_chime]
    kv = KinesisVideo(session=session, **where)  # real code: KinesisVideo()
    channel = ensure_signaling_channel(kv, "door", message_ttl_seconds=60, poll=fast)
    print(channel.channel_arn, channel.channel_status)
    # typed: ChannelInfo, Status.ACTIVE
    # [/kvs_chime]

    assert channel.channel_status == Status.ACTIVE
    assert channel.channel_arn is not None
    kv.delete_signaling_channel(
        DeleteSignalingChannelRequest(channel_arn=channel.channel_arn)
    )
