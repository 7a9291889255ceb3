"""`SignalingControl`: the signaling WebSockets' limits and faults, as tests drive them."""

from __future__ import annotations

from typing import Protocol

import attrs

from ._signaling import Connection

__all__ = ["SignalingConnection", "SignalingControl"]


@attrs.frozen
class SignalingConnection:
    """An open signaling WebSocket on the endpoint."""

    channel_arn: str
    role: str
    """MASTER or VIEWER."""
    client_id: str | None
    """The viewer's client id (None for the master)."""
    opened_at: float
    """The endpoint's clock when it connected."""


class _Hub(Protocol):
    """What the control uses of the signaling hub (the endpoint's `SignalingHub`)."""

    idle_timeout: float
    max_connection: float
    relay_delay: float

    def connections(self, channel_arn: str | None = None) -> list[Connection]: ...
    def select(self, channel_arn: str, client_id: str | None, role: str | None) -> list[Connection]: ...
    def send_service_message(self, connections: list[Connection], message_type: str) -> None: ...


def _view(connection: Connection) -> SignalingConnection:
    return SignalingConnection(
        connection.channel_arn, connection.role, connection.client_id, connection.opened_at
    )


class SignalingControl:
    """The signaling WebSockets of a `LocalEndpoint` (`endpoint.signaling`): limits, faults, connections.

    Faults act now on the open connections of a channel: all of them, those of one `role`
    ("MASTER" or "VIEWER"), or the viewer `client_id`. Each returns how many it reached.
    The journal records connections (`ConnectAsMaster`, `ConnectAsViewer`, `Disconnect`),
    relayed messages (`SendSdpOffer`, `SendSdpAnswer`, `SendIceCandidate`) and the service
    messages sent here, under the service name "kinesis-video-signaling" (never SDP contents).
    """

    def __init__(self, hub: _Hub) -> None:
        self._hub = hub

    @property
    def idle_timeout(self) -> float:
        """Seconds without a frame from a peer before it is closed with 1001 (AWS: 600)."""
        return self._hub.idle_timeout

    @idle_timeout.setter
    def idle_timeout(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("idle_timeout must be positive")
        self._hub.idle_timeout = seconds

    @property
    def max_connection_duration(self) -> float:
        """Seconds a connection may last before it is closed with 1001 (AWS: 3600)."""
        return self._hub.max_connection

    @max_connection_duration.setter
    def max_connection_duration(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("max_connection_duration must be positive")
        self._hub.max_connection = seconds

    @property
    def relay_delay(self) -> float:
        """Seconds each relayed message is held before it is delivered (0: at once)."""
        return self._hub.relay_delay

    @relay_delay.setter
    def relay_delay(self, seconds: float) -> None:
        if not 0 <= seconds <= 10:
            raise ValueError("relay_delay must be between 0 and 10 seconds")
        self._hub.relay_delay = seconds

    def connections(self, channel_arn: str | None = None) -> list[SignalingConnection]:
        """The open connections, of one channel or all."""
        return [_view(c) for c in self._hub.connections(channel_arn)]

    def go_away(self, channel_arn: str, *, client_id: str | None = None, role: str | None = None) -> int:
        """Send GO_AWAY now, as the service does before it closes a connection."""
        found = self._hub.select(channel_arn, client_id, role)
        self._hub.send_service_message(found, "GO_AWAY")
        return len(found)

    def reconnect_ice_server(
        self, channel_arn: str, *, client_id: str | None = None, role: str | None = None
    ) -> int:
        """Send RECONNECT_ICE_SERVER now: the peers should fetch their ICE servers again."""
        found = self._hub.select(channel_arn, client_id, role)
        self._hub.send_service_message(found, "RECONNECT_ICE_SERVER")
        return len(found)

    def close(
        self,
        channel_arn: str,
        *,
        code: int = 1001,
        client_id: str | None = None,
        role: str | None = None,
    ) -> int:
        """Close connections with a closing handshake and `code` (1001: going away)."""
        found = self._hub.select(channel_arn, client_id, role)
        for connection in found:
            connection.peer.close(code, "closed by the local endpoint")
        return len(found)

    def drop(self, channel_arn: str, *, client_id: str | None = None, role: str | None = None) -> int:
        """Cut connections without a closing handshake (the peers see 1006)."""
        found = self._hub.select(channel_arn, client_id, role)
        for connection in found:
            connection.peer.abort()
        return len(found)
