"""Sections 1 and 2: one call, raw boto3 against the facade, through Stubber and over loopback HTTP.

Each variant has its own client (built the same way from one session), so a hook the facade
registers on its client never runs on the raw one. Requests are built once, outside the timed
region, in both spellings (keyword dict / typed request), and are the same values.
"""

from __future__ import annotations

import gc
import threading
import time
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
    DESCRIBE_CHANNEL_RESPONSE,
    POOL_NAME,
    create_pipeline_kwargs,
    create_pipeline_request,
    create_pipeline_response,
    session,
    stubbed,
    stubbed_facade,
)

from kvs_chime._call import new_token
from kvs_chime._convert import structure_response, unstructure_request
from kvs_chime._validate import validate_request
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, CreateSignalingChannelResponse, KinesisVideo
from kvs_chime.media_pipelines import CreateMediaStreamPipelineResponse, MediaPipelines
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


def stubbed_on_own_client(facade_cls: Any, service: str, which: str, n: int, rounds: int) -> Comparison:
    """The fair floor: the same botocore call made raw on the facade's own client (its
    configuration, its hooks, which let a call not its own pass), against the facade method."""
    del service  # the facade builds its own client for its service
    sess = session()
    facade, stub = stubbed_facade(facade_cls, sess)
    client: Any = facade.client
    if which == "create_signaling_channel":
        kwargs, request, response = CREATE_CHANNEL_KWARGS, CREATE_CHANNEL_REQUEST, CREATE_CHANNEL_RESPONSE
    else:
        kwargs, request, response = (
            create_pipeline_kwargs(),
            create_pipeline_request(),
            create_pipeline_response(),
        )
    raw_method = getattr(client, which)
    fac_method = getattr(facade, which)

    def raw() -> object:
        return raw_method(**kwargs)

    def fac() -> object:
        return fac_method(request)

    return compare(
        _stubbed_batch(stub, which, response, raw),
        _stubbed_batch(stub, which, response, fac),
        n=n,
        rounds=rounds,
    )


def stubbed_on_own_client_steps(facade_cls: Any, which: str, n: int, rounds: int) -> Comparison:
    """The raw call on the facade's own client, against the same raw call plus the package's own
    steps that a typed, validated call cannot skip (validate the request, unstructure it, a fresh
    token where the operation has one, structure the response): everything of the facade call
    but its call machinery (the steps' loop, the attempt, the call record). The floor of the
    own-client rows: what is left of their target for the machinery."""
    sess = session()
    facade, stub = stubbed_facade(facade_cls, sess)
    client: Any = facade.client
    if which == "create_signaling_channel":
        request, response = CREATE_CHANNEL_REQUEST, CREATE_CHANNEL_RESPONSE
        cls: Any = CreateSignalingChannelResponse
        token = False
    else:
        request, response = create_pipeline_request(), create_pipeline_response()
        cls, token = CreateMediaStreamPipelineResponse, True
    method = getattr(client, which)
    params = unstructure_request(request)
    operation = cls.__name__.removesuffix("Response")

    def raw() -> object:
        return method(**params)

    def steps() -> object:
        validate_request(request)
        sent = unstructure_request(request)
        if token:
            sent["ClientRequestToken"] = new_token()
        return structure_response(operation, method(**sent), cls)

    return compare(
        _stubbed_batch(stub, which, response, raw),
        _stubbed_batch(stub, which, response, steps),
        n=n,
        rounds=rounds,
    )


def stubbed_create_pipeline_floor(n: int, rounds: int) -> Comparison:
    """Raw boto3 against raw boto3 plus what no typed facade can avoid: building the response
    objects (the hand-written `bench_floor.structure_create_pipeline`), on the same default
    client. A facade under this row gains more on botocore's path than its types cost."""
    sess = session()
    raw_client, raw_stub = stubbed(sess, "chime-sdk-media-pipelines")
    floor_client, floor_stub = stubbed(sess, "chime-sdk-media-pipelines")
    kwargs = create_pipeline_kwargs()

    def raw() -> object:
        return raw_client.create_media_stream_pipeline(**kwargs)

    def floor() -> object:
        return bench_floor.structure_create_pipeline(floor_client.create_media_stream_pipeline(**kwargs))

    method, response = "create_media_stream_pipeline", create_pipeline_response()
    return compare(
        _stubbed_batch(raw_stub, method, response, raw),
        _stubbed_batch(floor_stub, method, response, floor),
        n=n,
        rounds=rounds,
    )


THREADS = 8


def _threaded_batch(stubber: Any, call: Callable[[], object]) -> Batch:
    """`n` describes shared by `THREADS` threads on one client (one Stubber), wall time from
    their common start to the last one's end."""

    def batch(n: int) -> float:
        for _ in range(n):
            stubber.add_response("describe_signaling_channel", DESCRIBE_CHANNEL_RESPONSE)
        barrier = threading.Barrier(THREADS + 1)

        def work() -> None:
            barrier.wait()
            for _ in range(n // THREADS):
                call()

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        gc.collect()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start

    return batch


def threads_describe(n: int, rounds: int) -> Comparison:
    """8 threads sharing one raw client against 8 threads sharing one facade (its own client):
    the facade's locks (retry budget, call records, deadline watch) under contention."""
    sess = session()
    raw_client, raw_stub = stubbed(sess, "kinesisvideo")
    facade, fac_stub = stubbed_facade(KinesisVideo, sess)
    kwargs, request = DESCRIBE_CHANNEL_KWARGS, DESCRIBE_CHANNEL_REQUEST
    return compare(
        _threaded_batch(raw_stub, lambda: raw_client.describe_signaling_channel(**kwargs)),
        _threaded_batch(fac_stub, lambda: facade.describe_signaling_channel(request)),
        n=n,
        rounds=rounds,
    )


def loopback(n: int, rounds: int) -> dict[str, Comparison]:
    """DescribeSignalingChannel, CreateSignalingChannel and CreateMediaStreamPipeline against the
    local endpoint (each create names a new channel, built before the round).

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
        raw_names: list[str] = []
        facade_requests: list[CreateSignalingChannelRequest] = []

        def fresh_names() -> None:
            fresh_state()
            raw_names[:] = [f"raw-{i}" for i in range(n + 8)]
            facade_requests[:] = [
                CreateSignalingChannelRequest(channel_name=f"kvs-{i}") for i in range(n + 8)
            ]

        results["create_channel"] = compare_interleaved(
            lambda: raw_kv.create_signaling_channel(ChannelName=raw_names.pop()),
            lambda: kv.create_signaling_channel(facade_requests.pop()),
            calls=n,
            rounds=rounds,
            clock=WALL,
            setup=fresh_names,
            warmup=0,
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
