"""Workflows' failure paths against the local endpoint: nothing a workflow created survives its
failure, Ctrl-C cleans up only what is quick, a shared pool survives concurrent starts and stops,
and `ensure_signaling_channel(update=True)` never returns a configuration other than the one asked.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from kvs_chime import Poll, ReconciliationConflictError, RetryPolicy, TransportError
from kvs_chime.kinesisvideo import KinesisVideo
from kvs_chime.media_pipelines import KinesisVideoStreamConfiguration, MediaPipelines
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import ensure_signaling_channel, stream_meeting_audio

from ..unit.test_pipeline import FakeTime

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
CONFIG = KinesisVideoStreamConfiguration(region="us-east-1")
FAST = Poll(timeout=30, interval=0.01)


@pytest.fixture
def ep() -> Iterator[LocalEndpoint]:
    # Changes apply at once unless a test asks otherwise: these tests are about what is left.
    with LocalEndpoint(activation_delay=0.0) as endpoint:
        yield endpoint


def _pipelines(media: MediaPipelines) -> list[str]:
    return [p.media_pipeline_id or "" for p in media.iter_media_pipelines()]


def _pools(media: MediaPipelines) -> list[str]:
    return [p.pool_name or "" for p in media.iter_media_pipeline_kinesis_video_stream_pools()]


def test_a_pipeline_made_by_a_create_whose_answers_were_all_dropped_is_found_and_deleted(
    ep: LocalEndpoint,
) -> None:
    time_ = FakeTime()
    media = MediaPipelines(
        client=ep.client("chime-sdk-media-pipelines"),
        retry=RetryPolicy(max_attempts=3),
        sleep=time_.sleep,
        clock=time_.clock,
    )
    ep.faults.drop_after_apply("CreateMediaStreamPipeline", times=3)
    with pytest.raises(TransportError) as caught:
        stream_meeting_audio(media, MEETING, "pool1", CONFIG, poll=FAST)
    assert caught.value.outcome_unknown and caught.value.idempotency_token is not None
    creates = ep.journal.entries("CreateMediaStreamPipeline")
    # Three dropped attempts, then the same token once more to learn the pipeline they made.
    assert len(creates) == 4 and len({e.client_request_token for e in creates}) == 1
    assert _pipelines(media) == [] and _pools(media) == []
    if sys.version_info >= (3, 11):
        notes = getattr(caught.value, "__notes__", [])
        assert any("deleted what this call created: pipeline" in n and "the pool" in n for n in notes)


def _interrupt(_: float) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_while_the_pipeline_starts_deletes_it_once_and_waits_for_nothing(ep: LocalEndpoint) -> None:
    media = MediaPipelines(client=ep.client("chime-sdk-media-pipelines"), sleep=_interrupt)
    stream_meeting_audio(media, MEETING, "pool1", CONFIG, poll=FAST).stop()  # the pool now exists
    ep.activation_delay = 3600.0  # the next pipeline stays Initializing: the wait sleeps
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stream_meeting_audio(media, MEETING, "pool1", CONFIG, poll=Poll(timeout=300, interval=5))
    assert time.monotonic() - start < 5.0
    assert [e.error_code for e in ep.journal.entries("DeleteMediaPipeline")] == [None, None]
    assert ep.journal.entries("DeleteMediaPipelineKinesisVideoStreamPool") == []  # not this call's


def test_ctrl_c_while_the_pool_starts_deletes_the_pool_it_made(ep: LocalEndpoint) -> None:
    ep.activation_delay = 3600.0  # the pool stays CREATING: the wait sleeps
    media = MediaPipelines(client=ep.client("chime-sdk-media-pipelines"), sleep=_interrupt)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        stream_meeting_audio(media, MEETING, "pool1", CONFIG, poll=Poll(timeout=300, interval=5))
    assert time.monotonic() - start < 5.0
    assert len(ep.journal.entries("DeleteMediaPipelineKinesisVideoStreamPool")) == 1
    assert ep.journal.entries("CreateMediaStreamPipeline") == []


def test_many_callers_starting_and_stopping_on_one_pool_never_fail_spuriously(ep: LocalEndpoint) -> None:
    ep.activation_delay = 0.05  # pools and pipelines pass through CREATING and DELETING, as on AWS
    media = MediaPipelines(client=ep.client("chime-sdk-media-pipelines"), retry=RetryPolicy(deadline=None))
    failures: list[BaseException] = []
    lock = threading.Lock()

    def round_trip(i: int) -> None:
        for _ in range(3):
            try:
                stream = stream_meeting_audio(media, MEETING, "shared", CONFIG, poll=FAST)
                stream.stop(delete_pool=True)
            except BaseException as exc:
                with lock:
                    failures.append(exc)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(round_trip, range(20)))
    assert failures == []
    assert _pipelines(media) == []


def test_concurrent_ensures_with_different_ttls_never_return_another_ttl(ep: LocalEndpoint) -> None:
    kv = KinesisVideo(client=ep.client("kinesisvideo"), retry=RetryPolicy(deadline=None))
    ensure_signaling_channel(kv, "door", message_ttl_seconds=60)
    outcomes: list[tuple[int, int | None]] = []
    conflicts: list[ReconciliationConflictError] = []
    lock = threading.Lock()

    def ensure(i: int) -> None:
        ttl = 30 + 10 * (i % 6)
        try:
            info = ensure_signaling_channel(kv, "door", message_ttl_seconds=ttl, update=True, poll=FAST)
        except ReconciliationConflictError as exc:
            with lock:
                conflicts.append(exc)
            return
        config = info.single_master_configuration
        with lock:
            outcomes.append((ttl, config.message_ttl_seconds if config is not None else None))

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(ensure, range(60)))
    assert len(outcomes) + len(conflicts) == 60
    assert all(asked == got for asked, got in outcomes), [o for o in outcomes if o[0] != o[1]]
    assert outcomes, "every call conflicted: the update never settled"
