"""Events and the MKV reader as users write them, checked by mypy --strict and pyright strict;
also runs under pytest (the recorded GetMedia sample of the docs, no network)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

from typing_extensions import assert_type

from kvs_chime.events import (
    ChimeEvent,
    EventParseError,
    KinesisVideoStreamEnd,
    KinesisVideoStreamStart,
    StreamPoolEvent,
    UnknownEvent,
    parse_event,
)
from kvs_chime.media import (
    AudioSpecificConfig,
    Fragment,
    Frame,
    MkvReader,
    Track,
    adts_frames,
    aiter_fragments,
    read_fragments,
)

SAMPLE = (
    Path(__file__).resolve().parents[2] / "kvs_chime" / "testing" / "_audio" / "attendee-440hz.getmedia.mkv"
)


def describe(body: str) -> str:
    event = parse_event(body)
    assert_type(event, ChimeEvent)
    match event:
        case KinesisVideoStreamStart(kinesis_video_stream_arn=arn, start_fragment_number=number):
            assert_type(arn, str)
            assert_type(number, str)
            assert_type(event.start_time, datetime)
            return f"start {arn} {number} {'mixed' if event.is_mixed_audio else event.attendee_id}"
        case KinesisVideoStreamEnd():
            assert_type(event.end_fragment_number, str)
            return f"end {event.end_fragment_number}"
        case StreamPoolEvent():
            assert_type(event.pool_arn, str)
            return event.pool_arn
        case UnknownEvent():
            return f"unknown {event.detail_type} {sorted(event.detail)}"
        case _:
            assert_type(event.timestamp, datetime | None)
            return event.event_type


def test_events_typed() -> None:
    assert describe('{"detail-type": "x", "source": "y", "detail": {"a": 1}}') == "unknown x ['a']"
    try:
        parse_event("{}")
    except EventParseError as error:
        assert_type(error.field, str)
        assert error.field == "detail-type"


def test_reader_typed() -> None:
    with SAMPLE.open("rb") as stream:
        fragments = list(read_fragments(stream))
    assert_type(fragments, list[Fragment])
    first = fragments[0]
    assert_type(first.fragment_number, str | None)
    assert_type(first.producer_timestamp, datetime | None)
    assert_type(first.sample_rate, int | None)
    track = first.audio_track
    assert_type(track, Track | None)
    assert track is not None
    config = AudioSpecificConfig.parse(track.codec_private)
    frames: list[Frame] = [f for fragment in fragments for f in fragment.frames_of(track.number)]
    assert_type(frames[0].timestamp_ns, int)
    framed = list(adts_frames(config, (f.data for f in frames)))
    assert_type(framed, list[bytes])
    assert len(framed) == len(frames) > 90

    reader = MkvReader()
    done: list[Fragment] = reader.feed(SAMPLE.read_bytes()) + reader.close()
    assert [f.fragment_number for f in done] == [f.fragment_number for f in fragments]

    async def chunks() -> AsyncIterator[bytes]:
        data = io.BytesIO(SAMPLE.read_bytes())
        while chunk := data.read(4096):
            yield chunk

    async def count() -> int:
        return sum([len(f.frames) async for f in aiter_fragments(chunks())])

    assert asyncio.run(count()) == len(frames)
