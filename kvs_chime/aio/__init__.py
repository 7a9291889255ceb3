"""Async (asyncio) facades over aiobotocore: the `aio` extra, `pip install 'kvs-chime[aio]'`.

Every operation of the sync facades, as `async def` with the same typed requests and
responses; `async for` over the `iter_*` methods; the same waiters, validation, tokens,
retries, deadline, reconciliation and errors (one implementation drives both)::

    async with AsyncKinesisVideo(region_name="us-east-1") as kv:
        created = await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
        async for channel in kv.iter_signaling_channels():
            ...

The workflows (`ensure_signaling_channel`, `AsyncWebRtcConnector`, `stream_meeting_audio`) are
the sync ones' logic, awaited. Cancelling a task mid-call cancels its HTTP request; see docs/howto/async.md for what a
cancelled or timed-out call leaves behind.
"""

from .._startup import collector_paused

# aiobotocore and the async machinery: imported with the collector paused (see _startup.py).
with collector_paused():
    from ._data_plane import (
        AsyncKinesisVideoArchivedMedia,
        AsyncKinesisVideoMedia,
        AsyncKinesisVideoWebRtcStorage,
    )
    from ._read_media import follow_event, follow_stream, read_stream_range
    from ._services import AsyncKinesisVideo, AsyncKinesisVideoSignaling, AsyncMediaPipelines, AsyncMeetings
    from ._workflows import (
        AsyncMeetingAudioStream,
        AsyncWebRtcConnector,
        ensure_signaling_channel,
        stream_meeting_audio,
    )

__all__ = [
    "AsyncKinesisVideo",
    "AsyncKinesisVideoArchivedMedia",
    "AsyncKinesisVideoMedia",
    "AsyncKinesisVideoSignaling",
    "AsyncKinesisVideoWebRtcStorage",
    "AsyncMediaPipelines",
    "AsyncMeetingAudioStream",
    "AsyncMeetings",
    "AsyncWebRtcConnector",
    "ensure_signaling_channel",
    "follow_event",
    "follow_stream",
    "read_stream_range",
    "stream_meeting_audio",
]
