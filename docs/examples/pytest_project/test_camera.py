"""Tests of camera.prepare_camera on the local endpoint: no AWS account, no waiting."""

from __future__ import annotations

import pytest
from camera import prepare_camera

from kvs_chime import KinesisVideo, Poll
from kvs_chime.errors import AccountChannelLimitExceededError
from kvs_chime.testing import LocalEndpoint, ManualClock

FAST = Poll(timeout=10, interval=0.01)


# [happy]
def test_prepares_channel_and_stream(
    kv: KinesisVideo, local_endpoint: LocalEndpoint
) -> None:
    channel_arn, stream_arn = prepare_camera(kv, "porch", poll=FAST)

    assert ":channel/porch-channel/" in channel_arn
    assert ":stream/porch-stream/" in stream_arn
    create = local_endpoint.journal.entries("CreateStream")[0]
    assert create.params["DataRetentionInHours"] == 24  # what went over the wire


def test_a_second_run_creates_nothing(
    kv: KinesisVideo, local_endpoint: LocalEndpoint
) -> None:
    first = prepare_camera(kv, "porch", poll=FAST)
    assert prepare_camera(kv, "porch", poll=FAST) == first
    assert len(local_endpoint.journal.entries("CreateSignalingChannel")) == 1


# [/happy]


# [faults]
def test_survives_throttling(kv: KinesisVideo, local_endpoint: LocalEndpoint) -> None:
    local_endpoint.faults.fail_next(
        "CreateStream", "ClientLimitExceededException", times=2
    )

    prepare_camera(kv, "porch", poll=FAST)

    faults = [entry.fault for entry in local_endpoint.journal.entries("CreateStream")]
    assert faults == ["fail", "fail", None]  # throttled twice, then created


def test_survives_a_create_whose_answer_was_lost(
    kv: KinesisVideo, local_endpoint: LocalEndpoint
) -> None:
    local_endpoint.faults.drop_after_apply(
        "CreateStream"
    )  # created, but the client never hears

    prepare_camera(
        kv, "porch", poll=FAST
    )  # the retry reconciles with the stream it made

    assert len(kv.list_streams().stream_info_list or []) == 1


def test_reports_the_account_limit(
    kv: KinesisVideo, local_endpoint: LocalEndpoint
) -> None:
    local_endpoint.channel_limit = 0

    with pytest.raises(AccountChannelLimitExceededError):
        prepare_camera(kv, "porch", poll=FAST)


# [/faults]


# [clock]
def test_waits_for_a_slow_stream_without_sleeping() -> None:
    clock = ManualClock()
    # Streams take 30 s of this clock to become ACTIVE; the facade's waiter sleeps by
    # advancing it.
    with LocalEndpoint(activation_delay=30, clock=clock) as endpoint:
        kv = KinesisVideo(
            session=endpoint.boto3_session(),
            endpoint_url=endpoint.url,
            region_name=endpoint.region,
            sleep=clock.advance,
            clock=clock,
        )

        prepare_camera(kv, "porch", poll=Poll(timeout=120, interval=5))

        assert (
            clock() >= 30
        )  # 30 s passed for the code under test, none for the test run


# [/clock]
