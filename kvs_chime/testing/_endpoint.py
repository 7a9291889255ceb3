"""LocalEndpoint: the emulator as users see it."""

from __future__ import annotations

import importlib
import os
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, cast

from . import _signaling_admin as signaling_admin
from ._admin import ADMIN_PREFIX, Admin
from ._backend import DEFAULT_ACCOUNT, DEFAULT_ACTIVATION_DELAY, DEFAULT_REGION, Settings
from ._browser import admin_refusal, is_loopback, preflight, with_cors
from ._clock import Clock
from ._dispatch import Dispatcher, streams_body
from ._events import EventSink
from ._faults import Faults
from ._hub import MediaFaults
from ._ice import StunResponder, check_turn
from ._journal import DEFAULT_JOURNAL_SIZE, Journal
from ._persist import StateFile
from ._server import BODY_TIMEOUT, MAX_CONNECTIONS, ServerThread
from ._signaling import SignalingHub
from ._signaling_control import SignalingControl
from ._signaling_ws import serve as serve_signaling
from ._tls import LocalTls
from ._wire import HttpRequest, HttpResponse, StreamingResponse

if TYPE_CHECKING:
    from boto3.session import Session
    from botocore.client import BaseClient

# How often the ticker brings running media pipelines up to the clock (real seconds).
_TICK = 0.02

# Dummy credentials: requests are signed (botocore insists) but nothing checks the signature.
_ACCESS_KEY = "testing"
_SECRET_KEY = "testing"
_SESSION_TOKEN = "testing"


class _Closable(Protocol):
    def close(self) -> None: ...


class _SessionFactory(Protocol):
    def __call__(
        self,
        *,
        aws_access_key_id: str,
        aws_secret_access_key: str,
        aws_session_token: str,
        region_name: str,
        botocore_session: object | None = None,
    ) -> Session: ...


class _CoreSession(Protocol):
    def set_config_variable(self, logical_name: str, value: object) -> None: ...


class _ClientMaker(Protocol):
    def client(
        self,
        service_name: str,
        *,
        region_name: str,
        endpoint_url: str,
        config: object,
        verify: str | bool | None = None,
    ) -> BaseClient: ...


# One boto3 session for every endpoint of the process: it caches the loaded service models, which
# makes a client ~50 times cheaper to create. boto3 sessions are not thread-safe, hence the lock.
_shared_session: _ClientMaker | None = None
_shared_session_lock = threading.Lock()


