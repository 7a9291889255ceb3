"""Section 7: the async facades (the `aio` extra) over loopback HTTP to LocalEndpoint.

- one call: raw aiobotocore `await client.method(**kwargs)` against the async facade method,
  alternating call by call on one event loop, median call per round (wall time);
- throughput: 100 concurrent DescribeSignalingChannel calls on one async facade
  (`asyncio.gather`) against the same 100 on one sync facade from a 100-thread pool.

Runs inside `run.py` when aiobotocore is installed, or alone: `nox -s bench_aio` (its own
environment: aiobotocore pins the botocore it runs on, so constraints.txt is left out).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench_harness import Comparison, Row, fmt_time, print_table, ratio_row
from bench_workloads import (
    DESCRIBE_CHANNEL_KWARGS,
    DESCRIBE_CHANNEL_REQUEST,
    POOL_NAME,
    create_pipeline_kwargs,
    create_pipeline_request,
)

from kvs_chime import KinesisVideo
from kvs_chime.aio import AsyncKinesisVideo, AsyncMediaPipelines
from kvs_chime.testing import LocalEndpoint

CALL_TARGET = 1.05
CONCURRENT = 100


def _client(ep: LocalEndpoint, service: str) -> Any:
    from aiobotocore.session import get_session

    return get_session().create_client(
        service,
        region_name=ep.region,
        endpoint_url=ep.url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


async def _interleaved(
    a: Callable[[], Awaitable[object]],
    b: Callable[[], Awaitable[object]],
    *,
    calls: int,
    rounds: int,
    setup: Callable[[], Awaitable[None]],
) -> Comparison:
    for _ in range(5):
        await a()
        await b()
    result = Comparison()
    for _ in range(rounds):
        await setup()
        gc.collect()
        ta: list[int] = []
        tb: list[int] = []
        for index in range(calls):
            first, second, t_first, t_second = (a, b, ta, tb) if index % 2 == 0 else (b, a, tb, ta)
            start = time.perf_counter_ns()
            await first()
            middle = time.perf_counter_ns()
            await second()
            t_first.append(middle - start)
            t_second.append(time.perf_counter_ns() - middle)
        result.a.append(statistics.median(ta) / 1e9)
        result.b.append(statistics.median(tb) / 1e9)
    return result


async def _calls(calls: int, rounds: int) -> dict[str, Comparison]:
    results: dict[str, Comparison] = {}
    with LocalEndpoint(activation_delay=0) as ep:  # not about states: a new pool is ACTIVE at once
        async with (
            _client(ep, "kinesisvideo") as raw_kv,
            _client(ep, "kinesisvideo") as fac_kv,
            _client(ep, "chime-sdk-media-pipelines") as raw_mp,
            _client(ep, "chime-sdk-media-pipelines") as fac_mp,
        ):
            kv, mp = AsyncKinesisVideo(client=fac_kv), AsyncMediaPipelines(client=fac_mp)
            pool_arn = ""

            async def fresh_state() -> None:
                nonlocal pool_arn
                ep.reset()
                await raw_kv.create_signaling_channel(ChannelName=DESCRIBE_CHANNEL_KWARGS["ChannelName"])
                created = await raw_mp.create_media_pipeline_kinesis_video_stream_pool(
                    PoolName=POOL_NAME, StreamConfiguration={"Region": ep.region, "DataRetentionInHours": 0}
                )
                pool_arn = created["KinesisVideoStreamPoolConfiguration"]["PoolArn"]

            await fresh_state()
            create_kwargs, create_request = (
                create_pipeline_kwargs(pool_arn),
                create_pipeline_request(pool_arn),
            )
            results["describe"] = await _interleaved(
                lambda: raw_kv.describe_signaling_channel(**DESCRIBE_CHANNEL_KWARGS),
                lambda: kv.describe_signaling_channel(DESCRIBE_CHANNEL_REQUEST),
                calls=calls,
                rounds=rounds,
                setup=fresh_state,
            )
            results["create_pipeline"] = await _interleaved(
                lambda: raw_mp.create_media_stream_pipeline(**create_kwargs),
                lambda: mp.create_media_stream_pipeline(create_request),
                calls=calls,
                rounds=rounds,
                setup=fresh_state,
            )
    return results


async def _async_batch(kv: AsyncKinesisVideo) -> float:
    start = time.perf_counter()
    await asyncio.gather(
        *(kv.describe_signaling_channel(DESCRIBE_CHANNEL_REQUEST) for _ in range(CONCURRENT))
    )
    return time.perf_counter() - start


def _thread_batch(kv: KinesisVideo, pool: ThreadPoolExecutor) -> float:
    start = time.perf_counter()
    list(pool.map(lambda _: kv.describe_signaling_channel(DESCRIBE_CHANNEL_REQUEST), range(CONCURRENT)))
    return time.perf_counter() - start


def _throughput(rounds: int) -> Comparison:
    """Seconds per batch of 100 concurrent describes: sync facade + threads (a), async facade (b)."""
    result = Comparison()
    with LocalEndpoint(activation_delay=0) as ep:  # not about states: a new pool is ACTIVE at once
        ep.client("kinesisvideo").create_signaling_channel(ChannelName=DESCRIBE_CHANNEL_KWARGS["ChannelName"])
        sync_kv = KinesisVideo(client=ep.client("kinesisvideo"))

        async def measure() -> None:
            async with _client(ep, "kinesisvideo") as client:
                async_kv = AsyncKinesisVideo(client=client)
                with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
                    await _async_batch(async_kv)
                    _thread_batch(sync_kv, pool)
                    for index in range(rounds):
                        if index % 2 == 0:
                            ta = _thread_batch(sync_kv, pool)
                            tb = await _async_batch(async_kv)
                        else:
                            tb = await _async_batch(async_kv)
                            ta = _thread_batch(sync_kv, pool)
                        result.a.append(ta)
                        result.b.append(tb)

        asyncio.run(measure())
    return result


def rows(calls: int = 40, rounds: int = 16) -> list[Row]:
    """The section's rows (the raw column: raw aiobotocore; for throughput: the sync facade)."""
    import logging

    # 100 threads on a 10-connection urllib3 pool: it warns per discarded connection.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    results = asyncio.run(_calls(calls, rounds))
    target = f"<= +{(CALL_TARGET - 1) * 100:.0f}%"
    throughput = _throughput(max(4, rounds // 2))
    per_second_threads = CONCURRENT / throughput.a_median
    per_second_async = CONCURRENT / throughput.b_median
    return [
        ratio_row("async describe_signaling_channel", results["describe"], limit=CALL_TARGET, target=target),
        ratio_row(
            "async create_media_stream_pipeline", results["create_pipeline"], limit=CALL_TARGET, target=target
        ),
        Row(
            f"{CONCURRENT} concurrent describes: sync + {CONCURRENT} threads | async",
            f"{fmt_time(throughput.a_median)} ({per_second_threads:.0f}/s)",
            f"{fmt_time(throughput.b_median)} ({per_second_async:.0f}/s)",
            f"{per_second_async / per_second_threads:.2f}x throughput",
            f"+-{throughput.noise:.2f}",
            "report",
            "-",
        ),
    ]


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    section = rows(calls=20 if quick else 40, rounds=6 if quick else 16)
    print_table(
        f"kvs_chime.aio vs raw aiobotocore, Python {sys.version.split()[0]} ({os.cpu_count()} CPUs)",
        [("7. async over loopback HTTP to LocalEndpoint (wall time, median call)", section)],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
