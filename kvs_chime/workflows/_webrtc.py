"""WebRTC connection info for a signaling channel and a role, with the endpoint answers cached.

The look-ups and the cache are written once as steps (`_steps.py`) in `ConnectorCore`;
`WebRtcConnector` performs them on sync facades, `kvs_chime.aio.AsyncWebRtcConnector` awaits them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar, cast

import attrs

from .._bounded import remember
from .._pipeline import run
from .._steps import Steps, invoke
from ..kinesisvideo import (
    ChannelProtocol,
    ChannelRole,
    GetSignalingChannelEndpointRequest,
    KinesisVideo,
    SingleMasterChannelEndpointConfiguration,
)
from ..signaling import GetIceServerConfigRequest, IceServer, KinesisVideoSignaling

__all__ = ["ConnectorCore", "WebRtcConnectionInfo", "WebRtcConnector"]

_PROTOCOLS = (ChannelProtocol.WSS, ChannelProtocol.HTTPS)


@attrs.frozen
class WebRtcConnectionInfo:
    """Everything a WebRTC peer needs to join a signaling channel in a role."""

    channel_arn: str
    """The signaling channel's ARN."""
    role: ChannelRole | str
    """The role these endpoints and ICE servers are for (MASTER or VIEWER)."""
    wss_url: str
    """The signaling WebSocket endpoint (for the SDP offer/answer and ICE candidates)."""
    https_url: str
    """The channel's HTTPS endpoint, where `GetIceServerConfig` answers."""
    ice_servers: list[IceServer]
    """TURN servers with their URIs, user name, password and TTL (the password is not in the repr)."""


@attrs.frozen
class _Endpoints:
    wss: str
    https: str
    fetched_at: float


def _default_signaling(kv: KinesisVideo) -> Callable[[str], KinesisVideoSignaling]:
    def make(endpoint_url: str) -> KinesisVideoSignaling:
        # kv's session (credentials), region and retry policy, bound to the channel's endpoint.
        region = cast(str, kv.client.meta.region_name)  # type: ignore[attr-defined]  # boto3 client attribute
        return KinesisVideoSignaling(
            session=kv.session, region_name=region, endpoint_url=endpoint_url, retry=kv.retry
        )

    return make


KV = TypeVar("KV")
Sig = TypeVar("Sig")

#: A connector keeps the endpoints it was told for this many (channel, role) pairs, the most
#: recent: a fleet's connector may see channels without end.
ENDPOINTS_KEPT = 1024


