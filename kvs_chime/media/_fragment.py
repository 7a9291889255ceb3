"""What the MKV reader yields: fragments with their tags, tracks and frames."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import attrs

from ._errors import AudioFormatError

__all__ = ["Fragment", "Frame", "MkvTag", "Track"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@attrs.frozen(kw_only=True)
class Frame:
    """One coded frame of a track (for Chime audio: one raw AAC access unit, no ADTS header).

    `timestamp_ns` is absolute: the cluster's timecode plus the block's, scaled by the segment's
    TimecodeScale. Kinesis Video producers write epoch-based cluster timecodes, so for them it is
    nanoseconds since the Unix epoch (`timestamp` gives it as an aware datetime).
    """

    track_number: int
    timestamp_ns: int
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    keyframe: bool = True
    duration_ns: int | None = None
    """From a BlockGroup's BlockDuration or the track's DefaultDuration, where given."""

    @property
    def timestamp(self) -> datetime:
        """`timestamp_ns` as an aware UTC datetime (microsecond precision); `AudioFormatError`
        when it lies outside datetime's years 1 to 9999 (a timecode no producer writes)."""
        seconds = self.timestamp_ns // 1_000_000_000
        if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
            raise AudioFormatError("Frame.timestamp", "lies outside datetime's years 1 to 9999")
        return _EPOCH + timedelta(microseconds=self.timestamp_ns // 1000)


@attrs.frozen(kw_only=True)
class Track:
    """A TrackEntry: its number, codec and, for audio, the sampling rate and channel count."""

    number: int
    codec_id: str = ""
    codec_private: bytes = b""
    """For `A_AAC`: the AudioSpecificConfig the decoder needs (Chime audio has no ADTS headers)."""
    track_type: int | None = None
    """1 video, 2 audio, 17 subtitles (Matroska TrackType)."""
    name: str = ""
    default_duration_ns: int | None = None
    sampling_frequency: float | None = None
    channels: int = 1
    """Matroska's default, 1, when the TrackEntry does not say."""

    @property
    def is_audio(self) -> bool:
        return self.track_type == 2 or self.codec_id.startswith("A_")


@attrs.frozen
class MkvTag:
    """One SimpleTag: its name and its value (TagString as `str`, TagBinary as `bytes`)."""

    name: str
    value: str | bytes


# A tag number as the service and the pipelines write them ("1627503649.251", "48000"): ASCII
# digits only, no exponent, bounded in length, so parsing costs nothing and cannot overflow.
_NUMBER = re.compile(r"[+-]?([0-9]{1,20})(?:\.([0-9]{1,12}))?", re.ASCII)
# datetime's range, in seconds since the epoch: 0001-01-01 to 9999-12-31T23:59:59.
_MIN_SECONDS = -62_135_596_800
_MAX_SECONDS = 253_402_300_799


def _tag_decimal(name: str, value: str | bytes | None) -> Decimal | None:
    if value is None:
        return None
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    text = text.strip()
    if len(text) > 40 or _NUMBER.fullmatch(text) is None:
        raise AudioFormatError(
            f"tag {name}", "must be a decimal number (at most 20 digits, 12 after the point, no exponent)"
        )
    return Decimal(text)


def _tag_int(name: str, value: str | bytes | None) -> int | None:
    number = _tag_decimal(name, value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise AudioFormatError(f"tag {name}", "must be a whole number")
    return int(number)


def _tag_time(name: str, value: str | bytes | None) -> datetime | None:
    # The service writes seconds since the epoch with a fraction: "1627503649.251".
    number = _tag_decimal(name, value)
    if number is None:
        return None
    if not _MIN_SECONDS <= number <= _MAX_SECONDS:
        raise AudioFormatError(f"tag {name}", "must be seconds since the epoch within years 1 to 9999")
    return _EPOCH + timedelta(microseconds=int((number * 1_000_000).to_integral_value()))


_PREFIX = "AWS_KINESISVIDEO_"


@attrs.frozen(kw_only=True)
class Fragment:
    """One Kinesis Video fragment: an EBML header and a Segment with its tags, tracks and frames.

    Every tag is kept in `tags`, in stream order; the properties read the common ones in both
    spellings the service uses (`GetMedia`: `..._SERVER_TIMESTAMP`; `GetMediaForFragmentList`:
    `..._SERVER_SIDE_TIMESTAMP`). A tag that is present but not a number raises
    `AudioFormatError` naming it; an absent one is `None`.

    `truncated` is True when the stream ended inside this fragment: what was read is here, and
    whatever was cut off (a partial frame, a missing closing part) is not.
    """

    offset: int
    """Byte offset of the fragment's first byte in the stream read."""
    size: int
    """Bytes of the stream the fragment spans."""
    tags: tuple[MkvTag, ...] = ()
    tracks: tuple[Track, ...] = ()
    frames: tuple[Frame, ...] = ()
    timecode_scale_ns: int = 1_000_000
    truncated: bool = False

    def tag(self, name: str) -> str | bytes | None:
        """The value of the last tag named `name`, or None."""
        for tag in reversed(self.tags):
            if tag.name == name:
                return tag.value
        return None

    def _text(self, *names: str) -> str | None:
        for name in names:
            value = self.tag(name)
            if value is not None:
                return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return None

    def _service(self, *suffixes: str) -> tuple[str, str | None]:
        for suffix in suffixes:
            value = self.tag(_PREFIX + suffix)
            if value is not None:
                return _PREFIX + suffix, value.decode("ascii", "replace") if isinstance(
                    value, bytes
                ) else value
        return _PREFIX + suffixes[0], None

    @property
    def fragment_number(self) -> str | None:
        return self._service("FRAGMENT_NUMBER")[1]

    @property
    def server_timestamp(self) -> datetime | None:
        return _tag_time(*self._service("SERVER_TIMESTAMP", "SERVER_SIDE_TIMESTAMP"))

    @property
    def producer_timestamp(self) -> datetime | None:
        return _tag_time(*self._service("PRODUCER_TIMESTAMP", "PRODUCER_SIDE_TIMESTAMP"))

    @property
    def continuation_token(self) -> str | None:
        """`GetMedia` only: where a new `GetMedia` resumes after this fragment."""
        return self._service("CONTINUATION_TOKEN")[1]

    @property
    def millis_behind_now(self) -> int | None:
        return _tag_int(*self._service("MILLIS_BEHIND_NOW"))

    @property
    def error_code(self) -> str | None:
        """The service's error tag (`..._ERROR_CODE`, or `..._EXCEPTION_ERROR_CODE` in
        `GetMediaForFragmentList`), when it ended the stream with an error."""
        return self._service("ERROR_CODE", "EXCEPTION_ERROR_CODE")[1]

    @property
    def error_message(self) -> str | None:
        return self._service("ERROR_ID", "EXCEPTION_MESSAGE")[1]

    @property
    def meeting_id(self) -> str | None:
        return self._text("meetingId")

    @property
    def external_meeting_id(self) -> str | None:
        return self._text("externalMeetingId")

    @property
    def attendee_id(self) -> str | None:
        """The attendee whose audio this is; empty (or absent) for a meeting's mixed audio."""
        return self._text("attendeeId")

    @property
    def external_user_id(self) -> str | None:
        return self._text("externalUserId")

    @property
    def sample_rate(self) -> int | None:
        """The pipeline's `sampleRate` tag."""
        return _tag_int("sampleRate", self.tag("sampleRate"))

    @property
    def channels(self) -> int | None:
        """The pipeline's `channels` tag."""
        return _tag_int("channels", self.tag("channels"))

    @property
    def audio_track(self) -> Track | None:
        """The first audio track, or None."""
        return next((t for t in self.tracks if t.is_audio), None)

    def frames_of(self, track_number: int) -> tuple[Frame, ...]:
        """The frames of one track, in stream order."""
        return tuple(f for f in self.frames if f.track_number == track_number)
