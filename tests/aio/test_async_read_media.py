"""The async readers against the local endpoint's media: the same fragments as the sync ones,
live (across dropped connections too) and as a past range."""

from __future__ import annotations

import datetime
from typing import Any

from aiobotocore.session import get_session

from kvs_chime.aio import AsyncKinesisVideo, follow_stream, read_stream_range
from kvs_chime.archived_media import FragmentSelector, FragmentSelectorType, TimestampRange
from kvs_chime.media import Fragment
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import follow_stream as sync_follow_stream

from ..e2e.test_read_media import at, kinesis_video, meeting_audio, summary
from .conftest import run

__all__ = ["meeting_audio"]  # the fixture, used by name


async def no_wait(_: float) -> None:
    return None


def test_async_readers_give_what_the_sync_ones_give(meeting_audio: tuple[LocalEndpoint, Any]) -> None:
    ep, streams = meeting_audio
    start, end = streams["alice"]
    arn, last = start.kinesis_video_stream_arn, end.end_fragment_number
    expected = list(sync_follow_stream(kinesis_video(ep), arn, start=at(start), end_fragment_number=last))
    hour = datetime.timedelta(hours=1)
    selector = FragmentSelector(
        fragment_selector_type=FragmentSelectorType.SERVER_TIMESTAMP,
        timestamp_range=TimestampRange(
            start_timestamp=start.start_time - hour, end_timestamp=end.end_time + hour
        ),
    )

    async def main() -> tuple[list[Fragment], list[Fragment], list[Fragment]]:
        session = get_session()
        session.set_credentials("testing", "testing", "testing")
        async with AsyncKinesisVideo(
            session=session, endpoint_url=ep.url, region_name=ep.region, sleep=no_wait
        ) as kv:
            live = [f async for f in follow_stream(kv, arn, start=at(start), end_fragment_number=last)]
            ep.media_faults.drop_get_media(after_fragments=1, times=2)
            resumed = [f async for f in follow_stream(kv, arn, start=at(start), end_fragment_number=last)]
            past = [f async for f in read_stream_range(kv, arn, selector)]
        return live, resumed, past

    live, resumed, past = run(main)
    assert ep.media_faults.pending() == 0
    for got in (live, resumed, past):
        assert summary(got) == summary(expected)
        assert [f.frames for f in got] == [f.frames for f in expected]
