"""The signaling channels' WebSocket service: who may connect, and where each message goes.

No sockets here: `_signaling_ws.py` runs the WebSocket protocol and calls in. A connection is
admitted when its presigned query is good (SigV4 scope, expiry, the signature in strict mode),
its channel exists and is ACTIVE, and its role's rules hold (viewers carry a valid client id,
masters none). One master per channel: a newer one pushes the older out (as does a viewer
reconnecting with a client id already connected). Viewers' messages go to the master (kept for
the channel's message TTL while no master is connected, as the service does); the master's go to
the viewer it names. A bad message with a correlation id gets a STATUS_RESPONSE.

A joined storage session (JoinStorageSession, `_storage_session.py`) is one more peer: its offer
goes to the master (or the viewer) it was joined for, and that peer's answer and candidates
(a master's: those naming no recipient) go back to it instead of being relayed.
"""

from __future__ import annotations

import json
import math
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Protocol, cast

import attrs

from ._auth import credential_of, verify
from ._backend import Settings
from ._errors import ServiceError
from ._journal import Journal, JournalEntry
from ._model import WEBRTC_STORAGE
from ._payload import payload_bytes
from ._routing import SIGNALING_PREFIX
from ._scope import Scope
from ._storage_session import StorageSession, StorageSessions
from ._wire import HttpRequest

DEFAULT_IDLE_TIMEOUT = 600.0
"""Seconds without a frame from the peer before the service closes the connection (1001)."""
DEFAULT_MAX_CONNECTION = 3600.0
"""Seconds a connection may last before the service closes it (1001)."""
DEFAULT_MAX_VIEWERS = 10
"""Viewers connected to one channel at a time (AWS's soft limit, raised on request)."""
DEFAULT_MAX_HELD = 100
"""Viewer messages held per channel while no master is connected; past it the oldest is dropped
(journaled as HeldMessagesDropped, Reason "limit"). Each is also dropped at the channel's
MessageTtlSeconds (Reason "expired")."""
_ALEXA_POLL = 0.02
# Real seconds between two looks at the clock while SendAlexaOfferToMaster waits for an answer.
_SWEEP = 1.0
# Seconds of the clock between two sweeps of every channel's held messages for expired ones.
MAX_PAYLOAD = 10 * 1024
"""The largest messagePayload (base64 text) relayed, in bytes."""
SERVICE = "kinesis-video-signaling"
"""The service name signaling connections and messages are journaled under."""

_ID = re.compile(r"[a-zA-Z0-9_.-]{1,256}")
_ACTIONS = {"SDP_OFFER": "SendSdpOffer", "SDP_ANSWER": "SendSdpAnswer", "ICE_CANDIDATE": "SendIceCandidate"}
_MAX_EXPIRES = 604800


class Peer(Protocol):
    """One open WebSocket, as the hub drives it."""

    def send_text(self, text: str) -> None: ...
    def close(self, code: int, reason: str) -> None: ...
    def abort(self) -> None: ...


class Refusal(Exception):
    """A handshake refused: the HTTP status and the service's error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message


@attrs.define(eq=False)
class Connection:
    """A connected peer: its channel, role and client id."""

    channel_arn: str
    role: str
    client_id: str | None
    peer: Peer
    region: str
    account: str
    opened_at: float
    last_seen: float
    id: str = attrs.field(factory=lambda: uuid.uuid4().hex[:12])


class _AlexaWait:
    """A SendAlexaOfferToMaster request waiting for the master's answer."""

    def __init__(self) -> None:
        self.answered = threading.Event()
        self.answer = ""


@attrs.frozen
class _Held:
    expires_at: float
    frame: str


def _status_response(correlation_id: str, code: str, description: str) -> str:
    return json.dumps(
        {
            "senderClientId": "",
            "messageType": "STATUS_RESPONSE",
            "messagePayload": "",
            "statusResponse": {
                "correlationId": correlation_id,
                "errorType": code,
                "statusCode": "400",
                "description": description,
            },
        }
    )


def _service_frame(message_type: str) -> str:
    return json.dumps({"senderClientId": "", "messageType": message_type, "messagePayload": ""})


