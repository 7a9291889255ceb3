"""WebRTC signaling over a Kinesis Video signaling channel: a typed asyncio client.

`SignalingClient` connects as master or viewer (endpoints and ICE servers from a
`WebRtcConnector` or `AsyncWebRtcConnector`), sends SDP offers, answers and ICE candidates, and
yields typed inbound messages; it reconnects with a freshly signed URL and keeps its ICE servers
fresh. `presigned_url` is the signed URL alone. `kvs_chime.webrtc.aiortc` (the `webrtc` extra)
connects an aiortc `RTCPeerConnection` through it. See docs/howto/webrtc.md.
"""

from ._client import ConnectionInfoSource, Receipt, SignalingClient
from ._errors import SignalingClosedError, SignalingConnectError, SignalingError
from ._messages import (
    MAX_DEPTH,
    MAX_FRAME,
    MAX_PAYLOAD,
    GoAway,
    IceCandidate,
    InboundMessage,
    ReconnectIceServer,
    SdpAnswer,
    SdpOffer,
    StatusResponse,
    UnknownMessage,
    decode_inbound,
    validate_client_id,
)
from ._presign import EXPIRES, FrozenCredentials, SigningCredentials, presigned_url, session_credentials
from ._reconnect import ReconnectPolicy

__all__ = [
    "EXPIRES",
    "MAX_DEPTH",
    "MAX_FRAME",
    "MAX_PAYLOAD",
    "ConnectionInfoSource",
    "FrozenCredentials",
    "GoAway",
    "IceCandidate",
    "InboundMessage",
    "Receipt",
    "ReconnectIceServer",
    "ReconnectPolicy",
    "SdpAnswer",
    "SdpOffer",
    "SignalingClient",
    "SignalingClosedError",
    "SignalingConnectError",
    "SignalingError",
    "SigningCredentials",
    "StatusResponse",
    "UnknownMessage",
    "decode_inbound",
    "presigned_url",
    "session_credentials",
    "validate_client_id",
]
