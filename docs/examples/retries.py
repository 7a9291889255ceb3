"""Retries: throttling and transient failures are retried by one loop, under a
RetryPolicy; botocore's own retries are off, so attempts never multiply."""

import logging

from kvs_chime import KinesisVideo, RetryPolicy, last_call
from kvs_chime.errors import ClientLimitExceededError, ThrottlingError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
)
from kvs_chime.testing import LocalEndpoint

logging.basicConfig(level=logging.INFO, format="%(name)s %(levelname)s %(message)s")

with LocalEndpoint() as endpoint:
    # [policy]
    policy = RetryPolicy(
        max_attempts=4, deadline=10.0, initial_delay=0.01, max_delay=0.05
    )
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        retry=policy,  # the facade's default for every call
    )
    # [/policy]
    kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    describe = DescribeSignalingChannelRequest(channel_name="door")

    # [throttled]
    # The service throttles the next two calls, then answers.
    endpoint.faults.fail_next(
        "DescribeSignalingChannel", "ClientLimitExceededException", times=2
    )
    info = kv.describe_signaling_channel(describe).channel_info
    call = last_call()
    assert call is not None
    print(call.operation, call.attempts, call.request_id)
    # DescribeSignalingChannel 3 <request id>
    assert call.attempts == 3 and info is not None
    # logged: kvs_chime INFO retrying DescribeSignalingChannel after attempt 1 failed
    #   with ClientLimitExceededException (request id ...); sleeping 0.004s
    # [/throttled]

    # [per-call]
    endpoint.faults.fail_next(
        "DescribeSignalingChannel", "ClientLimitExceededException"
    )
    try:
        kv.describe_signaling_channel(
            describe, retry=RetryPolicy(max_attempts=1)
        )  # no retries here
    except (
        ThrottlingError
    ) as error:  # ClientLimitExceededError and ThrottledClientError
        assert isinstance(error, ClientLimitExceededError)
        print(error.code, error.attempts)  # ClientLimitExceededException 1
    # [/per-call]
    else:
        raise AssertionError("expected a ThrottlingError")

    # [http]
    # botocore's retries are off on the clients facades build: one attempt, one request.
    assert len(endpoint.journal.entries("DescribeSignalingChannel")) == 3 + 1
    # [/http]
