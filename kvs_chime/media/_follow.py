"""The decisions of reading a stream's media back, with no I/O in them (the sans-I/O pattern):
the sync readers (`kvs_chime.workflows`) and the async ones (`kvs_chime.aio`) drive them.

- `LiveRead`: following a stream with `GetMedia`. Each fragment's continuation token is where a
  new `GetMedia` resumes, so a dropped connection (or an answer that ends) is followed by one
  that starts right after the last whole fragment handed over: no fragment twice, none lost. A
  fragment cut off by the drop is not handed over; the resumed answer starts with it, whole.
- `fragment_batches`: reading a past range with `ListFragments` (whose pages come in no order)
  and `GetMediaForFragmentList` (at most 1,000 fragments a call): sorted, deduplicated, batched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import attrs

from ..archived_media._shapes import Fragment as FragmentInfo
from ..events import KinesisVideoStreamStart
from ..stream_media._shapes import GetMediaRequest, StartSelector, StartSelectorType
from ._errors import MediaStreamError
from ._fragment import Fragment

__all__ = ["MAX_FRAGMENTS_PER_CALL", "LiveRead", "event_start", "fragment_batches"]

MAX_FRAGMENTS_PER_CALL = 1000
"""`GetMediaForFragmentList` takes 1 to 1,000 fragment numbers."""


@attrs.define
class LiveRead:
    """Following one stream with `GetMedia`, from `start`, until `end_fragment_number` (the
    stream-end event's) has been handed over, or until `max_idle_resumes` answers in a row bring
    nothing new (the stream has stopped).

    The reader asks `request()` for each `GetMedia`, passes each fragment read through `accept`
    (hand it over only when True), and when an answer ends or breaks asks `resume()` whether to
    ask again (after `resume_delay` seconds).
    """

    stream_arn: str
    start: StartSelector | None = None
    """Where the first `GetMedia` starts; None for NOW."""
    end_fragment_number: str | None = None
    max_idle_resumes: int = 3
    resume_delay: float = 0.5
    finished: bool = attrs.field(default=False, init=False)
    """True once the end fragment was handed over: no further `GetMedia`."""
    resumes: int = attrs.field(default=0, init=False)
    """`GetMedia` calls made after the first."""
    _token: str | None = attrs.field(default=None, init=False)
    _last: int | None = attrs.field(default=None, init=False)
    _idle: int = attrs.field(default=0, init=False)

    def request(self) -> GetMediaRequest:
        """The next `GetMedia`: from `start`, then from the last continuation token."""
        selector = self.start or StartSelector(start_selector_type=StartSelectorType.NOW)
        if self._token is not None:
            selector = StartSelector(
                start_selector_type=StartSelectorType.CONTINUATION_TOKEN, continuation_token=self._token
            )
        return GetMediaRequest(stream_arn=self.stream_arn, start_selector=selector)

    def accept(self, fragment: Fragment) -> bool:
        """Whether to hand `fragment` over (not cut off, not seen before); raises
        `MediaStreamError` for the service's error tag."""
        if fragment.error_code is not None:
            raise MediaStreamError(
                f"GetMedia ended with the service's error {fragment.error_code}",
                code=fragment.error_code,
                fragment_number=fragment.fragment_number,
            )
        if fragment.truncated:
            return False  # the resumed GetMedia starts with it again, whole
        number = fragment.fragment_number
        value = _number(number)
        if value is not None and self._last is not None and value <= self._last:
            return False  # already handed over before a resume
        if fragment.continuation_token is not None:
            self._token = fragment.continuation_token
        if value is not None:
            self._last = value
        self._idle = 0
        if number is not None and number == self.end_fragment_number:
            self.finished = True
        return True

    def resume(self) -> bool:
        """An answer ended or broke: whether to ask again (False once finished, or after
        `max_idle_resumes` answers in a row that brought nothing)."""
        if self.finished:
            return False
        self._idle += 1
        if self._idle > self.max_idle_resumes:
            return False
        self.resumes += 1
        return True


def event_start(started: KinesisVideoStreamStart) -> StartSelector:
    """Where the stream a stream-start event names begins: its start fragment (`GetMedia`'s
    FRAGMENT_NUMBER selector starts with the fragment it names)."""
    return StartSelector(
        start_selector_type=StartSelectorType.FRAGMENT_NUMBER,
        after_fragment_number=started.start_fragment_number,
    )


def fragment_batches(
    fragments: Iterable[FragmentInfo], size: int = MAX_FRAGMENTS_PER_CALL
) -> list[list[str]]:
    """`ListFragments`' fragments (any order, any page) as the fragment numbers to ask
    `GetMediaForFragmentList` for: in order, each once, at most `size` a call."""
    if not 1 <= size <= MAX_FRAGMENTS_PER_CALL:
        raise ValueError(f"size must be between 1 and {MAX_FRAGMENTS_PER_CALL}, got {size}")
    numbers = sorted({f.fragment_number for f in fragments if f.fragment_number}, key=_order)
    return [numbers[i : i + size] for i in range(0, len(numbers), size)]


# The API's fragment number: ^[0-9]+$, at most 128 characters (ASCII digits only: "²" is a
# digit to str.isdigit, not to int; and 128 digits stay under int's 4,300-digit limit).
_FRAGMENT_NUMBER = re.compile(r"[0-9]{1,128}", re.ASCII)


def _number(number: str | None) -> int | None:
    """A fragment number as an int, or None for one the API would not write."""
    if number is None or _FRAGMENT_NUMBER.fullmatch(number) is None:
        return None
    return int(number)


def _order(number: str) -> tuple[int, str]:
    # Fragment numbers are decimal strings of varying length: compare as numbers.
    value = _number(number)
    return (-1, number) if value is None else (value, number)