class ConnectorCore(Generic[KV, Sig]):
    """The cache and the look-ups of a connector, as steps; `KV` and `Sig` are the facades'
    types (sync or async), whose methods the steps name."""

    def __init__(
        self,
        kv: KV,
        *,
        signaling: Callable[[str], Sig] | None = None,
        endpoint_ttl: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._kv = kv
        self._make_signaling = signaling
        self._ttl = endpoint_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._endpoints: dict[tuple[str, str, tuple[str, ...]], _Endpoints] = {}
        self._signaling: dict[str, Sig] = {}

    def _endpoint_steps(self, channel_arn: str, role: ChannelRole | str) -> Steps[tuple[str, str]]:
        key = (channel_arn, str(role), tuple(str(p) for p in _PROTOCOLS))
        now = self._clock()
        with self._lock:
            cached = self._endpoints.get(key)
        if cached is not None and now - cached.fetched_at < self._ttl:
            return cached.wss, cached.https
        response = yield from invoke(
            self._kv,
            KinesisVideo.get_signaling_channel_endpoint,
            GetSignalingChannelEndpointRequest(
                channel_arn=channel_arn,
                single_master_channel_endpoint_configuration=SingleMasterChannelEndpointConfiguration(
                    protocols=list(_PROTOCOLS), role=role
                ),
            ),
        )
        found = {str(e.protocol): e.resource_endpoint for e in response.resource_endpoint_list or []}
        wss, https = found.get("WSS"), found.get("HTTPS")
        if not wss or not https:
            raise LookupError(f"GetSignalingChannelEndpoint returned no WSS/HTTPS endpoint for {channel_arn}")
        with self._lock:
            remember(self._endpoints, key, _Endpoints(wss, https, now), limit=ENDPOINTS_KEPT)
        return wss, https

    def _cached_signaling(self, https_url: str) -> Sig | None:
        with self._lock:
            return self._signaling.get(https_url)

    def _keep_signaling(self, https_url: str, signaling: Sig) -> Sig:
        with self._lock:
            return self._signaling.setdefault(https_url, signaling)

    def _info_steps(
        self, channel_arn: str, role: ChannelRole | str, client_id: str | None
    ) -> Steps[WebRtcConnectionInfo]:
        wss, https = yield from self._endpoint_steps(channel_arn, role)
        # The connector's own `_signaling_for` (sync, or async on the async connector).
        signaling = yield from invoke(self, WebRtcConnector._signaling_for, https)  # pyright: ignore[reportPrivateUsage]  # the connectors' own step
        ice = yield from invoke(
            signaling,
            KinesisVideoSignaling.get_ice_server_config,
            GetIceServerConfigRequest(channel_arn=channel_arn, client_id=client_id),
        )
        return WebRtcConnectionInfo(channel_arn, role, wss, https, list(ice.ice_server_list or []))

    def forget(self, channel_arn: str) -> None:
        """Drop cached endpoints of a channel (e.g. after it was deleted and made again)."""
        with self._lock:
            for key in [k for k in self._endpoints if k[0] == channel_arn]:
                del self._endpoints[key]


class WebRtcConnector(ConnectorCore[KinesisVideo, KinesisVideoSignaling]):
    """WebRTC connection info per channel and role, caching what is rate-limited.

    `GetSignalingChannelEndpoint` has an account-wide rate limit, so its answers are cached per
    (channel, role, protocols) for `endpoint_ttl` seconds (AWS publishes no validity for them;
    the answers for the 1,024 most recent pairs are kept).
    `GetIceServerConfig` only answers on the channel's own HTTPS endpoint, so a signaling facade
    is built per endpoint and reused: by `signaling` when given, else from `kv`'s session, region
    and retry policy (for a `kv` that wraps a client, the default session: pass `signaling` when
    that client has credentials of its own).
    ICE credentials are short-lived and never cached.

    >>> connector = WebRtcConnector(kv)  # doctest: +SKIP
    >>> info = connector.connection_info(channel_arn, ChannelRole.VIEWER, client_id="viewer-1")  # doctest: +SKIP
    >>> info.ice_servers[0].uris  # doctest: +SKIP
    ['turn:...']
    """

    def endpoints(self, channel_arn: str, role: ChannelRole | str) -> tuple[str, str]:
        """The channel's (WSS, HTTPS) endpoints for `role`, from the cache while fresh."""
        return run(self._endpoint_steps(channel_arn, role))

    def _signaling_for(self, https_url: str) -> KinesisVideoSignaling:
        cached = self._cached_signaling(https_url)
        if cached is not None:
            return cached
        make = self._make_signaling or _default_signaling(self._kv)
        return self._keep_signaling(https_url, make(https_url))

    def connection_info(
        self, channel_arn: str, role: ChannelRole | str = ChannelRole.MASTER, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo:
        """WSS and HTTPS endpoints plus fresh ICE servers for `role` on the channel.

        A VIEWER needs a `client_id` (the service requires one for viewers).
        """
        return run(self._info_steps(channel_arn, role, client_id))

    def close(self) -> None:
        """Close the signaling facades this connector holds (as the async connector's `aclose`)."""
        with self._lock:
            held, self._signaling = list(self._signaling.values()), {}
        for signaling in held:
            signaling.close()

    def __enter__(self) -> WebRtcConnector:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
