"""The SDK's reliability through botocore's full HTTP stack, against the local endpoint.

Each test injects a fault into the endpoint and checks what a user relies on: how many HTTP
attempts reached the service (the endpoint's journal counts them), what exists afterwards, and
what the caller got. Retries sleep through an injected fake clock: nothing waits for real.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from kvs_chime import (
    KvsChimeError,
    ResponseParseError,
    RetryPolicy,
    ServiceError,
    TransportError,
    last_call,
)
from kvs_chime.errors import (
    AccessDeniedError,
    ClientLimitExceededError,
    InvalidArgumentError,
    ThrottledClientError,
)
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    KinesisVideo,
    Status,
)
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    CreateMediaStreamPipelineRequest,
    KinesisVideoStreamConfiguration,
    ListTagsForResourceRequest,
    MediaPipelines,
    MediaStreamSink,
    MediaStreamSource,
    Tag,
    TagResourceRequest,
)
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import ensure_signaling_channel

from ..unit.test_pipeline import FakeTime

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    # Not about asynchronous states: every change is immediate here.
    with LocalEndpoint(activation_delay=0) as ep:
        yield ep


@pytest.fixture
def ep(endpoint: LocalEndpoint) -> LocalEndpoint:
    endpoint.reset()
    return endpoint


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kv(ep: LocalEndpoint, time_: FakeTime) -> KinesisVideo:
    return KinesisVideo(client=ep.client("kinesisvideo"), sleep=time_.sleep, clock=time_.clock)


@pytest.fixture
def media(ep: LocalEndpoint, time_: FakeTime) -> MediaPipelines:
    return MediaPipelines(client=ep.client("chime-sdk-media-pipelines"), sleep=time_.sleep, clock=time_.clock)


def http_attempts(ep: LocalEndpoint, operation: str) -> int:
    return len(ep.journal.entries(operation))


def make_pool(media: MediaPipelines, name: str = "pool") -> str:
    pool = media.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            pool_name=name, stream_configuration=KinesisVideoStreamConfiguration(region="us-east-1")
        )
    ).kinesis_video_stream_pool_configuration
    assert pool is not None and pool.pool_arn is not None
    return pool.pool_arn


def pipeline_request(pool_arn: str, token: str | None = None) -> CreateMediaStreamPipelineRequest:
    return CreateMediaStreamPipelineRequest(
        sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=MEETING)],
        sinks=[
            MediaStreamSink(
                sink_arn=pool_arn,
                sink_type="KinesisVideoStreamPool",
                reserved_stream_capacity=1,
                media_stream_type="MixedAudio",
            )
        ],
        client_request_token=token,
    )


def channel_names(kv: KinesisVideo) -> list[str | None]:
    return [c.channel_name for c in kv.iter_signaling_channels()]


def pipeline_ids(media: MediaPipelines) -> list[str | None]:
    return [p.media_pipeline_id for p in media.iter_media_pipelines()]


# 1
def test_client_limit_exceeded_three_times_then_success(ep: LocalEndpoint, kv: KinesisVideo) -> None:
    ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=3)
    kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert http_attempts(ep, "CreateSignalingChannel") == 4
    assert channel_names(kv) == ["door"]


# 2
def test_throttled_twice_then_success_sends_one_token(ep: LocalEndpoint, media: MediaPipelines) -> None:
    pool_arn = make_pool(media)
    ep.faults.fail_next("CreateMediaStreamPipeline", "ThrottledClientException", times=2)
    created = media.create_media_stream_pipeline(pipeline_request(pool_arn)).media_stream_pipeline
    attempts = ep.journal.entries("CreateMediaStreamPipeline")
    assert [(e.status, e.error_code) for e in attempts[:2]] == [(429, "ThrottledClientException")] * 2
    assert len(attempts) == 3 and attempts[2].error_code is None
    tokens = {e.client_request_token for e in attempts}
    assert len(tokens) == 1 and None not in tokens
    info = last_call()
    assert info is not None and info.idempotency_token in tokens
    assert created is not None and pipeline_ids(media) == [created.media_pipeline_id]


# 3
def test_dropped_answer_on_pipeline_create_is_retried_with_the_same_token(
    ep: LocalEndpoint, media: MediaPipelines
) -> None:
    pool_arn = make_pool(media)
    ep.faults.drop_after_apply("CreateMediaStreamPipeline")
    created = media.create_media_stream_pipeline(pipeline_request(pool_arn)).media_stream_pipeline
    attempts = ep.journal.entries("CreateMediaStreamPipeline")
    assert [e.dropped for e in attempts] == [True, False]
    assert attempts[0].client_request_token == attempts[1].client_request_token
    assert created is not None and pipeline_ids(media) == [created.media_pipeline_id]


# 4
def test_dropped_answer_on_channel_create_reconciles_to_the_channel_made(
    ep: LocalEndpoint, kv: KinesisVideo
) -> None:
    ep.faults.drop_after_apply("CreateSignalingChannel")
    created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    info = last_call()
    assert info is not None and info.reconciled
    described = kv.describe_signaling_channel(
        DescribeSignalingChannelRequest(channel_name="door")
    ).channel_info
    assert described is not None and created.channel_arn == described.channel_arn
    assert channel_names(kv) == ["door"]
    assert [e.error_code for e in ep.journal.entries("CreateSignalingChannel")] == [
        None,
        "ResourceInUseException",
    ]


# 5
def test_attempts_exhausted_raises_the_typed_error_and_creates_nothing(
    ep: LocalEndpoint, kv: KinesisVideo
) -> None:
    ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=10)
    with pytest.raises(ClientLimitExceededError) as caught:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="door"), retry=RetryPolicy(max_attempts=3)
        )
    assert caught.value.attempts == 3 and caught.value.http_status == 400
    assert caught.value.request_id is not None
    assert http_attempts(ep, "CreateSignalingChannel") == 3
    assert channel_names(kv) == []


# 6
@pytest.mark.parametrize(
    ("code", "error"),
    [("InvalidArgumentException", InvalidArgumentError), ("AccessDeniedException", AccessDeniedError)],
)
def test_non_retryable_errors_make_one_http_attempt(
    ep: LocalEndpoint, kv: KinesisVideo, time_: FakeTime, code: str, error: type[Exception]
) -> None:
    ep.faults.fail_next("CreateSignalingChannel", code)
    with pytest.raises(error):
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert http_attempts(ep, "CreateSignalingChannel") == 1
    assert time_.sleeps == []


# 7
def test_deadline_shorter_than_the_backoff_gives_up_in_time(
    ep: LocalEndpoint, media: MediaPipelines, time_: FakeTime
) -> None:
    pool_arn = make_pool(media)
    ep.faults.fail_next("CreateMediaStreamPipeline", "ThrottledClientException", times=100)
    policy = RetryPolicy(max_attempts=100, deadline=2.0, initial_delay=5.0, max_delay=5.0)
    start = time_.now
    with pytest.raises(ThrottledClientError) as caught:
        media.create_media_stream_pipeline(pipeline_request(pool_arn), retry=policy)
    assert time_.now - start <= 2.0
    assert caught.value.attempts == http_attempts(ep, "CreateMediaStreamPipeline") < 100
    assert pipeline_ids(media) == []


# 8
def test_many_threads_under_throttling_make_one_channel_and_distinct_pipelines(ep: LocalEndpoint) -> None:
    # Real threads against the real server; sleeps are no-ops so throttling only costs attempts.
    policy = RetryPolicy(max_attempts=30, deadline=None)
    kv = KinesisVideo(client=ep.client("kinesisvideo"), sleep=lambda _: None, retry=policy)
    media = MediaPipelines(client=ep.client("chime-sdk-media-pipelines"), sleep=lambda _: None, retry=policy)
    pool_arn = make_pool(media)
    ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=20)
    ep.faults.fail_next("DescribeSignalingChannel", "ClientLimitExceededException", times=20)
    ep.faults.fail_next("CreateMediaStreamPipeline", "ThrottledClientException", times=40)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def ensure(_: int) -> str | None:
        return ensure_signaling_channel(kv, "shared-door").channel_arn

    def create(i: int) -> str | None:
        created = media.create_media_stream_pipeline(pipeline_request(pool_arn, token=f"token-{i:02d}"))
        assert created.media_stream_pipeline is not None
        return created.media_stream_pipeline.media_pipeline_id

    def guarded(fn: Any, i: int) -> str | None:
        try:
            return fn(i)  # type: ignore[no-any-return]  # fn is ensure or create
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return None

    with ThreadPoolExecutor(max_workers=50) as pool:
        channels = list(pool.map(lambda i: guarded(ensure, i), range(50)))
        pipelines = list(pool.map(lambda i: guarded(create, i), range(50)))

    assert errors == []
    assert len(set(channels)) == 1 and channel_names(kv) == ["shared-door"]
    assert len(set(pipelines)) == 50 and sorted(map(str, pipeline_ids(media))) == sorted(map(str, pipelines))


# 9
def test_unknown_enum_value_and_member_are_parsed_and_preserved(ep: LocalEndpoint, kv: KinesisVideo) -> None:
    kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    ep.faults.set_member_next("DescribeSignalingChannel", "ChannelInfo.ChannelStatus", "HIBERNATING")
    ep.faults.set_member_next("DescribeSignalingChannel", "ChannelInfo.Colour", "blue")
    info = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door")).channel_info
    assert info is not None and info.channel_status == "HIBERNATING"
    assert not isinstance(info.channel_status, Status)
    assert info.channel_name == "door"


# 10
def test_malformed_json_raises_a_parse_error_carrying_the_raw_body(
    ep: LocalEndpoint, kv: KinesisVideo
) -> None:
    kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    ep.faults.raw_next("DescribeSignalingChannel", b'{"ChannelInfo": {"ChannelName": "door",')
    with pytest.raises(ResponseParseError) as caught:
        kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
    assert "not valid JSON" in str(caught.value)
    assert caught.value.raw["Body"] == b'{"ChannelInfo": {"ChannelName": "door",'


def test_missing_required_member_raises_a_parse_error_naming_it(
    ep: LocalEndpoint, media: MediaPipelines
) -> None:
    pool_arn = make_pool(media)
    media.tag_resource(TagResourceRequest(resource_arn=pool_arn, tags=[Tag(key="team", value="video")]))
    ep.faults.drop_member_next("ListTagsForResource", "Tags.0.Value", service="chime-sdk-media-pipelines")
    with pytest.raises(ResponseParseError) as caught:
        media.list_tags_for_resource(ListTagsForResourceRequest(resource_arn=pool_arn))
    assert any("tags[0].value" in p for p in caught.value.problems)
    assert caught.value.raw["Tags"] == [{"Key": "team"}]


def test_connection_dropped_on_an_unsafe_call_is_not_retried(ep: LocalEndpoint, kv: KinesisVideo) -> None:
    from kvs_chime.kinesisvideo import SingleMasterConfiguration, UpdateSignalingChannelRequest

    arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    info = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=arn)).channel_info
    assert info is not None and info.version is not None
    ep.faults.drop_before_apply("UpdateSignalingChannel")
    with pytest.raises(TransportError) as caught:
        kv.update_signaling_channel(
            UpdateSignalingChannelRequest(
                channel_arn=arn,
                current_version=info.version,
                single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=90),
            )
        )
    # The client cannot tell a drop before from a drop after applying: outcome unknown, not repeated.
    assert caught.value.outcome_unknown
    assert http_attempts(ep, "UpdateSignalingChannel") == 1
    assert isinstance(caught.value, KvsChimeError)


def test_a_dropped_delete_is_repeated_and_not_found_then_means_done(
    ep: LocalEndpoint, kv: KinesisVideo
) -> None:
    from kvs_chime.kinesisvideo import DeleteSignalingChannelRequest

    arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    ep.faults.drop_after_apply("DeleteSignalingChannel")
    kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=arn))
    codes = [e.error_code for e in ep.journal.entries("DeleteSignalingChannel")]
    assert codes == [None, "ResourceNotFoundException"]
    info = last_call()
    assert info is not None and info.attempts == 2
    assert channel_names(kv) == []


def test_a_delete_not_found_on_its_first_attempt_stays_an_error(ep: LocalEndpoint, kv: KinesisVideo) -> None:
    from kvs_chime.errors import NotFoundError
    from kvs_chime.kinesisvideo import DeleteSignalingChannelRequest

    arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=arn))
    with pytest.raises(NotFoundError):
        kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=arn))


@pytest.mark.parametrize(("code", "status"), [("InternalFailure", 500), ("ServiceUnavailable", 503)])
def test_total_http_attempts_equal_the_policys_on_a_facade_built_client(
    ep: LocalEndpoint, time_: FakeTime, code: str, status: int
) -> None:
    # botocore's standard mode would retry 5xx by itself (3 attempts per call); the facade turns
    # that layer off so one call makes exactly RetryPolicy.max_attempts HTTP attempts.
    kv = KinesisVideo(
        session=ep.boto3_session(),
        endpoint_url=ep.url,
        region_name=ep.region,
        retry=RetryPolicy(max_attempts=4),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    ep.faults.fail_next("DescribeSignalingChannel", code, status, times=20)
    with pytest.raises(KvsChimeError) as caught:
        kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
    assert isinstance(caught.value, ServiceError) and caught.value.attempts == 4
    assert http_attempts(ep, "DescribeSignalingChannel") == 4
