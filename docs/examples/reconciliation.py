"""Reconciliation: Kinesis Video Streams creates have no idempotency token. After a
failure of unknown outcome the facade retries; if the name is then taken, it compares
what exists with what was asked: ours, or a ReconciliationConflictError."""

from typing import Any

from kvs_chime import KinesisVideo, ReconciliationConflictError, RetryPolicy, last_call
from kvs_chime.errors import ResourceInUseError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    SingleMasterConfiguration,
)
from kvs_chime.testing import LocalEndpoint

with LocalEndpoint() as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
    )

    # [ours]
    # The channel is created, but the connection drops before the answer.
    endpoint.faults.drop_after_apply("CreateSignalingChannel")
    created = kv.create_signaling_channel(
        CreateSignalingChannelRequest(channel_name="door")
    )
    call = last_call()
    assert call is not None
    print(created.channel_arn, call.attempts, call.reconciled)  # arn:... 2 True
    assert call.reconciled and call.attempts == 2
    # The create (dropped), its retry (ResourceInUse), the describe that reconciled:
    assert endpoint.journal.operations() == [
        "CreateSignalingChannel",
        "CreateSignalingChannel",
        "DescribeSignalingChannel",
    ]
    # [/ours]

    # [first-attempt]
    # A name taken on the first attempt is simply taken: nothing to reconcile.
    try:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    except ResourceInUseError as error:
        print(error.code)  # ResourceInUseException
    # [/first-attempt]
    else:
        raise AssertionError("expected a ResourceInUseError")

    # [conflict]
    # Someone else owns "lobby", with another message TTL. Our first attempt fails with
    # HTTP 503 (outcome unknown), the retry finds the name taken, the channels differ.
    someone_else: Any = endpoint.client("kinesisvideo")  # a raw boto3 client: untyped
    someone_else.create_signaling_channel(
        ChannelName="lobby", SingleMasterConfiguration={"MessageTtlSeconds": 30}
    )
    endpoint.faults.fail_next(
        "CreateSignalingChannel", "ServiceUnavailableException", 503
    )
    try:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(
                channel_name="lobby",
                single_master_configuration=SingleMasterConfiguration(
                    message_ttl_seconds=60
                ),
            )
        )
    except ReconciliationConflictError as error:
        print(error)
        # CreateSignalingChannel: 'lobby' exists with a different configuration
        #   (message_ttl_seconds: asked 60, found 30)
        assert error.differences == {"message_ttl_seconds": (60, 30)}
    # [/conflict]
    else:
        raise AssertionError("expected a ReconciliationConflictError")
