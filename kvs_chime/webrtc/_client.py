"""`SignalingClient`: the asyncio shell around the messages, the presigned URL and the reconnect decisions.

One task reads the WebSocket and reconnects when the service (or the network) ends the
connection; another keeps the ICE servers fresh. Sends wait while a reconnect is under way and
are then sent on the new connection, or fail with `SignalingClosedError`: never dropped silently.
Whatever ends the client (its own close, giving up, a bug), its WebSocket is closed: the service
must not go on counting a peer that is gone.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from types import TracebackType
from typing import Protocol, cast

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from ..kinesisvideo import ChannelRole
from ..signaling import IceServer
from ..workflows import WebRtcConnectionInfo
from ._errors import SignalingClosedError, SignalingConnectError
from ._messages import (
    MAX_FRAME,
    GoAway,
    InboundMessage,
    ReconnectIceServer,
    StatusResponse,
    UnknownMessage,
    decode_inbound,
    encode_candidate,
    encode_sdp,
    validate_client_id,
)
from ._presign import FrozenCredentials, SigningCredentials, presigned_url, region_of
from ._reconnect import ReconnectPolicy, ReconnectState, ice_refresh_due, should_reconnect
from ._redact import redacting_logger

__all__ = ["ConnectionInfoSource", "Receipt", "SignalingClient"]

_LOG = logging.getLogger("kvs_chime.webrtc")
# websockets' own records (DEBUG: the handshake's request line), with the presigned query redacted.
_WIRE_LOG = redacting_logger("kvs_chime.webrtc.websocket")
_DEFAULT_ICE_TTL = 300.0
# Receipts nobody awaits are forgotten beyond this many (oldest first).
_MAX_PENDING_RECEIPTS = 1024
# Frames websockets holds before it stops reading the socket (then TCP pushes back).
_WS_QUEUE = 4


class ConnectionInfoSource(Protocol):
    """Where the client gets endpoints and ICE servers: `WebRtcConnector` or `AsyncWebRtcConnector`."""

    def connection_info(
        self, channel_arn: str, role: ChannelRole | str, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo | Awaitable[WebRtcConnectionInfo]: ...


class _End:
    """Put in the inbox when the client stops for good."""


class Receipt:
    """What `send_*` returns: the correlation id sent, and the service's status response for it.

    The service answers a correlation id only when the message failed, so `status()` waits at
    most `timeout` seconds and returns None when no answer came, or when none can come any more
    (the client closed, or forgot the receipt among more than 1024 unanswered ones).
    """

    def __init__(
        self,
        correlation_id: str | None,
        future: asyncio.Future[StatusResponse | None] | None,
        forget: Callable[[], None],
    ) -> None:
        self._correlation_id = correlation_id
        self._future = future
        self._forget = forget

    @property
    def correlation_id(self) -> str | None:
        """The correlation id the message carried (None: no status response will come)."""
        return self._correlation_id

    async def status(self, timeout: float = 1.0) -> StatusResponse | None:
        """The service's status response for this message, or None if none came within `timeout` s
        (or the client closed first)."""
        if self._future is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(self._future), timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            self._forget()


class SignalingClient:
    """A peer on a Kinesis Video signaling channel, as master or viewer, over asyncio.

    ::

        connector = WebRtcConnector(kv)  # or AsyncWebRtcConnector
        async with SignalingClient(
            connector, channel_arn, role=ChannelRole.VIEWER, client_id="viewer-1",
            credentials=kv.session.get_credentials(),
        ) as client:
            await client.send_offer(offer_sdp)
            async for message in client:
                match message:
                    case SdpAnswer(sdp=sdp): ...
                    case IceCandidate(): ...

    Connecting fetches the channel's WSS endpoint and ICE servers from `connector`, signs a
    fresh URL (it expires in 299 s) and opens the WebSocket. The client then keeps itself
    alive: it pings; after GO_AWAY, a 1001 close (the idle cut, the 1-hour limit) or a dropped
    connection it reconnects with a newly signed URL under `policy` (after GO_AWAY the
    endpoint is read again: the connector's `forget`, when it has one); before `policy.max_connection_age`
    it replaces the connection; it refetches the ICE servers before their TTL lapses and on
    RECONNECT_ICE_SERVER (`ice_servers` is always the latest). GO_AWAY and RECONNECT_ICE_SERVER
    are still yielded, for information. Sends made while it reconnects wait for the new
    connection or fail with `SignalingClosedError`.

    A master sends every message to a viewer (`recipient_client_id`), except its answer and
    candidates to a storage session (JoinStorageSession), which name no recipient as its offer
    names no sender; a viewer's go to the master (or its storage session) and name no recipient. Bad ids, a correlation id off its pattern or a payload over
    10 KB raise ValueError before anything is sent. Iteration ends after `close()`; it raises
    `SignalingClosedError` when the client gave up reconnecting.

    The endpoint and ICE servers are looked up once and reused by reconnects while the ICE
    servers are fresh; GO_AWAY, a failed attempt or their age makes the next attempt look them
    up again (attempts, and so look-ups, are bounded by `policy`). Credentials are frozen in a
    worker thread before each signing: a refresh (STS, SSO, instance metadata) never blocks the
    event loop.

    Inbox: at most `inbox_size` received messages wait for the application. When it is full the
    client stops reading the WebSocket, so the service's frames wait in the socket's buffers and
    TCP slows the sender; memory stays bounded (about `inbox_size` + 4 frames of at most
    `MAX_FRAME` characters). While the client is not reading it sees no GO_AWAY or close and
    answers no ping: an application that stops reading for longer than `ping_timeout` loses the
    connection, and the client reconnects once it reads again. Status responses are matched to
    receipts as they are read.

    `clock` (monotonic) and `wall_clock` (epoch seconds, the signing time) are injectable for
    tests; `check_interval` is how often the ICE servers' age is looked at.
    """

    def __init__(
        self,
        connector: ConnectionInfoSource,
        channel_arn: str,
        *,
        credentials: SigningCredentials | FrozenCredentials,
        role: ChannelRole | str = ChannelRole.MASTER,
        client_id: str | None = None,
        policy: ReconnectPolicy | None = None,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        open_timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        check_interval: float = 1.0,
        rng: random.Random | None = None,
        inbox_size: int = 64,
    ) -> None:
        role_name = str(role)
        if role_name not in ("MASTER", "VIEWER"):
            raise ValueError("role must be MASTER or VIEWER")
        if role_name == "MASTER" and client_id is not None:
            raise ValueError("client_id must be None for a MASTER (the service gives masters no client id)")
        if role_name == "VIEWER":
            if client_id is None:
                raise ValueError("client_id is required for a VIEWER")
            validate_client_id(client_id)
        region_of(channel_arn)  # a clear error now, not at connect time
        if inbox_size < 1:
            raise ValueError("inbox_size must be at least 1")
        self._connector = connector
        self._channel_arn = channel_arn
        self._credentials = credentials
        self._role = ChannelRole.MASTER if role_name == "MASTER" else ChannelRole.VIEWER
        self._client_id = client_id
        self._policy = policy or ReconnectPolicy()
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._open_timeout = open_timeout
        self._clock = clock
        self._wall_clock = wall_clock
        self._check_interval = check_interval
        self._reconnect = ReconnectState(self._policy, rng or random.Random())
        self._info: WebRtcConnectionInfo | None = None
        self._ice_fetched_at = 0.0
        self._info_stale = False  # look the endpoint up again before the next attempt
        self._ws: ClientConnection | None = None
        self._opened_at = 0.0
        self._connected = asyncio.Event()
        self._ended = asyncio.Event()
        self._ice_wanted = asyncio.Event()
        # Unbounded as a queue so the end marker always fits; the reader keeps messages within
        # `inbox_size` by waiting for `_inbox_space`.
        self._inbox: asyncio.Queue[InboundMessage | _End] = asyncio.Queue()
        self._inbox_size = inbox_size
        self._inbox_space = asyncio.Event()
        self._receipts: collections.OrderedDict[str, asyncio.Future[StatusResponse | None]] = (
            collections.OrderedDict()
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._failure: SignalingClosedError | None = None
        self._started = False
        # The connection the watcher closed at its age limit (its end means "reconnect").
        self._replacing: ClientConnection | None = None
        self.reconnects: int = 0
        """How many times the client has reconnected."""

    def __repr__(self) -> str:
        state = (
            "connected"
            if self._connected.is_set()
            else ("closed" if self._ended.is_set() else "not connected")
        )
        return f"<SignalingClient {self._role.value} {state}>"

    @property
    def role(self) -> ChannelRole:
        """MASTER or VIEWER."""
        return self._role

    @property
    def client_id(self) -> str | None:
        """The viewer's client id (None for a master)."""
        return self._client_id

    @property
    def ice_servers(self) -> list[IceServer]:
        """The channel's TURN servers, refreshed before their TTL lapses and on RECONNECT_ICE_SERVER."""
        return list(self._info.ice_servers) if self._info is not None else []

    @property
    def connection_info(self) -> WebRtcConnectionInfo | None:
        """The endpoints and ICE servers last fetched (None before `connect()`)."""
        return self._info

    @property
    def connected(self) -> bool:
        """Whether a WebSocket is open right now (False while reconnecting)."""
        return self._connected.is_set()

    # --- life cycle -------------------------------------------------------------------------

    async def connect(self) -> SignalingClient:
        """Open the signaling WebSocket (raises `SignalingConnectError` when refused) and start serving it."""
        if self._started:
            raise RuntimeError("a SignalingClient connects once; make a new one to connect again")
        self._started = True
        try:
            await self._open()
        except BaseException:
            self._ended.set()
            raise
        self._tasks = [
            asyncio.create_task(self._run(), name="kvs-chime-signaling"),
            asyncio.create_task(self._watch(), name="kvs-chime-signaling-watch"),
        ]
        return self

    async def close(self) -> None:
        """Close the WebSocket (code 1000) and stop; iteration then ends. Safe to call twice."""
        self._closing = True
        # Stopped first: a reconnect under way cannot open a socket after this one was closed.
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._finish()
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def __aenter__(self) -> SignalingClient:
        return await self.connect()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> SignalingClient:
        return self

    async def __anext__(self) -> InboundMessage:
        item = await self._inbox.get()
        self._inbox_space.set()
        if isinstance(item, _End):
            self._inbox.put_nowait(item)  # every later call ends too
            if self._failure is not None and not self._closing:
                raise self._failure
            raise StopAsyncIteration
        return item

    async def receive(self, timeout: float | None = None) -> InboundMessage:
        """The next inbound message (TimeoutError after `timeout` s; SignalingClosedError once closed)."""
        try:
            return await asyncio.wait_for(self.__anext__(), timeout)
        except StopAsyncIteration:
            raise SignalingClosedError("the signaling client is closed") from None
        except asyncio.TimeoutError:
            # The builtin TimeoutError on every Python (3.10's asyncio.TimeoutError is another class).
            raise TimeoutError(f"no signaling message within {timeout} s") from None

    # --- sending ----------------------------------------------------------------------------

    def _check_recipient(self, recipient_client_id: str | None, *, to_storage: bool = False) -> None:
        # A master's answer or candidate naming no recipient goes to the storage session
        # (JoinStorageSession), whose messages name no sender; a master never offers to it.
        if self._role is ChannelRole.MASTER and recipient_client_id is None and not to_storage:
            raise ValueError("recipient_client_id is required: a MASTER sends every offer to one viewer")
        if self._role is ChannelRole.VIEWER and recipient_client_id is not None:
            raise ValueError("recipient_client_id must be None: a VIEWER's messages go to the master")

    async def send_offer(
        self, sdp: str, *, recipient_client_id: str | None = None, correlation_id: str | None = None
    ) -> Receipt:
        """Send an SDP offer (a viewer to the master, or the master to `recipient_client_id`)."""
        self._check_recipient(recipient_client_id)
        frame = encode_sdp(
            "offer", sdp, recipient_client_id=recipient_client_id, correlation_id=correlation_id
        )
        return await self._send(frame, correlation_id)

    async def send_answer(
        self, sdp: str, *, recipient_client_id: str | None = None, correlation_id: str | None = None
    ) -> Receipt:
        """Send an SDP answer: the master's to the viewer `recipient_client_id` that offered, or,
        with no recipient, to the storage session whose offer named no sender (JoinStorageSession);
        a viewer's (to a storage session's offer) names no recipient."""
        self._check_recipient(recipient_client_id, to_storage=True)
        frame = encode_sdp(
            "answer", sdp, recipient_client_id=recipient_client_id, correlation_id=correlation_id
        )
        return await self._send(frame, correlation_id)

    async def send_candidate(
        self,
        candidate: str,
        sdp_mid: str | None = None,
        sdp_mline_index: int | None = None,
        *,
        recipient_client_id: str | None = None,
        correlation_id: str | None = None,
    ) -> Receipt:
        """Send one trickled ICE candidate (`candidate:...` line, its media id and line index); a
        master names the viewer, or no recipient for the storage session."""
        self._check_recipient(recipient_client_id, to_storage=True)
        frame = encode_candidate(
            candidate,
            sdp_mid,
            sdp_mline_index,
            recipient_client_id=recipient_client_id,
            correlation_id=correlation_id,
        )
        return await self._send(frame, correlation_id)

    def _receipt(self, correlation_id: str | None) -> Receipt:
        if correlation_id is None:
            return Receipt(None, None, lambda: None)
        future: asyncio.Future[StatusResponse | None] = asyncio.get_running_loop().create_future()
        self._receipts[correlation_id] = future
        while len(self._receipts) > _MAX_PENDING_RECEIPTS:
            _, oldest = self._receipts.popitem(last=False)
            if not oldest.done():
                oldest.set_result(None)  # no answer will be matched to it any more

        def forget() -> None:
            if self._receipts.get(correlation_id) is future:
                del self._receipts[correlation_id]

        return Receipt(correlation_id, future, forget)

    async def _send(self, frame: str, correlation_id: str | None) -> Receipt:
        if not self._started:
            raise SignalingClosedError("the signaling client is not connected (call connect())")
        receipt = self._receipt(correlation_id)
        while True:
            ws = await self._usable_connection()
            try:
                await ws.send(frame)
                return receipt
            except ConnectionClosed:
                # Not written: it goes out on the next connection (or fails once the client gives up).
                if self._ws is ws:
                    self._connected.clear()

    async def _usable_connection(self) -> ClientConnection:
        while True:
            if self._closing or self._ended.is_set():
                raise self._failure or SignalingClosedError("the signaling client is closed")
            ws = self._ws
            if self._connected.is_set() and ws is not None:
                return ws
            connected = asyncio.create_task(self._connected.wait())
            ended = asyncio.create_task(self._ended.wait())
            try:
                await asyncio.wait({connected, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                connected.cancel()
                ended.cancel()

    # --- connecting -------------------------------------------------------------------------

    async def _fetch_info(self) -> WebRtcConnectionInfo:
        # A sync connector blocks on HTTP: run it in a thread. An async one returns a coroutine.
        found = await asyncio.to_thread(
            self._connector.connection_info, self._channel_arn, self._role, client_id=self._client_id
        )
        info = await found if inspect.isawaitable(found) else found
        self._info = info
        self._ice_fetched_at = self._clock()
        return info

    def _ice_ttl(self) -> float:
        return min((float(s.ttl) for s in self.ice_servers if s.ttl), default=_DEFAULT_ICE_TTL)

    async def _connection_info(self) -> WebRtcConnectionInfo:
        """The endpoint and ICE servers for the next attempt: the last ones while still valid."""
        info = self._info
        if (
            info is not None
            and not self._info_stale
            and not ice_refresh_due(self._ice_fetched_at, self._ice_ttl(), self._clock())
        ):
            return info
        if self._info_stale:
            # After GO_AWAY the endpoint is read again (a connector's cache would hand out the old one).
            forget = getattr(self._connector, "forget", None)
            if callable(forget):
                forget(self._channel_arn)
        info = await self._fetch_info()
        self._info_stale = False
        return info

    async def _frozen_credentials(self) -> FrozenCredentials:
        # Freezing may refresh (STS, SSO, instance metadata: blocking HTTP): never on the loop.
        freeze = getattr(self._credentials, "get_frozen_credentials", None)
        if not callable(freeze):
            return cast(FrozenCredentials, self._credentials)
        return cast(FrozenCredentials, await asyncio.to_thread(freeze))

    async def _open(self) -> None:
        info = await self._connection_info()
        frozen = await self._frozen_credentials()
        at = datetime.fromtimestamp(self._wall_clock(), timezone.utc)
        url = presigned_url(info.wss_url, self._channel_arn, frozen, client_id=self._client_id, at=at)
        self._reconnect.attempted(self._clock())  # counted in the policy's window from here
        try:
            ws = await connect(
                url,
                open_timeout=self._open_timeout,
                ping_interval=self._ping_interval,
                ping_timeout=self._ping_timeout,
                max_size=MAX_FRAME,
                max_queue=_WS_QUEUE,
                # No permessage-deflate: with it one 256 KB read can inflate into thousands of
                # frames past the queue's pause (and signaling frames are small anyway).
                compression=None,
                close_timeout=2.0,
                logger=_WIRE_LOG,
            )
        except InvalidStatus as error:
            status = error.response.status_code
            raise SignalingConnectError(
                f"the signaling endpoint refused the connection ({status})", status
            ) from None
        except (InvalidHandshake, InvalidURI, OSError, asyncio.TimeoutError) as error:
            # The URL is not in the message: its query carries the signature and the session token.
            raise SignalingConnectError(
                f"could not open the signaling WebSocket ({type(error).__name__})"
            ) from None
        if self._closing:  # close() came while the handshake was under way
            await ws.close()
            raise SignalingClosedError("the signaling client is closed")
        self._ws = ws
        self._opened_at = self._clock()
        self._reconnect.opened(self._opened_at)
        self._connected.set()
        _LOG.info("signaling connected as %s", self._role.value)

    async def _run(self) -> None:
        try:
            while True:
                code = await self._read_until_closed()
                self._connected.clear()
                if not should_reconnect(code, closing=self._closing):
                    if not self._closing:
                        self._failure = SignalingClosedError(
                            f"the signaling connection was closed (code {code})", code
                        )
                    return
                await self._reopen(code)
        except SignalingClosedError as error:
            self._failure = error
        except Exception as error:  # a bug here must end iteration loudly, not hang it
            self._failure = SignalingClosedError(f"the signaling client failed ({type(error).__name__})")
            _LOG.exception("signaling client failed")
        finally:
            self._finish()
            # Ended by itself (gave up, a bug): its socket goes too. When close() cancelled this
            # task, close() closes the socket once the task is done.
            ws = self._ws
            if ws is not None and not self._closing:
                await ws.close()

    async def _read_until_closed(self) -> int | None:
        """Read and dispatch frames; return the close code once this connection is over."""
        ws = self._ws
        assert ws is not None
        while True:
            try:
                frame = await ws.recv()
            except ConnectionClosed:
                return self._close_code(ws)
            message = self._decode(frame)
            if isinstance(message, StatusResponse) and message.correlation_id is not None:
                future = self._receipts.get(message.correlation_id)
                if future is not None and not future.done():
                    future.set_result(message)
            elif isinstance(message, ReconnectIceServer):
                self._ice_wanted.set()
            await self._deliver(message)
            if isinstance(message, GoAway):
                # Finish, disconnect, reconnect: the service closes this connection soon anyway.
                # The endpoint is read again before the next attempt, under the backoff.
                self._info_stale = True
                await ws.close(1000)
                return 1001

    def _close_code(self, ws: ClientConnection) -> int | None:
        protocol = ws.protocol
        # The watcher's own close at the age limit means "reconnect"; the service's close frame,
        # when it came first, keeps its meaning (a 1000 is final).
        if self._replacing is ws:
            self._replacing = None
            if protocol.close_rcvd is None or not protocol.close_rcvd_then_sent:
                return 1001
        # The protocol's close code: Connection.close_code is websockets 15+.
        return protocol.close_code

    @staticmethod
    def _decode(frame: str | bytes) -> InboundMessage:
        try:
            return decode_inbound(frame)
        except Exception as error:  # nothing a peer sends may end the client
            raw = frame[:MAX_FRAME].decode("utf-8", "replace") if isinstance(frame, bytes) else frame
            return UnknownMessage(raw, f"could not be read ({type(error).__name__})")

    async def _deliver(self, message: InboundMessage) -> None:
        # A full inbox stops the reading: websockets then stops reading the socket, and TCP
        # pushes back on the sender, instead of memory growing with what nobody reads.
        while self._inbox.qsize() >= self._inbox_size:
            self._inbox_space.clear()
            await self._inbox_space.wait()
        self._inbox.put_nowait(message)

    async def _reopen(self, code: int | None) -> None:
        _LOG.info("signaling connection ended (code %s); reconnecting", code)
        self._reconnect.begin(self._clock())
        while True:
            delay = self._reconnect.next_delay(self._clock())
            if delay is None:
                raise SignalingClosedError(
                    f"gave up reconnecting after {self._reconnect.failures} failed attempts", code
                )
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                await self._open()
            except SignalingClosedError:
                raise
            except SignalingConnectError as error:
                self._reconnect.failed()
                self._info_stale = True  # the endpoint may have moved
                _LOG.info("signaling reconnect failed: %s", error)
                continue
            except Exception as error:  # the connector's own errors (throttling, a deleted channel...)
                self._reconnect.failed()
                self._info_stale = True
                _LOG.info("signaling reconnect failed: %s", type(error).__name__)
                continue
            self.reconnects += 1
            return

    async def _watch(self) -> None:
        """Every `check_interval`: replace a connection at its age limit, refresh stale ICE servers."""
        while not self._ended.is_set():
            wanted = asyncio.create_task(self._ice_wanted.wait())
            try:
                await asyncio.wait({wanted}, timeout=self._check_interval)
            finally:
                wanted.cancel()
            ws = self._ws
            age = self._clock() - self._opened_at
            stale = age >= self._policy.max_connection_age
            if ws is not None and stale and self._connected.is_set() and self._replacing is not ws:
                _LOG.info("signaling connection reached its age limit; replacing it")
                self._replacing = ws
                await ws.close(1000)
            if self._ice_wanted.is_set() or ice_refresh_due(
                self._ice_fetched_at, self._ice_ttl(), self._clock()
            ):
                self._ice_wanted.clear()
                try:
                    await self._fetch_info()
                except Exception as error:  # kept trying at the next check; the old servers stay
                    _LOG.info("ICE server refresh failed: %s", type(error).__name__)

    def _finish(self) -> None:
        if not self._ended.is_set():
            self._ended.set()
            self._connected.clear()
            for future in self._receipts.values():
                if not future.done():
                    future.set_result(None)  # no answer can come any more
            self._receipts.clear()
            self._inbox.put_nowait(_End())
