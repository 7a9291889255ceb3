"""Fault injection and the journal, as a client sees them through botocore."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError

from kvs_chime.testing import JsonObject, JsonValue, LocalEndpoint


@pytest.mark.parametrize(
    ("service", "operation", "code", "status"),
    [
        ("kinesisvideo", "DescribeSignalingChannel", "ClientLimitExceededException", 400),
        ("chime-sdk-media-pipelines", "ListMediaPipelines", "ThrottledClientException", 429),
        ("chime-sdk-media-pipelines", "ListMediaPipelines", "ServiceFailureException", 500),
        ("chime-sdk-media-pipelines", "ListMediaPipelines", "ServiceUnavailableException", 503),
        ("kinesisvideo", "DescribeSignalingChannel", "ServiceUnavailableException", 503),
    ],
)
def test_fail_next_n_calls_with_the_models_status(
    local_endpoint: LocalEndpoint, service: str, operation: str, code: str, status: int
) -> None:
    client = local_endpoint.client(service)
    if service == "kinesisvideo":
        client.create_signaling_channel(ChannelName="door")

        def call() -> object:
            return client.describe_signaling_channel(ChannelName="door")

        # Not modeled by Kinesis Video, so the status must be given.
        local_endpoint.faults.fail_next(
            operation, code, status if code == "ServiceUnavailableException" else None, times=2
        )
    else:

        def call() -> object:
            return client.list_media_pipelines()

        local_endpoint.faults.fail_next(operation, code, times=2)

    for _ in range(2):
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == code
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    call()
    assert local_endpoint.faults.pending() == 0
    faults = [e.fault for e in local_endpoint.journal.entries(operation)]
    assert faults == ["fail", "fail", None]


def test_fail_next_does_not_apply_the_request(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException")
    with pytest.raises(kvs.exceptions.ClientLimitExceededException):
        kvs.create_signaling_channel(ChannelName="door")
    assert kvs.list_signaling_channels()["ChannelInfoList"] == []


def test_fail_next_needs_a_status_for_codes_the_model_does_not_declare(local_endpoint: LocalEndpoint) -> None:
    with pytest.raises(ValueError, match="status"):
        local_endpoint.faults.fail_next("CreateStream", "ThrottlingException")
    with pytest.raises(ValueError, match="unknown operation"):
        local_endpoint.faults.fail_next("CreateStreem", "ClientLimitExceededException")


def test_drop_after_apply_changes_state_but_the_client_sees_a_connection_error(
    local_endpoint: LocalEndpoint,
) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.drop_after_apply("CreateSignalingChannel")
    with pytest.raises(ConnectionClosedError):
        kvs.create_signaling_channel(ChannelName="door")
    assert kvs.describe_signaling_channel(ChannelName="door")["ChannelInfo"]["ChannelName"] == "door"
    with pytest.raises(kvs.exceptions.ResourceInUseException):
        kvs.create_signaling_channel(ChannelName="door")
    dropped = local_endpoint.journal.entries("CreateSignalingChannel")[0]
    assert (dropped.dropped, dropped.status, dropped.fault) == (True, None, "drop_after_apply")


def test_drop_before_apply_leaves_state_alone(local_endpoint: LocalEndpoint) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    local_endpoint.faults.drop_before_apply("CreateMediaPipelineKinesisVideoStreamPool")
    with pytest.raises(ConnectionClosedError):
        media.create_media_pipeline_kinesis_video_stream_pool(
            PoolName="p", StreamConfiguration={"Region": "us-east-1"}
        )
    assert media.list_media_pipeline_kinesis_video_stream_pools()["KinesisVideoStreamPools"] == []


def test_drop_after_apply_then_retry_with_the_same_token_gets_the_same_pool(
    local_endpoint: LocalEndpoint,
) -> None:
    media = local_endpoint.client("chime-sdk-media-pipelines")
    local_endpoint.faults.drop_after_apply("CreateMediaPipelineKinesisVideoStreamPool")
    kwargs: dict[str, object] = {
        "PoolName": "p",
        "StreamConfiguration": {"Region": "us-east-1"},
        "ClientRequestToken": "retry-me",
    }
    with pytest.raises(ConnectionClosedError):
        media.create_media_pipeline_kinesis_video_stream_pool(**kwargs)
    retried = media.create_media_pipeline_kinesis_video_stream_pool(**kwargs)
    assert retried["KinesisVideoStreamPoolConfiguration"]["PoolName"] == "p"
    tokens = [
        e.client_request_token
        for e in local_endpoint.journal.entries("CreateMediaPipelineKinesisVideoStreamPool")
    ]
    assert tokens == ["retry-me", "retry-me"]


def test_malformed_json_response(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="door")
    local_endpoint.faults.raw_next("DescribeSignalingChannel", b'{"ChannelInfo": {')
    # botocore is lenient with a 200 it cannot parse: the output simply lacks its members.
    assert "ChannelInfo" not in kvs.describe_signaling_channel(ChannelName="door")

    local_endpoint.faults.raw_next("DescribeSignalingChannel", b"<html>oops</html>", status=502)
    with pytest.raises(ClientError) as info:
        kvs.describe_signaling_channel(ChannelName="door")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 502
    assert local_endpoint.journal.entries("DescribeSignalingChannel")[-1].fault == "raw"


def test_raw_response_applies_the_request_first(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.raw_next("CreateStream", b"")
    kvs.create_stream(StreamName="cam")
    assert kvs.describe_stream(StreamName="cam")["StreamInfo"]["StreamName"] == "cam"


def test_unknown_enum_value_unknown_member_and_missing_member(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="door")
    faults = local_endpoint.faults
    faults.set_member_next("DescribeSignalingChannel", "ChannelInfo.ChannelStatus", "HIBERNATING")
    faults.set_member_next("DescribeSignalingChannel", "ChannelInfo.Colour", "blue")
    faults.drop_member_next("DescribeSignalingChannel", "ChannelInfo.ChannelARN")
    info = kvs.describe_signaling_channel(ChannelName="door")["ChannelInfo"]
    assert info["ChannelStatus"] == "HIBERNATING"
    assert "ChannelARN" not in info
    assert "Colour" not in info  # botocore drops members its model does not know
    assert local_endpoint.journal.entries("DescribeSignalingChannel")[-1].fault == "mutate"
    assert kvs.describe_signaling_channel(ChannelName="door")["ChannelInfo"]["ChannelStatus"] == "ACTIVE"


def test_mutations_skip_error_answers_and_can_rewrite_the_whole_body(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")

    def rewrite(body: JsonObject) -> JsonValue:
        return {"ChannelInfoList": [{"ChannelName": "ghost", "ChannelStatus": "ACTIVE"}], **body}

    local_endpoint.faults.mutate_next("ListSignalingChannels", rewrite)
    local_endpoint.faults.fail_next("ListSignalingChannels", "ClientLimitExceededException")
    with pytest.raises(ClientError):
        kvs.list_signaling_channels()
    assert local_endpoint.faults.pending() == 1
    channels = kvs.list_signaling_channels()["ChannelInfoList"]
    assert channels == []  # the real (empty) list wins in `{..., **body}`
    assert local_endpoint.faults.pending() == 0


def test_a_mutation_path_missing_from_the_answer_is_a_server_error(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.drop_member_next("ListSignalingChannels", "NoSuch.Member")
    with pytest.raises(ClientError) as info:
        kvs.list_signaling_channels()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "NoSuch.Member" in info.value.response["Error"]["Message"]


def test_latency_delays_answers(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.add_latency("ListStreams", 0.05, times=1)
    started = time.perf_counter()
    kvs.list_streams()
    assert time.perf_counter() - started >= 0.05
    entries = local_endpoint.journal.entries("ListStreams")
    assert entries[0].latency == 0.05
    kvs.list_streams()
    assert local_endpoint.journal.entries("ListStreams")[1].latency == 0.0
    with pytest.raises(ValueError):
        local_endpoint.faults.add_latency("ListStreams", 3600)


def test_service_narrows_shared_operation_names(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    media = local_endpoint.client("chime-sdk-media-pipelines")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    local_endpoint.faults.fail_next(
        "ListTagsForResource", "ThrottledClientException", service="chime-sdk-media-pipelines"
    )
    assert kvs.list_tags_for_resource(ResourceARN=arn)["Tags"] == {}
    with pytest.raises(media.exceptions.ThrottledClientException):
        media.list_tags_for_resource(ResourceARN=arn)


def test_wildcard_operation_and_clear(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    local_endpoint.faults.fail_next("*", "ClientLimitExceededException", 400, times=5)
    with pytest.raises(kvs.exceptions.ClientLimitExceededException):
        kvs.list_streams()
    local_endpoint.faults.clear()
    kvs.list_streams()


def test_journal_records_each_request(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    media = local_endpoint.client("chime-sdk-media-pipelines")
    kvs.create_signaling_channel(ChannelName="door", SingleMasterConfiguration={"MessageTtlSeconds": 30})
    with pytest.raises(ClientError):
        kvs.describe_signaling_channel(ChannelName="nope")
    media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="p", StreamConfiguration={"Region": "us-east-1"}, ClientRequestToken="tok-1"
    )

    assert local_endpoint.journal.operations() == [
        "CreateSignalingChannel",
        "DescribeSignalingChannel",
        "CreateMediaPipelineKinesisVideoStreamPool",
    ]
    create, describe, pool = local_endpoint.journal.entries()
    assert create.service == "kinesisvideo"
    assert create.params == {"ChannelName": "door", "SingleMasterConfiguration": {"MessageTtlSeconds": 30}}
    assert (create.status, create.error_code, create.dropped, create.client_request_token) == (
        200,
        None,
        False,
        None,
    )
    assert (describe.status, describe.error_code) == (404, "ResourceNotFoundException")
    assert (pool.service, pool.status, pool.client_request_token) == (
        "chime-sdk-media-pipelines",
        201,
        "tok-1",
    )
    assert pool.method == "POST" and pool.path == "/media-pipeline-kinesis-video-stream-pools"
    assert len({e.request_id for e in local_endpoint.journal}) == 3

    local_endpoint.journal.clear()
    assert len(local_endpoint.journal) == 0
