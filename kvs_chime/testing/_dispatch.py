"""One request from arrival to answer: route, parse, faults, apply, serialise, journal.

Independent of the HTTP server, so each step is plain function calls on an `HttpRequest`.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable

from ._backend import Context, Handler, Ids, Settings
from ._errors import ServiceError
from ._faults import ArrivalPlan, Faults
from ._journal import Journal, JournalEntry
from ._kinesis_video import KinesisVideo
from ._media_pipelines import MediaPipelines
from ._model import KINESIS_VIDEO, MEDIA_PIPELINES, SIGNALING, Service, load_services
from ._routing import Router, parse_input, signing_name_of
from ._types import JsonValue, Params
from ._validation import validate
from ._wire import HttpRequest, HttpResponse, error_response, json_bytes, serialize_output

DATA_PREFIX = "/data/"
"""Path prefix of the per-stream data endpoints GetDataEndpoint hands out."""

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
        self._lock = threading.Lock()
        self._handlers: dict[tuple[str, str], Handler] = {}
        self._purges: list[Callable[[float], None]] = []
        self.reset()

    def reset(self) -> None:
        """Forget every resource."""
        with self._lock:
            kinesis_video = KinesisVideo(self._settings, Ids())
            media = MediaPipelines(self._settings)
            handlers: dict[tuple[str, str], Handler] = {}
            handlers.update({(KINESIS_VIDEO, op): h for op, h in kinesis_video.handlers().items()})
            handlers.update({(SIGNALING, op): h for op, h in kinesis_video.signaling_handlers().items()})
            handlers.update({(MEDIA_PIPELINES, op): h for op, h in media.handlers().items()})
            self._handlers = handlers
            self._purges = [kinesis_video.purge, media.purge]

    def handle(self, request: HttpRequest) -> HttpResponse | None:
        """The answer to `request`, or None to close the connection without answering."""
        request_id = str(uuid.uuid4())
        try:
            return self._handle(request, request_id)
        except Exception as error:
            # An emulator bug must not look like a dropped connection (an injectable fault).
            message = f"kvs_chime.testing failed to answer ({type(error).__name__})"
            return error_response(None, "InternalFailure", message, request_id, 500)

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse | None:
        if request.path.startswith(DATA_PREFIX):
            message = "The Kinesis Video Streams data plane (media) APIs are not emulated"
            response = error_response(None, "NotImplemented", message, request_id, 501)
            self._record(request, request_id, None, None, {}, response)
            return response
        signing_name = signing_name_of(request.headers.get("authorization"))
        match = self._router.match(request.method, request.path, request.query, signing_name)
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
                request, request_id, service, operation.name, params, response, plan.fault, plan.latency
            )
            return response
        if plan.drop_before_apply:
            self._record(request, request_id, service, operation.name, params, None, plan.fault, plan.latency)
            return None

        handler = self._handlers.get((service.name, operation.name))
        fault = plan.fault
        if handler is None:
            message = f"{operation.name} ({service.name}) is not emulated by kvs_chime.testing"
            response = error_response(service, "NotImplemented", message, request_id, 501)
        elif invalid is not None:
            response = error_response(service, invalid.code, invalid.message, request_id, invalid.status)
        else:
            response, mutated = self._apply(
                service, operation.name, handler, params, match.signaling_endpoint, request_id, plan
            )
            if mutated:
                fault = "mutate"

        if plan.drop_after_apply:
            self._record(request, request_id, service, operation.name, params, None, fault, plan.latency)
            return None
        if plan.raw is not None:
            raw = plan.raw
            response = HttpResponse(raw.status, (*raw.headers, ("x-amzn-RequestId", request_id)), raw.body)
        self._record(request, request_id, service, operation.name, params, response, fault, plan.latency)
        return response

    def _apply(
        self,
        service: Service,
        operation_name: str,
        handler: Handler,
        params: Params,
        signaling_endpoint: str | None,
        request_id: str,
        plan: ArrivalPlan,
    ) -> tuple[HttpResponse, bool]:
        operation = service.operations[operation_name]
        try:
            with self._lock:
                now = self._settings.clock()
                for purge in self._purges:
                    purge(now)
                output = handler(Context(now, signaling_endpoint, request_id), params)
            status, headers, body = serialize_output(operation, output)
        except ServiceError as error:
            return error_response(service, error.code, error.message, request_id, error.status), False
        except Exception as error:
            # An emulator bug: answer like a service failure; the message names only the exception type.
            message = f"kvs_chime.testing failed to answer ({type(error).__name__})"
            return error_response(service, "InternalFailure", message, request_id, 500), False
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

    def _record(
        self,
        request: HttpRequest,
        request_id: str,
        service: Service | None,
        operation: str | None,
        params: Params,
        response: HttpResponse | None,
        fault: str | None = None,
        latency: float = 0.0,
    ) -> None:
        error_code = None
        if response is not None:
            error_code = next((v for k, v in response.headers if k.lower() == "x-amzn-errortype"), None)
        token = params.get("ClientRequestToken")
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
            )
        )
