"""Open enums: a value the model knows is an enum member (equal to its string); a value
AWS added after this release arrives as a plain str instead of failing the call."""

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    Status,
)
from kvs_chime.testing import LocalEndpoint

# [members]
assert ChannelType.SINGLE_MASTER == "SINGLE_MASTER"  # a StrEnum: equal to its value
assert (
    f"{ChannelType.SINGLE_MASTER}" == "SINGLE_MASTER"
)  # and formats as it, on every Python
request = CreateSignalingChannelRequest(
    channel_name="door", channel_type="SINGLE_MASTER"
)  # a str works too
# [/members]

with LocalEndpoint() as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )
    kv.create_signaling_channel(request)
    kv.wait_until_signaling_channel_active(
        channel_name="door", poll=Poll(interval=0.05)
    )
    describe = DescribeSignalingChannelRequest(channel_name="door")

    # [known]
    info = kv.describe_signaling_channel(describe).channel_info
    assert info is not None
    assert (
        info.channel_status is Status.ACTIVE
    )  # a known value is the enum member itself
    # [/known]

    # [unknown]
    # Suppose AWS adds a status after this release: the local endpoint can send one.
    endpoint.faults.set_member_next(
        "DescribeSignalingChannel", "ChannelInfo.ChannelStatus", "HIBERNATING"
    )
    info = kv.describe_signaling_channel(describe).channel_info
    assert info is not None
    status = info.channel_status  # typed `Status | str | None`
    if isinstance(status, Status):
        print("known status", status.name)
    else:
        print("a status this version does not know:", status)  # HIBERNATING
    assert status == "HIBERNATING" and not isinstance(status, Status)
    # [/unknown]
