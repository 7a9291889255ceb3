"""Section 4: iterate every signaling channel, boto3's paginator against `iter_signaling_channels`.

The floor walks boto3's paginator too and builds each page's typed items with the hand-written
`bench_floor.structure_list_page`: what no typed iterator can avoid, since Stubber hands the raw
paginator ready-made dicts and the typed one must build two attrs objects per item.

All walk the same canned pages through Stubber (queued outside the timed region / before
tracemalloc starts) and only count the items, so nothing is kept but what the iteration itself
holds on to.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any

import bench_floor
from bench_harness import CPU, Comparison, compare
from bench_workloads import channel_pages, list_page_response, session, stubbed, stubbed_facade

from kvs_chime._convert import structure_response
from kvs_chime.kinesisvideo import KinesisVideo, ListSignalingChannelsResponse

METHOD = "list_signaling_channels"


class Walk:
    """One stubbed client per variant and the two ways of walking every channel."""

    def __init__(self) -> None:
        sess = session()
        self.raw_client, self.raw_stub = stubbed(sess, "kinesisvideo")
        # The facade builds its own client, as a user's would.
        self.facade, self.fac_stub = stubbed_facade(KinesisVideo, sess)
        self._pages: dict[int, list[dict[str, Any]]] = {}

    def queue(self, stubber: Any, items: int) -> None:
        pages = self._pages.get(items)
        if pages is None:
            pages = self._pages[items] = channel_pages(items)
        for page in pages:
            stubber.add_response(METHOD, page)

    def raw(self) -> int:
        count = 0
        for page in self.raw_client.get_paginator(METHOD).paginate():
            for _ in page.get("ChannelInfoList", ()):
                count += 1
        return count

    def raw_own(self) -> int:
        """The raw paginator on the facade's own client (botocore's validation off, the
        User-Agent memo): what the facade's walk costs over the same client."""
        count = 0
        client: Any = self.facade.client
        for page in client.get_paginator(METHOD).paginate():
            for _ in page.get("ChannelInfoList", ()):
                count += 1
        return count

    def floor_own(self) -> int:
        """The raw paginator on the facade's own client plus the least work that builds the
        typed items (`bench_floor.least_work_items`: no checks, no bytecode per item)."""
        count = 0
        client: Any = self.facade.client
        for page in client.get_paginator(METHOD).paginate():
            for _ in bench_floor.least_work_items(page.get("ChannelInfoList", [])):
                count += 1
        return count

    def floor(self) -> int:
        count = 0
        for page in self.raw_client.get_paginator(METHOD).paginate():
            for _ in bench_floor.structure_list_page(page).channel_info_list or ():
                count += 1
        return count

    def facade_walk(self) -> int:
        count = 0
        for _ in self.facade.iter_signaling_channels():
            count += 1
        return count

    def variant(self, name: str) -> tuple[Any, Callable[[], int]]:
        if name == "floor":
            return self.raw_stub, self.floor
        if name == "raw_own":
            return self.fac_stub, self.raw_own
        if name == "floor_own":
            return self.fac_stub, self.floor_own
        return (self.raw_stub, self.raw) if name == "raw" else (self.fac_stub, self.facade_walk)

    def timed_walk(self, name: str, items: int) -> float:
        stubber, walk = self.variant(name)
        self.queue(stubber, items)
        gc.collect()
        start = CPU()
        count = walk()
        elapsed = (CPU() - start) / 1e9
        if count != items:
            raise RuntimeError(f"{name} walked {count} channels, expected {items}")
        return elapsed

    def peak(self, name: str, items: int) -> int:
        """Peak bytes traced while walking `items` channels (pages queued before tracing starts)."""
        stubber, walk = self.variant(name)
        self.queue(stubber, items)
        gc.collect()
        tracemalloc.start()
        try:
            walk()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def item_size() -> float:
    """Bytes one structured ChannelInfo keeps alive (what an iterator holding items would cost)."""
    page = list_page_response()
    gc.collect()
    tracemalloc.start()
    try:
        kept = structure_response("ListSignalingChannels", page, ListSignalingChannelsResponse)
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept.channel_info_list is not None
    return size / len(kept.channel_info_list)


def _versus(walk: Walk, raw: str, other: str, items: int, rounds: int) -> Comparison:
    """One whole walk of `other` against one of `raw` (n=1: the per-call figures are per walk)."""
    return compare(
        lambda _: walk.timed_walk(raw, items),
        lambda _: walk.timed_walk(other, items),
        n=1,
        rounds=rounds,
    )


def run(items: int, rounds: int) -> tuple[Comparison, Comparison, dict[tuple[str, int], int]]:
    """Time of one whole walk, facade and floor each against the raw paginator, and the traced
    peaks."""
    walk = Walk()
    timing = _versus(walk, "raw", "facade", items, rounds)
    floor = _versus(walk, "raw", "floor", items, rounds)
    peaks: dict[tuple[str, int], int] = {}
    for name in ("raw", "facade"):
        walk.peak(name, 1_000)  # warm: first-use caches are not per-item memory
        for count in (1_000, items):
            peaks[(name, count)] = walk.peak(name, count)
    return timing, floor, peaks


def run_own(items: int, rounds: int) -> tuple[Comparison, Comparison]:
    """The facade's walk, and the least-work floor, each against the raw paginator on the
    facade's own client."""
    walk = Walk()
    return _versus(walk, "raw_own", "facade", items, rounds), _versus(
        walk, "raw_own", "floor_own", items, rounds
    )
