"""The timing runner and the table: interleaved paired rounds, medians, paired ratios.

Why not pyperf: pyperf isolates each benchmark in ~20 worker processes and compares results
across separate runs; here every row must put raw boto3 and kvs_chime side by side *in the same
process and run*, many rows must fit in ~3 minutes on 2 cores, and most batches need untimed
set-up per batch (queueing Stubber responses, resetting the local endpoint). So this runner:

* runs the two variants in alternating rounds (A B, then B A, ...), each round a batch of `n`
  calls, so slow drift from other work on the machine hits both variants alike (`compare`); for
  millisecond calls it alternates call by call and takes each round's median call instead
  (`compare_interleaved`), so a stall hits one call, not a batch;
* measures with a clock chosen per row: the thread's CPU time for in-process rows (not inflated
  when another process takes the core), wall time for loopback HTTP;
* reports each variant's median per-call time and, as the ratio, the median of the per-round
  ratios (each round's B over the same round's A), with the half-width of a bootstrap 95%
  confidence interval of that median as the noise figure.

`gc.freeze()` after set-up keeps the per-batch `gc.collect()` cheap (it then only walks objects
made since) without changing what the timed code allocates or collects.

Nothing here asserts: benchmarks report, tests assert.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "CPU",
    "WALL",
    "Batch",
    "Comparison",
    "Row",
    "compare",
    "compare_interleaved",
    "print_table",
    "runs_row",
    "timed",
    "verdict",
]

Clock = Callable[[], int]
Batch = Callable[[int], float]
"""Runs `n` iterations (untimed set-up first, if any) and returns the timed part, in seconds."""

WALL: Clock = time.perf_counter_ns
CPU: Clock = time.thread_time_ns


def timed(fn: Callable[[], object], n: int, clock: Clock) -> float:
    """Call `fn` `n` times and return the elapsed time in seconds (gc collected just before)."""
    gc.collect()
    start = clock()
    for _ in range(n):
        fn()
    return (clock() - start) / 1e9


def _freeze() -> None:
    # Everything alive now (modules, clients, canned data) leaves the collector's view.
    gc.collect()
    gc.freeze()


def median_ci(values: list[float], *, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Bootstrap 95% confidence interval of the median of `values` (deterministic: fixed seed)."""
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


@dataclass
class Comparison:
    """Per-call times (seconds) of the two variants, one entry per round."""

    a: list[float] = field(default_factory=list[float])
    b: list[float] = field(default_factory=list[float])

    @property
    def a_median(self) -> float:
        return statistics.median(self.a)

    @property
    def b_median(self) -> float:
        return statistics.median(self.b)

    @property
    def ratios(self) -> list[float]:
        return [b / a for a, b in zip(self.a, self.b, strict=True)]

    @property
    def ratio(self) -> float:
        """Median of the per-round ratios b/a."""
        return statistics.median(self.ratios)

    @property
    def noise(self) -> float:
        """Half-width of the bootstrap 95% confidence interval of `ratio`."""
        low, high = median_ci(self.ratios)
        return (high - low) / 2


def compare(a: Batch, b: Batch, *, n: int, rounds: int, warmup: int = 1) -> Comparison:
    """Run batches of `n` calls of `a` and `b` in alternating order, `rounds` times each.

    `warmup` untimed rounds of each first (caches, first-call costs, branch predictors).
    """
    for _ in range(warmup):
        a(n)
        b(n)
    _freeze()
    result = Comparison()
    for index in range(rounds):
        if index % 2 == 0:
            ta, tb = a(n), b(n)
        else:
            tb, ta = b(n), a(n)
        result.a.append(ta / n)
        result.b.append(tb / n)
    return result


