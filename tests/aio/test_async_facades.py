"""The async facades through aiobotocore and real HTTP against the local endpoint: the sync
suite's behaviours (retries, tokens, reconciliation, idempotent deletes, deadline), cancellation
and timeouts, and many tasks sharing one facade."""

from __future__ import annotations

import asyncio
import re
import sys
import time

import pytest
from aiobotocore.session import get_session

from kvs_chime import (
    DeadlineExceededError,
    KvsChimeError,
    ResponseParseError,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
    call_info,
    last_call,
)
from kvs_chime.aio import AsyncKinesisVideo, AsyncKinesisVideoSignaling, AsyncMediaPipelines
from kvs_chime.errors import ClientLimitExceededError, ResourceInUseError
from kvs_chime.kinesisvideo import (
    ChannelProtocol,
    ChannelRole,
    CreateSignalingChannelRequest,
    CreateStreamRequest,
    DeleteSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    GetSignalingChannelEndpointRequest,
    SingleMasterChannelEndpointConfiguration,
    Status,
)
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    KinesisVideoStreamConfiguration,
    MediaPipelineStatus,
)
from kvs_chime.signaling import GetIceServerConfigRequest
from kvs_chime.testing import LocalEndpoint

from ..e2e.test_fault_injection import pipeline_request
from .conftest import FakeAsyncTime, aitems, raw_client, run


def attempts(ep: LocalEndpoint, operation: str) -> int:
    return len(ep.journal.entries(operation))


async def make_pool(media: AsyncMediaPipelines) -> str:
    created = await media.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            pool_name="pool", stream_configuration=KinesisVideoStreamConfiguration(region="us-east-1")
        )
    )
    pool = created.kinesis_video_stream_pool_configuration
    assert pool is not None and pool.pool_arn is not None
    return pool.pool_arn


def test_owned_client_every_kind_of_call(ep: LocalEndpoint) -> None:
    """`async with` builds and closes the client; create, describe, waiter, `async for`,
    endpoints, the signaling facade on the channel's HTTPS endpoint, delete and its waiter."""

    async def main() -> None:
        session = get_session()
        session.set_credentials("testing", "testing", "testing")
        time_ = FakeAsyncTime()
        kv = AsyncKinesisVideo(
            session=session, region_name=ep.region, endpoint_url=ep.url, sleep=time_.sleep, clock=time_.clock
        )
        with pytest.raises(RuntimeError, match="async with"):
            await kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
        async with kv:
            created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
            info = await kv.wait_until_signaling_channel_active(channel_arn=created.channel_arn)
            assert info.channel_status == Status.ACTIVE and info.channel_arn == created.channel_arn
            names = [c.channel_name for c in await aitems(kv.iter_signaling_channels(page_size=1))]
            assert names == ["door"]
            endpoints = await kv.get_signaling_channel_endpoint(
                GetSignalingChannelEndpointRequest(
                    channel_arn=created.channel_arn,
                    single_master_channel_endpoint_configuration=SingleMasterChannelEndpointConfiguration(
                        protocols=[ChannelProtocol.HTTPS], role=ChannelRole.MASTER
                    ),
                )
            )
            https = (endpoints.resource_endpoint_list or [])[0].resource_endpoint
            assert https is not None
            async with AsyncKinesisVideoSignaling(
                session=session, region_name=ep.region, endpoint_url=https
            ) as signaling:
                ice = await signaling.get_ice_server_config(
                    GetIceServerConfigRequest(channel_arn=created.channel_arn)
                )
                assert ice.ice_server_list
            await kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=created.channel_arn))
            await kv.wait_until_signaling_channel_deleted(channel_arn=created.channel_arn)
        with pytest.raises(RuntimeError):
            _ = kv.client  # closed with the block

    run(main)


