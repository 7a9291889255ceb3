"""The emulator's `--state` file: what durability costs the requests, against memory only.

    python benchmarks/bench_emulator_state.py            # from the repository root
    python benchmarks/bench_emulator_state.py 1000 5     # 1,000 streams, 5 rounds

One LocalEndpoint in process on 127.0.0.1 and one boto3 client (no retries). Creates N streams
(3,000 by default) one request after another, then DescribeStream on each, first with no state
file, then with a state file in a temporary folder (write-behind, group commit: see
kvs_chime/testing/_persist.py); rounds alternate, medians. Prints both times, their ratio (target: at most 2.0), how many
times the file was written, and the time from the last create until its change was on disk.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kvs_chime.testing import LocalEndpoint

STREAMS = 3000
ROUNDS = 3


def _run(count: int, state: str | None) -> tuple[float, float, float, int, int]:
    with LocalEndpoint(activation_delay=0, state_file=state) as ep:
        kv = ep.client("kinesisvideo")
        started = time.perf_counter()
        for index in range(count):
            kv.create_stream(StreamName=f"bench-{index}", DataRetentionInHours=1)
        created = time.perf_counter() - started
        synced = 0.0
        if state is not None:
            # How long until the last create is on disk (the write-behind's lag).
            while True:
                try:
                    with open(state, encoding="utf-8") as file:
                        scopes = json.load(file)["scopes"]
                    if len(scopes[0]["kinesis_video"]["streams"]) == count:
                        break
                except (OSError, ValueError, LookupError):
                    pass
                time.sleep(0.005)
            synced = time.perf_counter() - started - created
        # The benchmark's own look inside: how often the file was written.
        writes = ep._state.writes if ep._state is not None else 0
        started = time.perf_counter()
        for index in range(count):
            kv.describe_stream(StreamName=f"bench-{index}")
        described = time.perf_counter() - started
        time.sleep(0.5)  # let the writer look at the reads' effect
        read_writes = (ep._state.writes if ep._state is not None else 0) - writes
    return created, described, synced, writes, read_writes


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else STREAMS
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    memory: list[tuple[float, float, float, int, int]] = []
    saved: list[tuple[float, float, float, int, int]] = []
    size = 0
    # Alternated, medians: the machine's load drifts between runs.
    for _ in range(rounds):
        memory.append(_run(count, None))
        with tempfile.TemporaryDirectory() as folder:
            state = os.path.join(folder, "state.json")
            saved.append(_run(count, state))
            size = os.path.getsize(state)

    def median(runs: list[tuple[float, float, float, int, int]], index: int) -> float:
        return statistics.median(run[index] for run in runs)

    memory_create, file_create = median(memory, 0), median(saved, 0)
    memory_describe, file_describe = median(memory, 1), median(saved, 1)
    print(f"{count} CreateStream, memory only:   {memory_create:6.2f} s  (median of {rounds})")
    print(
        f"{count} CreateStream, --state:       {file_create:6.2f} s  "
        f"ratio {file_create / memory_create:4.2f} (target <= 2.00)  "
        f"{median(saved, 3):.0f} writes, file {size / 1e6:.1f} MB, "
        f"last change on disk {median(saved, 2) * 1000:.0f} ms after the last answer"
    )
    print(f"{count} DescribeStream, memory only: {memory_describe:6.2f} s")
    print(
        f"{count} DescribeStream, --state:     {file_describe:6.2f} s  "
        f"ratio {file_describe / memory_describe:4.2f}  {median(saved, 4):.0f} writes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
