"""The Kinesis Video Streams signaling facade (`GetIceServerConfig` for WebRTC set-up)."""

from __future__ import annotations

from ._operations import KinesisVideoSignalingOperations

__all__ = ["KinesisVideoSignaling"]


class KinesisVideoSignaling(KinesisVideoSignalingOperations):
    """Typed access to the Kinesis Video Streams signaling data plane.

    Its operations answer only on a signaling channel's own HTTPS endpoint, so build it with that
    endpoint (from `KinesisVideo.get_signaling_channel_endpoint`)::

        signaling = KinesisVideoSignaling(endpoint_url=https_endpoint, region_name="us-east-1")
        ice = signaling.get_ice_server_config(GetIceServerConfigRequest(channel_arn=arn))
    """
