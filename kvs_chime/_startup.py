"""Importing the package's machinery with CPython's cyclic garbage collector paused.

The collector runs its young generation each time the container objects alive have grown by a
threshold since its last run (700 up to Python 3.12, 2,000 in 3.13), its middle generation every
11th time, and a full collection (every object in the process) every 11th middle one. A boto3
script's start-up alone comes within a few young collections of its first full one. Importing
attrs, cattrs and the call machinery leaves ~5,000 objects alive and made ~15 young collections
along the way (3.12), so a script that imported a facade paid for a full collection before its
first result: 21-40 ms spent walking the objects boto3 made (`benchmarks/bench_startup.py`
counts the collections).

Paused, each importing block ends in one young collection, at the first allocation after it: the
same objects are collected or promoted, in one pass instead of many, and the process reaches its
full collections at the pace its own work sets. Nothing is lost: a cycle made meanwhile is found
by the next collection. The collector is left as it was found (thresholds untouched, and off if
the program turned it off).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Generator

__all__ = ["collector_paused"]


@contextlib.contextmanager
def collector_paused() -> Generator[None]:
    """Pause the collector for the block, if it runs (a program that turned it off keeps it off;
    nested blocks leave it to the outermost)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
