"""A 2xx answer that cannot be read: a parse error for a read; for a call that changes state the
outcome is unknown, handled as for a dropped answer (repeated when safe, reconciled, cleaned up)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kvs_chime import Poll, RetryPolicy, TransportError, last_call
from kvs_chime.errors import ResponseParseError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    KinesisVideo,
)
from kvs_chime.media_pipelines import KinesisVideoStreamConfiguration, MediaPipelines
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import stream_meeting_audio

from ..unit.test_pipeline import FakeTime

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
GARBLED = b"<html>a proxy's idea of a success</html>"


@pytest.fixture
def ep() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0.0) as endpoint:
        yield endpoint


def _kv(ep: LocalEndpoint) -> KinesisVideo:
    time_ = FakeTime()
    return KinesisVideo(client=ep.client("kinesisvideo"), sleep=time_.sleep, clock=time_.clock)


def test_an_unreadable_answer_to_a_read_is_a_parse_error_with_the_body(ep: LocalEndpoint) -> None:
    kv = _kv(ep)
    kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    ep.faults.raw_next("DescribeSignalingChannel", GARBLED)
    with pytest.raises(ResponseParseError) as caught:
        kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
    assert caught.value.raw["Body"] == GARBLED
    assert len(ep.journal.entries("DescribeSignalingChannel")) == 1  # the same answer would come back


def test_an_unreadable_answer_to_a_create_is_reconciled_as_a_dropped_one(ep: LocalEndpoint) -> None:
    kv = _kv(ep)
    ep.faults.raw_next("CreateSignalingChannel", GARBLED)  # applied, then answered unreadably
    created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    assert last_call().reconciled
    channels = list(kv.iter_signaling_channels())
    assert [c.channel_arn for c in channels] == [created.channel_arn]


def test_stream_meeting_audio_cleans_up_after_unreadable_creates(ep: LocalEndpoint) -> None:
    time_ = FakeTime()
    media = MediaPipelines(
        client=ep.client("chime-sdk-media-pipelines"),
        retry=RetryPolicy(max_attempts=3),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    ep.faults.raw_next("CreateMediaStreamPipeline", GARBLED, times=3)
    with pytest.raises(TransportError) as caught:
        stream_meeting_audio(
            media, MEETING, "pool1", KinesisVideoStreamConfiguration(region="us-east-1"), poll=Poll(30, 0.01)
        )
    assert caught.value.outcome_unknown
    assert list(media.iter_media_pipelines()) == []
    assert list(media.iter_media_pipeline_kinesis_video_stream_pools()) == []
