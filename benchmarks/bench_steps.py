"""Where the time of one `create_media_stream_pipeline` goes, step by step, in microseconds.

Each step is timed on its own (thread CPU time, best of several batches, no profiler to inflate
it), on the inputs the facade call uses, through Stubber:

* the raw call on a default boto3 client (what the table compares against), and the same call
  on a client built as the facades build theirs (botocore's validation off, the User-Agent
  built once): botocore's share of a facade call;
* the facade's own steps: validation, unstructuring, a fresh idempotency token, structuring
  the response;
* the whole facade call; what is left after the steps is the pipeline's bookkeeping (the call
  record, the retry wrapper, the deadline and budget checks, error mapping on the way out).

Run alone: `python benchmarks/bench_steps.py`; `run.py` prints it after the table.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from bench_harness import CPU, timed
from bench_workloads import (
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
from kvs_chime.media_pipelines import CreateMediaStreamPipelineResponse, MediaPipelines

METHOD = "create_media_stream_pipeline"
CALLS = 500


def _best(call: Callable[[], object], stub: Any | None = None, batches: int = 7) -> float:
    """Best per-call CPU time of `batches` batches of `CALLS` calls (responses queued untimed)."""
    response = create_pipeline_response()
    best = float("inf")
    for _ in range(batches):
        if stub is not None:
            for _ in range(CALLS):
                stub.add_response(METHOD, response)
        best = min(best, timed(call, CALLS, CPU) / CALLS)
    return best


def measure() -> list[tuple[str, float]]:
    """(step, microseconds per call), in the order of the call."""
    sess = session()
    raw_client, raw_stub = stubbed(sess, "chime-sdk-media-pipelines")
    facade, fac_stub = stubbed_facade(MediaPipelines, sess)
    client: Any = facade.client
    kwargs, request = create_pipeline_kwargs(), create_pipeline_request()
    params = unstructure_request(request) | {"ClientRequestToken": str(uuid.uuid4())}
    raw_response = create_pipeline_response()

    def facade_client_call() -> object:
        return client.create_media_stream_pipeline(**params)

    # Warm every path once (first-call costs are section 5's).
    for stub in (raw_stub, fac_stub):
        stub.add_response(METHOD, raw_response)
    raw_client.create_media_stream_pipeline(**kwargs)
    facade.create_media_stream_pipeline(request)

    steps = [
        (
            "raw boto3 call, default client",
            _best(lambda: raw_client.create_media_stream_pipeline(**kwargs), raw_stub),
        ),
        ("validate the request", _best(lambda: validate_request(request))),
        ("unstructure the request", _best(lambda: unstructure_request(request))),
        ("make the idempotency token", _best(new_token)),
        (FACADE_CLIENT, _best(facade_client_call, fac_stub)),
        (
            "structure the response",
            _best(lambda: structure_response(METHOD, raw_response, CreateMediaStreamPipelineResponse)),
        ),
        ("whole facade call", _best(lambda: facade.create_media_stream_pipeline(request), fac_stub)),
    ]
    return [(name, seconds * 1e6) for name, seconds in steps]


FACADE_CLIENT = "botocore call, the facade's client"
OWN = (
    "validate the request",
    "unstructure the request",
    "make the idempotency token",
    "structure the response",
)


def report() -> str:
    steps = dict(measure())
    parts = sum(steps[name] for name in OWN) + steps[FACADE_CLIENT]
    saved = steps[FACADE_CLIENT] - steps["raw boto3 call, default client"]
    lines = [f"create_media_stream_pipeline, step by step (thread CPU, best of 7 x {CALLS} calls):"]
    lines += [f"  {us:8.1f} us  {name}" for name, us in steps.items()]
    lines.append(
        f"  {steps['whole facade call'] - parts:8.1f} us  the pipeline's bookkeeping (whole call - steps)"
    )
    lines.append(f"  {saved:+8.1f} us  botocore on the facade's client against a default client")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


if __name__ == "__main__":
    started = time.perf_counter()
    report()
    print(f"(measured in {time.perf_counter() - started:.0f} s)")
