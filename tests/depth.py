"""How many examples the property tests draw in this run.

The default run tests every Python; drawing the full count on each of them buys little (the
converter and the validators do not differ between versions) and costs minutes. The nox sessions
set KVS_CHIME_TEST_DEPTH: 1 (the full count) on one Python, a fraction on the others. Each run draws
new examples (no database), so the runs together still explore more than one would alone.
"""

from __future__ import annotations

import os

DEPTH = float(os.environ.get("KVS_CHIME_TEST_DEPTH", "1"))


def examples(full: int) -> int:
    """`full` scaled to this run's depth, never fewer than 5."""
    return max(5, round(full * DEPTH))