def compare_interleaved(
    a: Callable[[], object],
    b: Callable[[], object],
    *,
    calls: int,
    rounds: int,
    clock: Clock,
    setup: Callable[[], None] | None = None,
    warmup: int = 5,
) -> Comparison:
    """Per round: `setup()` (untimed), then `calls` pairs of calls, the order flipping every pair;
    the round's figure for each variant is its median call."""
    for _ in range(warmup):
        a()
        b()
    _freeze()
    result = Comparison()
    for _ in range(rounds):
        if setup is not None:
            setup()
        gc.collect()
        ta: list[int] = []
        tb: list[int] = []
        for index in range(calls):
            first, second, t_first, t_second = (a, b, ta, tb) if index % 2 == 0 else (b, a, tb, ta)
            start = clock()
            first()
            middle = clock()
            second()
            end = clock()
            t_first.append(middle - start)
            t_second.append(end - middle)
        result.a.append(statistics.median(ta) / 1e9)
        result.b.append(statistics.median(tb) / 1e9)
    return result


@dataclass(frozen=True)
class Row:
    """One line of the table, already formatted."""

    name: str
    raw: str
    kvs: str
    ratio: str
    noise: str
    target: str
    met: str


def fmt_time(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_bytes(size: float) -> str:
    return f"{size / 1024:.0f} KiB"


def ratio_row(name: str, c: Comparison, *, limit: float, target: str) -> Row:
    """A row whose target is `b/a <= limit`."""
    return Row(
        name=name,
        raw=fmt_time(c.a_median),
        kvs=fmt_time(c.b_median),
        ratio=f"{c.ratio:.3f}x ({(c.ratio - 1) * 100:+.1f}%)",
        noise=f"±{c.noise * 100:.1f}%",
        target=target,
        met="yes" if c.ratio <= limit else "NO",
    )


def verdict(met: list[bool]) -> str:
    """A target's verdict over the runs: met in all, in none, or flipping between them."""
    return "yes" if all(met) else "NO" if not any(met) else "at noise"


def runs_row(name: str, runs: list[Comparison], *, limit: float, target: str, higher: bool = False) -> Row:
    """A row over several runs of one comparison: the median run's ratio, the in-run noise (the
    median of the runs' bootstrap half-widths) beside the run-to-run spread (lowest..highest
    run ratio), and the verdict of `verdict` for `ratio <= limit` (`>= limit` when `higher`).

    With `higher`, the ratio shown is raw/kvs_chime (throughput: more is better)."""
    ratios = sorted(1 / c.ratio if higher else c.ratio for c in runs)
    ratio = statistics.median(ratios)
    noise = statistics.median(c.noise for c in runs) * 100
    met = [r >= limit if higher else r <= limit for r in ratios]
    return Row(
        name=name,
        raw=fmt_time(statistics.median(c.a_median for c in runs)),
        kvs=fmt_time(statistics.median(c.b_median for c in runs)),
        ratio=f"{ratio:.3f}x ({(ratio - 1) * 100:+.1f}%)",
        noise=f"±{noise:.1f}% in run; {len(runs)} runs {ratios[0]:.3f}..{ratios[-1]:.3f}x",
        target=target,
        met=verdict(met) if limit != float("inf") else "-",
    )


HEADERS = ("benchmark", "raw boto3", "kvs_chime", "ratio / overhead", "noise", "target", "met")


def print_table(title: str, sections: list[tuple[str, list[Row]]]) -> str:
    """Render (and return) the table: one header, a label line per section."""
    cells = [[r.name, r.raw, r.kvs, r.ratio, r.noise, r.target, r.met] for _, rows in sections for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]
    rule = "+".join("-" * (w + 2) for w in widths)
    lines = [title, rule, " | ".join(h.ljust(w) for h, w in zip(HEADERS, widths, strict=True)), rule]
    for label, rows in sections:
        lines.append(label)
        for r in rows:
            cols = [r.name, r.raw, r.kvs, r.ratio, r.noise, r.target, r.met]
            lines.append(" | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    lines.append(rule)
    text = "\n".join(lines)
    print(text, flush=True)
    return text
