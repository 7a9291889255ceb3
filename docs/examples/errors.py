"""Errors: one hierarchy, one class per error code, the facts of the call on each."""

from botocore.exceptions import ClientError

from kvs_chime import (
    KinesisVideo,
    KvsChimeError,
    ResponseParseError,
    RetryPolicy,
    ServiceError,
    TransportError,
)
from kvs_chime.errors import ResourceNotFoundError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    SingleMasterConfiguration,
    UpdateSignalingChannelRequest,
)
from kvs_chime.testing import LocalEndpoint

FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05)

with LocalEndpoint() as endpoint:
    session, region = endpoint.boto3_session(), endpoint.region
    kv = KinesisVideo(
        session=session, endpoint_url=endpoint.url, region_name=region, retry=FAST
    )

    # [service]
    try:
        kv.describe_signaling_channel(
            DescribeSignalingChannelRequest(channel_name="nowhere")
        )
    except ResourceNotFoundError as error:
        print(error.code, error.http_status, error.attempts)
        # ResourceNotFoundException 404 1
        print(error.request_id)  # for AWS support
        assert isinstance(
            error.__cause__, ClientError
        )  # botocore's exception, kept as the cause
    # [/service]
    else:
        raise AssertionError("expected a ResourceNotFoundError")

    # [unknown-code]
    # A code no model declares (a new one, say) raises ServiceError itself.
    endpoint.faults.fail_next("DescribeSignalingChannel", "BrandNewException", 400)
    try:
        kv.describe_signaling_channel(
            DescribeSignalingChannelRequest(channel_name="nowhere")
        )
    except ServiceError as error:
        assert type(error) is ServiceError and error.code == "BrandNewException"
    # [/unknown-code]
    else:
        raise AssertionError("expected a ServiceError")

    arn = kv.create_signaling_channel(
        CreateSignalingChannelRequest(channel_name="door")
    ).channel_arn
    assert arn is not None

    # [parse]
    # A response that does not fit its shape is an error, not a half-filled object.
    endpoint.faults.set_member_next(
        "DescribeSignalingChannel", "ChannelInfo.ChannelName", 42
    )
    try:
        kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=arn))
    except ResponseParseError as error:
        print(error.problems)
        # ('invalid value for type, expected str | None @ $.channel_info.channel_name',)
        print(error.raw["ChannelInfo"])  # the response exactly as botocore returned it
    # [/parse]
    else:
        raise AssertionError("expected a ResponseParseError")

    # [outcome-unknown]
    # The connection drops after the request was sent: was the update applied?
    # UpdateSignalingChannel is neither read-only nor idempotent (it checks a version),
    # so the pipeline does not guess and does not repeat it.
    endpoint.faults.drop_before_apply("UpdateSignalingChannel")
    try:
        kv.update_signaling_channel(
            UpdateSignalingChannelRequest(
                channel_arn=arn,
                current_version="1",
                single_master_configuration=SingleMasterConfiguration(
                    message_ttl_seconds=90
                ),
            )
        )
    except TransportError as error:
        print(error.outcome_unknown, error.attempts)  # True 1
        assert error.outcome_unknown and error.attempts == 1
    # [/outcome-unknown]
    else:
        raise AssertionError("expected a TransportError")

    url = endpoint.url

# [not-sent]
# Nothing listens any more: the request never left, so it is retried, then raises.
kv = KinesisVideo(session=session, endpoint_url=url, region_name=region, retry=FAST)
try:
    kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
except TransportError as error:
    print(error.outcome_unknown, error.attempts)  # False 3
    assert not error.outcome_unknown and error.attempts == 3
# [/not-sent]
else:
    raise AssertionError("expected a TransportError")

# [catch-all]
try:
    kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
except KvsChimeError as error:  # everything kvs_chime raises
    print(type(error).__name__)  # TransportError
# [/catch-all]
