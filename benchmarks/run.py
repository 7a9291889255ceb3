"""Benchmarks of kvs_chime against raw boto3, side by side in one process and one run.

    nox -s bench                 # the table (~1.5 minutes)
    nox -s bench -- --quick      # fewer rounds: a smoke run
    nox -s bench -- --profile    # plus a cProfile of the facade calls against the raw calls

Run as a script (`python benchmarks/run.py`) so that `sys.path[0]` is this directory: the
benchmark modules import each other by name and `kvs_chime` resolves to the *installed* package,
not to a source tree in the working directory.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import bench_calls
import bench_convert
import bench_mkv
import bench_paginate
import bench_startup
import boto3
import botocore
from bench_harness import Comparison, Row, fmt_bytes, fmt_time, print_table, ratio_row

import kvs_chime

STUB_CALLS = 200
"""Calls per batch through Stubber (~25 ms of CPU)."""
LOOPBACK_CALLS = 40
"""Raw/facade pairs per round over loopback HTTP."""
CONVERT_CALLS = 2000
"""Conversions per batch (the 100-item page: a fiftieth of it)."""
WALK_ITEMS = 10_000

CALL_TARGET, LOOPBACK_TARGET, FLOOR_TARGET, WALK_TARGET = 1.10, 1.03, 1.2, 1.5
IMPORT_TARGET, FIRST_USE_TARGET, FIRST_CALL_TARGET = 0.060, 0.050, 0.005
FLAT_SHARE = 0.05
"""Peak memory is flat when each extra item adds under 5% of an item's own size to it."""


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _call_row(name: str, c: Comparison) -> Row:
    return ratio_row(name, c, limit=CALL_TARGET, target="<= +10%")


def _loopback_rows(results: dict[str, Comparison]) -> list[Row]:
    target = "<= +3% (noise)"
    return [
        ratio_row("describe_signaling_channel", results["describe"], limit=LOOPBACK_TARGET, target=target),
        ratio_row(
            "create_media_stream_pipeline", results["create_pipeline"], limit=LOOPBACK_TARGET, target=target
        ),
    ]


CONVERT_NAMES = {
    "structure_pipeline": "structure CreateMediaStreamPipeline (2 src, 2 sinks)",
    "structure_page": "structure ListSignalingChannels page (100 items)",
    "unstructure_request": "unstructure CreateMediaStreamPipeline request",
}


def _convert_rows(results: dict[str, Comparison]) -> list[Row]:
    return [
        ratio_row(label, results[key], limit=FLOOR_TARGET, target="<= 1.2x floor")
        for key, label in CONVERT_NAMES.items()
    ]


def section_stubbed(rounds: int) -> list[Row]:
    channel = bench_calls.stubbed_create_channel(STUB_CALLS, rounds)
    pipeline = bench_calls.stubbed_create_pipeline(STUB_CALLS, rounds)
    # Validation, hand-written conversions and a token around the raw call, no pipeline: what
    # no typed, validating facade can come in under.
    floor = bench_calls.stubbed_create_pipeline_floor(STUB_CALLS, rounds)
    return [
        _call_row("create_signaling_channel", channel),
        _call_row("create_media_stream_pipeline", pipeline),
        _call_row("create_media_stream_pipeline [floor: no pipeline]", floor),
    ]


def section_paginate(rounds: int) -> list[Row]:
    timing, floor, peaks = bench_paginate.run(WALK_ITEMS, rounds)
    walk = ratio_row(
        f"walk {WALK_ITEMS:,} channels (100 pages): time", timing, limit=WALK_TARGET, target="<= 1.5x"
    )
    walk_floor = ratio_row(
        "  [floor: raw paginator + hand-written items]", floor, limit=float("inf"), target="report"
    )
    raw_peak, fac_peak = peaks[("raw", WALK_ITEMS)], peaks[("facade", WALK_ITEMS)]
    small, large = peaks[("facade", 1_000)], fac_peak
    per_item = (large - small) / (WALK_ITEMS - 1_000)
    item = bench_paginate.item_size()
    return [
        walk,
        Row(
            walk_floor.name, walk_floor.raw, walk_floor.kvs, walk_floor.ratio, walk_floor.noise, "report", "-"
        ),
        Row(
            f"walk {WALK_ITEMS:,} channels: peak traced memory",
            fmt_bytes(raw_peak),
            fmt_bytes(fac_peak),
            f"{fac_peak / raw_peak:.2f}x",
            "-",
            "report",
            "-",
        ),
        Row(
            "facade peak, 1,000 -> 10,000 items",
            f"raw {fmt_bytes(peaks[('raw', 1_000)])} -> {fmt_bytes(raw_peak)}",
            f"{fmt_bytes(small)} -> {fmt_bytes(large)}",
            f"{large / small:.2f}x, {per_item:+.1f} B/item",
            f"item {item:.0f} B",
            f"flat: < {FLAT_SHARE * item:.0f} B/item",
            _yes(per_item < FLAT_SHARE * item),
        ),
    ]


def _spread(values: list[float]) -> str:
    """Median of `values`, with its quartiles: the run-to-run spread."""
    q1, _, q3 = statistics.quantiles(values, n=4)
    return f"median of {len(values)}; IQR {_ms(q1)}..{_ms(q3)}"


