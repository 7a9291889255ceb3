"""One request from arrival to answer: route, parse, faults, apply, serialise, journal.

Independent of the HTTP server, so each step is plain function calls on an `HttpRequest`.
"""

from __future__ import annotations

import copy
import logging
import threading
import uuid
from collections.abc import Callable

from ._auth import credential_of, verify
from ._backend import Context, Handler, Ids, Settings
from ._errors import ServiceError
from ._faults import ArrivalPlan, Faults
from ._journal import Journal, JournalEntry
from ._model import DATA_PLANE, MEDIA, Service, load_services
from ._routing import Router, parse_input
from ._scope import Scope
from ._types import JsonValue, Params
from ._validation import validate
from ._wire import (
    HttpRequest,
    HttpResponse,
    StreamedPayload,
    StreamingResponse,
    error_response,
    json_bytes,
    serialize_output,
)

DATA_PREFIX = "/data/"
"""Path prefix of the per-stream data endpoints GetDataEndpoint hands out."""
PUT_MEDIA = "/putMedia"
"""PutMedia's path on a data endpoint (a streaming API botocore does not model)."""


def streams_body(method: str, path: str) -> bool:
    """Whether the server hands this request's body over as it arrives: PutMedia's."""
    return method == "POST" and path.startswith(DATA_PREFIX) and path.endswith(PUT_MEDIA)


_LOG = logging.getLogger("kvs_chime.testing")
_router_lock = threading.Lock()
_router: Router | None = None


def _shared_router() -> Router:
    # The route table depends only on the models, so one per process serves every endpoint.
    global _router
    with _router_lock:
        if _router is None:
            _router = Router(load_services())
        return _router


