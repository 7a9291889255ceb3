"""Child process of section 5: one operation's first call against its later ones, raw then facade.

Run as `python bench_firstcall.py OPERATION` in a fresh interpreter; prints one JSON object.
Imports (boto3, the facade's modules) and client construction happen before any timing. The raw
calls go first, on the client the facade then wraps, so by the facade's first call botocore's
own first-call work for the operation is done: the facade's first-call extra is its own
(validation patterns, converter hooks, retry loop, ...).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from bench_workloads import (
    CREATE_CHANNEL_KWARGS,
    CREATE_CHANNEL_REQUEST,
    CREATE_CHANNEL_RESPONSE,
    create_pipeline_kwargs,
    create_pipeline_request,
    create_pipeline_response,
    session,
    stubbed,
)

from kvs_chime.kinesisvideo import KinesisVideo
from kvs_chime.media_pipelines import MediaPipelines

LATER = 50


def _first_and_later(call: Callable[[], object]) -> tuple[float, float]:
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    later: list[float] = []
    for _ in range(LATER):
        start = time.perf_counter()
        call()
        later.append(time.perf_counter() - start)
    return first, statistics.median(later)


def main(operation: str) -> dict[str, float]:
    sess = session()
    if operation == "create_signaling_channel":
        client, stubber = stubbed(sess, "kinesisvideo")
        response, kwargs = CREATE_CHANNEL_RESPONSE, CREATE_CHANNEL_KWARGS
    elif operation == "create_media_stream_pipeline":
        client, stubber = stubbed(sess, "chime-sdk-media-pipelines")
        response, kwargs = create_pipeline_response(), create_pipeline_kwargs()
    else:
        raise SystemExit(f"unknown operation {operation}")
    for _ in range(2 * (LATER + 1)):
        stubber.add_response(operation, response)
    method = getattr(client, operation)

    def raw() -> object:
        return method(**kwargs)

    raw_first, raw_later = _first_and_later(raw)

    # The facade wraps the same client: botocore's first-call work for the operation is done.
    facade_call: Callable[[], object]
    if operation == "create_signaling_channel":
        kv = KinesisVideo(client=client)
        facade_call = partial(kv.create_signaling_channel, CREATE_CHANNEL_REQUEST)
    else:
        mp = MediaPipelines(client=client)
        facade_call = partial(mp.create_media_stream_pipeline, create_pipeline_request())
    facade_first, facade_later = _first_and_later(facade_call)
    return {
        "raw_first": raw_first,
        "raw_later": raw_later,
        "facade_first": facade_first,
        "facade_later": facade_later,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
