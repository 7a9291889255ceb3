"""`--profile`: cProfile of one facade call against the same raw boto3 call, on identical
stubbed clients, to show where the facade's extra time goes."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from functools import partial
from typing import Any


def _profile(
    call: Callable[[], object], stubber: Any, method: str, response: Any, calls: int
) -> pstats.Stats:
    for _ in range(calls + 50):
        stubber.add_response(method, response)
    for _ in range(50):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    for marker in ("site-packages/", "lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({function})"


def _cases() -> dict[str, tuple[str, Callable[[Any], Callable[[], object]], Any, Any]]:
    """operation -> (service, the facade call on a client, the raw call on a client, response)."""
    from bench_workloads import (
        CREATE_CHANNEL_KWARGS,
        CREATE_CHANNEL_REQUEST,
        CREATE_CHANNEL_RESPONSE,
        create_pipeline_kwargs,
        create_pipeline_request,
        create_pipeline_response,
    )

    from kvs_chime.kinesisvideo import KinesisVideo
    from kvs_chime.media_pipelines import MediaPipelines

    pipeline_kwargs, pipeline_request = create_pipeline_kwargs(), create_pipeline_request()
    return {
        "create_signaling_channel": (
            "kinesisvideo",
            lambda c: partial(KinesisVideo(client=c).create_signaling_channel, CREATE_CHANNEL_REQUEST),
            lambda c: partial(c.create_signaling_channel, **CREATE_CHANNEL_KWARGS),
            CREATE_CHANNEL_RESPONSE,
        ),
        "create_media_stream_pipeline": (
            "chime-sdk-media-pipelines",
            lambda c: partial(MediaPipelines(client=c).create_media_stream_pipeline, pipeline_request),
            lambda c: partial(c.create_media_stream_pipeline, **pipeline_kwargs),
            create_pipeline_response(),
        ),
    }


def profile_facade_call(method: str, calls: int = 5000) -> str:
    """cProfile of `method`, raw and through the facade, on identical stubbed clients: the
    functions whose own time grew most (facade minus raw, per call), and the cumulative time of
    the pipeline's steps. Printed and returned."""
    from bench_workloads import session, stubbed

    service, facade_call, raw_call, response = _cases()[method]
    sess = session()
    raw_client, raw_stub = stubbed(sess, service)
    fac_client, fac_stub = stubbed(sess, service)
    raw = _profile(raw_call(raw_client), raw_stub, method, response, calls)
    fac = _profile(facade_call(fac_client), fac_stub, method, response, calls)
    raw_stats: dict[Any, Any] = raw.stats  # type: ignore[attr-defined]  # pstats.Stats.stats is undocumented and untyped
    fac_stats: dict[Any, Any] = fac.stats  # type: ignore[attr-defined]  # pstats.Stats.stats is undocumented and untyped
    raw_total = sum(v[2] for v in raw_stats.values()) / calls
    fac_total = sum(v[2] for v in fac_stats.values()) / calls
    lines = [
        f"cProfile, {method} x {calls} (times inflated by the profiler): "
        f"raw {raw_total * 1e6:.1f} us/call, facade {fac_total * 1e6:.1f} us/call",
        "",
        "facade minus raw, own time per call (the functions that grew most):",
    ]
    keys = set(raw_stats) | set(fac_stats)

    def own(stats: dict[Any, Any], key: Any) -> float:
        return float(stats[key][2]) / calls if key in stats else 0.0

    grew = sorted(keys, key=lambda k: own(raw_stats, k) - own(fac_stats, k))
    for key in grew[:20]:
        calls_per = (fac_stats[key][1] if key in fac_stats else 0) / calls
        delta = own(fac_stats, key) - own(raw_stats, key)
        lines.append(f"  {delta * 1e6:+7.2f} us  {calls_per:5.1f} calls  {_where(key)}")
    lines += ["", "facade, cumulative time per call of the pipeline's steps:"]
    steps = ("call", "validate_request", "unstructure_request", "_run", "structure_response", "_record")
    for key, value in sorted(fac_stats.items(), key=lambda kv: -kv[1][3]):
        if key[2] in steps and "kvs_chime" in key[0]:
            lines.append(f"  {value[3] / calls * 1e6:7.2f} us  {_where(key)}")
    text = "\n".join(lines)
    print(text, flush=True)
    return text


def profile_facade_calls(calls: int = 5000) -> None:
    for method in _cases():
        print()
        profile_facade_call(method, calls)
