"""The readers' decisions (`kvs_chime.media._follow`), fed fragments as the MKV reader yields
them: where GetMedia resumes, what is handed over once, when following ends, how a listed range
is batched. The readers that perform them run against the local endpoint in tests/e2e."""

from __future__ import annotations

import datetime
import pickle

import pytest

from kvs_chime.archived_media import Fragment as FragmentInfo
from kvs_chime.media import Fragment, MediaStreamError, MkvTag
from kvs_chime.media._follow import MAX_FRAGMENTS_PER_CALL, LiveRead, fragment_batches
from kvs_chime.stream_media import StartSelector, StartSelectorType

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1700000000000"
WHEN = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def fragment(number: int, *, truncated: bool = False, error: str | None = None) -> Fragment:
    tags = [
        MkvTag("AWS_KINESISVIDEO_FRAGMENT_NUMBER", str(number)),
        MkvTag("AWS_KINESISVIDEO_CONTINUATION_TOKEN", str(number)),
    ]
    if error is not None:
        tags.append(MkvTag("AWS_KINESISVIDEO_ERROR_CODE", error))
    return Fragment(offset=0, size=1, tags=tuple(tags), truncated=truncated)


def test_get_media_resumes_after_the_last_whole_fragment_handed_over() -> None:
    start = StartSelector(start_selector_type=StartSelectorType.EARLIEST)
    live = LiveRead(ARN, start)
    assert live.request().start_selector == start
    assert [live.accept(fragment(n)) for n in (10, 11)] == [True, True]
    assert not live.accept(fragment(12, truncated=True))  # cut off by the drop: comes again
    assert live.resume()
    selector = live.request().start_selector
    assert selector.start_selector_type == StartSelectorType.CONTINUATION_TOKEN
    assert selector.continuation_token == "11"
    # The resumed answer repeats what was handed over already: not twice.
    assert [live.accept(fragment(n)) for n in (11, 12, 13)] == [False, True, True]
    assert live.resumes == 1


def test_following_ends_at_the_end_fragment_or_when_the_stream_stops() -> None:
    live = LiveRead(ARN, end_fragment_number="21")
    assert live.accept(fragment(20)) and not live.finished
    assert live.accept(fragment(21)) and live.finished
    assert not live.resume()

    idle = LiveRead(ARN, max_idle_resumes=2)
    assert idle.resume() and idle.resume() and not idle.resume()  # nothing new, three times
    progress = LiveRead(ARN, max_idle_resumes=1)
    for n in range(5):  # each answer brings something: never idle
        assert progress.accept(fragment(n)) and progress.resume()


def test_the_services_error_tag_ends_the_read_with_a_typed_error() -> None:
    live = LiveRead(ARN)
    with pytest.raises(MediaStreamError) as caught:
        live.accept(fragment(7, error="4011"))
    assert caught.value.code == "4011" and caught.value.fragment_number == "7"
    assert pickle.loads(pickle.dumps(caught.value)) == caught.value


def test_a_listed_range_is_read_in_order_once_at_most_a_thousand_a_call() -> None:
    numbers = [str(10**20 + n) for n in range(2500)] + ["9", "10"]  # lengths differ: numeric order
    listed = [
        FragmentInfo(fragment_number=n, producer_timestamp=WHEN, server_timestamp=WHEN) for n in numbers
    ]
    shuffled = listed[::-1] + listed[:5]  # pages in no order, one fragment on two pages
    batches = fragment_batches(shuffled)
    assert [len(b) for b in batches] == [1000, 1000, 502]
    flat = [n for batch in batches for n in batch]
    assert flat == ["9", "10", *numbers[:2500]]
    assert fragment_batches([]) == []
    with pytest.raises(ValueError, match="between 1 and 1000"):
        fragment_batches(listed, MAX_FRAGMENTS_PER_CALL + 1)