class LocalEndpoint:
    """An in-process endpoint for Kinesis Video Streams (control and media data plane), its signaling
    API, Chime SDK meetings and Chime SDK media pipelines.

    It speaks the services' real wire protocol (rest-json over HTTP/1.1) on 127.0.0.1, so boto3
    clients, and facades built on them, talk to it through `endpoint_url` with no AWS account.

    Example, with this SDK's facade (and a raw boto3 client for comparison)::

        from kvs_chime import KinesisVideo, Poll
        from kvs_chime.kinesisvideo import CreateSignalingChannelRequest
        from kvs_chime.testing import LocalEndpoint

        with LocalEndpoint() as ep:
            kv = KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name=ep.region)
            arn = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door")).channel_arn
            kv.wait_until_signaling_channel_active(channel_arn=arn, poll=Poll(interval=0.1))

            ep.faults.fail_next("DescribeSignalingChannel", "ClientLimitExceededException")
            raw = ep.client("kinesisvideo")  # boto3, no retries: sees the injected failure
            ...
            assert ep.journal.operations()[0] == "CreateSignalingChannel"

    Asynchronous, as the services are: resources go CREATING -> ACTIVE (pipelines Initializing
    -> InProgress) `activation_delay` seconds (default 0.5) after their creation, and the first
    describe or list after a create reports CREATING however late it comes. Deletes pass through
    DELETING (pipelines: Stopping) for `deletion_delay` seconds (default: the activation delay).
    Both are measured by `clock` (time.monotonic unless a test injects a ManualClock); requests
    never sleep for them. `activation_delay=0` makes every change immediate.

    Region and account come from each request's SigV4 credential scope: the region it was
    signed for, and the account its access key maps to through `accounts`, or the key itself
    when it is 12 digits, or `account_id`. Resources are kept per region and account. With
    `credentials` (access key id -> secret key) every signature is verified, and a missing,
    unknown or wrong one is answered 403 as AWS does. `state_file` keeps every resource across
    restarts (see docs/howto/testing.md); fault injection, the journal and the clock are also
    reachable over HTTP under `/_kvs_chime/` (docs/howto/admin-api.md). A request body not wholly
    arrived `body_timeout` seconds after its headers is cut off (408); beyond `max_connections`
    open connections (WebSockets included) a new one is answered 503 and closed. The journal keeps
    the latest `journal_size` entries (default 10,000; `journal.forgotten` counts the older ones).

    `tls=True` serves HTTPS and WSS on the same port with a CA made on the spot (the `tls` extra,
    trustme): `url` and the advertised endpoints are then `https://` and `wss://`, `tls` says where
    the CA file is, and `boto3_session()`, `client()` and facades built on them trust it. Browsers
    may call the AWS API (CORS preflights are answered, as the services do) but never the admin
    API: it refuses other origins and non-loopback `Host`s, and requires `admin_token` in the
    `x-kvs-chime-admin-token` header when one is set (one is made when `host` is not loopback).

    GetIceServerConfig lists a real TURN server when told about one: `turn_uris` (e.g.
    `["turn:127.0.0.1:3478?transport=udp"]`) and `turn_secret`, the server's shared secret
    (coturn's `--use-auth-secret --static-auth-secret`); the endpoint mints its credentials
    (coturn's REST scheme). Without one, it lists no TURN URI, only its own STUN responder on
    127.0.0.1 (peers on the machine connect over host candidates).

    The media data plane answers on the URLs GetDataEndpoint gives: PutMedia (acks), GetMedia
    (live), ListFragments, GetMediaForFragmentList. A media stream pipeline whose meeting exists
    here writes AAC test tones into its pool's streams as the clock moves (`fast_forward`), and
    pipelines and pools emit their EventBridge events to `events`. `media_faults` and
    `fail_media_pipeline` inject the media failures (docs/howto/testing.md).
    """

    def __init__(
        self,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT,
        activation_delay: float = DEFAULT_ACTIVATION_DELAY,
        deletion_delay: float | None = None,
        channel_limit: int = 10_000,
        stream_limit: int = 10_000,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        accounts: Mapping[str, str] | None = None,
        credentials: Mapping[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        body_timeout: float = BODY_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
        admin_token: str | None = None,
        tls: bool = False,
        turn_uris: Sequence[str] = (),
        turn_secret: str | None = None,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        if activation_delay < 0 or (deletion_delay is not None and deletion_delay < 0):
            raise ValueError("delays must not be negative")
        self._settings = Settings(
            region=region,
            account_id=account_id,
            activation_delay=activation_delay,
            deletion_delay=deletion_delay,
            channel_limit=channel_limit,
            stream_limit=stream_limit,
            clock=clock if clock is not None else time.monotonic,
            accounts=dict(accounts or {}),
            credentials=dict(credentials) if credentials is not None else None,
            turn=check_turn(tuple(turn_uris), turn_secret),
        )
        self._stun: StunResponder | None = None
        self._host = host
        self._port = port
        self._body_timeout = body_timeout
        self._max_connections = max_connections
        if admin_token is not None and not admin_token:
            raise ValueError("admin_token must not be empty")
        # Reachable from other machines: the admin API (unsigned, and able to wipe everything)
        # needs a token; one is made when none was given.
        self._admin_token = admin_token or (None if is_loopback(host) else secrets.token_urlsafe(24))
        self._own_origins: tuple[str, ...] = ()
        self._tls: LocalTls | None = LocalTls.create() if tls else None
        self._faults = Faults()
        self._journal = Journal(journal_size)
        self._stopping = threading.Event()
        self._dispatcher = Dispatcher(self._settings, self._faults, self._journal, self._sleep)
        self._admin = Admin(self._settings, self._faults, self._journal, self._dispatcher)
        self._signaling = SignalingHub(
            self._settings, self._journal, self._dispatcher.scope, self._dispatcher.lock, self._sleep
        )
        # JoinStorageSession is answered over HTTP; its offer goes out over the signaling WebSocket.
        self._settings.storage_offers = self._signaling.offer_from_storage
        self._settings.region_scope = self._dispatcher.scope
        # SendAlexaOfferToMaster too: the offer goes to the master, its answer comes back over HTTP.
        self._settings.alexa_offers = self._signaling.relay_alexa_offer
        self._state: StateFile | None = None
        if state_file is not None:
            # Refuses a corrupt or foreign file here, before anything is served or written.
            self._state = StateFile(os.fspath(state_file), self._settings)
            self._state.load_into(self._dispatcher)
            self._dispatcher.on_change = self._state.changed
            self._state.watch(self._journal)
        self._server: ServerThread | None = None
        self._ticker: threading.Thread | None = None
        self._stopped = False
        self._lock = threading.Lock()
        self._clients: list[_Closable] = []

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else ("running" if self._server is not None else "not started")
        where = f" at {self.url}" if self._server is not None and not self._stopped else ""
        return f"<LocalEndpoint {state}{where}>"

    def _sleep(self, seconds: float) -> None:
        # Injected latency; stopping the endpoint cuts it short.
        self._stopping.wait(seconds)

    def _tick(self) -> None:
        # Media pipelines produce as the clock moves; this notices a ManualClock moved by a test.
        while not self._stopping.wait(_TICK):
            self._dispatcher.advance(only_media=True)

    def _answer(self, request: HttpRequest) -> HttpResponse | StreamingResponse | None:
        if request.path.startswith(ADMIN_PREFIX) or request.path.rstrip("/") == ADMIN_PREFIX.rstrip("/"):
            refusal = admin_refusal(request, self._own_origins, self._admin_token)
            if refusal is not None:
                return refusal
            if request.path.rstrip("/") == signaling_admin.PATH:
                return signaling_admin.answer(self.signaling, request)
            return self._admin.handle(request)
        if request.method == "OPTIONS":
            return preflight(request)
        return with_cors(request, self._dispatcher.handle(request))

    def start(self) -> LocalEndpoint:
        """Bind `host`:`port` (127.0.0.1 and a free port by default) and start serving.

        Returns the endpoint itself. Raises OSError when the address cannot be bound (e.g. the
        port is taken).
        """
        with self._lock:
            if self._server is not None or self._stopped:
                raise RuntimeError("a LocalEndpoint can be started only once")
            server = ServerThread(
                self._answer,
                self._host,
                self._port,
                self._body_timeout,
                streams_body,
                lambda request, sock: serve_signaling(self._signaling, request, sock),
                self._max_connections,
                self._tls.server_context() if self._tls is not None else None,
            )
            shown = "127.0.0.1" if self._host in ("", "0.0.0.0") else self._host
            shown = "::1" if shown == "::" else shown
            shown = f"[{shown}]" if ":" in shown else shown
            scheme = "https" if self._tls is not None else "http"
            self._settings.base_url = f"{scheme}://{shown}:{server.port}"
            self._own_origins = (self._settings.base_url, f"{scheme}://localhost:{server.port}")
            server.start()
            self._server = server
            if self._settings.turn is None:
                self._stun = StunResponder()
                self._stun.start()
                self._settings.stun_uri = f"stun:127.0.0.1:{self._stun.port}"
            self._ticker = threading.Thread(target=self._tick, name="kvs-chime-local-media", daemon=True)
            self._ticker.start()
        return self

    def stop(self) -> None:
        """Close the clients made by `client()`, stop serving and join every server thread."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
            server = self._server
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()
        # Wakes handlers sleeping in injected latency, and ends live GetMedia answers.
        self._stopping.set()
        self._settings.hub.stopping.set()
        self._settings.hub.notify()
        if server is not None:
            server.stop()
        if self._stun is not None:
            self._stun.stop()
        if self._ticker is not None:
            self._ticker.join(5.0)
        if self._state is not None:
            # Writes the last changes and lets go of the file's lock; a failure is logged.
            self._state.close()
        if self._tls is not None:
            self._tls.remove()

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The endpoint URL for boto3's `endpoint_url`, e.g. "http://127.0.0.1:54321"."""
        if self._server is None:
            raise RuntimeError("the LocalEndpoint is not started")
        return self._settings.base_url

    @property
    def host(self) -> str:
        """The address it listens on, as given (127.0.0.1 unless told otherwise)."""
        return self._host

    @property
    def admin_token(self) -> str | None:
        """The token the admin API requires in the `x-kvs-chime-admin-token` header.

        None when the endpoint listens on loopback only and none was given; made up (and
        required) when it listens beyond loopback.
        """
        return self._admin_token

    @property
    def tls(self) -> LocalTls | None:
        """The local CA and certificate when serving HTTPS and WSS (`tls=True`), else None."""
        return self._tls

    @property
    def port(self) -> int:
        """The TCP port it listens on."""
        if self._server is None:
            raise RuntimeError("the LocalEndpoint is not started")
        return self._server.port

    @property
    def region(self) -> str:
        """The default region: of unsigned requests, and of `client()` and `boto3_session()`.

        A signed request's resources and ARNs are in the region of its credential scope.
        """
        return self._settings.region

    @property
    def account_id(self) -> str:
        """The account of access keys that are neither 12 digits nor mapped by `accounts`."""
        return self._settings.account_id

    @property
    def faults(self) -> Faults:
        """Fault injection for the next calls (see Faults)."""
        return self._faults

    @property
    def signaling(self) -> SignalingControl:
        """The signaling channels' WebSockets: limits, faults (GO_AWAY, 1001, drops), connections,
        and the storage sessions JoinStorageSession started."""
        return SignalingControl(self._signaling)

    @property
    def journal(self) -> Journal:
        """The latest requests received (`journal_size` of them at most), in order (see Journal)."""
        return self._journal

    @property
    def clock(self) -> Clock:
        """The monotonic clock the asynchronous transitions are measured with.

        The clock given (time.monotonic by default) plus any advance made through the admin API.
        """
        return self._settings.now

    @property
    def activation_delay(self) -> float:
        """Seconds from a create (or update) until the resource is ACTIVE again; applies to later calls."""
        return self._settings.activation_delay

    @activation_delay.setter
    def activation_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("activation_delay must not be negative")
        self._settings.activation_delay = seconds

    @property
    def deletion_delay(self) -> float:
        """Seconds a deleted resource stays DELETING (pipelines: Stopping) before it is gone."""
        return self._settings.effective_deletion_delay

    @deletion_delay.setter
    def deletion_delay(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("deletion_delay must not be negative")
        self._settings.deletion_delay = seconds

    @property
    def channel_limit(self) -> int:
        """How many signaling channels the account may have before AccountChannelLimitExceededException."""
        return self._settings.channel_limit

    @channel_limit.setter
    def channel_limit(self, limit: int) -> None:
        self._settings.channel_limit = limit

    @property
    def stream_limit(self) -> int:
        """How many streams the account may have before AccountStreamLimitExceededException."""
        return self._settings.stream_limit

    @stream_limit.setter
    def stream_limit(self, limit: int) -> None:
        self._settings.stream_limit = limit

    @property
    def events(self) -> EventSink:
        """The EventBridge events the media pipelines and pools emitted (see EventSink).

        Also readable over the admin API: `GET /_kvs_chime/events`.
        """
        return self._settings.hub.events

    @property
    def media_faults(self) -> MediaFaults:
        """Faults of the media data plane: cut a GetMedia mid-stream, delay fragments."""
        return self._settings.hub.faults

    def fast_forward(self, seconds: float) -> None:
        """Move the emulator's clock forward (as the admin API's clock advance does) and let
        every media pipeline write the audio and events of that time at once."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        with self._dispatcher.lock:
            self._settings.clock_offset += seconds
        self._dispatcher.advance()

    def fail_media_pipeline(
        self, media_pipeline_id: str, *, permanent: bool = False, seconds: float = 5.0
    ) -> None:
        """Make a running media stream pipeline fail now, as the service reports failures.

        Temporary (the default): a `chime:MediaPipelineTemporaryFailure` event, no audio for
        `seconds` of the emulator's clock (a gap in every stream), then `chime:MediaPipelineResumed`.
        Permanent: `chime:MediaPipelinePermanentFailure`, every stream ends (StreamEnd events) and
        the pipeline's status becomes Failed. Raises ValueError for an unknown pipeline or one
        not InProgress.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        self._dispatcher.fail_pipeline(media_pipeline_id, permanent=permanent, seconds=seconds)

    def reset(self) -> None:
        """Forget every resource, pending fault, journal entry and event (settings are kept)."""
        self._dispatcher.reset()
        self._signaling.reset()
        self._faults.clear()
        self._journal.clear()
        self._settings.hub.faults.clear()
        self._settings.hub.events.clear()

    def boto3_session(self) -> Session:
        """A boto3 Session with dummy credentials and this endpoint's region (trusting the local CA
        when the endpoint serves TLS)."""
        factory = cast(_SessionFactory, importlib.import_module("boto3.session").Session)
        core: object | None = None
        if self._tls is not None:
            # Clients of this session (and facades built on it) trust the local CA, as
            # AWS_CA_BUNDLE would make them.
            made = cast(_CoreSession, importlib.import_module("botocore.session").get_session())
            made.set_config_variable("ca_bundle", self._tls.ca_file)
            core = made
        session = factory(
            aws_access_key_id=_ACCESS_KEY,
            aws_secret_access_key=_SECRET_KEY,
            aws_session_token=_SESSION_TOKEN,
            region_name=self.region,
            botocore_session=core,
        )
        return session

    def aiobotocore_session(self) -> Any:
        """An aiobotocore AioSession with dummy credentials and this endpoint's region: what
        `boto3_session()` is to the sync facades, for the async ones (`kvs_chime.aio`).

        Typed `Any`: aiobotocore ships no type information. Needs the `aio` extra
        (`pip install "kvs-chime[aio]"`); without it, raises MissingExtraError saying so.
        """
        try:
            module = importlib.import_module("aiobotocore.session")
        except ImportError as missing:
            from kvs_chime.media import MissingExtraError  # only needed on this error path

            raise MissingExtraError("an aiobotocore session", "aio", "aiobotocore") from missing
        session: Any = module.AioSession()
        session.set_credentials(_ACCESS_KEY, _SECRET_KEY, _SESSION_TOKEN)
        session.set_config_variable("region", self.region)
        return session

    def client(self, service_name: str, *, endpoint_url: str | None = None) -> BaseClient:
        """A boto3 client bound to this endpoint, with dummy credentials and no retries.

        `endpoint_url` overrides the URL with another one on this endpoint, such as a channel's
        HTTPS endpoint from GetSignalingChannelEndpoint for a kinesis-video-signaling client;
        URLs elsewhere are refused so a test can never reach AWS. The endpoint closes the client
        when it stops.
        """
        url = self.url
        if endpoint_url is not None and endpoint_url != url and not endpoint_url.startswith(url + "/"):
            raise ValueError("endpoint_url must be a URL on this LocalEndpoint")
        config_class = importlib.import_module("botocore.config").Config
        config = config_class(retries={"mode": "standard", "total_max_attempts": 1})
        global _shared_session
        with _shared_session_lock:
            if _shared_session is None:
                _shared_session = cast(_ClientMaker, self.boto3_session())
            client = _shared_session.client(
                service_name,
                region_name=self.region,
                endpoint_url=endpoint_url or url,
                config=config,
                verify=self._tls.ca_file if self._tls is not None else None,
            )
        with self._lock:
            stopped = self._stopped
            if not stopped:
                self._clients.append(cast(_Closable, client))
        if stopped:
            cast(_Closable, client).close()
            raise RuntimeError("the LocalEndpoint is stopped")
        return client
