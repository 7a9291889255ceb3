"""Section 3: the converter alone against the hand-written floor (`bench_floor`)."""

from __future__ import annotations

from collections.abc import Callable

import bench_floor
from bench_harness import CPU, Batch, Comparison, compare, timed
from bench_workloads import create_pipeline_request, create_pipeline_response, list_page_response

from kvs_chime._convert import structure_response, unstructure_request
from kvs_chime.kinesisvideo import ListSignalingChannelsResponse
from kvs_chime.media_pipelines import CreateMediaStreamPipelineResponse


def _batch(call: Callable[[], object]) -> Batch:
    return lambda n: timed(call, n, CPU)


def _same(floor: object, kvs: object, what: str) -> None:
    # A floor that built something else would make the comparison meaningless.
    if floor != kvs:
        raise RuntimeError(f"the hand-written {what} differs from kvs_chime's:\n{floor!r}\n{kvs!r}")


def run(n: int, rounds: int) -> dict[str, Comparison]:
    pipeline_raw = create_pipeline_response()
    page_raw = list_page_response()
    request = create_pipeline_request()
    cases: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "structure_pipeline": (
            lambda: bench_floor.structure_create_pipeline(pipeline_raw),
            lambda: structure_response(
                "CreateMediaStreamPipeline", pipeline_raw, CreateMediaStreamPipelineResponse
            ),
        ),
        "structure_page": (
            lambda: bench_floor.structure_list_page(page_raw),
            lambda: structure_response("ListSignalingChannels", page_raw, ListSignalingChannelsResponse),
        ),
        "unstructure_request": (
            lambda: bench_floor.unstructure_create_pipeline(request),
            lambda: unstructure_request(request),
        ),
    }
    results: dict[str, Comparison] = {}
    for name, (floor, kvs) in cases.items():
        _same(floor(), kvs(), name)
        # The page is ~100x the work of the others: fewer calls per batch, same batch duration.
        calls = max(1, n // 50) if name == "structure_page" else n
        results[name] = compare(_batch(floor), _batch(kvs), n=calls, rounds=rounds)
    return results
