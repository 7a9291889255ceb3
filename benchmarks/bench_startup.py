"""Section 5: import time and first-call latency, each in fresh interpreters.

Import time comes from `python -X importtime -c "import ..."`: the cumulative microseconds of the
top-level lines of the modules imported (a module another one pulls in is nested under it and
counted once). Children run in an empty temporary directory with no PYTHONPATH, so they import
the *installed* kvs_chime (compiled at install) and never a source tree next to them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOTS = ("boto3", "kvs_chime")
"""The packages whose top-level import lines are summed."""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    return env


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{done.stderr[-2000:]}")
    return done


def parse_importtime(stderr: str, roots: tuple[str, ...]) -> float:
    """Seconds spent importing, at top level, the modules named `roots` (and their submodules)."""
    total_us = 0
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue  # nested under another import, or the header line
        module = name.strip()
        if module.split(".")[0] in roots:
            total_us += int(cumulative)
    return total_us / 1e6


def import_times(statements: dict[str, str], repeats: int) -> dict[str, list[float]]:
    """The import time of each statement in `repeats` interleaved runs (one sample per run).

    Only top-level lines of `ROOTS` packages are summed, so interpreter start-up (site,
    encodings, ...) is not; whatever they import is nested under them and counted once.
    """
    samples: dict[str, list[float]] = {key: [] for key in statements}
    with tempfile.TemporaryDirectory() as cwd:
        for statement in statements.values():
            _run(["-c", statement], cwd)  # warm the OS file cache
        for _ in range(repeats):
            for key, statement in statements.items():
                done = _run(["-X", "importtime", "-c", statement], cwd)
                samples[key].append(parse_importtime(done.stderr, ROOTS))
    return samples


def first_uses(operation: str, repeats: int) -> dict[str, list[float]]:
    """`bench_firstuse.py`'s seconds for the raw client and the facade, `repeats` fresh
    interpreters each, alternating (so drift on the machine hits both alike)."""
    samples: dict[str, list[float]] = {"raw": [], "facade": []}
    with tempfile.TemporaryDirectory() as cwd:
        for variant in samples:
            _run([str(HERE / "bench_firstuse.py"), operation, variant], cwd)  # warm the OS file cache
        for _ in range(repeats):
            for variant, values in samples.items():
                done = _run([str(HERE / "bench_firstuse.py"), operation, variant], cwd)
                values.append(float(done.stdout.strip().splitlines()[-1]))
    return samples


def first_calls(operation: str, repeats: int) -> dict[str, float]:
    """Median over `repeats` fresh interpreters of `bench_firstcall.py`'s figures (seconds)."""
    runs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(repeats):
            done = _run([str(HERE / "bench_firstcall.py"), operation], cwd)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


_RAW_SCRIPT = """
import boto3
from botocore.config import Config
from botocore.stub import Stubber
s = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
c = s.client("kinesisvideo", endpoint_url="http://127.0.0.1:9", config=Config(retries={"total_max_attempts": 1}))
st = Stubber(c)
st.add_response("create_signaling_channel", {"ChannelARN": "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1"})
st.activate()
c.create_signaling_channel(ChannelName="door")
"""

_FACADE_SCRIPT = """
import boto3
from botocore.stub import Stubber
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, KinesisVideo
s = boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1")
kv = KinesisVideo(session=s, endpoint_url="http://127.0.0.1:9")
st = Stubber(kv.client)
st.add_response("create_signaling_channel", {"ChannelARN": "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1"})
st.activate()
kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
"""


def process_to_first_result(repeats: int) -> dict[str, list[float]]:
    """Wall seconds from starting a fresh interpreter to its first stubbed result and exit: a
    raw boto3 script that never imports kvs_chime against the same call through the facade,
    alternating."""
    import time

    samples: dict[str, list[float]] = {"raw": [], "facade": []}
    scripts = {"raw": _RAW_SCRIPT, "facade": _FACADE_SCRIPT}
    with tempfile.TemporaryDirectory() as cwd:
        for script in scripts.values():
            _run(["-c", script], cwd)  # warm the OS file cache
        for _ in range(repeats):
            for variant, script in scripts.items():
                start = time.perf_counter()
                _run(["-c", script], cwd)
                samples[variant].append(time.perf_counter() - start)
    return samples


# Records every collection the script's own work triggers (generation, milliseconds) and prints
# them as JSON at the end. Prepended to a script: gc.callbacks is the standard library's hook.
_GC_WATCH = """
import gc as _gc, json as _json, time as _time
_events = []
def _watch(phase, info):
    if phase == "start":
        _events.append([info["generation"], _time.perf_counter()])
    else:
        _events[-1][1] = _time.perf_counter() - _events[-1][1]
_gc.callbacks.append(_watch)
"""
_GC_REPORT = """
_gc.callbacks.remove(_watch)
print(_json.dumps(_events))
"""


def collections(repeats: int) -> dict[str, list[tuple[int, float]]]:
    """Per variant (raw script, facade script), the median count of collections of each
    generation (0, 1, 2) from start to the first result, and the median of their milliseconds:
    whether importing kvs_chime makes the process run a full (generation 2) collection."""
    found: dict[str, list[list[tuple[int, float]]]] = {"raw": [], "facade": []}
    scripts = {"raw": _RAW_SCRIPT, "facade": _FACADE_SCRIPT}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(repeats):
            for variant, script in scripts.items():
                done = _run(["-c", _GC_WATCH + script + _GC_REPORT], cwd)
                events = json.loads(done.stdout.strip().splitlines()[-1])
                found[variant].append(
                    [
                        (
                            sum(1 for g, _ in events if g == gen),
                            sum(ms for g, ms in events if g == gen) * 1e3,
                        )
                        for gen in (0, 1, 2)
                    ]
                )
    med = statistics.median
    return {
        variant: [
            (round(med(run[gen][0] for run in runs)), med(run[gen][1] for run in runs)) for gen in (0, 1, 2)
        ]
        for variant, runs in found.items()
    }