class Dispatcher:
    """Answers requests from the emulated state; one lock serialises every state change."""

    def __init__(
        self, settings: Settings, faults: Faults, journal: Journal, wait: Callable[[float], None]
    ) -> None:
        self._services = load_services()
        self._router = _shared_router()
        self._settings = settings
        self._faults = faults
        self._journal = journal
        self._wait = wait
        self.lock = threading.Lock()
        """Serialises every state change (and persistence snapshots)."""
        self._ids = Ids()
        self.scopes: dict[tuple[str, str], Scope] = {}
        self.on_change: Callable[[], None] | None = None
        """Called (with the lock held) after every request that may have changed the state."""

    def reset(self) -> None:
        """Forget every resource, in every region and account."""
        with self.lock:
            self.scopes = {}
            if self.on_change is not None:
                self.on_change()

    def advance(self, *, only_media: bool = False) -> None:
        """Bring every region and account to the clock's time (media pipelines write their audio
        and events). `only_media`: only the scopes where a pipeline or pool still has something
        to produce (the ticker's cheap pass)."""
        with self.lock:
            now = self._settings.now()
            for scope in list(self.scopes.values()):
                if not only_media or scope.pipeline_audio.active:
                    scope.purge(now)

    def fail_pipeline(self, pipeline_id: str, *, permanent: bool, seconds: float) -> None:
        """Inject a media stream pipeline failure (see LocalEndpoint.fail_media_pipeline)."""
        with self.lock:
            now = self._settings.now()
            for scope in list(self.scopes.values()):
                if scope.pipeline_audio.fail(pipeline_id, now, permanent=permanent, seconds=seconds):
                    return
        raise ValueError("no media stream pipeline has this id")

    def scope(self, region: str, account: str) -> Scope:
        """The state of one region and account, made on first use (caller holds the lock)."""
        key = (region, account)
        found = self.scopes.get(key)
        if found is None:
            found = self.scopes[key] = Scope(self._settings, self._ids, region, account)
        return found

    def handle(self, request: HttpRequest) -> HttpResponse | StreamingResponse | None:
        """The answer to `request`, or None to close the connection without answering."""
        request_id = str(uuid.uuid4())
        try:
            return self._handle(request, request_id)
        except Exception as error:
            # An emulator bug must not look like a dropped connection (an injectable fault).
            message = f"kvs_chime.testing failed to answer ({type(error).__name__})"
            return error_response(None, "InternalFailure", message, request_id, 500)

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse | StreamingResponse | None:
        path = request.path
        data_endpoint: str | None = None
        if path.startswith(DATA_PREFIX):
            # A stream's data endpoint: `/data/<prefix>-<id>/<operation path>`.
            data_endpoint, _, rest = path[len(DATA_PREFIX) :].partition("/")
            path = "/" + rest
        credential = credential_of(request)
        if self._settings.credentials is not None:
            try:
                now = self._settings.wall(self._settings.now())
                verify(request, credential, self._settings.credentials, now)
            except ServiceError as error:
                response = error_response(None, error.code, error.message, request_id, error.status)
                self._record(request, request_id, None, None, {}, response)
                return response
        region = credential.region if credential is not None else self._settings.region
        account = self._settings.account_of(credential.access_key if credential is not None else None)
        signing_name = credential.service if credential is not None else None
        if data_endpoint is not None and request.method == "POST" and path == PUT_MEDIA:
            return self._put_media(request, request_id, data_endpoint, (region, account))
        match = self._router.match(request.method, path, request.query, signing_name)
        if match is not None and (match.operation.service in DATA_PLANE) != (data_endpoint is not None):
            # The data plane answers only on data endpoints, and nothing else does there.
            match = None
        if match is None:
            message = f"No emulated operation matches {request.method} on this path"
            response = error_response(None, "UnknownOperationException", message, request_id, 404)
            self._record(request, request_id, None, None, {}, response)
            return response
        operation = match.operation
        service = self._services[operation.service]
        params: Params = {}
        invalid: ServiceError | None = None
        try:
            params = parse_input(service, match, request.query, request.headers, request.body)
            problem = validate(operation.input, params)
            if problem is not None:
                invalid = ServiceError(service.validation_error, problem)
        except ServiceError as error:
            invalid = error

        plan = self._faults.on_arrival(service.name, operation.name)
        if plan.latency > 0:
            self._wait(plan.latency)
        if plan.fail is not None:
            fail = plan.fail
            response = error_response(service, fail.code, fail.message, request_id, fail.status)
            self._record(
                request,
                request_id,
                service,
                operation.name,
                params,
                response,
                plan.fault,
                plan.latency,
                where=(region, account),
            )
            return response
        if plan.drop_before_apply:
            self._record(
                request,
                request_id,
                service,
                operation.name,
                params,
                None,
                plan.fault,
                plan.latency,
                where=(region, account),
            )
            return None

        fault = plan.fault
        answer: HttpResponse | StreamingResponse
        if invalid is not None:
            answer = error_response(service, invalid.code, invalid.message, request_id, invalid.status)
        else:
            context = (match.signaling_endpoint, request_id, region, account, data_endpoint)
            answer, mutated = self._apply(service, operation.name, params, context, plan)
            if mutated:
                fault = "mutate"

        if plan.drop_after_apply:
            self._record(
                request,
                request_id,
                service,
                operation.name,
                params,
                None,
                fault,
                plan.latency,
                where=(region, account),
            )
            return None
        if plan.raw is not None:
            raw = plan.raw
            answer = HttpResponse(raw.status, (*raw.headers, ("x-amzn-RequestId", request_id)), raw.body)
        self._record(
            request,
            request_id,
            service,
            operation.name,
            params,
            answer,
            fault,
            plan.latency,
            where=(region, account),
        )
        return answer

    def _apply(
        self,
        service: Service,
        operation_name: str,
        params: Params,
        context: tuple[str | None, str, str, str, str | None],
        plan: ArrivalPlan,
    ) -> tuple[HttpResponse | StreamingResponse, bool]:
        operation = service.operations[operation_name]
        signaling_endpoint, request_id, region, account, data_endpoint = context
        streamed: StreamedPayload | None = None
        try:
            with self.lock:
                now = self._settings.now()
                scope = self.scope(region, account)
                scope.purge(now)
                handler: Handler = scope.handlers[(service.name, operation_name)]
                request_context = Context(now, signaling_endpoint, request_id, region, account, data_endpoint)
                try:
                    output = handler(request_context, params)
                finally:
                    # Reads change state too (the first describe sees CREATING once).
                    if self.on_change is not None:
                        self.on_change()
            # Outside the lock: these take the signaling hub's lock, which is taken before this one.
            for action in request_context.after:
                action()
            payload_member = output.get("Payload")
            if isinstance(payload_member, StreamedPayload):
                streamed = payload_member
                output = {k: v for k, v in output.items() if k != "Payload"}
            status, headers, body = serialize_output(operation, output)
        except ServiceError as error:
            return error_response(service, error.code, error.message, request_id, error.status), False
        except Exception as error:
            # An emulator bug: answer like a service failure; the message names only the exception type.
            message = f"kvs_chime.testing failed to answer ({type(error).__name__})"
            return error_response(service, "InternalFailure", message, request_id, 500), False
        if streamed is not None:
            # GetMedia and GetMediaForFragmentList: the body is the media, written as it comes.
            items = (("x-amzn-RequestId", request_id), *headers.items())
            return StreamingResponse(status, items, streamed.chunks), False
        payload = json_bytes(body) if body is not None else b""
        mutations = (
            []
            if plan.raw is not None or plan.drop_after_apply
            else self._faults.on_success(service.name, operation_name)
        )
        if mutations:
            document: JsonValue = copy.deepcopy(body) if body is not None else {}
            try:
                for mutation in mutations:
                    if isinstance(document, dict):
                        document = mutation(document)
            except LookupError as error:
                return error_response(service, "InternalFailure", str(error), request_id, 500), True
            payload = json_bytes(document)
            # A 204 cannot carry a body, and a test mutating one wants its body seen.
            status = 200 if status == 204 else status
        header_items = (
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request_id),
            *headers.items(),
        )
        return HttpResponse(status, header_items, payload), bool(mutations)

    def _put_media(
        self, request: HttpRequest, request_id: str, endpoint: str, where: tuple[str, str]
    ) -> HttpResponse | StreamingResponse:
        """PutMedia: check the headers, then answer with acks while reading the upload."""
        service = self._services[MEDIA]
        region, account = where
        try:
            with self.lock:
                now = self._settings.now()
                scope = self.scope(region, account)
                scope.purge(now)
                context = Context(now, None, request_id, region, account, endpoint)
                media, session = scope.media.open_put_media(context, dict(request.headers))
        except ServiceError as error:
            response = error_response(service, error.code, error.message, request_id, error.status)
            self._record(request, request_id, service, "PutMedia", {}, response, where=where)
            return response
        chunks = scope.media.ingest(media, session, request.body_stream or iter(()))
        headers = (("Content-Type", "application/json"), ("x-amzn-RequestId", request_id))
        streaming = StreamingResponse(200, headers, chunks)
        self._record(request, request_id, service, "PutMedia", {}, streaming, where=where)
        return streaming

    def _record(
        self,
        request: HttpRequest,
        request_id: str,
        service: Service | None,
        operation: str | None,
        params: Params,
        response: HttpResponse | StreamingResponse | None,
        fault: str | None = None,
        latency: float = 0.0,
        where: tuple[str, str] | None = None,
    ) -> None:
        error_code = None
        if response is not None:
            error_code = next((v for k, v in response.headers if k.lower() == "x-amzn-errortype"), None)
        token = params.get("ClientRequestToken")
        # Operation and outcome only: parameters may hold names and tag values.
        _LOG.debug(
            "%s %s -> %s %s",
            service.name if service else "-",
            operation or request.path,
            response.status if response is not None else "dropped",
            error_code or "",
        )
        self._journal.record(
            JournalEntry(
                service=service.name if service is not None else None,
                operation=operation,
                method=request.method,
                path=request.path,
                # A copy: the handlers may keep (and later change) parts of the input.
                params=copy.deepcopy(params),
                client_request_token=token if isinstance(token, str) else None,
                status=response.status if response is not None else None,
                error_code=error_code,
                dropped=response is None,
                fault=fault,
                request_id=request_id,
                latency=latency,
                region=where[0] if where is not None else None,
                account=where[1] if where is not None else None,
            )
        )
