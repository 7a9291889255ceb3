"""A tour of kvs_chime.testing: fault injection and the journal, through a facade."""

from kvs_chime import KinesisVideo, ResponseParseError, RetryPolicy, last_call
from kvs_chime.kinesisvideo import (
    CreateStreamRequest,
    DescribeStreamRequest,
    ListStreamsRequest,
)
from kvs_chime.testing import LocalEndpoint

# [endpoint]
with LocalEndpoint(region="eu-west-1", account_id="111122223333") as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),  # dummy credentials: nobody checks
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        retry=RetryPolicy(
            initial_delay=0.001, max_delay=0.01
        ),  # millisecond backoff in tests
    )
    # [/endpoint]
    created = kv.create_stream(CreateStreamRequest(stream_name="camera"))
    assert created.stream_arn is not None and ":111122223333:" in created.stream_arn

    # [fail]
    # Error answers, with the model's HTTP status (400 here); other codes need one.
    endpoint.faults.fail_next("DescribeStream", "ClientLimitExceededException", times=2)
    endpoint.faults.fail_next(
        "ListStreams", "InternalFailure", 500, message="try again"
    )
    kv.describe_stream(DescribeStreamRequest(stream_name="camera"))
    kv.list_streams(ListStreamsRequest())  # a 500 on a read-only call is retried too
    assert endpoint.faults.pending() == 0
    # [/fail]

    # [connections]
    endpoint.faults.drop_before_apply(
        "DescribeStream"
    )  # closed before applying: nothing changed
    endpoint.faults.drop_after_apply(
        "CreateStream"
    )  # applied, then closed: the ambiguous case
    endpoint.faults.add_latency(
        "DescribeStream", 0.05, times=1
    )  # a slow answer (real sleep, <= 10 s)
    kv.describe_stream(DescribeStreamRequest(stream_name="camera"))
    kv.create_stream(
        CreateStreamRequest(stream_name="camera-2")
    )  # reconciled after the drop
    last = last_call()
    assert last is not None and last.reconciled
    # [/connections]

    # [bodies]
    # Altered answers: set or drop a member, rewrite the body, or send raw bytes.
    endpoint.faults.set_member_next(
        "DescribeStream", "StreamInfo.Status", "FROZEN"
    )  # an unknown enum value
    info = kv.describe_stream(DescribeStreamRequest(stream_name="camera")).stream_info
    assert info is not None and info.status == "FROZEN"

    endpoint.faults.raw_next("DescribeStream", b"{not json")
    try:
        kv.describe_stream(DescribeStreamRequest(stream_name="camera"))
    except ResponseParseError as error:
        print(error.problems)  # ('$: the response body is not valid JSON',)
    # [/bodies]
    else:
        raise AssertionError("expected a ResponseParseError")

    # [journal]
    for entry in endpoint.journal.entries("DescribeStream")[:3]:
        print(
            entry.operation,
            entry.status,
            entry.error_code,
            entry.fault,
            entry.dropped,
            entry.latency,
        )
    # DescribeStream 400 ClientLimitExceededException fail False 0.0
    # DescribeStream 400 ClientLimitExceededException fail False 0.0
    # DescribeStream 200 None None False 0.0
    first = endpoint.journal.entries("CreateStream")[0]
    assert first.params == {"StreamName": "camera"} and first.service == "kinesisvideo"
    # [/journal]

    # [reset]
    endpoint.reset()  # forget resources, pending faults and journal; keep settings
    assert len(endpoint.journal) == 0 and kv.list_streams().stream_info_list == []
    # [/reset]
