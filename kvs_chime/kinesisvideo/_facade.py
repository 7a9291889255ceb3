"""The Kinesis Video Streams facade."""

from __future__ import annotations

from ._operations import KinesisVideoOperations

__all__ = ["KinesisVideo"]


class KinesisVideo(KinesisVideoOperations):
    """Typed access to the Amazon Kinesis Video Streams API (signaling channels, streams).

    kv = KinesisVideo(region_name="us-east-1")
    created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    print(created.channel_arn)
    """
