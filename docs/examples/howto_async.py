"""Async facades: the same SDK under asyncio, with cancellation and timeouts."""

import asyncio
import importlib.util
import os

from kvs_chime import DeadlineExceededError, Poll, RetryPolicy, call_info
from kvs_chime.aio import AsyncKinesisVideo, AsyncMediaPipelines, stream_meeting_audio
from kvs_chime.kinesisvideo import (
    ChannelInfo,
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
)
from kvs_chime.media_pipelines import KinesisVideoStreamConfiguration
from kvs_chime.testing import LocalEndpoint

MEETING = (
    "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
)


async def quick_start(endpoint: LocalEndpoint) -> None:
    # [quickstart]
    async with AsyncKinesisVideo(
        region_name=endpoint.region, endpoint_url=endpoint.url
    ) as kv:
        created = await kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="front-door")
        )
        info: ChannelInfo = await kv.wait_until_signaling_channel_active(
            channel_arn=created.channel_arn, poll=Poll(interval=0.05)
        )
        print(info.channel_name, info.channel_status)  # front-door ACTIVE

        async for channel in kv.iter_signaling_channels():
            print(channel.channel_arn == created.channel_arn)  # True

        # Many calls at once on one facade: one client, one retry budget.
        names = [f"room-{i}" for i in range(20)]
        await asyncio.gather(
            *(
                kv.create_signaling_channel(
                    CreateSignalingChannelRequest(channel_name=n)
                )
                for n in names
            )
        )
    # [/quickstart]
    assert info.channel_status == "ACTIVE"


async def timeouts(endpoint: LocalEndpoint) -> None:
    async with AsyncKinesisVideo(
        region_name=endpoint.region, endpoint_url=endpoint.url
    ) as kv:
        endpoint.faults.add_latency("DescribeSignalingChannel", 1.0, times=2)
        # [deadline]
        try:
            await kv.describe_signaling_channel(
                DescribeSignalingChannelRequest(channel_name="front-door"),
                retry=RetryPolicy(deadline=0.3),
            )
        except DeadlineExceededError as error:
            print(error.attempts, error.outcome_unknown)  # 1 True
        # [/deadline]
        # [timeout]
        request = DescribeSignalingChannelRequest(channel_name="front-door")
        try:  # or `async with asyncio.timeout(0.3):` on Python 3.11+
            await asyncio.wait_for(kv.describe_signaling_channel(request), 0.3)
        except asyncio.TimeoutError:  # TimeoutError itself on Python 3.11+
            print("cancelled by the timeout")
        # [/timeout]
        endpoint.faults.clear()


async def cancellation(endpoint: LocalEndpoint) -> None:
    async with AsyncMediaPipelines(
        region_name=endpoint.region, endpoint_url=endpoint.url
    ) as media:
        config = KinesisVideoStreamConfiguration(region="us-east-1")
        endpoint.activation_delay = 60  # the pool will take its time: the start waits
        endpoint.deletion_delay = 0.1
        # [cancel]
        task = asyncio.ensure_future(
            stream_meeting_audio(
                media, MEETING, "meetings", config, poll=Poll(interval=0.05)
            )
        )
        await asyncio.sleep(0.3)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            # What the start had created (here: the pool) was being deleted before this
            # arrived: nothing is left behind.
            await media.wait_until_stream_pool_deleted(
                "meetings", poll=Poll(interval=0.05)
            )
            print("cancelled; the pool it made is gone")
        # [/cancel]
        endpoint.activation_delay = 0.0


async def main() -> None:
    with LocalEndpoint(activation_delay=0.1) as endpoint:
        await quick_start(endpoint)
        await timeouts(endpoint)
        await cancellation(endpoint)


def credentials_for_the_local_endpoint() -> dict[str, str | None]:
    """The local endpoint takes any credentials; aiobotocore reads them from the environment."""
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    before = {key: os.environ.get(key) for key in keys}
    os.environ.update(dict.fromkeys(keys, "testing"))
    return before


if importlib.util.find_spec("aiobotocore") is None:
    print(
        "the `aio` extra (aiobotocore) is not installed: `nox -s aio` runs this example"
    )
else:
    saved = credentials_for_the_local_endpoint()
    try:
        asyncio.run(main())
        print(call_info(None))  # None: not a facade's response
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
