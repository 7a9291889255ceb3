"""The Kinesis Video WebRTC storage facade (`JoinStorageSession`), on a channel's WEBRTC endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._data_plane import DataPlaneFacade, bound_to, built_like
from ._endpoint import webrtc_endpoint, webrtc_endpoint_request
from ._operations import KinesisVideoWebRtcStorageOperations

if TYPE_CHECKING:
    from ..kinesisvideo import KinesisVideo

__all__ = ["KinesisVideoWebRtcStorage"]


class KinesisVideoWebRtcStorage(DataPlaneFacade, KinesisVideoWebRtcStorageOperations):
    """Typed access to WebRTC ingestion into a stream: a master (or viewer) joins the channel's
    storage session, and the media it sends is stored in the channel's mapped stream.

    The calls answer only on the channel's WEBRTC endpoint (`GetSignalingChannelEndpoint` with
    protocol WEBRTC): build the facade with `for_channel`, which asks for it once per channel::

        storage = KinesisVideoWebRtcStorage.for_channel(kv, channel_arn=arn)
        storage.join_storage_session(JoinStorageSessionRequest(channel_arn=arn))

    or with `endpoint_url=` set to that endpoint.
    """

    _how_to_build = (
        "use KinesisVideoWebRtcStorage.for_channel(kv, channel_arn=...), or pass endpoint_url= "
        "from KinesisVideo.get_signaling_channel_endpoint with the WEBRTC protocol"
    )

    @classmethod
    def for_channel(cls, kv: KinesisVideo, *, channel_arn: str) -> KinesisVideoWebRtcStorage:
        """The facade on the channel's WEBRTC endpoint (asked for once per `kv` and channel
        while the facade is among the 32 `kv` bound most recently: `GetSignalingChannelEndpoint`
        has an account-wide rate limit), with `kv`'s session, Region, client configuration and
        retry policy."""

        def build() -> KinesisVideoWebRtcStorage:
            response = kv.get_signaling_channel_endpoint(webrtc_endpoint_request(channel_arn))
            return built_like(cls, kv, webrtc_endpoint(response))

        return bound_to(kv, (cls, "channel_arn", channel_arn), build)
