"""Service error codes -> typed exceptions, through the facades and botocore's Stubber.

For every modeled error of the two seed operations (`CreateSignalingChannel`,
`CreateMediaStreamPipeline`) the Stubber answers that code with the model's HTTP status, and the
facade must raise the dedicated `ServiceError` subclass carrying the code, message, operation,
status, request id, attempt count, idempotency token and the botocore `ClientError` as its cause.
Codes the pipeline retries are checked both with retries off (one response consumed) and with
three attempts (three responses consumed, two injected sleeps). Nothing sleeps for real and
nothing leaves the process.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from kvs_chime import (
    KinesisVideo,
    KinesisVideoSignaling,
    MediaPipelines,
    RetryPolicy,
    ServiceError,
    ThrottlingError,
    errors,
    last_call,
)
from kvs_chime.errors import error_class_for
from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    CreateSignalingChannelResponse,
    SingleMasterConfiguration,
    Tag,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    CreateMediaStreamPipelineResponse,
    DeleteMediaPipelineRequest,
    MediaPipelineSourceType,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)
from kvs_chime.signaling import GetIceServerConfigRequest

KVS = "kinesisvideo"
SIGNALING = "kinesis-video-signaling"
MEDIA = "chime-sdk-media-pipelines"
REGION = "us-east-1"
ACCOUNT = "123456789012"

CHANNEL_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/front-door/1700000000000"
MEETING_ARN = f"arn:aws:chime::{ACCOUNT}:meeting/2b7e1b5e-4c1a-4f3e-9d3b-6a1f0c8e7d21"
POOL_ARN = f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline-kinesis-video-stream-pool/meeting-audio"
TOKEN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"

_MODELS = botocore.session.get_session()

# What the brief expects the models to declare, in model order.
CREATE_SIGNALING_CHANNEL_ERRORS = {
    "InvalidArgumentException": errors.InvalidArgumentError,
    "ClientLimitExceededException": errors.ClientLimitExceededError,
    "AccountChannelLimitExceededException": errors.AccountChannelLimitExceededError,
    "ResourceInUseException": errors.ResourceInUseError,
    "AccessDeniedException": errors.AccessDeniedError,
    "TagsPerResourceExceededLimitException": errors.TagsPerResourceExceededLimitError,
}
CREATE_MEDIA_STREAM_PIPELINE_ERRORS = {
    "BadRequestException": errors.BadRequestError,
    "ForbiddenException": errors.ForbiddenError,
    "NotFoundException": errors.NotFoundError,
    "UnauthorizedClientException": errors.UnauthorizedClientError,
    "ThrottledClientException": errors.ThrottledClientError,
    "ResourceLimitExceededException": errors.ResourceLimitExceededError,
    "ServiceUnavailableException": errors.ServiceUnavailableError,
    "ServiceFailureException": errors.ServiceFailureError,
}
# Codes the pipeline retries on these two operations: throttling always; 5xx only where
# repeating is safe, which CreateMediaStreamPipeline is (it carries an idempotency token).
RETRIED = {
    "CreateSignalingChannel": {"ClientLimitExceededException"},
    "CreateMediaStreamPipeline": {
        "ThrottledClientException",
        "ServiceUnavailableException",
        "ServiceFailureException",
    },
}


def _errors_of(service: str, operation: str) -> dict[str, int]:
    op = _MODELS.get_service_model(service).operation_model(operation)
    return {shape.name: shape.metadata["error"]["httpStatusCode"] for shape in op.error_shapes}


def _client(service: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url="https://r-1234abcd.kinesisvideo.us-east-1.amazonaws.com"
        if service == SIGNALING
        else None,
    )


class Setup:
    """A stubbed client, its facade with injected sleep/clock, and the params each call sent."""

    def __init__(self, service: str, facade: type[Any], retry: RetryPolicy | None = None) -> None:
        self.client = _client(service)
        self.stubber = Stubber(self.client)
        self.sleeps: list[float] = []
        self.sent: list[dict[str, Any]] = []
        self.client.meta.events.register_first("before-parameter-build.*.*", self._record)
        self.facade: Any = facade(
            client=self.client, retry=retry, sleep=self.sleeps.append, clock=lambda: 0.0
        )
        self.stubber.activate()

    def _record(self, params: dict[str, Any], **_: object) -> None:
        self.sent.append(dict(params))

    def error(
        self, method: str, code: str, status: int, message: str, expected: dict[str, Any] | None
    ) -> None:
        self.stubber.add_client_error(
            method,
            service_error_code=code,
            service_message=message,
            http_status_code=status,
            response_meta={"RequestId": "req-1"},
            expected_params=expected,
        )


# -- CreateSignalingChannel -----------------------------------------------------------------------

CHANNEL_REQUEST = CreateSignalingChannelRequest(
    channel_name="front-door",
    channel_type=ChannelType.SINGLE_MASTER,
    single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
    tags=[Tag(key="team", value="video")],
)
CHANNEL_PARAMS = {
    "ChannelName": "front-door",
    "ChannelType": "SINGLE_MASTER",
    "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
    "Tags": [{"Key": "team", "Value": "video"}],
}


def test_create_signaling_channel_declares_the_expected_errors() -> None:
    assert list(_errors_of(KVS, "CreateSignalingChannel")) == list(CREATE_SIGNALING_CHANNEL_ERRORS)


def _check(
    exc: ServiceError,
    *,
    code: str,
    expected_cls: type[ServiceError],
    operation: str,
    status: int,
    message: str,
    attempts: int,
    token: str | None,
) -> None:
    assert type(exc) is expected_cls
    assert type(exc) is error_class_for(code)
    assert expected_cls is not ServiceError
    assert isinstance(exc, ServiceError)
    assert exc.code == code
    assert exc.message == message
    assert exc.operation == operation
    assert exc.http_status == status
    assert exc.request_id == "req-1"
    assert exc.attempts == attempts
    assert exc.idempotency_token == token
    cause = exc.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == code
    assert cause.operation_name == operation
    text = str(exc)
    assert operation in text and code in text and message in text and "req-1" in text
    info = last_call()
    assert info is not None
    assert (info.operation, info.attempts, info.request_id, info.idempotency_token) == (
        operation,
        attempts,
        "req-1",
        token,
    )


@pytest.mark.parametrize("code", list(CREATE_SIGNALING_CHANNEL_ERRORS))
def test_create_signaling_channel_raises_the_typed_error(code: str) -> None:
    status = _errors_of(KVS, "CreateSignalingChannel")[code]
    retried = code in RETRIED["CreateSignalingChannel"]
    # Codes that are not retried keep the default policy (5 attempts): one queued response
    # must be enough. Retried ones get retries off for this call.
    s = Setup(KVS, KinesisVideo)
    message = f"channel front-door: {code}"
    s.error("create_signaling_channel", code, status, message, CHANNEL_PARAMS)

    with pytest.raises(ServiceError) as raised:
        s.facade.create_signaling_channel(
            CHANNEL_REQUEST, retry=RetryPolicy(max_attempts=1) if retried else None
        )

    s.stubber.assert_no_pending_responses()
    assert s.sleeps == []
    _check(
        raised.value,
        code=code,
        expected_cls=CREATE_SIGNALING_CHANNEL_ERRORS[code],
        operation="CreateSignalingChannel",
        status=status,
        message=message,
        attempts=1,
        token=None,
    )


def test_resource_in_use_is_catchable_by_its_class() -> None:
    s = Setup(KVS, KinesisVideo)
    s.error("create_signaling_channel", "ResourceInUseException", 400, "The channel exists", CHANNEL_PARAMS)
    with pytest.raises(errors.ResourceInUseError, match="The channel exists"):
        s.facade.create_signaling_channel(CHANNEL_REQUEST)


def test_client_limit_exceeded_is_retried_until_max_attempts() -> None:
    s = Setup(KVS, KinesisVideo, retry=RetryPolicy(max_attempts=3))
    for _ in range(3):
        s.error("create_signaling_channel", "ClientLimitExceededException", 400, "Slow down", CHANNEL_PARAMS)

    with pytest.raises(errors.ClientLimitExceededError) as raised:
        s.facade.create_signaling_channel(CHANNEL_REQUEST)

    s.stubber.assert_no_pending_responses()
    assert isinstance(raised.value, ThrottlingError)
    assert raised.value.attempts == 3
    assert len(s.sleeps) == 2
    assert all(0 <= delay <= 10.0 for delay in s.sleeps)
    assert len(s.sent) == 3
    _check(
        raised.value,
        code="ClientLimitExceededException",
        expected_cls=errors.ClientLimitExceededError,
        operation="CreateSignalingChannel",
        status=400,
        message="Slow down",
        attempts=3,
        token=None,
    )


def test_client_limit_exceeded_then_success_returns_the_response() -> None:
    s = Setup(KVS, KinesisVideo, retry=RetryPolicy(max_attempts=3))
    s.error("create_signaling_channel", "ClientLimitExceededException", 400, "Slow down", CHANNEL_PARAMS)
    s.stubber.add_response(
        "create_signaling_channel",
        {"ChannelARN": CHANNEL_ARN, "ResponseMetadata": {"RequestId": "req-2"}},
        CHANNEL_PARAMS,
    )
    resp = s.facade.create_signaling_channel(CHANNEL_REQUEST)
    assert resp == CreateSignalingChannelResponse(channel_arn=CHANNEL_ARN)
    assert len(s.sleeps) == 1
    info = last_call()
    assert info is not None
    assert (info.attempts, info.request_id) == (2, "req-2")


def test_non_retried_code_is_not_retried_even_with_attempts_left() -> None:
    s = Setup(KVS, KinesisVideo, retry=RetryPolicy(max_attempts=3))
    s.error("create_signaling_channel", "AccessDeniedException", 401, "Denied", CHANNEL_PARAMS)
    with pytest.raises(errors.AccessDeniedError) as raised:
        s.facade.create_signaling_channel(CHANNEL_REQUEST)
    assert raised.value.attempts == 1
    assert s.sleeps == []


# -- CreateMediaStreamPipeline ----------------------------------------------------------------------


def _pipeline_request(token: str | None = None) -> CreateMediaStreamPipelineRequest:
    return CreateMediaStreamPipelineRequest(
        sources=[
            MediaStreamSource(source_type=MediaPipelineSourceType.CHIME_SDK_MEETING, source_arn=MEETING_ARN)
        ],
        sinks=[
            MediaStreamSink(
                sink_arn=POOL_ARN,
                sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                reserved_stream_capacity=2,
                media_stream_type=MediaStreamType.MIXED_AUDIO,
            )
        ],
        client_request_token=token,
    )


def _pipeline_params(token: object) -> dict[str, Any]:
    return {
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
        "Sinks": [
            {
                "SinkArn": POOL_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 2,
                "MediaStreamType": "MixedAudio",
            }
        ],
        "ClientRequestToken": token,
    }


def test_create_media_stream_pipeline_declares_the_expected_errors() -> None:
    assert list(_errors_of(MEDIA, "CreateMediaStreamPipeline")) == list(CREATE_MEDIA_STREAM_PIPELINE_ERRORS)


@pytest.mark.parametrize("code", list(CREATE_MEDIA_STREAM_PIPELINE_ERRORS))
def test_create_media_stream_pipeline_raises_the_typed_error(code: str) -> None:
    status = _errors_of(MEDIA, "CreateMediaStreamPipeline")[code]
    retried = code in RETRIED["CreateMediaStreamPipeline"]
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=1) if retried else None)
    message = f"pipeline for meeting: {code}"
    s.error("create_media_stream_pipeline", code, status, message, _pipeline_params(ANY))

    with pytest.raises(ServiceError) as raised:
        s.facade.create_media_stream_pipeline(_pipeline_request())

    s.stubber.assert_no_pending_responses()
    assert s.sleeps == []
    (sent,) = s.sent
    token = sent["ClientRequestToken"]
    assert str(uuid.UUID(token)) == token  # made by the facade
    _check(
        raised.value,
        code=code,
        expected_cls=CREATE_MEDIA_STREAM_PIPELINE_ERRORS[code],
        operation="CreateMediaStreamPipeline",
        status=status,
        message=message,
        attempts=1,
        token=token,
    )


@pytest.mark.parametrize("code", sorted(RETRIED["CreateMediaStreamPipeline"]))
def test_create_media_stream_pipeline_retries_with_the_same_token(code: str) -> None:
    status = _errors_of(MEDIA, "CreateMediaStreamPipeline")[code]
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=3))
    for _ in range(3):
        s.error("create_media_stream_pipeline", code, status, "Try again", _pipeline_params(TOKEN))

    with pytest.raises(ServiceError) as raised:
        s.facade.create_media_stream_pipeline(_pipeline_request(TOKEN))

    s.stubber.assert_no_pending_responses()
    assert len(s.sleeps) == 2
    assert [p["ClientRequestToken"] for p in s.sent] == [TOKEN] * 3
    _check(
        raised.value,
        code=code,
        expected_cls=CREATE_MEDIA_STREAM_PIPELINE_ERRORS[code],
        operation="CreateMediaStreamPipeline",
        status=status,
        message="Try again",
        attempts=3,
        token=TOKEN,
    )


def test_generated_token_is_reused_across_retries() -> None:
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=3))
    s.error("create_media_stream_pipeline", "ServiceUnavailableException", 503, "Busy", _pipeline_params(ANY))
    s.stubber.add_response(
        "create_media_stream_pipeline",
        {
            "MediaStreamPipeline": {
                "MediaPipelineId": "e8f1c2a3-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                "MediaPipelineArn": "arn:aws:chime:us-east-1:123456789012:media-pipeline/e8f1c2a3-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
                "Status": "Initializing",
                "CreatedTimestamp": datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc),
            }
        },
        _pipeline_params(ANY),
    )
    resp = s.facade.create_media_stream_pipeline(_pipeline_request())
    assert type(resp) is CreateMediaStreamPipelineResponse
    first, second = (p["ClientRequestToken"] for p in s.sent)
    assert first == second
    info = last_call()
    assert info is not None
    assert (info.attempts, info.idempotency_token) == (2, first)
    assert len(s.sleeps) == 1


@pytest.mark.parametrize(
    ("code", "status"), [("ServiceUnavailableException", 503), ("ServiceFailureException", 500)]
)
def test_5xx_is_not_retried_on_an_operation_without_a_token(code: str, status: int) -> None:
    # UpdateMediaInsightsPipelineStatus has no idempotency token, is not read-only and not
    # idempotent: after a 5xx the outcome is unknown, so the pipeline must not repeat it.
    from kvs_chime.media_pipelines import UpdateMediaInsightsPipelineStatusRequest

    assert _errors_of(MEDIA, "UpdateMediaInsightsPipelineStatus")[code] == status
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=3))
    params = {"Identifier": "pipeline-1", "UpdateStatus": "Pause"}
    s.error("update_media_insights_pipeline_status", code, status, "Try later", params)
    with pytest.raises(ServiceError) as raised:
        s.facade.update_media_insights_pipeline_status(
            UpdateMediaInsightsPipelineStatusRequest(identifier="pipeline-1", update_status="Pause")
        )
    assert type(raised.value) is CREATE_MEDIA_STREAM_PIPELINE_ERRORS[code]
    assert isinstance(raised.value, errors.ServerError)
    assert raised.value.attempts == 1
    assert raised.value.idempotency_token is None
    assert raised.value.operation == "UpdateMediaInsightsPipelineStatus"
    assert s.sleeps == []
    s.stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status"), [("ServiceUnavailableException", 503), ("ServiceFailureException", 500)]
)
def test_5xx_on_a_delete_is_retried_and_not_found_then_means_deleted(code: str, status: int) -> None:
    # A delete leaves the same state however often it is applied: after a 5xx it is repeated,
    # and "not found" on the repeat means the first attempt deleted it.
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=3))
    pipeline_id = "e8f1c2a3-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    s.error("delete_media_pipeline", code, status, "Try later", {"MediaPipelineId": pipeline_id})
    s.error(
        "delete_media_pipeline",
        "NotFoundException",
        404,
        "No such pipeline",
        {"MediaPipelineId": pipeline_id},
    )
    s.facade.delete_media_pipeline(DeleteMediaPipelineRequest(media_pipeline_id=pipeline_id))
    assert len(s.sleeps) == 1
    s.stubber.assert_no_pending_responses()


def test_max_attempts_per_call_overrides_the_facade_policy() -> None:
    s = Setup(MEDIA, MediaPipelines, retry=RetryPolicy(max_attempts=5))
    s.error(
        "create_media_stream_pipeline", "ThrottledClientException", 429, "Slow down", _pipeline_params(TOKEN)
    )
    with pytest.raises(errors.ThrottledClientError) as raised:
        s.facade.create_media_stream_pipeline(_pipeline_request(TOKEN), retry=RetryPolicy(max_attempts=1))
    assert raised.value.attempts == 1
    assert isinstance(raised.value, ThrottlingError)
    assert s.sleeps == []
    s.stubber.assert_no_pending_responses()


# -- Codes no model declares ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "facade", "method", "request_", "params"),
    [
        (KVS, KinesisVideo, "create_signaling_channel", CHANNEL_REQUEST, CHANNEL_PARAMS),
        (
            MEDIA,
            MediaPipelines,
            "create_media_stream_pipeline",
            _pipeline_request(TOKEN),
            _pipeline_params(TOKEN),
        ),
        (
            SIGNALING,
            KinesisVideoSignaling,
            "get_ice_server_config",
            GetIceServerConfigRequest(channel_arn=CHANNEL_ARN),
            {"ChannelARN": CHANNEL_ARN},
        ),
    ],
    ids=[KVS, MEDIA, SIGNALING],
)
def test_unmodeled_code_raises_base_service_error(
    service: str, facade: type[Any], method: str, request_: object, params: dict[str, Any]
) -> None:
    s = Setup(service, facade)
    s.error(method, "SomethingNewException", 400, "A brand new failure", params)
    with pytest.raises(ServiceError) as raised:
        getattr(s.facade, method)(request_)
    exc = raised.value
    assert type(exc) is ServiceError
    assert error_class_for("SomethingNewException") is ServiceError
    assert exc.code == "SomethingNewException"
    assert exc.message == "A brand new failure"
    assert exc.http_status == 400
    assert exc.request_id == "req-1"
    assert exc.attempts == 1
    assert isinstance(exc.__cause__, ClientError)
    assert s.sleeps == []
    s.stubber.assert_no_pending_responses()


# -- The code -> class table over every model ---------------------------------------------------------


def _all_modeled_codes() -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for service in (
        KVS,
        SIGNALING,
        MEDIA,
        "chime-sdk-meetings",
        "kinesis-video-media",
        "kinesis-video-archived-media",
        "kinesis-video-webrtc-storage",
    ):
        model = _MODELS.get_service_model(service)
        for name in model.operation_names:
            for shape in model.operation_model(name).error_shapes:
                codes.setdefault(shape.name, set()).add(service)
    return codes


ALL_CODES = sorted(_all_modeled_codes())


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_modeled_code_has_a_dedicated_class(code: str) -> None:
    cls = error_class_for(code)
    assert cls is not ServiceError
    assert issubclass(cls, ServiceError)
    assert cls.code == code
    assert cls.__name__ == code.removesuffix("Exception") + "Error"
    assert cls.__name__ in errors.__all__
    assert getattr(errors, cls.__name__) is cls


def test_all_modeled_codes_are_known() -> None:
    assert len(ALL_CODES) >= 25
    assert set(CREATE_SIGNALING_CHANNEL_ERRORS) | set(CREATE_MEDIA_STREAM_PIPELINE_ERRORS) <= set(ALL_CODES)


def test_throttling_codes_are_throttling_errors() -> None:
    throttling = {c for c in ALL_CODES if issubclass(error_class_for(c), ThrottlingError)}
    assert throttling == {
        "ClientLimitExceededException",
        "ThrottledClientException",
        "ThrottlingException",
        "ConnectionLimitExceededException",
    }