def section_startup(repeats: int) -> list[Row]:
    imports = bench_startup.import_times(
        {
            "boto3": "import boto3",
            "kvs_chime": "import kvs_chime",
            "both": "import boto3, kvs_chime",
            "facades": "import boto3, kvs_chime.kinesisvideo, kvs_chime.media_pipelines",
        },
        repeats,
    )
    # Paired per run (the statements of one run were measured back to back), then the median.
    boto = imports["boto3"]
    alone = [k - b for k, b in zip(imports["kvs_chime"], boto, strict=True)]
    after = [k - b for k, b in zip(imports["both"], boto, strict=True)]
    facades = [k - b for k, b in zip(imports["facades"], boto, strict=True)]
    med = statistics.median
    rows = [
        Row(
            "import kvs_chime after import boto3: kvs_chime's share",
            _ms(med(boto)),
            _ms(med(imports["both"])),
            f"{med(after) * 1e3:+.1f} ms",
            _spread(after),
            "<= +60 ms",
            _yes(med(after) <= IMPORT_TARGET),
        ),
        Row(
            "  import kvs_chime alone (it imports botocore)",
            _ms(med(boto)),
            _ms(med(imports["kvs_chime"])),
            f"{med(alone) * 1e3:+.1f} ms",
            _spread(alone),
            "report",
            "-",
        ),
        Row(
            "  + the facade modules (kinesisvideo, media_pipelines)",
            _ms(med(boto)),
            _ms(med(imports["facades"])),
            f"{med(facades) * 1e3:+.1f} ms",
            _spread(facades),
            "report",
            "-",
        ),
    ]
    rows += _first_use_rows(repeats)
    rows += _first_call_rows(repeats)
    return rows


def _first_use_rows(repeats: int) -> list[Row]:
    rows: list[Row] = []
    for operation in ("create_signaling_channel", "create_media_stream_pipeline"):
        uses = bench_startup.first_uses(operation, repeats)
        extra = [f - r for f, r in zip(uses["facade"], uses["raw"], strict=True)]
        rows.append(
            Row(
                f"first use: {operation} (import, client, request, call)",
                _ms(statistics.median(uses["raw"])),
                _ms(statistics.median(uses["facade"])),
                f"{statistics.median(extra) * 1e3:+.1f} ms",
                _spread(extra),
                "<= +50 ms",
                _yes(statistics.median(extra) <= FIRST_USE_TARGET),
            )
        )
    return rows


def _first_call_rows(repeats: int) -> list[Row]:
    rows: list[Row] = []
    for operation in ("create_signaling_channel", "create_media_stream_pipeline"):
        calls = bench_startup.first_calls(operation, repeats)
        raw_extra = calls["raw_first"] - calls["raw_later"]
        facade_extra = calls["facade_first"] - calls["facade_later"]
        rows.append(
            Row(
                f"first call extra: {operation}",
                f"{fmt_time(raw_extra)} (boto3's own)",
                fmt_time(facade_extra),
                f"{facade_extra * 1e3:+.2f} ms",
                f"median of {repeats}",
                "report (<= +5 ms)",
                _yes(facade_extra <= FIRST_CALL_TARGET),
            )
        )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds: a smoke run")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the facade calls against the raw calls"
    )
    args = parser.parse_args(argv)
    scale = 0.3 if args.quick else 1.0

    def rounds(full: int) -> int:
        return max(4, round(full * scale))

    repeats = 5 if args.quick else 15
    started = time.perf_counter()
    sections: list[tuple[str, list[Row]]] = [
        (
            "1. one call in process, through botocore's Stubber (thread CPU time per call)",
            section_stubbed(rounds(60)),
        ),
        (
            "2. one call over loopback HTTP to LocalEndpoint (wall time, median call)",
            _loopback_rows(bench_calls.loopback(LOOPBACK_CALLS, rounds(24))),
        ),
        (
            "3. conversion alone; the raw column is the hand-written floor (CPU per conversion)",
            _convert_rows(bench_convert.run(CONVERT_CALLS, rounds(40))),
        ),
        (
            "4. pagination through Stubber: boto3 paginator vs iter_signaling_channels (CPU per walk)",
            section_paginate(rounds(14)),
        ),
        (
            "5. start-up in fresh interpreters (-X importtime; first call vs the median of 50 later)",
            section_startup(repeats),
        ),
        (
            "6. MKV reader (raw column: a model of the aws-samples consumer library, re-parsing per chunk)",
            bench_mkv.rows(bench_mkv.run(quick=args.quick)),
        ),
    ]
    if importlib.util.find_spec("aiobotocore") is not None:  # the `aio` extra (nox -s bench_aio)
        import bench_aio

        sections.append(
            (
                "7. async over loopback HTTP: raw aiobotocore vs kvs_chime.aio; sync + threads vs async",
                bench_aio.rows(LOOPBACK_CALLS, rounds(16)),
            )
        )
    title = (
        f"kvs_chime {kvs_chime.__version__} vs boto3 {boto3.__version__} / botocore {botocore.__version__}, "
        f"Python {platform.python_version()} ({platform.machine()}). ratio: median of per-round "
        f"kvs_chime/raw; noise: half-width of its bootstrap 95% interval"
    )
    print_table(title, sections)
    print(
        f"(measured in {time.perf_counter() - started:.0f} s; kvs_chime imported from "
        f"{Path(kvs_chime.__file__).parent}; {os.cpu_count()} CPUs, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})",
        flush=True,
    )
    if args.profile:
        import bench_profile

        bench_profile.profile_facade_calls()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
