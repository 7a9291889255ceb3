"""Waiters: poll until a resource reaches a state; each poll is a call like any other."""

from kvs_chime import KinesisVideo, Poll, WaiterError
from kvs_chime.kinesisvideo import (
    CreateStreamRequest,
    DeleteStreamRequest,
    Status,
    StreamInfo,
)
from kvs_chime.testing import LocalEndpoint

# Streams take 0.2 s to become ACTIVE here (on AWS: seconds).
with LocalEndpoint(activation_delay=0.2) as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )

    # [active]
    created = kv.create_stream(
        CreateStreamRequest(stream_name="camera-1", data_retention_in_hours=24)
    )
    info = kv.wait_until_stream_active(
        stream_arn=created.stream_arn, poll=Poll(timeout=10, interval=0.05)
    )
    print(info.stream_name, info.status, info.data_retention_in_hours)
    # camera-1 ACTIVE 24
    assert info.status == Status.ACTIVE and info.stream_arn is not None
    # [/active]

    # [timeout]
    endpoint.activation_delay = 60  # a stream that will not be ready in time
    kv.create_stream(CreateStreamRequest(stream_name="camera-2"))
    try:
        kv.wait_until_stream_active(
            stream_name="camera-2", poll=Poll(timeout=0.2, interval=0.05)
        )
    except WaiterError as error:
        print(error)  # stream active: timed out after 0.2s (timeout 0.2s)
        last = (
            error.last_state
        )  # the last StreamInfo read (None if the stream was never found)
        assert isinstance(last, StreamInfo)
        print(last.status)  # CREATING
    # [/timeout]
    else:
        raise AssertionError("expected a WaiterError")

    # [deleted]
    endpoint.deletion_delay = 0.1
    kv.delete_stream(DeleteStreamRequest(stream_arn=info.stream_arn))
    kv.wait_until_stream_deleted(
        stream_name="camera-1", poll=Poll(timeout=10, interval=0.05)
    )
    # [/deleted]
