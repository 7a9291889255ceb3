"""A stream's stored fragments, and the MKV the data plane serves them as (no I/O here).

Each fragment keeps its Segment head (Info + Tracks) and its Cluster exactly as ingested, its
number, its producer and server timestamps and the producer's tags. `GetMedia` serves each as its
own EBML header and Segment of unknown size with the `AWS_KINESISVIDEO_*` tags the service adds
(before the Cluster: FRAGMENT_NUMBER, SERVER_TIMESTAMP, PRODUCER_TIMESTAMP; after it:
MILLIS_BEHIND_NOW, CONTINUATION_TOKEN); `GetMediaForFragmentList` spells the timestamps
SERVER_SIDE_TIMESTAMP and PRODUCER_SIDE_TIMESTAMP and has no trailing tags.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import attrs

from ..media._writer import element
from ._errors import ServiceError
from ._mkv_ingest import SEGMENT_ID
from ._types import as_dict

_TAGS = 0x1254C367
_TAG = 0x7373
_TARGETS = 0x63C0
_SIMPLE_TAG = 0x67C8
_TAG_NAME = 0x45A3
_TAG_STRING = 0x4487
_UNKNOWN_SIZE = b"\x01\xff\xff\xff\xff\xff\xff\xff"
_EBML_HEADER = element(
    0x1A45DFA3,
    element(0x4286, b"\x01")  # EBMLVersion
    + element(0x42F7, b"\x01")  # EBMLReadVersion
    + element(0x42F2, b"\x04")  # EBMLMaxIDLength
    + element(0x42F3, b"\x08")  # EBMLMaxSizeLength
    + element(0x4282, b"matroska")  # DocType
    + element(0x4287, b"\x02")  # DocTypeVersion
    + element(0x4285, b"\x02"),  # DocTypeReadVersion
)
_SEGMENT_START = SEGMENT_ID.to_bytes(4, "big") + _UNKNOWN_SIZE
_PREFIX = "AWS_KINESISVIDEO_"
_INVALID = "InvalidArgumentException"
_NOT_FOUND = "ResourceNotFoundException"


@attrs.frozen
class StoredFragment:
    """One fragment of a stream, as ingested."""

    number: str
    producer_ms: int
    server_ms: int
    duration_ms: int
    head: bytes
    cluster: bytes = attrs.field(repr=lambda c: f"<{len(c)} bytes>")
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def size(self) -> int:
        """FragmentSizeInBytes: the fragment's media bytes."""
        return len(self.head) + len(self.cluster)


def fragment_number(serial: int, index: int) -> str:
    """A 47-digit fragment number, increasing with `index`, distinct per stream `serial`."""
    return f"91343852333{serial % 10**12:012d}{index:024d}"


def seconds_text(epoch_ms: int) -> str:
    """A timestamp tag's value: epoch seconds with three decimals, as the service writes it."""
    return f"{epoch_ms // 1000}.{epoch_ms % 1000:03d}"


def tags_element(tags: Sequence[tuple[str, str]]) -> bytes:
    """A Tags element holding one Tag with these SimpleTags (string values)."""
    simple = b"".join(
        element(
            _SIMPLE_TAG,
            element(_TAG_NAME, name.encode("utf-8")) + element(_TAG_STRING, value.encode("utf-8")),
        )
        for name, value in tags
    )
    return element(_TAGS, element(_TAG, element(_TARGETS, b"") + simple))


def get_media_chunk(fragment: StoredFragment, millis_behind_now: int) -> bytes:
    """The fragment as `GetMedia` sends it."""
    before = [
        (_PREFIX + "FRAGMENT_NUMBER", fragment.number),
        (_PREFIX + "SERVER_TIMESTAMP", seconds_text(fragment.server_ms)),
        (_PREFIX + "PRODUCER_TIMESTAMP", seconds_text(fragment.producer_ms)),
        *fragment.tags,
    ]
    after = [
        (_PREFIX + "MILLIS_BEHIND_NOW", str(max(0, millis_behind_now))),
        (_PREFIX + "CONTINUATION_TOKEN", fragment.number),
    ]
    return b"".join(
        (
            _EBML_HEADER,
            _SEGMENT_START,
            fragment.head,
            tags_element(before),
            fragment.cluster,
            tags_element(after),
        )
    )


def cut_before_closing_tags(chunk: bytes, fragment: StoredFragment) -> bytes:
    """`chunk` (the fragment as `get_media_chunk` made it) cut cleanly at the element boundary
    after its Cluster: every frame is there, its closing tags (continuation token) are not."""
    return chunk[: chunk.rindex(fragment.cluster) + len(fragment.cluster)]


