"""The call pipeline's retries, idempotency tokens and reconciled creates, against botocore's Stubber.

Time is injected (a fake clock advanced by the fake sleep): nothing here waits for real.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from botocore.stub import ANY, Stubber

from kvs_chime import ReconciliationConflictError, RetryPolicy, TransportError, ValidationError, last_call
from kvs_chime._call import Attempt, Calls, new_token
from kvs_chime._callinfo import CallInfo
from kvs_chime._steps import Send, Sleep
from kvs_chime.errors import (
    AccessDeniedError,
    ClientLimitExceededError,
    InvalidArgumentError,
    ResourceInUseError,
    ServiceFailureError,
    ThrottledClientError,
)
from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    KinesisVideo,
    SingleMasterConfiguration,
    UpdateSignalingChannelRequest,
)
from kvs_chime.kinesisvideo._operations import _DESCRIBE_SIGNALING_CHANNEL
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    MediaPipelines,
    MediaStreamSink,
    MediaStreamSource,
)
from kvs_chime.testing import LocalEndpoint

CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
POOL_ARN = "arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/pool"
MEETING_ARN = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class TransportFaults:
    """The stubbed client with transport failures raised before chosen attempts reach it,
    as a dropped connection or a read timeout would (Stubber cannot produce those)."""

    def __init__(self, client: Any, failures: dict[str, list[Exception]]) -> None:
        self._client = client
        self._failures = failures
        self.meta = client.meta

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._client, name)

        def call(**kwargs: Any) -> Any:
            queue = self._failures.get(name)
            if queue:
                raise queue.pop(0)
            return method(**kwargs)

        return call


def client(service: str) -> Any:
    return boto3.client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kv_client() -> Iterator[tuple[Any, Stubber]]:
    c = client("kinesisvideo")
    with Stubber(c) as stubber:
        yield c, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def media_client() -> Iterator[tuple[Any, Stubber]]:
    c = client("chime-sdk-media-pipelines")
    with Stubber(c) as stubber:
        yield c, stubber
        stubber.assert_no_pending_responses()


def sent_tokens(c: Any) -> list[str]:
    """Record the ClientRequestToken of every attempt as botocore is about to serialise it."""
    tokens: list[str] = []
    c.meta.events.register(
        "before-parameter-build.chime-sdk-media-pipelines.CreateMediaStreamPipeline",
        lambda params, **_: tokens.append(params["ClientRequestToken"]),
    )
    return tokens


def stream_request(token: str | None = None) -> CreateMediaStreamPipelineRequest:
    return CreateMediaStreamPipelineRequest(
        sources=[MediaStreamSource(source_type="ChimeSdkMeeting", source_arn=MEETING_ARN)],
        sinks=[
            MediaStreamSink(
                sink_arn=POOL_ARN,
                sink_type="KinesisVideoStreamPool",
                reserved_stream_capacity=1,
                media_stream_type="MixedAudio",
            )
        ],
        client_request_token=token,
    )


# Every describe and create answers with its present members (tools/present_members.txt).
CREATED = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)


STREAM_PIPELINE = {
    "MediaStreamPipeline": {
        "MediaPipelineId": "5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11",
        "MediaPipelineArn": "arn:aws:chime:us-east-1:123456789012:media-pipeline/5d6c9d3e-8f5a-4f47-9d0e-2b3f1c0a9e11",
        "Status": "Initializing",
        "CreatedTimestamp": CREATED,
    }
}


def test_client_limit_exceeded_twice_then_success_makes_three_attempts(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock)
    for _ in range(2):
        stubber.add_client_error(
            "create_signaling_channel", "ClientLimitExceededException", http_status_code=400
        )
    stubber.add_response("create_signaling_channel", {"ChannelARN": CHANNEL_ARN}, {"ChannelName": "door"})

    created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))

    assert created.channel_arn == CHANNEL_ARN
    info = last_call()
    assert info is not None and info.attempts == 3 and info.operation == "CreateSignalingChannel"
    policy = kv.retry
    assert len(time_.sleeps) == 2
    assert all(0 <= s <= policy.delay_bound(n) for n, s in enumerate(time_.sleeps, start=1))


def test_same_generated_token_on_every_attempt(media_client: tuple[Any, Stubber], time_: FakeTime) -> None:
    c, stubber = media_client
    tokens = sent_tokens(c)
    media = MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock)
    for _ in range(2):
        stubber.add_client_error(
            "create_media_stream_pipeline", "ThrottledClientException", http_status_code=429
        )
    stubber.add_response(
        "create_media_stream_pipeline",
        STREAM_PIPELINE,
        {**_expected_stream_params(), "ClientRequestToken": ANY},
    )

    media.create_media_stream_pipeline(stream_request())

    assert len(tokens) == 3 and len(set(tokens)) == 1
    info = last_call()
    assert info is not None and info.idempotency_token == tokens[0] and info.attempts == 3


def test_each_logical_call_gets_its_own_token(media_client: tuple[Any, Stubber], time_: FakeTime) -> None:
    c, stubber = media_client
    tokens = sent_tokens(c)
    media = MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock)
    for _ in range(2):
        stubber.add_response("create_media_stream_pipeline", STREAM_PIPELINE)
        media.create_media_stream_pipeline(stream_request())
    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_generated_tokens_are_random_version_4_uuids() -> None:
    # What botocore itself would send (`str(uuid.uuid4())`), the service's pattern accepts, and a
    # user may parse back: canonical text, version 4, RFC variant, and random bits that differ.
    made = [new_token() for _ in range(2000)]
    for token in made:
        parsed = uuid.UUID(token)
        assert str(parsed) == token and parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert len(set(made)) == len(made)
    # Every variant digit (8, 9, a, b) and every hex digit elsewhere turns up: no stuck bits.
    assert {t[19] for t in made} == set("89ab")
    assert set("".join(t[:8] for t in made)) == set("0123456789abcdef")


def test_caller_token_is_sent_verbatim(media_client: tuple[Any, Stubber], time_: FakeTime) -> None:
    c, stubber = media_client
    media = MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock)
    stubber.add_client_error("create_media_stream_pipeline", "ThrottledClientException", http_status_code=429)
    stubber.add_response(
        "create_media_stream_pipeline",
        STREAM_PIPELINE,
        {**_expected_stream_params(), "ClientRequestToken": "my-token-1"},
    )
    media.create_media_stream_pipeline(stream_request("my-token-1"))
    info = last_call()
    assert info is not None and info.idempotency_token == "my-token-1"


def test_token_is_on_the_error_when_attempts_run_out(
    media_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = media_client
    media = MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock, retry=RetryPolicy(max_attempts=3))
    tokens = sent_tokens(c)
    for _ in range(3):
        stubber.add_client_error(
            "create_media_stream_pipeline", "ServiceFailureException", http_status_code=500
        )

    with pytest.raises(ServiceFailureError) as caught:
        media.create_media_stream_pipeline(stream_request())

    assert caught.value.attempts == 3
    assert caught.value.idempotency_token == tokens[0] and set(tokens) == {tokens[0]}


@pytest.mark.parametrize(
    ("code", "error"),
    [("InvalidArgumentException", InvalidArgumentError), ("AccessDeniedException", AccessDeniedError)],
)
def test_non_retryable_errors_make_exactly_one_attempt(
    kv_client: tuple[Any, Stubber], time_: FakeTime, code: str, error: type[Exception]
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock)
    stubber.add_client_error("create_signaling_channel", code, http_status_code=400)
    with pytest.raises(error) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.attempts == 1
    assert time_.sleeps == []


def test_attempts_exhausted_raises_last_typed_error_not_tenacitys(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock, retry=RetryPolicy(max_attempts=4))
    for n in range(4):
        stubber.add_client_error(
            "create_signaling_channel",
            "ClientLimitExceededException",
            service_message=f"slow down {n}",
            http_status_code=400,
            response_meta={"RequestId": f"req-{n}"},
        )
    with pytest.raises(ClientLimitExceededError) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.attempts == 4
    assert caught.value.message == "slow down 3" and caught.value.request_id == "req-3"
    assert "attempt 4" in str(caught.value)
    assert len(time_.sleeps) == 3


def test_per_call_policy_overrides_the_facades(kv_client: tuple[Any, Stubber], time_: FakeTime) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock, retry=RetryPolicy(max_attempts=5))
    stubber.add_client_error("create_signaling_channel", "ClientLimitExceededException", http_status_code=400)
    with pytest.raises(ClientLimitExceededError) as caught:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="door"), retry=RetryPolicy(max_attempts=1)
        )
    assert caught.value.attempts == 1


def test_deadline_shorter_than_the_backoff_gives_up_in_time(
    media_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = media_client
    policy = RetryPolicy(max_attempts=50, deadline=3.0, initial_delay=1.0, max_delay=1.0)
    media = MediaPipelines(client=c, sleep=time_.sleep, clock=time_.clock, retry=policy)
    for _ in range(50):
        stubber.add_client_error(
            "create_media_stream_pipeline", "ThrottledClientException", http_status_code=429
        )
    start = time_.now
    with pytest.raises(ThrottledClientError) as caught:
        media.create_media_stream_pipeline(stream_request())
    assert time_.now - start <= 3.0
    assert 1 < caught.value.attempts < 50
    # Drain what the deadline left unused so the fixture's pending check passes.
    stubber._queue.clear()  # Stubber has no public way to drop queued responses


def test_each_retry_is_logged_without_parameters(
    kv_client: tuple[Any, Stubber], time_: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock)
    stubber.add_client_error(
        "create_signaling_channel",
        "ClientLimitExceededException",
        http_status_code=400,
        response_meta={"RequestId": "req-7"},
    )
    stubber.add_response("create_signaling_channel", {"ChannelARN": CHANNEL_ARN})
    with caplog.at_level(logging.INFO, logger="kvs_chime"):
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="secret-door-name"))
    [record] = [r for r in caplog.records if r.name == "kvs_chime"]
    message = record.getMessage()
    assert "CreateSignalingChannel" in message and "attempt 1" in message
    assert "ClientLimitExceededException" in message and "req-7" in message and "sleeping" in message
    assert "secret-door-name" not in message


# -- outcome-unknown failures ---------------------------------------------------------------


def read_timeout() -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url="https://kinesisvideo.us-east-1.amazonaws.com")


def test_outcome_unknown_failure_is_not_retried_for_an_unsafe_operation(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, _ = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"update_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    request = UpdateSignalingChannelRequest(channel_arn=CHANNEL_ARN, current_version="1")
    with pytest.raises(TransportError) as caught:
        kv.update_signaling_channel(request)
    assert caught.value.outcome_unknown and caught.value.attempts == 1
    assert isinstance(caught.value.__cause__, ReadTimeoutError)


def test_failure_before_sending_is_retried_for_any_operation(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    refused = EndpointConnectionError(endpoint_url="https://kinesisvideo.us-east-1.amazonaws.com")
    kv = KinesisVideo(
        client=TransportFaults(c, {"update_signaling_channel": [refused]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_response("update_signaling_channel", {})
    kv.update_signaling_channel(UpdateSignalingChannelRequest(channel_arn=CHANNEL_ARN, current_version="1"))
    info = last_call()
    assert info is not None and info.attempts == 2


def test_outcome_unknown_failure_is_retried_for_a_read(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    dropped = ConnectionClosedError(endpoint_url="https://kinesisvideo.us-east-1.amazonaws.com")
    kv = KinesisVideo(
        client=TransportFaults(c, {"describe_signaling_channel": [dropped]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("describe_signaling_channel", "InternalFailure", http_status_code=500)
    stubber.add_response(
        "describe_signaling_channel",
        {
            "ChannelInfo": {
                "ChannelName": "door",
                "ChannelARN": CHANNEL_ARN,
                "ChannelStatus": "ACTIVE",
                "CreationTime": CREATED,
            }
        },
    )
    info = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door")).channel_info
    assert info is not None and info.channel_name == "door"
    call = last_call()
    assert call is not None and call.attempts == 3


def channel_info(**overrides: Any) -> dict[str, Any]:
    info = {
        "ChannelName": "door",
        "ChannelARN": CHANNEL_ARN,
        "ChannelType": "SINGLE_MASTER",
        "ChannelStatus": "ACTIVE",
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        "Version": "1",
        # Made during the call (the call's start is taken one second early for Date's rounding).
        "CreationTime": datetime.datetime.now(datetime.timezone.utc),
    }
    return {"ChannelInfo": {**info, **overrides}}


def test_create_after_ambiguous_failure_reconciles_to_the_channel_made(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"create_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    stubber.add_response("describe_signaling_channel", channel_info(), {"ChannelName": "door"})

    created = kv.create_signaling_channel(
        CreateSignalingChannelRequest(
            channel_name="door",
            channel_type=ChannelType.SINGLE_MASTER,
            single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
        )
    )

    assert created.channel_arn == CHANNEL_ARN
    info = last_call()
    assert info is not None and info.reconciled and info.operation == "CreateSignalingChannel"


def test_reconciliation_against_a_different_channel_is_a_conflict(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"create_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    stubber.add_response(
        "describe_signaling_channel", channel_info(SingleMasterConfiguration={"MessageTtlSeconds": 30})
    )

    with pytest.raises(ReconciliationConflictError) as caught:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(
                channel_name="door",
                single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=90),
            )
        )
    assert caught.value.differences == {"message_ttl_seconds": (90, 30)}
    assert "message_ttl_seconds" in str(caught.value)


def test_reconciliation_compares_tags_when_asked(kv_client: tuple[Any, Stubber], time_: FakeTime) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"create_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    stubber.add_response("describe_signaling_channel", channel_info())
    stubber.add_response("list_tags_for_resource", {"Tags": {"team": "other"}}, {"ResourceARN": CHANNEL_ARN})
    from kvs_chime.kinesisvideo import Tag

    with pytest.raises(ReconciliationConflictError) as caught:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="door", tags=[Tag(key="team", value="video")])
        )
    assert set(caught.value.differences) == {"tags"}


def test_reconciliation_refuses_a_matching_channel_that_existed_before_the_call(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    # Same name and settings, but created in 2024: another process's channel, never this call's.
    c, stubber = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"create_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    old = datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc)
    stubber.add_response("describe_signaling_channel", channel_info(CreationTime=old))
    with pytest.raises(ReconciliationConflictError) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert set(caught.value.differences) == {"creation_time"}
    # The error is about the create: its attempts and operation, not the look-up's.
    assert caught.value.operation == "CreateSignalingChannel" and caught.value.attempts == 2
    assert isinstance(caught.value.__cause__, ResourceInUseError)
    info = last_call()
    assert info is not None and info.operation == "CreateSignalingChannel" and not info.reconciled


def test_a_look_up_that_fails_during_reconciliation_is_a_conflict_about_the_create(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    from kvs_chime.errors import ResourceNotFoundError

    c, stubber = kv_client
    kv = KinesisVideo(
        client=TransportFaults(c, {"create_signaling_channel": [read_timeout()]}),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    stubber.add_client_error("describe_signaling_channel", "ResourceNotFoundException", http_status_code=404)
    with pytest.raises(ReconciliationConflictError) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.operation == "CreateSignalingChannel" and caught.value.attempts == 2
    assert isinstance(caught.value.__cause__, ResourceNotFoundError)
    info = last_call()
    assert info is not None and info.operation == "CreateSignalingChannel"


def test_resource_in_use_on_the_first_attempt_stays_an_error(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock)
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    with pytest.raises(ResourceInUseError) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.attempts == 1


def test_resource_in_use_after_throttling_only_stays_an_error(
    kv_client: tuple[Any, Stubber], time_: FakeTime
) -> None:
    # A throttled attempt was refused, not applied: the name was taken by someone else.
    c, stubber = kv_client
    kv = KinesisVideo(client=c, sleep=time_.sleep, clock=time_.clock)
    stubber.add_client_error("create_signaling_channel", "ClientLimitExceededException", http_status_code=400)
    stubber.add_client_error("create_signaling_channel", "ResourceInUseException", http_status_code=400)
    with pytest.raises(ResourceInUseError) as caught:
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert caught.value.attempts == 2


def test_botocore_retries_are_off_on_clients_the_facade_builds() -> None:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    kv = KinesisVideo(session=session)
    retries = kv.client.meta.config.retries  # type: ignore[attr-defined]  # boto3 client attribute
    assert retries == {"mode": "standard", "total_max_attempts": 1}
    mine = KinesisVideo(session=session, config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
    assert mine.client.meta.config.retries["total_max_attempts"] == 3  # type: ignore[attr-defined]  # boto3 client attribute


def test_clients_the_facade_builds_leave_validation_to_the_package() -> None:
    # The package's own checks run before the client and reject whatever botocore's would
    # (test_validation_superset.py); botocore repeating them would only cost time. Seen from the
    # client: an empty name, which botocore's validation refuses before sending, reaches the
    # service and is refused there.
    with LocalEndpoint() as endpoint:
        session = endpoint.boto3_session()
        url, region = endpoint.url, endpoint.region
        built = KinesisVideo(session=session, endpoint_url=url, region_name=region)
        with pytest.raises(ClientError) as refused:
            built.client.describe_signaling_channel(ChannelName="")  # type: ignore[attr-defined]  # boto3 client method
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        with pytest.raises(ValidationError, match="channel_name"):
            built.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name=""))
        # Yours when you ask: a config passed in wins, and a wrapped client keeps its own setting.
        mine = KinesisVideo(
            session=session, config=Config(parameter_validation=True), endpoint_url=url, region_name=region
        )
        with pytest.raises(ParamValidationError):
            mine.client.describe_signaling_channel(ChannelName="")  # type: ignore[attr-defined]  # boto3 client method
        wrapped = KinesisVideo(client=session.client("kinesisvideo", endpoint_url=url, region_name=region))
        with pytest.raises(ParamValidationError):
            wrapped.client.describe_signaling_channel(ChannelName="")  # type: ignore[attr-defined]  # boto3 client method


def test_client_and_session_arguments_are_exclusive() -> None:
    with pytest.raises(TypeError):
        KinesisVideo(client=client("kinesisvideo"), region_name="us-east-1")


def _expected_stream_params() -> dict[str, Any]:
    return {
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
        "Sinks": [
            {
                "SinkArn": POOL_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 1,
                "MediaStreamType": "MixedAudio",
            }
        ],
    }


# -- the decisions, without I/O ---------------------------------------------------------------


def test_a_calls_decisions_are_steps_that_do_no_io(time_: FakeTime) -> None:
    # What the loops do (`_pipeline.run`), done here by hand with no client at all: the call
    # asks for an attempt, is told it was throttled, asks to sleep as tenacity's wait strategy
    # says (within the policy's bound), asks for a second attempt, and returns its answer.
    calls = Calls(
        retry=RetryPolicy(max_attempts=3, initial_delay=0.5, max_delay=0.5),
        clock=time_.clock,
        budget=None,
        reconcilers=None,
    )
    call = calls.start(
        _DESCRIBE_SIGNALING_CHANNEL, DescribeSignalingChannelRequest(channel_name="door"), None
    )
    steps = call.steps(None)
    step = next(steps)
    assert isinstance(step, Send) and step.call is call
    throttled = ClientError(
        {"Error": {"Code": "ClientLimitExceededException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "DescribeSignalingChannel",
    )
    with pytest.raises(ClientLimitExceededError) as caught, Attempt(call):
        raise throttled
    step = steps.throw(caught.value)
    assert isinstance(step, Sleep) and 0.0 <= step.seconds <= 0.5
    step = steps.send(None)
    assert isinstance(step, Send) and step.call is call
    response: object = None
    with Attempt(call) as attempt:
        response = attempt.read({**channel_info(), "ResponseMetadata": {"RequestId": "req-2"}})
    with pytest.raises(StopIteration) as done:
        steps.send(response)
    assert done.value.value is response
    assert call.info() == CallInfo("DescribeSignalingChannel", 2, "req-2", None, False)


def test_a_call_whose_retries_are_spent_raises_its_typed_error_from_its_steps(time_: FakeTime) -> None:
    calls = Calls(retry=RetryPolicy(max_attempts=1), clock=time_.clock, budget=None, reconcilers=None)
    call = calls.start(
        _DESCRIBE_SIGNALING_CHANNEL, DescribeSignalingChannelRequest(channel_name="door"), None
    )
    steps = call.steps(None)
    next(steps)
    with pytest.raises(ClientLimitExceededError) as caught, Attempt(call):
        raise ClientError(
            {"Error": {"Code": "ClientLimitExceededException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
            "DescribeSignalingChannel",
        )
    with pytest.raises(ClientLimitExceededError) as raised:
        steps.throw(caught.value)
    assert raised.value is caught.value and raised.value.attempts == 1


def test_a_facade_call_leaves_no_reference_cycle_behind() -> None:
    # Each call's objects (its state, its attempt, its request and params) are freed as soon as
    # nobody holds them, not at the collector's next pass: a long walk or a busy service keeps
    # only what its caller keeps. Measured against the same raw calls on the same client, over
    # HTTP, with the collector off: whatever botocore leaves for the collector, the facade's
    # calls leave no more (they used to leave four objects a call, ten for a pipeline create).
    import gc

    from kvs_chime.kinesisvideo import ListSignalingChannelsRequest

    def garbage(calls: Callable[[], object]) -> int:
        calls()  # warm: first-use caches are not garbage
        gc.collect()
        gc.disable()
        try:
            calls()
            return gc.collect()
        finally:
            gc.enable()

    with LocalEndpoint() as endpoint:
        kv = KinesisVideo(
            session=endpoint.boto3_session(), endpoint_url=endpoint.url, region_name=endpoint.region
        )
        for number in range(12):
            kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name=f"cycle-{number}"))
        client: Any = kv.client
        request = DescribeSignalingChannelRequest(channel_name="cycle-0")
        left = {
            "raw calls": garbage(
                lambda: [client.describe_signaling_channel(ChannelName="cycle-0") for _ in range(10)]
            ),
            "facade calls": garbage(lambda: [kv.describe_signaling_channel(request) for _ in range(10)]),
            "raw walk": garbage(
                lambda: list(
                    client.get_paginator("list_signaling_channels").paginate(PaginationConfig={"PageSize": 2})
                )
            ),
            "facade walk": garbage(
                lambda: list(kv.iter_signaling_channels(ListSignalingChannelsRequest(), page_size=2))
            ),
        }
    assert left["facade calls"] <= left["raw calls"], left
    assert left["facade walk"] <= left["raw walk"], left


def test_a_facade_and_its_client_are_freed_once_the_program_lets_go() -> None:
    # A program that makes a facade per request (a web handler, a Lambda invocation) must not
    # keep each one's client alive: nothing of the package's holds a facade, its client or the
    # client's botocore models once the program drops them (the screening of 2xx answers used to
    # keep every client's operation models, ~27 KB a facade).
    import gc
    import weakref

    with LocalEndpoint() as endpoint:
        session = endpoint.boto3_session()
        KinesisVideo(
            session=session, endpoint_url=endpoint.url, region_name=endpoint.region
        ).create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
        left: list[weakref.ref[object]] = []
        for _ in range(3):
            with KinesisVideo(session=session, endpoint_url=endpoint.url, region_name=endpoint.region) as kv:
                kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
                client: Any = kv.client
                operation = client.meta.service_model.operation_model("DescribeSignalingChannel")
                left += [weakref.ref(kv), weakref.ref(client), weakref.ref(operation)]
            del kv, client, operation
        gc.collect()
    assert [ref() for ref in left] == [None] * len(left)