class SignalingHub:
    """The connections of every channel, and the relay between them (thread-safe)."""

    def __init__(
        self,
        settings: Settings,
        journal: Journal,
        scope: Callable[[str, str], Scope],
        state_lock: threading.Lock,
        wait: Callable[[float], None],
    ) -> None:
        self._settings = settings
        self._journal = journal
        self._scope = scope
        self._state_lock = state_lock
        self._wait = wait
        self._lock = threading.Lock()
        self._masters: dict[str, Connection] = {}
        self._viewers: dict[tuple[str, str], Connection] = {}
        self._held: dict[str, deque[_Held]] = {}
        self._alexa: dict[tuple[str, str], _AlexaWait] = {}
        self._next_sweep = -math.inf
        self.max_held: int = DEFAULT_MAX_HELD
        self.idle_timeout: float = DEFAULT_IDLE_TIMEOUT
        self.max_connection: float = DEFAULT_MAX_CONNECTION
        self.max_viewers: int = DEFAULT_MAX_VIEWERS
        self.relay_delay: float = 0.0
        self.storage = StorageSessions()
        """The storage sessions (guarded by the hub's lock)."""

    def lock_for_storage(self) -> threading.Lock:
        """The lock `storage` is read and changed under."""
        return self._lock

    def now(self) -> float:
        """The endpoint's clock (limits are measured with it, so tests can move it)."""
        return self._settings.now()

    # --- admission ------------------------------------------------------------------------

    def admit(self, request: HttpRequest) -> tuple[str, str, str | None, str, str]:
        """(channel ARN, role, client id, region, account) of an acceptable handshake, else Refusal."""
        endpoint = request.path[len(SIGNALING_PREFIX) :] if request.path.startswith(SIGNALING_PREFIX) else ""
        prefix, _, endpoint_id = endpoint.partition("-")
        if prefix not in ("m", "v") or not endpoint_id:
            raise Refusal(404, "ResourceNotFoundException", "No signaling WebSocket endpoint at this path")
        role = "MASTER" if prefix == "m" else "VIEWER"
        credential = credential_of(request)
        if credential is None or "X-Amz-Signature" not in request.query:
            raise Refusal(
                403, "MissingAuthenticationTokenException", "The URL is not presigned (SigV4 query)"
            )
        if credential.service != "kinesisvideo":
            raise Refusal(
                403, "InvalidSignatureException", "The URL must be signed for the kinesisvideo service"
            )
        self._check_expiry(request, credential.amz_date)
        if self._settings.credentials is not None:
            try:
                verify(request, credential, self._settings.credentials)
            except ServiceError as error:
                raise Refusal(error.status or 403, error.code, error.message) from None
        channel_arn = (request.query.get("X-Amz-ChannelARN") or [""])[0]
        client_ids = request.query.get("X-Amz-ClientId")
        client_id = client_ids[0] if client_ids else None
        if role == "MASTER" and client_id is not None:
            raise Refusal(400, "InvalidArgumentException", "X-Amz-ClientId must not be sent by a MASTER")
        if role == "VIEWER":
            if client_id is None:
                raise Refusal(400, "InvalidArgumentException", "X-Amz-ClientId is required for a VIEWER")
            if not _ID.fullmatch(client_id) or client_id.startswith("AWS_"):
                raise Refusal(
                    400,
                    "InvalidArgumentException",
                    "X-Amz-ClientId must be 1-256 characters of [a-zA-Z0-9_.-], not starting with AWS_",
                )
        region = credential.region
        account = self._settings.account_of(credential.access_key)
        with self._state_lock:
            now = self._settings.now()
            channels = self._scope(region, account).kinesis_video.channels.values()
            channel = next((c for c in channels if c.arn == channel_arn), None)
            if channel is None or channel.endpoint_id != endpoint_id:
                raise Refusal(404, "ResourceNotFoundException", "The signaling channel does not exist here")
            if channel.life.status(now) != "ACTIVE":
                raise Refusal(400, "ResourceInUseException", "The signaling channel is not ACTIVE")
        if role == "VIEWER":
            with self._lock:
                others = sum(1 for (arn, cid) in self._viewers if arn == channel_arn and cid != client_id)
            if others >= self.max_viewers:
                # AWS refuses the handshake of a viewer past the channel's (soft) limit of 10.
                raise Refusal(
                    400,
                    "ClientLimitExceededException",
                    f"The channel already has its maximum of {self.max_viewers} viewers connected",
                )
        return channel_arn, role, client_id, region, account

    def _check_expiry(self, request: HttpRequest, amz_date: str | None) -> None:
        expires = (request.query.get("X-Amz-Expires") or [""])[0]
        try:
            signed = datetime.strptime(amz_date or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
            seconds = int(expires)
        except ValueError:
            raise Refusal(
                403, "InvalidSignatureException", "X-Amz-Date or X-Amz-Expires is malformed"
            ) from None
        if not 0 < seconds <= _MAX_EXPIRES:
            raise Refusal(403, "InvalidSignatureException", "X-Amz-Expires is out of range")
        now = self._settings.wall(self._settings.now())
        if now > signed.timestamp() + seconds:
            raise Refusal(403, "AccessDeniedException", "The presigned URL has expired")
        if signed.timestamp() > now + 300:
            raise Refusal(403, "InvalidSignatureException", "The presigned URL is signed in the future")

    def journal_refusal(self, request: HttpRequest, refusal: Refusal) -> None:
        """Record a refused handshake."""
        role = "ConnectAsViewer" if request.path.startswith(f"{SIGNALING_PREFIX}v-") else "ConnectAsMaster"
        arn = (request.query.get("X-Amz-ChannelARN") or [""])[0]
        self._record(role, {"ChannelARN": arn}, refusal.status, refusal.code)

    # --- connections ----------------------------------------------------------------------

    def join(
        self, admitted: tuple[str, str, str | None, str, str], peer: Peer
    ) -> tuple[Connection, Connection | None]:
        """Register a connection; returns it and the older one it pushed out (to be closed)."""
        channel_arn, role, client_id, region, account = admitted
        now = self._settings.now()
        connection = Connection(channel_arn, role, client_id, peer, region, account, now, now)
        with self._lock:
            if role == "MASTER":
                older = self._masters.get(channel_arn)
                self._masters[channel_arn] = connection
                held, expired = self._take_held(channel_arn, now)
            else:
                assert client_id is not None
                older = self._viewers.get((channel_arn, client_id))
                self._viewers[(channel_arn, client_id)] = connection
                held, expired = [], 0
        operation = "ConnectAsMaster" if role == "MASTER" else "ConnectAsViewer"
        self._record_dropped({channel_arn: expired} if expired else {}, "expired")
        self._record(operation, self._params(connection), 101, None)
        for frame in held:
            peer.send_text(frame)
        return connection, older

    def leave(self, connection: Connection, code: int | None) -> None:
        """Forget a connection that ended."""
        with self._lock:
            if connection.role == "MASTER":
                if self._masters.get(connection.channel_arn) is connection:
                    del self._masters[connection.channel_arn]
            elif connection.client_id is not None:
                key = (connection.channel_arn, connection.client_id)
                if self._viewers.get(key) is connection:
                    del self._viewers[key]
            self.storage.end(connection.id)
        self._record("Disconnect", {**self._params(connection), "CloseCode": code}, code, None)

    def journal_dropped(self, connection: Connection, frames: int, size: int, code: int) -> None:
        """Record the frames a slow reader was never sent (its connection is closed with `code`)."""
        params = {**self._params(connection), "Frames": frames, "Bytes": size, "CloseCode": code}
        self._record("DropFrames", params, code, "SlowReader")

    def connections(self, channel_arn: str | None = None) -> list[Connection]:
        """The open connections (of one channel)."""
        with self._lock:
            found = [*self._masters.values(), *self._viewers.values()]
        return [c for c in found if channel_arn is None or c.channel_arn == channel_arn]

    def select(self, channel_arn: str, client_id: str | None, role: str | None) -> list[Connection]:
        """The connections of a channel a fault targets: all, one role, or one viewer."""
        return [
            c
            for c in self.connections(channel_arn)
            if (client_id is None or c.client_id == client_id) and (role is None or c.role == role)
        ]

    # --- messages -------------------------------------------------------------------------

    def receive(self, connection: Connection, text: str) -> None:
        """A text frame from a peer: relay it, or answer a STATUS_RESPONSE when it is bad."""
        connection.last_seen = self._settings.now()
        try:
            document: object = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
            document = None
        fields: dict[str, object] = (
            {str(k): v for k, v in cast("dict[object, object]", document).items()}
            if isinstance(document, dict)
            else {}
        )
        correlation = fields.get("correlationId")
        correlation_id = correlation if isinstance(correlation, str) and _ID.fullmatch(correlation) else None
        action = fields.get("action")
        payload = fields.get("messagePayload")
        recipient = fields.get("recipientClientId")
        params: dict[str, object] = {**self._params(connection), "CorrelationId": correlation_id}
        try:
            if not fields:
                raise ServiceError("InvalidArgumentException", "The message is not a JSON object")
            if correlation is not None and correlation_id is None:
                raise ServiceError(
                    "InvalidArgumentException", "correlationId must match [a-zA-Z0-9_.-]{1,256}"
                )
            if not isinstance(action, str) or action not in _ACTIONS:
                raise ServiceError(
                    "InvalidArgumentException", "action must be SDP_OFFER, SDP_ANSWER or ICE_CANDIDATE"
                )
            if not isinstance(payload, str) or not payload:
                raise ServiceError("InvalidArgumentException", "messagePayload is required")
            if len(payload) > MAX_PAYLOAD:
                raise ServiceError(
                    "InvalidArgumentException", f"messagePayload is longer than {MAX_PAYLOAD} bytes"
                )
            if payload_bytes(payload) is None:
                raise ServiceError("InvalidArgumentException", "messagePayload is not base64")
            if recipient is not None and not isinstance(recipient, str):
                raise ServiceError("InvalidArgumentException", "recipientClientId must be a string")
            params["RecipientClientId"] = recipient
            if self._relay(connection, action, payload, recipient):
                params["Recipient"] = "STORAGE_SESSION"
        except ServiceError as error:
            operation = _ACTIONS.get(action, "SendMessage") if isinstance(action, str) else "SendMessage"
            self._record(operation, params, 400, error.code)
            if correlation_id is not None:
                connection.peer.send_text(_status_response(correlation_id, error.code, error.message))
            return
        self._record(_ACTIONS[action], params, 200, None)

    def _relay(self, sender: Connection, action: str, payload: str, recipient: str | None) -> bool:
        """Deliver a message; True when the storage session took it (it is not relayed then)."""
        session = self._storage_session_of(sender, action, recipient)
        if session is not None:
            with self._lock:
                self.storage.receive(session, action, payload)
                answered, candidates = session.answered, session.candidates
            operation = "StorageAnswer" if action == "SDP_ANSWER" else "StorageIceCandidate"
            details = {"Answered": answered} if action == "SDP_ANSWER" else {"Candidates": candidates}
            self._record(operation, {**self._params(sender), **details}, 200, None, service=WEBRTC_STORAGE)
            return True
        frame: dict[str, str] = {"messageType": action, "messagePayload": payload}
        if sender.role == "VIEWER":
            assert sender.client_id is not None
            frame["senderClientId"] = sender.client_id
        text = json.dumps(frame)
        if self.relay_delay > 0:
            self._wait(self.relay_delay)
        expired: dict[str, int] = {}
        over = 0
        with self._lock:
            if sender.role == "MASTER":
                if not recipient:
                    raise ServiceError(
                        "InvalidArgumentException", "recipientClientId is required from a MASTER"
                    )
                alexa = self._alexa.get((sender.channel_arn, recipient))
                if alexa is not None and (sender.channel_arn, recipient) not in self._viewers:
                    # To a SendAlexaOfferToMaster waiting over HTTP: its answer ends the wait;
                    # candidates are taken and dropped (the answer carries what Alexa needs).
                    if action == "SDP_ANSWER":
                        alexa.answer = payload
                        alexa.answered.set()
                    return False
                target = self._viewers.get((sender.channel_arn, recipient))
                if target is None:
                    raise ServiceError("InvalidArgumentException", "The recipient is not connected")
            else:
                target = self._masters.get(sender.channel_arn)
                if target is None:
                    # Held for the master for the channel's message TTL, as the service does,
                    # and at most max_held of them: memory stays bounded whatever viewers send.
                    now = self._settings.now()
                    expired = self._sweep_held(now, sender.channel_arn)
                    held = self._held.setdefault(sender.channel_arn, deque())
                    held.append(_Held(now + self._message_ttl(sender), text))
                    while len(held) > self.max_held:
                        held.popleft()
                        over += 1
        self._record_dropped(expired, "expired")
        self._record_dropped({sender.channel_arn: over} if over else {}, "limit")
        if target is not None:
            target.peer.send_text(text)
        return False

    def relay_alexa_offer(self, channel_arn: str, sender_client_id: str, payload: str, ttl: float) -> str:
        """SendAlexaOfferToMaster's offer: to the master now, or when it connects within `ttl`
        seconds of the clock; returns the master's answer (base64), or ResourceNotFoundException
        once the offer expired unanswered. Blocks the request's thread, no lock held."""
        frame = json.dumps(
            {"messageType": "SDP_OFFER", "messagePayload": payload, "senderClientId": sender_client_id}
        )
        key = (channel_arn, sender_client_id)
        wait = _AlexaWait()
        deadline = self._settings.now() + ttl
        over = 0
        with self._lock:
            self._alexa[key] = wait
            master = self._masters.get(channel_arn)
            if master is None:
                # Delivered when the master connects, as a viewer's held offer is.
                held = self._held.setdefault(channel_arn, deque())
                held.append(_Held(deadline, frame))
                while len(held) > self.max_held:
                    held.popleft()
                    over += 1
        self._record_dropped({channel_arn: over} if over else {}, "limit")
        params: dict[str, object] = {
            "ChannelARN": channel_arn,
            "SenderClientId": sender_client_id,
            "Delivered": master is not None,
        }
        self._record("AlexaOffer", params, 200, None)
        if master is not None:
            master.peer.send_text(frame)
        try:
            # The clock may be a test's manual one: look at it often, wait on the answer between.
            while not wait.answered.wait(_ALEXA_POLL):
                if self._settings.now() >= deadline or self._settings.hub.stopping.is_set():
                    self._record(
                        "AlexaOffer", {**params, "Answered": False}, 404, "ResourceNotFoundException"
                    )
                    raise ServiceError(
                        "ResourceNotFoundException",
                        "No master answered the offer before it expired (the channel's MessageTtlSeconds)",
                    )
        finally:
            with self._lock:
                if self._alexa.get(key) is wait:
                    del self._alexa[key]
        return wait.answer

    def _storage_session_of(
        self, sender: Connection, action: str, recipient: str | None
    ) -> StorageSession | None:
        # A viewer joined as a viewer talks only to the storage session; a master, when it names
        # no recipient (its offers from the storage session named no sender).
        if sender.role == "MASTER" and recipient:
            return None
        if sender.role == "VIEWER" and action == "SDP_OFFER":
            return None
        with self._lock:
            return self.storage.session_for(sender.channel_arn, sender.client_id, sender.id)

    def offer_from_storage(self, channel_arn: str, client_id: str | None) -> None:
        """A storage session was joined for the channel's master (or viewer `client_id`): send it
        the storage session's offer and a candidate now, if it is connected (else nothing is sent)."""
        with self._lock:
            withheld = self.storage.take_withheld()
            if client_id is None:
                target = self._masters.get(channel_arn)
            else:
                target = self._viewers.get((channel_arn, client_id))
            frames: list[str] = []
            if target is not None and not withheld:
                frames = self.storage.offer(channel_arn, client_id, target.id, self._settings.now())
        params: dict[str, object] = {
            "ChannelARN": channel_arn,
            "Role": "MASTER" if client_id is None else "VIEWER",
        }
        if client_id is not None:
            params["ClientId"] = client_id
        if withheld:
            self._record(
                "StorageOffer", {**params, "Delivered": False}, None, None, "withhold", WEBRTC_STORAGE
            )
            return
        if target is None:
            # 200 for the join, and no offer: nobody to send it to (see WebRtcStorage).
            reason = "no master is connected" if client_id is None else "the viewer is not connected"
            params.update(Delivered=False, Reason=reason)
            self._record("StorageOffer", params, None, None, service=WEBRTC_STORAGE)
            return
        if self.relay_delay > 0:
            self._wait(self.relay_delay)
        for frame in frames:
            target.peer.send_text(frame)
        self._record("StorageOffer", {**params, "Delivered": True}, 200, None, service=WEBRTC_STORAGE)

    def _sweep_held(self, now: float, channel_arn: str) -> dict[str, int]:
        """Drop expired held messages (caller holds the hub's lock): the channel's own always,
        every channel's once per _SWEEP. Returns how many went, by channel."""
        channels = [channel_arn] if now < self._next_sweep else list(self._held)
        if now >= self._next_sweep:
            self._next_sweep = now + _SWEEP
        dropped: dict[str, int] = {}
        for arn in channels:
            held = self._held.get(arn)
            if held is None:
                continue
            before = len(held)
            # Expiry times are not in order (the TTL can change): filter, not pop from the left.
            kept = deque(h for h in held if h.expires_at > now)
            if len(kept) != before:
                dropped[arn] = before - len(kept)
                if kept:
                    self._held[arn] = kept
                else:
                    del self._held[arn]
        return dropped

    def sweep(self) -> None:
        """Drop every held message past its TTL (at most once per second of the clock)."""
        now = self._settings.now()
        with self._lock:
            if now < self._next_sweep:
                return
            expired = self._sweep_held(now, "")
        self._record_dropped(expired, "expired")

    def held_messages(self, channel_arn: str) -> int:
        """How many viewer messages are held for the channel's absent master."""
        with self._lock:
            return len(self._held.get(channel_arn, ()))

    def _record_dropped(self, counts: dict[str, int], reason: str) -> None:
        for arn, count in counts.items():
            params: dict[str, object] = {"ChannelARN": arn, "Reason": reason, "Count": count}
            self._record("HeldMessagesDropped", params, None, None)

    def _message_ttl(self, sender: Connection) -> float:
        with self._state_lock:
            channels = self._scope(sender.region, sender.account).kinesis_video.channels.values()
            channel = next((c for c in channels if c.arn == sender.channel_arn), None)
        return float(channel.message_ttl) if channel is not None else 60.0

    def _take_held(self, channel_arn: str, now: float) -> tuple[list[str], int]:
        held = self._held.pop(channel_arn, deque[_Held]())
        frames = [h.frame for h in held if h.expires_at > now]
        return frames, len(held) - len(frames)

    # --- faults and limits ----------------------------------------------------------------

    def send_service_message(self, connections: list[Connection], message_type: str) -> None:
        """Send GO_AWAY or RECONNECT_ICE_SERVER to the connections."""
        for connection in connections:
            connection.peer.send_text(_service_frame(message_type))
            self._record(message_type, self._params(connection), 200, None, fault=message_type.lower())

    def expired(self, connection: Connection) -> str | None:
        """Why the service would close this connection now (idle, too old), or None.

        The WebSocket server asks as it polls each connection: held messages past their TTL are
        swept here too (once per second of the clock at most), with no message needed to do it.
        """
        self.sweep()
        now = self._settings.now()
        if now - connection.opened_at >= self.max_connection:
            return "the connection reached its maximum duration"
        if now - connection.last_seen >= self.idle_timeout:
            return "the connection was idle too long"
        return None

    def reset(self) -> None:
        """Close every connection and forget held messages."""
        for connection in self.connections():
            connection.peer.close(1001, "the endpoint was reset")
        with self._lock:
            self._held.clear()
            self.storage.clear()

    # --- journal --------------------------------------------------------------------------

    @staticmethod
    def _params(connection: Connection) -> dict[str, object]:
        params: dict[str, object] = {"ChannelARN": connection.channel_arn, "Role": connection.role}
        if connection.client_id is not None:
            params["ClientId"] = connection.client_id
        return params

    def _record(
        self,
        operation: str,
        params: dict[str, object],
        status: int | None,
        error_code: str | None,
        fault: str | None = None,
        service: str = SERVICE,
    ) -> None:
        # Ids and routing only: SDP and candidates never reach the journal.
        self._journal.record(
            JournalEntry(
                service=service,
                operation=operation,
                method="WEBSOCKET",
                path=SIGNALING_PREFIX,
                params={k: v for k, v in params.items() if v is not None},
                client_request_token=None,
                status=status,
                error_code=error_code,
                dropped=False,
                fault=fault,
                request_id=uuid.uuid4().hex,
                region=None,
                account=None,
            )
        )
