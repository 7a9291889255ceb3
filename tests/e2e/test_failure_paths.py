"""Failure paths through real HTTP: a scripted hostile server on 127.0.0.1 for raw-byte faults
(Retry-After, drips, resets, HTML 502, garbled bodies) and the local endpoint for the rest.

Time is injected (FakeTime) wherever the code allows; where real time is the point (a deadline
against a stalling server) durations are short and the assertion is a bound.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import pickle
import random
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from kvs_chime import (
    AccessDeniedError,
    CallError,
    ConflictError,
    DeadlineExceededError,
    KvsChimeError,
    LimitExceededError,
    NotFoundError,
    ReconciliationConflictError,
    ResponseParseError,
    RetryBudget,
    RetryPolicy,
    ServerError,
    ServiceError,
    ThrottlingError,
    TransportError,
    WaiterError,
    call_info,
    last_call,
)
from kvs_chime import errors as errors_module
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    KinesisVideo,
    SingleMasterConfiguration,
    Tag,
    TagResourceRequest,
    UpdateSignalingChannelRequest,
)
from kvs_chime.testing import LocalEndpoint

from ..hostile import Reply, error_reply, hostile, json_reply
from ..unit.test_pipeline import FakeTime

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def _kv(url: str, time_: FakeTime | None = None, **kwargs: Any) -> KinesisVideo:
    if time_ is not None:
        kwargs.update(sleep=time_.sleep, clock=time_.clock)
    return KinesisVideo(session=_session(), endpoint_url=url, **kwargs)


def _channel(created: datetime.datetime | None = None, ttl: int = 60) -> dict[str, Any]:
    created = created or datetime.datetime.now(datetime.timezone.utc)
    return {
        "ChannelInfo": {
            "ChannelName": "door",
            "ChannelARN": ARN,
            "ChannelType": "SINGLE_MASTER",
            "ChannelStatus": "ACTIVE",
            "CreationTime": created.timestamp(),
            "SingleMasterConfiguration": {"MessageTtlSeconds": ttl},
            "Version": "1",
        }
    }


DESCRIBE = DescribeSignalingChannelRequest(channel_name="door")


# -- 1. one classification: what is retried as throttling is raised as throttling ----------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "Throttling"),
        (400, "ThrottlingException"),
        (400, "TooManyRequestsException"),
        (429, "SomethingNew"),
        (429, "AccessDeniedException"),
    ],
)
def test_unmodelled_throttling_is_retried_and_raised_as_throttling(status: int, code: str) -> None:
    time_ = FakeTime()
    with hostile(error_reply(status, code, "slow down")) as server:
        kv = _kv(server.url, time_, retry=RetryPolicy(max_attempts=3))
        with pytest.raises(ThrottlingError) as caught:
            kv.describe_signaling_channel(DESCRIBE)
    assert len(server.requests) == 3 and len(time_.sleeps) == 2
    assert caught.value.code == code and caught.value.attempts == 3


@pytest.mark.parametrize(
    ("status", "code", "family"),
    [
        (404, "NoSuchThing", NotFoundError),
        (409, "Clash", ConflictError),
        (403, "UnrecognizedClientException", AccessDeniedError),
        (502, "502", ServerError),
        (500, "InternalFailure", ServerError),
        (400, "ValidationException", errors_module.InvalidRequestError),
    ],
)
def test_unmodelled_codes_raise_their_family(status: int, code: str, family: type[ServiceError]) -> None:
    with hostile(error_reply(status, code)) as server:
        kv = _kv(server.url, FakeTime(), retry=RetryPolicy(max_attempts=2))
        with pytest.raises(family) as caught:
            kv.describe_signaling_channel(DESCRIBE)
    assert caught.value.http_status == status


def test_families_hold_across_services() -> None:
    e = errors_module
    assert issubclass(e.ResourceNotFoundError, NotFoundError) and e.NotFoundError.code == "NotFoundException"
    assert issubclass(e.ResourceInUseError, ConflictError)
    for cls in (e.ForbiddenError, e.NotAuthorizedError, e.UnauthorizedClientError):
        assert issubclass(cls, AccessDeniedError)
    for cls in (e.ServiceFailureError, e.ServiceUnavailableError):
        assert issubclass(cls, ServerError)
    for cls in (e.ClientLimitExceededError, e.ThrottledClientError):
        assert issubclass(cls, ThrottlingError)
    for cls in (
        e.AccountChannelLimitExceededError,
        e.ResourceLimitExceededError,
        e.TagsPerResourceExceededLimitError,
    ):
        assert issubclass(cls, LimitExceededError)
    assert e.error_class_for("ThrottlingException") is ThrottlingError
    assert e.error_class_for("Whatever", 503) is ServerError


# -- 2. TLS, proxy and parser failures are the package's, classified ---------------------------


def test_tls_failure_is_a_transport_error_and_retried() -> None:
    # A plain-HTTP server answering a TLS handshake: the handshake fails before the request leaves.
    with hostile(Reply(200, (), b"not tls")) as server:
        url = server.url.replace("http://", "https://")
        quick = Config(connect_timeout=1, read_timeout=1)  # the handshake stalls: do not wait long
        kv = _kv(url, FakeTime(), retry=RetryPolicy(max_attempts=2), config=quick)
        with pytest.raises(TransportError) as caught:
            kv.describe_signaling_channel(DESCRIBE)
    assert caught.value.attempts == 2
    assert isinstance(caught.value, KvsChimeError)


def test_proxy_failure_is_a_not_sent_transport_error_and_retried() -> None:
    with hostile(Reply()) as closed:
        proxy = closed.url
    kv = KinesisVideo(
        session=_session(),
        endpoint_url="http://127.0.0.1:9",
        config=Config(proxies={"http": proxy}),
        retry=RetryPolicy(max_attempts=3),
        sleep=FakeTime().sleep,
    )
    with pytest.raises(TransportError) as caught:
        kv.describe_signaling_channel(DESCRIBE)
    assert not caught.value.outcome_unknown and caught.value.attempts == 3


def test_an_error_body_that_is_not_utf8_is_a_parse_error_carrying_the_body() -> None:
    with hostile(
        Reply(400, (("Content-Type", "application/json"),), b'{"message": "\xff\xfe oops"}')
    ) as server:
        kv = _kv(server.url, FakeTime(), retry=RetryPolicy(max_attempts=2))
        with pytest.raises(ResponseParseError) as caught:
            kv.describe_signaling_channel(DESCRIBE)
    assert "oops" in str(caught.value.raw["Body"])
    assert caught.value.operation == "DescribeSignalingChannel"


def test_an_html_502_keeps_its_body_on_the_error() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1><p>upstream said no</p></body></html>" + b" " * 9000
    with hostile(Reply(502, (("Content-Type", "text/html"),), page)) as server:
        kv = _kv(server.url, FakeTime(), retry=RetryPolicy(max_attempts=1))
        with pytest.raises(ServerError) as caught:
            kv.describe_signaling_channel(DESCRIBE)
    assert caught.value.body is not None and "upstream said no" in caught.value.body
    assert len(caught.value.body) <= 4096
    assert caught.value.http_status == 502


# -- 3. Retry-After is the least delay ------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ("Retry-After", "5"),
        ("retry-after-ms", "5000"),
        ("Retry-After", "http-date in 5 s"),
    ],
)
def test_retry_after_is_honoured_as_the_least_delay(header: tuple[str, str]) -> None:
    if header[1] == "http-date in 5 s":
        header = (header[0], email.utils.formatdate(time.time() + 5, usegmt=True))
    time_ = FakeTime()
    date = ("Date", email.utils.formatdate(time.time(), usegmt=True))
    with hostile(
        error_reply(429, "ThrottlingException", "", header, date), json_reply(200, _channel())
    ) as server:
        kv = _kv(server.url, time_)
        kv.describe_signaling_channel(DESCRIBE)
    assert len(time_.sleeps) == 1 and 3.9 <= time_.sleeps[0] <= 10.0


def test_retry_after_is_capped_by_max_delay_and_the_deadline() -> None:
    time_ = FakeTime()
    with hostile(
        error_reply(429, "ThrottlingException", "", ("Retry-After", "600")), json_reply(200, _channel())
    ) as server:
        kv = _kv(server.url, time_, retry=RetryPolicy(max_delay=7.0, deadline=None))
        kv.describe_signaling_channel(DESCRIBE)
        assert time_.sleeps == [7.0]
        # With a deadline shorter than the wait asked, the call gives up at once.
        kv = _kv(server.url, time_, retry=RetryPolicy(max_delay=7.0, deadline=5.0))
        server.requests.clear()
        server.script = [error_reply(429, "ThrottlingException", "", ("Retry-After", "600"))]
        with pytest.raises(ThrottlingError):
            kv.describe_signaling_channel(DESCRIBE)
        assert len(server.requests) == 1


# -- 4. the deadline bounds the whole call ---------------------------------------------------------


def test_the_deadline_bounds_a_call_against_a_dripping_server() -> None:
    body = b'{"ChannelInfo": {"ChannelName": "door"}}'
    with hostile(Reply(200, (("Content-Type", "application/json"),), body, drip=0.15)) as server:
        kv = _kv(server.url, retry=RetryPolicy(deadline=0.6), config=Config(read_timeout=2))
        start = time.monotonic()
        with pytest.raises(DeadlineExceededError) as caught:
            kv.describe_signaling_channel(DESCRIBE)
        took = time.monotonic() - start
    assert took < 0.6 + 0.5, took
    assert caught.value.outcome_unknown


def test_the_deadline_bounds_a_call_whose_server_stalls_before_answering() -> None:
    with hostile(Reply(200, (), b"{}", stall_before_headers=1.5)) as server:
        kv = _kv(server.url, retry=RetryPolicy(deadline=0.5), config=Config(read_timeout=1))
        start = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            kv.describe_signaling_channel(DESCRIBE)
        took = time.monotonic() - start
    assert took < 0.5 + 0.5, took


def test_a_connection_reset_mid_body_is_outcome_unknown() -> None:
    body = b'{"ChannelInfo": {"ChannelName": "door", "ChannelARN": "x"}}'
    with hostile(Reply(200, (("Content-Type", "application/json"),), body, reset_after=10)) as server:
        kv = _kv(server.url, FakeTime(), retry=RetryPolicy(max_attempts=1))
        with pytest.raises(TransportError) as caught:
            kv.update_signaling_channel(UpdateSignalingChannelRequest(channel_arn=ARN, current_version="1"))
    assert caught.value.outcome_unknown and len(server.requests) == 1


# -- 5. a retry budget, and jitter of our own -----------------------------------------------------


def test_an_empty_retry_budget_fails_fast_with_the_last_error() -> None:
    time_ = FakeTime()
    budget = RetryBudget(capacity=10, retry_cost=5)
    with hostile(error_reply(500, "InternalFailure")) as server:
        kv = _kv(server.url, time_, retry=RetryPolicy(max_attempts=5), retry_budget=budget)
        with pytest.raises(ServerError) as first:
            kv.describe_signaling_channel(DESCRIBE)
        assert first.value.attempts == 3  # two retries spent the 10 tokens
        with pytest.raises(ServerError) as second:
            kv.describe_signaling_channel(DESCRIBE)
        assert second.value.attempts == 1  # nothing left: no retry
    assert budget.available == 0


def test_a_success_refunds_the_budget() -> None:
    budget = RetryBudget(capacity=20, retry_cost=5)
    with hostile(error_reply(500, "InternalFailure"), json_reply(200, _channel())) as server:
        kv = _kv(server.url, FakeTime(), retry_budget=budget)
        kv.describe_signaling_channel(DESCRIBE)
    assert budget.available == 20


def test_seeding_the_global_random_does_not_make_clients_retry_in_step() -> None:
    runs: list[list[float]] = []
    for _ in range(2):
        random.seed(42)
        time_ = FakeTime()
        with hostile(error_reply(500, "InternalFailure")) as server:
            kv = _kv(server.url, time_, retry=RetryPolicy(max_attempts=4, deadline=None))
            with pytest.raises(ServerError):
                kv.describe_signaling_channel(DESCRIBE)
        runs.append(time_.sleeps)
    assert runs[0] != runs[1]


# -- 6. a wrapped client never multiplies attempts ----------------------------------------------


@pytest.fixture(scope="module")
def endpoint() -> Any:
    with LocalEndpoint() as ep:
        yield ep


@pytest.fixture
def ep(endpoint: LocalEndpoint) -> LocalEndpoint:
    endpoint.reset()
    return endpoint


@pytest.mark.parametrize("mode", ["legacy", "standard", "adaptive"])
def test_a_wrapped_client_makes_exactly_the_policys_attempts(ep: LocalEndpoint, mode: str) -> None:
    client = ep.boto3_session().client(
        "kinesisvideo",
        endpoint_url=ep.url,
        region_name=ep.region,
        config=Config(retries={"mode": mode, "max_attempts": 5}),
    )
    kv = KinesisVideo(client=client, retry=RetryPolicy(max_attempts=2), sleep=FakeTime().sleep)
    ep.faults.fail_next("DescribeSignalingChannel", "InternalFailure", 500, times=20)
    with pytest.raises(ServerError) as caught:
        kv.describe_signaling_channel(DESCRIBE)
    assert caught.value.attempts == 2
    assert len(ep.journal.entries("DescribeSignalingChannel")) == 2
    # The client's own retries still work for calls made on it directly.
    ep.faults.clear()
    ep.faults.fail_next("DescribeSignalingChannel", "InternalFailure", 500, times=1)
    with pytest.raises(Exception) as raw_error:
        client.describe_signaling_channel(ChannelName="door")  # not found in the end, after a retry
    assert "ResourceNotFound" in str(raw_error.value)
    assert len(ep.journal.entries("DescribeSignalingChannel")) == 4


@pytest.mark.parametrize("mode", ["legacy", "standard"])
def test_an_applied_update_whose_answer_was_dropped_is_not_resent(ep: LocalEndpoint, mode: str) -> None:
    client = ep.boto3_session().client(
        "kinesisvideo", endpoint_url=ep.url, region_name=ep.region, config=Config(retries={"mode": mode})
    )
    kv = KinesisVideo(client=client, sleep=FakeTime().sleep)
    arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    info = kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_arn=arn)).channel_info
    assert info is not None and info.version is not None
    ep.faults.drop_after_apply("UpdateSignalingChannel")
    with pytest.raises(TransportError) as caught:
        kv.update_signaling_channel(
            UpdateSignalingChannelRequest(
                channel_arn=arn,
                current_version=info.version,
                single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=90),
            )
        )
    assert caught.value.outcome_unknown
    assert len(ep.journal.entries("UpdateSignalingChannel")) == 1


# -- 7, 8. reconciliation: only what the call created, errors about the create --------------------


def test_a_matching_channel_older_than_the_call_is_not_ours() -> None:
    old = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
    script = [
        error_reply(500, "InternalFailure"),
        error_reply(400, "ResourceInUseException", "taken"),
        json_reply(200, _channel(created=old)),
    ]
    with hostile(*script) as server:
        kv = _kv(server.url, FakeTime())
        with pytest.raises(ReconciliationConflictError) as caught:
            kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    error = caught.value
    assert set(error.differences) == {"creation_time"}
    assert error.operation == "CreateSignalingChannel" and error.attempts == 2
    assert error.request_id == "hostile-1"
    assert "door" not in str(error)
    info = last_call()
    assert info is not None and info.operation == "CreateSignalingChannel" and not info.reconciled


def test_a_channel_created_by_an_earlier_attempt_is_ours() -> None:
    script = [
        error_reply(500, "InternalFailure"),
        error_reply(400, "ResourceInUseException", "taken"),
        json_reply(200, _channel()),
    ]
    with hostile(*script) as server:
        kv = _kv(server.url, FakeTime())
        created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert created.channel_arn == ARN
    info = call_info(created)
    assert info is not None and info.reconciled and info.attempts == 2
    last = last_call()
    assert last is not None and last.operation == "CreateSignalingChannel"


def test_reconcile_look_ups_run_under_the_calls_policy_and_deadline(ep: LocalEndpoint) -> None:
    time_ = FakeTime()
    kv = KinesisVideo(client=ep.client("kinesisvideo"), sleep=time_.sleep, clock=time_.clock)
    ep.faults.drop_after_apply("CreateSignalingChannel")
    ep.faults.fail_next("DescribeSignalingChannel", "ClientLimitExceededException", times=50)
    with pytest.raises(ReconciliationConflictError) as caught:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="door"), retry=RetryPolicy(max_attempts=3)
        )
    assert isinstance(caught.value.__cause__, ThrottlingError)
    # The create's policy (3 attempts) governs the nested look-up too, not the facade's 5.
    assert len(ep.journal.entries("DescribeSignalingChannel")) == 3
    assert caught.value.operation == "CreateSignalingChannel"


# -- 9. idempotent operations repeat after an unknown outcome --------------------------------------


def test_a_dropped_tag_resource_is_repeated(ep: LocalEndpoint) -> None:
    kv = KinesisVideo(client=ep.client("kinesisvideo"), sleep=FakeTime().sleep)
    arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
    ep.faults.drop_after_apply("TagResource")
    kv.tag_resource(TagResourceRequest(resource_arn=arn, tags=[Tag(key="team", value="video")]))
    assert [e.dropped for e in ep.journal.entries("TagResource")] == [True, False]


# -- 12. waiters -----------------------------------------------------------------------------------


def test_a_waiter_on_a_name_that_never_existed_fails_early(ep: LocalEndpoint) -> None:
    time_ = FakeTime()
    kv = KinesisVideo(client=ep.client("kinesisvideo"), sleep=time_.sleep, clock=time_.clock)
    start = time_.now
    with pytest.raises(WaiterError, match="does not exist"):
        kv.wait_until_signaling_channel_active(channel_name="never-made")
    assert time_.now - start <= 30.0


# -- 13. errors pickle ------------------------------------------------------------------------------


def _every_error() -> list[KvsChimeError]:
    facts: dict[str, Any] = {"attempts": 2, "idempotency_token": "tok"}
    made: list[KvsChimeError] = [
        errors_module.ValidationError("Req", [errors_module.Violation("a.b", "is required")]),
        errors_module.ConfigurationError("Op", "no region"),
        WaiterError("w", "timed out", None),
        ResponseParseError("Op", ["$: bad"], {"Body": "x"}, request_id="r", **facts),
        TransportError("Op", "reset", outcome_unknown=True, **facts),
        DeadlineExceededError("Op", "late", outcome_unknown=False, **facts),
        ReconciliationConflictError("Op", "n", {"tags": ({"a": "b"}, {})}, request_id="r", **facts),
        CallError("x", operation="Op"),
    ]
    for cls in [ServiceError, *errors_module._subclasses(ServiceError)]:  # pyright: ignore[reportPrivateUsage]  # every class
        made.append(
            cls(
                code=cls.code or "X",
                message="m",
                operation="Op",
                http_status=400,
                request_id="r",
                body="b",
                **facts,
            )
        )
    return made


@pytest.mark.parametrize("error", _every_error(), ids=lambda e: type(e).__name__)
def test_every_error_pickles_to_an_equal_error(error: KvsChimeError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert copy == error and type(copy) is type(error) and str(copy) == str(error)


def test_retry_logs_carry_no_parameters(ep: LocalEndpoint, caplog: pytest.LogCaptureFixture) -> None:
    kv = KinesisVideo(client=ep.client("kinesisvideo"), sleep=FakeTime().sleep)
    ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=1)
    with caplog.at_level(logging.INFO, logger="kvs_chime"):
        kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="secret-room-42"))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "ClientLimitExceededException" in text and "secret-room-42" not in text
