"""The code under test: keep a camera's signaling channel and video stream ready."""

from __future__ import annotations

import contextlib

from kvs_chime import KinesisVideo, Poll
from kvs_chime.errors import ResourceInUseError
from kvs_chime.kinesisvideo import CreateStreamRequest
from kvs_chime.workflows import ensure_signaling_channel


def prepare_camera(
    kv: KinesisVideo, name: str, *, poll: Poll | None = None
) -> tuple[str, str]:
    """Make sure the camera's channel and stream are ACTIVE; return their ARNs."""
    channel = ensure_signaling_channel(
        kv, f"{name}-channel", tags={"camera": name}, poll=poll
    )
    with contextlib.suppress(ResourceInUseError):  # made by an earlier run
        kv.create_stream(
            CreateStreamRequest(
                stream_name=f"{name}-stream", data_retention_in_hours=24
            )
        )
    stream = kv.wait_until_stream_active(stream_name=f"{name}-stream", poll=poll)
    assert channel.channel_arn is not None and stream.stream_arn is not None
    return channel.channel_arn, stream.stream_arn
