"""Quick start: a first typed call, against the bundled local endpoint."""

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    DeleteSignalingChannelRequest,
    SingleMasterConfiguration,
    Status,
    Tag,
)
from kvs_chime.testing import LocalEndpoint

with LocalEndpoint() as endpoint:
    # [facade]
    kv = KinesisVideo(
        session=endpoint.boto3_session(),  # on AWS: KinesisVideo(region_name=...)
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )
    # [/facade]

    # [first-call]
    created = kv.create_signaling_channel(
        CreateSignalingChannelRequest(
            channel_name="front-door",
            channel_type=ChannelType.SINGLE_MASTER,
            single_master_configuration=SingleMasterConfiguration(
                message_ttl_seconds=60
            ),
            tags=[Tag(key="team", value="video")],
        )
    )
    print(created.channel_arn)
    # arn:aws:kinesisvideo:us-east-1:123456789012:channel/front-door/...

    info = kv.wait_until_signaling_channel_active(
        channel_arn=created.channel_arn, poll=Poll(timeout=10, interval=0.05)
    )
    print(info.channel_name, info.channel_type, info.channel_status)
    # front-door SINGLE_MASTER ACTIVE
    assert info.channel_status == Status.ACTIVE
    assert info.single_master_configuration is not None
    assert info.single_master_configuration.message_ttl_seconds == 60

    for channel in kv.iter_signaling_channels():
        print(channel.channel_name, channel.creation_time)  # a datetime, not a string

    kv.delete_signaling_channel(
        DeleteSignalingChannelRequest(channel_arn=created.channel_arn)
    )
    # [/first-call]
