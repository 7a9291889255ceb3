"""`SignalingControl`: the signaling WebSockets' limits and faults, as tests drive them."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, cast

import attrs
from websockets.frames import EXTERNAL_CLOSE_CODES

from ._signaling import Connection
from ._storage_session import StorageSession, StorageSessions

__all__ = ["SignalingConnection", "SignalingControl", "StorageSessionInfo"]


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


@attrs.frozen
class StorageSessionInfo:
    """A storage session JoinStorageSession (or JoinStorageSessionAsViewer) started."""

    channel_arn: str
    client_id: str | None
    """The viewer's client id (None for the master)."""
    joined_at: float
    """The endpoint's clock when its first offer went out."""
    offers: int
    """How many offers it sent (one per join call that reached the peer)."""
    answered: bool
    """Whether the peer answered the latest offer with an answer the storage session accepts."""
    candidates: int
    """How many ICE candidates the peer sent since the latest offer."""


class _Hub(Protocol):
    """What the control uses of the signaling hub (the endpoint's `SignalingHub`)."""

    idle_timeout: float
    max_connection: float
    max_viewers: int
    max_held: int
    relay_delay: float
    storage: StorageSessions

    def lock_for_storage(self) -> AbstractContextManager[object]: ...

    def connections(self, channel_arn: str | None = None) -> list[Connection]: ...
    def select(self, channel_arn: str, client_id: str | None, role: str | None) -> list[Connection]: ...
    def send_service_message(self, connections: list[Connection], message_type: str) -> None: ...
    def held_messages(self, channel_arn: str) -> int: ...


def _storage_view(session: StorageSession) -> StorageSessionInfo:
    return StorageSessionInfo(
        session.channel_arn,
        session.client_id,
        session.joined_at,
        session.offers,
        session.answered,
        session.candidates,
    )


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
    messages sent here, under the service name "kinesis-video-signaling" (never SDP contents);
    the storage sessions' offers (`StorageOffer`, with `Delivered`), the answers and candidates
    they received (`StorageAnswer`, `StorageIceCandidate`) under "kinesis-video-webrtc-storage".
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
    def max_viewers(self) -> int:
        """Viewers one channel may have connected at once; one more is refused at the handshake
        with ClientLimitExceededException (AWS: 10, a soft limit raised on request). A viewer
        reconnecting with its client id replaces itself and is not counted twice."""
        return self._hub.max_viewers

    @max_viewers.setter
    def max_viewers(self, count: int) -> None:
        given = cast(object, count)  # checked at run time: callers may be untyped
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ValueError("max_viewers must be a positive int")
        self._hub.max_viewers = count

    @property
    def max_held_messages(self) -> int:
        """Viewer messages held per channel while its master is away (default 100). Past it the
        oldest is dropped; each is also dropped at the channel's MessageTtlSeconds. The journal
        records every drop (operation HeldMessagesDropped, Reason "limit" or "expired")."""
        return self._hub.max_held

    @max_held_messages.setter
    def max_held_messages(self, count: int) -> None:
        given = cast(object, count)  # checked at run time: callers may be untyped
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ValueError("max_held_messages must be a positive int")
        self._hub.max_held = count

    def held_messages(self, channel_arn: str) -> int:
        """How many viewer messages the channel holds for its absent master now."""
        return self._hub.held_messages(channel_arn)

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
        """Close connections with a closing handshake and `code` (1001: going away).

        Raises ValueError for a code a close frame cannot carry (RFC 6455: 1000-1003, 1007-1014,
        3000-4999).
        """
        if not (code in EXTERNAL_CLOSE_CODES or 3000 <= code <= 4999):
            raise ValueError(
                "code must be a close code a close frame can carry: 1000-1003, 1007-1014 or 3000-4999"
            )
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

    def storage_sessions(self, channel_arn: str | None = None) -> list[StorageSessionInfo]:
        """The storage sessions JoinStorageSession and JoinStorageSessionAsViewer started (of one
        channel or all), while the signaling connection their offer went to is open."""
        with self._hub.lock_for_storage():
            return [_storage_view(s) for s in self._hub.storage.sessions(channel_arn)]

    def withhold_storage_offers(self, times: int = 1) -> None:
        """The next `times` joins answer 200 but send no offer, as the AWS samples say can happen
        (they call JoinStorageSession again until an offer arrives)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._hub.lock_for_storage():
            self._hub.storage.withheld += times
