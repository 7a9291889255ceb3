"""Sections 1 and 2: one call, raw boto3 against the facade, through Stubber and over loopback HTTP.

Each variant has its own client (built the same way from one session), so a hook the facade
registers on its client never runs on the raw one. Requests are built once, outside the timed
region, in both spellings (keyword dict / typed request), and are the same values.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import bench_floor
from bench_harness import CPU, WALL, Batch, Comparison, compare, compare_interleaved, timed
from bench_workloads import (
    CREATE_CHANNEL_KWARGS,
    CREATE_CHANNEL_REQUEST,
    CREATE_CHANNEL_RESPONSE,
    DESCRIBE_CHANNEL_KWARGS,
    DESCRIBE_CHANNEL_REQUEST,
    POOL_NAME,
    create_pipeline_kwargs,
    create_pipeline_request,
    create_pipeline_response,
    session,
    stubbed,
    stubbed_facade,
)

from kvs_chime._validate import validate_request
from kvs_chime.kinesisvideo import KinesisVideo
from kvs_chime.media_pipelines import MediaPipelines
from kvs_chime.testing import LocalEndpoint


def _stubbed_batch(stubber: Any, method: str, response: dict[str, Any], call: Callable[[], object]) -> Batch:
    def batch(n: int) -> float:
        # One queued response per call, added outside the timed region (identically for both).
        for _ in range(n):
            stubber.add_response(method, response)
        return timed(call, n, CPU)

    return batch


def stubbed_create_channel(n: int, rounds: int) -> Comparison:
    sess = session()
    raw_client, raw_stub = stubbed(sess, "kinesisvideo")
    facade, fac_stub = stubbed_facade(KinesisVideo, sess)
    kwargs, request = CREATE_CHANNEL_KWARGS, CREATE_CHANNEL_REQUEST

    def raw() -> object:
        return raw_client.create_signaling_channel(**kwargs)

    def fac() -> object:
        return facade.create_signaling_channel(request)

    method, response = "create_signaling_channel", CREATE_CHANNEL_RESPONSE
    return compare(
        _stubbed_batch(raw_stub, method, response, raw),
        _stubbed_batch(fac_stub, method, response, fac),
        n=n,
        rounds=rounds,
    )


def stubbed_create_pipeline(n: int, rounds: int) -> Comparison:
    sess = session()
    raw_client, raw_stub = stubbed(sess, "chime-sdk-media-pipelines")
    facade, fac_stub = stubbed_facade(MediaPipelines, sess)
    kwargs, request = create_pipeline_kwargs(), create_pipeline_request()

    # Raw sends a ClientRequestToken too: botocore fills a fresh uuid4 (the facade fills its own).
    def raw() -> object:
        return raw_client.create_media_stream_pipeline(**kwargs)

    def fac() -> object:
        return facade.create_media_stream_pipeline(request)

    method, response = "create_media_stream_pipeline", create_pipeline_response()
    return compare(
        _stubbed_batch(raw_stub, method, response, raw),
        _stubbed_batch(fac_stub, method, response, fac),
        n=n,
        rounds=rounds,
    )


def stubbed_create_pipeline_floor(n: int, rounds: int) -> Comparison:
    """Raw boto3 against the least a typed, validating facade can do per call: the package's
    `validate_request`, hand-written unstructure (`bench_floor`), a token, the call, hand-written
    structure; no pipeline, retry loop or call record. What no facade can beat through Stubber."""
    sess = session()
    raw_client, raw_stub = stubbed(sess, "chime-sdk-media-pipelines")
    floor_client, floor_stub = stubbed(sess, "chime-sdk-media-pipelines")
    kwargs, request = create_pipeline_kwargs(), create_pipeline_request()

    def raw() -> object:
        return raw_client.create_media_stream_pipeline(**kwargs)

    def floor() -> object:
        validate_request(request)
        params = bench_floor.unstructure_create_pipeline(request)
        params["ClientRequestToken"] = str(uuid.uuid4())
        return bench_floor.structure_create_pipeline(floor_client.create_media_stream_pipeline(**params))

    method, response = "create_media_stream_pipeline", create_pipeline_response()
    return compare(
        _stubbed_batch(raw_stub, method, response, raw),
        _stubbed_batch(floor_stub, method, response, floor),
        n=n,
        rounds=rounds,
    )


def loopback(n: int, rounds: int) -> dict[str, Comparison]:
    """DescribeSignalingChannel and CreateMediaStreamPipeline against the local endpoint.

    Calls alternate raw / facade one by one (the server thread shares the process and the
    machine); each round starts from the same emulator state.
    """
    results: dict[str, Comparison] = {}
    with LocalEndpoint(activation_delay=0) as ep:  # not about states: changes are immediate
        # Raw: default clients. Facades: each builds its own client, as a user's would.
        raw_kv, raw_mp = ep.client("kinesisvideo"), ep.client("chime-sdk-media-pipelines")
        sess, url, region = ep.boto3_session(), ep.url, ep.region
        kv = KinesisVideo(session=sess, endpoint_url=url, region_name=region)
        mp = MediaPipelines(session=sess, endpoint_url=url, region_name=region)
        pool_arn = ""

        def fresh_state() -> None:
            # Identical emulator state before every batch: one channel, one ACTIVE pool, no
            # pipelines (the emulator scans its pipelines per request) and an empty journal.
            nonlocal pool_arn
            ep.reset()
            raw_kv.create_signaling_channel(ChannelName=DESCRIBE_CHANNEL_KWARGS["ChannelName"])
            created = raw_mp.create_media_pipeline_kinesis_video_stream_pool(
                PoolName=POOL_NAME, StreamConfiguration={"Region": ep.region, "DataRetentionInHours": 0}
            )
            pool_arn = created["KinesisVideoStreamPoolConfiguration"]["PoolArn"]

        fresh_state()
        describe_kwargs, describe_request = DESCRIBE_CHANNEL_KWARGS, DESCRIBE_CHANNEL_REQUEST
        create_kwargs, create_request = create_pipeline_kwargs(pool_arn), create_pipeline_request(pool_arn)

        results["describe"] = compare_interleaved(
            lambda: raw_kv.describe_signaling_channel(**describe_kwargs),
            lambda: kv.describe_signaling_channel(describe_request),
            calls=n,
            rounds=rounds,
            clock=WALL,
            setup=fresh_state,
        )
        results["create_pipeline"] = compare_interleaved(
            lambda: raw_mp.create_media_stream_pipeline(**create_kwargs),
            lambda: mp.create_media_stream_pipeline(create_request),
            calls=n,
            rounds=rounds,
            clock=WALL,
            setup=fresh_state,
        )
    return results
