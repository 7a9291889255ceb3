"""Shapes: frozen, keyword-only attrs classes with snake_case fields, converted to and
from the wire by one cattrs converter."""

import datetime

import attrs

from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    SingleMasterConfiguration,
    Tag,
)
from kvs_chime.testing import LocalEndpoint

# [build]
request = CreateSignalingChannelRequest(
    channel_name="front-door",  # required members are required arguments
    single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=120),
    tags=[Tag(key="team", value="video")],
)
print(request)
# CreateSignalingChannelRequest(channel_name='front-door', channel_type=None,
#     single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=120),
#     tags=[Tag(key='team', value='video')])

try:
    request.channel_name = "back-door"  # type: ignore[misc]  # mypy knows it is frozen
except attrs.exceptions.FrozenInstanceError:
    print("shapes are frozen: attrs.evolve makes a changed copy")
back_door = attrs.evolve(request, channel_name="back-door")  # a changed copy
assert back_door.channel_name == "back-door" and request.channel_name == "front-door"
# [/build]

with LocalEndpoint() as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )

    # [wire]
    kv.create_signaling_channel(request)
    sent = endpoint.journal.entries("CreateSignalingChannel")[-1].params
    print(sent)
    # {'ChannelName': 'front-door',
    #  'SingleMasterConfiguration': {'MessageTtlSeconds': 120},
    #  'Tags': [{'Key': 'team', 'Value': 'video'}]}
    # Wire names; members left unset are not sent.
    assert sent == {
        "ChannelName": "front-door",
        "SingleMasterConfiguration": {"MessageTtlSeconds": 120},
        "Tags": [{"Key": "team", "Value": "video"}],
    }
    # [/wire]

    # [read]
    # The service sends a member this version of the model does not know: ignored.
    endpoint.faults.set_member_next(
        "DescribeSignalingChannel", "ChannelInfo.Colour", "blue"
    )
    info = kv.describe_signaling_channel(
        DescribeSignalingChannelRequest(channel_name="front-door")
    ).channel_info
    assert isinstance(info.creation_time, datetime.datetime)  # timestamps are datetimes
    print(info.channel_arn, info.version, info.creation_time.isoformat())
    # [/read]

    # [present]
    arn: str = kv.create_signaling_channel(
        CreateSignalingChannelRequest(channel_name="side-door")
    ).channel_arn  # always returned: a str, not str | None
    name: str = kv.describe_signaling_channel(
        DescribeSignalingChannelRequest(channel_arn=arn)
    ).channel_info.channel_name  # the object a describe returns, and its name, too
    version = kv.describe_signaling_channel(
        DescribeSignalingChannelRequest(channel_arn=arn)
    ).channel_info.version  # not listed as present: str | None
    print(name, version is not None)
    # [/present]