def test_throttled_then_success_and_bad_input_never_sent(ep: LocalEndpoint) -> None:
    async def main() -> None:
        time_ = FakeAsyncTime()
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client, sleep=time_.sleep, clock=time_.clock)
            ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=3)
            created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
            info = call_info(created)
            assert info is not None and info.attempts == 4
            assert attempts(ep, "CreateSignalingChannel") == 4 and len(time_.slept) == 3
            ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=5)
            with pytest.raises(ClientLimitExceededError) as caught:
                await kv.create_signaling_channel(
                    CreateSignalingChannelRequest(channel_name="x"), retry=RetryPolicy(max_attempts=2)
                )
            assert caught.value.attempts == 2
            before = len(ep.journal)
            with pytest.raises(ValidationError, match="channel_name"):
                await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="x" * 257))
            with pytest.raises(TypeError, match="retry="):
                await kv.describe_signaling_channel(retry=3)  # type: ignore[arg-type]  # the point
            assert len(ep.journal) == before

    run(main)


def test_ambiguous_creates_make_one_resource(ep: LocalEndpoint) -> None:
    """A create applied but unanswered: the token makes the retry find the same pipeline; a
    create without token is reconciled; a delete applied but unanswered is done."""

    async def main() -> None:
        time_ = FakeAsyncTime()
        async with raw_client(ep, "chime-sdk-media-pipelines") as mc, raw_client(ep, "kinesisvideo") as kc:
            media = AsyncMediaPipelines(client=mc, sleep=time_.sleep, clock=time_.clock)
            kv = AsyncKinesisVideo(client=kc, sleep=time_.sleep, clock=time_.clock)
            pool_arn = await make_pool(media)
            ep.faults.drop_after_apply("CreateMediaStreamPipeline")
            created = await media.create_media_stream_pipeline(pipeline_request(pool_arn))
            tokens = {e.params["ClientRequestToken"] for e in ep.journal.entries("CreateMediaStreamPipeline")}
            assert len(tokens) == 1 and attempts(ep, "CreateMediaStreamPipeline") == 2
            assert len(await aitems(media.iter_media_pipelines())) == 1
            pipeline = created.media_stream_pipeline
            assert pipeline is not None and pipeline.media_pipeline_id is not None
            running = await media.wait_until_media_pipeline_status(pipeline.media_pipeline_id)
            assert running.media_stream_pipeline is not None
            assert running.media_stream_pipeline.status == MediaPipelineStatus.IN_PROGRESS

            ep.faults.drop_after_apply("CreateStream")
            stream = await kv.create_stream(CreateStreamRequest(stream_name="cam"))
            info = last_call()
            assert info is not None and info.reconciled and stream.stream_arn
            assert (
                await kv.wait_until_stream_active(stream_arn=stream.stream_arn)
            ).stream_arn == stream.stream_arn

            ep.faults.drop_after_apply("CreateSignalingChannel")
            channel = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
            ep.faults.drop_after_apply("DeleteSignalingChannel")
            await kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=channel.channel_arn))
            assert attempts(ep, "DeleteSignalingChannel") == 2
            with pytest.raises(ResourceInUseError):  # taken on the first attempt: not ours
                await kv.create_stream(CreateStreamRequest(stream_name="cam"))

    run(main)


def test_deadline_cuts_a_slow_attempt(ep: LocalEndpoint) -> None:
    async def main() -> None:
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client, retry=RetryPolicy(deadline=0.3))
            ep.faults.add_latency("CreateSignalingChannel", 2.0, times=1)
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError) as caught:
                await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="slow"))
            assert time.monotonic() - started < 1.5
            assert caught.value.outcome_unknown and caught.value.attempts == 1
            ep.faults.clear()

    run(main)


