"""Finding a channel's WEBRTC endpoint, which the WebRTC storage API answers on: the request to
`GetSignalingChannelEndpoint` and the reading of its answer, shared by the sync and async facades."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..kinesisvideo import GetSignalingChannelEndpointRequest, GetSignalingChannelEndpointResponse

__all__ = ["webrtc_endpoint", "webrtc_endpoint_request"]


def webrtc_endpoint_request(channel_arn: str) -> GetSignalingChannelEndpointRequest:
    """The request for the channel's WEBRTC endpoint (the MASTER role's, as the samples ask)."""
    from ..kinesisvideo import (
        ChannelProtocol,
        ChannelRole,
        GetSignalingChannelEndpointRequest,
        SingleMasterChannelEndpointConfiguration,
    )

    return GetSignalingChannelEndpointRequest(
        channel_arn=channel_arn,
        single_master_channel_endpoint_configuration=SingleMasterChannelEndpointConfiguration(
            protocols=[ChannelProtocol.WEBRTC], role=ChannelRole.MASTER
        ),
    )


def webrtc_endpoint(response: GetSignalingChannelEndpointResponse) -> str:
    """The WEBRTC endpoint the answer names; LookupError when it names none."""
    found = [e.resource_endpoint for e in response.resource_endpoint_list if e.protocol == "WEBRTC"]
    if not found:
        raise LookupError("GetSignalingChannelEndpoint returned no WEBRTC endpoint for the channel")
    return found[0]