def fragment_list_chunk(fragment: StoredFragment) -> bytes:
    """The fragment as `GetMediaForFragmentList` sends it."""
    tags = [
        (_PREFIX + "FRAGMENT_NUMBER", fragment.number),
        (_PREFIX + "SERVER_SIDE_TIMESTAMP", seconds_text(fragment.server_ms)),
        (_PREFIX + "PRODUCER_SIDE_TIMESTAMP", seconds_text(fragment.producer_ms)),
        *fragment.tags,
    ]
    return b"".join((_EBML_HEADER, _SEGMENT_START, fragment.head, tags_element(tags), fragment.cluster))


def error_chunk(code: str, error_id: int) -> bytes:
    """A last chunk telling a `GetMedia` reader why the stream stopped."""
    tags = [(_PREFIX + "ERROR_CODE", code), (_PREFIX + "ERROR_ID", str(error_id))]
    return b"".join((_EBML_HEADER, _SEGMENT_START, tags_element(tags)))


def epoch_ms(value: object) -> int | None:
    """A timestamp input member (a datetime, as the router parses it) in epoch milliseconds."""
    return round(value.timestamp() * 1000) if isinstance(value, datetime) else None


def _index_of(fragments: Sequence[StoredFragment], number: str) -> int | None:
    # Numbers increase with the index and have one width per stream: bisect on the strings.
    low, high = 0, len(fragments)
    while low < high:
        middle = (low + high) // 2
        if fragments[middle].number < number:
            low = middle + 1
        else:
            high = middle
    return low if low < len(fragments) and fragments[low].number == number else None


def find(fragments: Sequence[StoredFragment], number: str) -> StoredFragment | None:
    """The fragment with this number, if stored."""
    index = _index_of(fragments, number)
    return fragments[index] if index is not None else None


def start_index(fragments: Sequence[StoredFragment], selector: dict[str, object]) -> int:
    """Where `GetMedia` starts for its StartSelector (an index into `fragments`, maybe its end).

    NOW starts with the next fragment to arrive; EARLIEST with the oldest kept; FRAGMENT_NUMBER at
    that fragment; SERVER_TIMESTAMP and PRODUCER_TIMESTAMP at the fragment holding that moment, or
    the first after it; CONTINUATION_TOKEN just after the fragment the token names.
    """
    kind = selector.get("StartSelectorType")
    if kind == "NOW":
        return len(fragments)
    if kind == "EARLIEST":
        return 0
    if kind in ("FRAGMENT_NUMBER", "CONTINUATION_TOKEN"):
        member = "AfterFragmentNumber" if kind == "FRAGMENT_NUMBER" else "ContinuationToken"
        value = selector.get(member)
        if not isinstance(value, str):
            raise ServiceError(_INVALID, f"StartSelector.{member} is required for {kind}")
        index = _index_of(fragments, value)
        if index is None:
            if kind == "CONTINUATION_TOKEN":
                raise ServiceError(_INVALID, "StartSelector.ContinuationToken is not a valid token")
            raise ServiceError(_NOT_FOUND, "The requested fragment does not exist")
        return index + 1 if kind == "CONTINUATION_TOKEN" else index
    if kind in ("SERVER_TIMESTAMP", "PRODUCER_TIMESTAMP"):
        wanted = epoch_ms(selector.get("StartTimestamp"))
        if wanted is None:
            raise ServiceError(_INVALID, f"StartSelector.StartTimestamp is required for {kind}")
        server = kind == "SERVER_TIMESTAMP"
        for index, fragment in enumerate(fragments):
            start = fragment.server_ms if server else fragment.producer_ms
            if start + fragment.duration_ms > wanted or start >= wanted:
                return index
        return len(fragments)
    raise ServiceError(_INVALID, "StartSelector.StartSelectorType is not valid")


def listing_key(fragment: StoredFragment) -> str:
    """The order ListFragments pages in: a hash, so no page and no run of pages comes sorted, as
    AWS warns its order is unspecified; stable, so a page token stays valid as fragments arrive."""
    return hashlib.sha1(fragment.number.encode("ascii")).hexdigest()


def in_range(fragment: StoredFragment, selector: dict[str, object] | None) -> bool:
    """Whether ListFragments' FragmentSelector keeps this fragment: it starts within the range."""
    if selector is None:
        return True
    kind = selector.get("FragmentSelectorType")
    bounds = as_dict(selector.get("TimestampRange"))
    if bounds is None:
        return True
    start = fragment.server_ms if kind == "SERVER_TIMESTAMP" else fragment.producer_ms
    low = epoch_ms(bounds.get("StartTimestamp"))
    high = epoch_ms(bounds.get("EndTimestamp"))
    if low is not None and start < low:
        return False
    return not (high is not None and start > high)