def test_cancelled_create_is_reported_and_leaves_no_task(ep: LocalEndpoint) -> None:
    """Cancelling mid-call cancels the request; the error says the outcome is unknown and
    carries the token (3.11+ note); `asyncio.timeout`-style wrappers behave the same."""

    async def main() -> None:
        async with raw_client(ep, "chime-sdk-media-pipelines") as client:
            media = AsyncMediaPipelines(client=client)
            pool_arn = await make_pool(media)
            ep.faults.add_latency("CreateMediaStreamPipeline", 2.0, times=2)
            task = asyncio.ensure_future(media.create_media_stream_pipeline(pipeline_request(pool_arn)))
            await asyncio.sleep(0.3)
            task.cancel()
            started = time.monotonic()
            with pytest.raises(asyncio.CancelledError) as caught:
                await task
            assert time.monotonic() - started < 1.0
            if sys.version_info >= (3, 11):
                notes = caught.value.__notes__
                assert any("outcome unknown" in n and re.search("token [0-9a-f-]{36}", n) for n in notes)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(media.create_media_stream_pipeline(pipeline_request(pool_arn)), 0.3)
            ep.faults.clear()

    run(main)


def test_200_tasks_under_throttling_and_drops(ep: LocalEndpoint) -> None:
    """200 tasks creating and describing on one facade: no duplicate, attempts bounded, only
    the SDK's errors, nothing left pending (checked by `run`)."""
    ep.channel_limit = 1000
    policy = RetryPolicy(max_attempts=4, deadline=20.0)

    async def one(kv: AsyncKinesisVideo, i: int) -> str | None:
        created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name=f"c{i}"))
        described = await kv.describe_signaling_channel(
            DescribeSignalingChannelRequest(channel_arn=created.channel_arn)
        )
        assert described.channel_info is not None and described.channel_info.channel_name == f"c{i}"
        return created.channel_arn

    async def main() -> None:
        time_ = FakeAsyncTime()
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client, retry=policy, sleep=time_.sleep)
            ep.faults.fail_next("CreateSignalingChannel", "ClientLimitExceededException", times=40)
            ep.faults.drop_after_apply("CreateSignalingChannel", times=15)
            ep.faults.drop_before_apply("DescribeSignalingChannel", times=15)
            results = await asyncio.gather(*(one(kv, i) for i in range(200)), return_exceptions=True)
            outside = [
                r for r in results if isinstance(r, BaseException) and not isinstance(r, KvsChimeError)
            ]
            assert outside == []
            arns = [r for r in results if isinstance(r, str)]
            assert len(arns) >= 150 and len(set(arns)) == len(arns)
            names = [c.channel_name for c in await aitems(kv.iter_signaling_channels())]
            ours = [n for n in names if n and re.fullmatch("c[0-9]+", n)]
            assert len(ours) == len(set(ours)) <= 200 and set(ours) >= {
                f"c{i}" for i, r in enumerate(results) if isinstance(r, str)
            }
            assert attempts(ep, "CreateSignalingChannel") <= 200 * policy.max_attempts
            for failed in (r for r in results if isinstance(r, KvsChimeError)):
                assert isinstance(failed, (ClientLimitExceededError, TransportError, KvsChimeError))

    run(main)


def test_unreadable_bodies_are_typed_errors_that_keep_the_body(ep: LocalEndpoint) -> None:
    """aiobotocore reads bodies asynchronously: the hooks still keep what was sent."""

    async def main() -> None:
        time_ = FakeAsyncTime()
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client, sleep=time_.sleep, clock=time_.clock)
            await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
            describe = DescribeSignalingChannelRequest(channel_name="door")
            ep.faults.raw_next("DescribeSignalingChannel", b'{"ChannelInfo": {"ChannelName": "door",')
            with pytest.raises(ResponseParseError) as parse:
                await kv.describe_signaling_channel(describe)
            assert '"ChannelName": "door",' in str(parse.value.raw["Body"])
            page = b"<html><body><h1>502 Bad Gateway</h1><p>upstream said no</p></body></html>" + b" " * 9000
            ep.faults.raw_next(
                "DescribeSignalingChannel", page, status=502, headers={"Content-Type": "text/html"}, times=2
            )
            with pytest.raises(ServerError) as server:
                await kv.describe_signaling_channel(describe, retry=RetryPolicy(max_attempts=2))
            assert server.value.body is not None and "upstream said no" in server.value.body
            assert len(server.value.body) <= 4096 and server.value.http_status == 502
            assert server.value.attempts == 2

    run(main)
