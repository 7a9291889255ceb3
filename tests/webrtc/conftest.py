"""A local endpoint with a channel, and peers on it, for the signaling tests (real WebSockets)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import attrs
import pytest

from kvs_chime import KinesisVideo, Poll
from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.webrtc import ReconnectPolicy, SignalingClient
from kvs_chime.workflows import WebRtcConnector, ensure_signaling_channel

# Quick reconnects: the tests wait for them.
FAST = ReconnectPolicy(attempts=5, base_delay=0.05, max_delay=0.2, deadline=5.0)


@attrs.define
class Channel:
    """A channel on a running endpoint, and what a peer needs to join it."""

    endpoint: LocalEndpoint
    kv: KinesisVideo
    arn: str
    connector: WebRtcConnector
    clock: ManualClock

    def wall(self) -> float:
        """The peers' wall clock: real time moved on as far as the endpoint's manual clock."""
        return time.time() + self.clock() - 1000.0

    def master(self, **kwargs: object) -> SignalingClient:
        return self._client(ChannelRole.MASTER, None, kwargs)

    def viewer(self, client_id: str, **kwargs: object) -> SignalingClient:
        return self._client(ChannelRole.VIEWER, client_id, kwargs)

    def _client(self, role: ChannelRole, client_id: str | None, kwargs: dict[str, object]) -> SignalingClient:
        options: dict[str, object] = {"policy": FAST, "wall_clock": self.wall, "check_interval": 0.02}
        options.update(kwargs)
        return SignalingClient(
            self.connector,
            self.arn,
            credentials=self.kv.session.get_credentials(),
            role=role,
            client_id=client_id,
            **options,  # type: ignore[arg-type]  # test helper: options as given
        )


def make_channel(endpoint: LocalEndpoint, clock: ManualClock, name: str = "door") -> Channel:
    kv = KinesisVideo(
        session=endpoint.boto3_session(), endpoint_url=endpoint.url, region_name=endpoint.region
    )
    info = ensure_signaling_channel(kv, name, poll=Poll(timeout=5, interval=0.02))
    return Channel(endpoint, kv, info.channel_arn, WebRtcConnector(kv), clock)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1000.0)


@pytest.fixture
def channel(clock: ManualClock) -> Iterator[Channel]:
    with LocalEndpoint(activation_delay=0, clock=clock) as endpoint:
        yield make_channel(endpoint, clock)
