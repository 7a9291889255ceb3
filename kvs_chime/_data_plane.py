"""The base of the data-plane facades (Kinesis Video media, archived media, WebRTC storage).

Their operations answer only on an endpoint the control plane names (`GetDataEndpoint` for a
stream and an API, `GetSignalingChannelEndpoint` for a channel). A boto3 client built without
one talks to the control-plane host (`kinesisvideo.<region>.amazonaws.com`) and fails there with
an unhelpful error, so these facades refuse to be built that way.

`for_stream` binds a facade to one stream: each operation is sent to the endpoint
`GetDataEndpoint` gives for its own API name (cached per stream and API by the `KinesisVideo`
facade), through one facade per endpoint (cached with the bound facade, per `KinesisVideo`); an
`InvalidEndpointError` makes the `KinesisVideo` forget that endpoint, so the next call asks
again. The async facades (`aio/_data_plane.py`) do the same with the same decisions
(`stream_choice`, `bind_stream`), awaited.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs
from botocore.config import Config

from ._bounded import recall, remember
from ._facade import ServiceFacade
from ._operation import Operation, Pages
from ._pipeline import Pipeline
from ._retry import RetryBudget, RetryPolicy
from .errors import InvalidEndpointError

if TYPE_CHECKING:
    import boto3

    from .kinesisvideo import KinesisVideo

__all__ = [
    "DataPlaneFacade",
    "bind_stream",
    "bound_to",
    "built_like",
    "refuse_without_data_endpoint",
    "stream_choice",
]

F = TypeVar("F", bound="DataPlaneFacade")
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")

# The control-plane host botocore resolves for these services when given no endpoint.
_CONTROL_PLANE = re.compile(
    r"https?://kinesisvideo(?:-fips)?\.[a-z0-9-]+\.(?:amazonaws\.com|amazonaws\.com\.cn|api\.aws)(?::443)?/?",
    re.IGNORECASE,
)

_bound_lock = threading.Lock()

#: The bound facades a `KinesisVideo` keeps, the most recently asked for: each has its own boto3
#: client (~130 KB), and a program may bind to streams or channels without end. One let go of
#: stays usable by whoever holds it; asked for again, it is made anew.
BOUND_KEPT = 32


def bound_to(kv: KinesisVideo, key: tuple[object, ...], build: Callable[[], F]) -> F:
    """The facade `build` makes for `key`, kept on `kv` (so it goes with it) among the
    `BOUND_KEPT` most recently asked for."""
    with _bound_lock:
        bound = kv._bound_facades  # pyright: ignore[reportPrivateUsage]  # the facades share one base
        if bound is None:
            bound = kv._bound_facades = {}  # pyright: ignore[reportPrivateUsage]  # as above
        found = recall(bound, key)
    if found is not None:
        return cast(F, found)
    made = build()  # outside the lock: it calls the control plane
    with _bound_lock:  # one another thread made meanwhile wins: every caller gets the same
        return cast(F, remember(bound, key, made, limit=BOUND_KEPT, replace=False))


@attrs.define
class _Route:
    """What a stream-bound facade needs to send each operation to its API's endpoint."""

    kv: KinesisVideo
    by: str  # "stream_arn" or "stream_name"
    stream: str
    endpoint: str  # the bound facade's own endpoint
    siblings: dict[str, DataPlaneFacade] = attrs.Factory(lambda: _no_facades())
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def stream_kwargs(self) -> dict[str, str]:
        return {self.by: self.stream}


def _no_facades() -> dict[str, DataPlaneFacade]:
    return {}


def _endpoint_of(client: object) -> object:
    return getattr(getattr(client, "meta", None), "endpoint_url", None)


def refuse_without_data_endpoint(
    name: str, client: object | None, endpoint_url: str | None, how: str
) -> None:
    """`TypeError` for a data-plane facade (sync or async) that would talk to the control-plane
    host: built with no endpoint, or on that host."""
    if client is None and endpoint_url is None:
        raise TypeError(
            f"{name} needs the endpoint its service answers on; without one the client would "
            f"talk to the Kinesis Video control-plane host: {how}"
        )
    url = endpoint_url if client is None else _endpoint_of(client)
    if isinstance(url, str) and _CONTROL_PLANE.fullmatch(url):
        raise TypeError(
            f"{name}: the endpoint is the Kinesis Video control-plane host, where this service "
            f"does not answer: {how}"
        )


def stream_choice(
    cls: type, api_names: Mapping[str, str], how: str, stream_arn: str | None, stream_name: str | None
) -> tuple[str, str]:
    """`for_stream`'s arguments checked: the field naming the stream, and the stream."""
    if not api_names:
        raise TypeError(f"{cls.__name__} is not served per stream: {how}")
    if (stream_arn is None) == (stream_name is None):
        raise TypeError(f"{cls.__name__}.for_stream(): pass exactly one of stream_arn= and stream_name=")
    if stream_arn is not None:
        return "stream_arn", stream_arn
    assert stream_name is not None
    return "stream_name", stream_name


def bind_stream(
    facade: str, by: str, stream: str, operation: Operation[Req, Any], request: Req | None
) -> Req | None:
    """The request naming the bound stream: filled in when left out, refused when another."""
    if request is None:
        try:
            request = operation.request()
        except TypeError:
            return None  # required members missing: the pipeline says so
    if not isinstance(request, operation.request) or not attrs.has(type(request)):
        return request  # the pipeline refuses it with its own message
    given = {f: getattr(request, f, None) for f in ("stream_arn", "stream_name")}
    if given[by] is None and all(v is None for v in given.values()):
        return attrs.evolve(request, **{by: stream})  # type: ignore[misc]  # attrs instance by construction
    if given[by] != stream or any(v is not None for f, v in given.items() if f != by):
        raise ValueError(
            f"{operation.method}(): this {facade} is bound to one stream (by {by}) and the request "
            f"names another stream or names it by another field: leave the stream out, or use "
            f"{facade}.for_stream for that stream"
        )
    return request


class DataPlaneFacade(ServiceFacade):
    """A facade whose service answers only on a data endpoint: built with `endpoint_url=` (or a
    `client=` built with one), or bound to a stream with `for_stream`."""

    _api_names: ClassVar[Mapping[str, str]] = {}
    """Operation name -> the `GetDataEndpoint` API name whose endpoint serves it."""
    _how_to_build: ClassVar[str] = ""
    """What the refusal tells the caller to do instead."""

    def __init__(
        self,
        *,
        client: object | None = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config | None = None,
        retry: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build the facade on its data endpoint (`endpoint_url=`), or wrap a client built on one.

        Raises `TypeError` when there is no endpoint, or when it is the control-plane host.
        """
        refuse_without_data_endpoint(type(self).__name__, client, endpoint_url, self._how_to_build)
        super().__init__(
            client=client,
            session=session,
            region_name=region_name,
            endpoint_url=endpoint_url,
            config=config,
            retry=retry,
            retry_budget=retry_budget,
            sleep=sleep,
            clock=clock,
        )
        self._route: _Route | None = None

    @classmethod
    def for_stream(
        cls: type[F], kv: KinesisVideo, *, stream_arn: str | None = None, stream_name: str | None = None
    ) -> F:
        """This facade bound to one stream: each operation goes to the endpoint `GetDataEndpoint`
        names for its API (cached per stream and API by `kv`), with `kv`'s session, Region, client
        configuration and retry policy (for a `kv` that wraps a client: the default session).

        A request may leave the stream out (the bound one is used); one naming another stream is
        refused with `ValueError` before any call. The same facade is returned for the same `kv`
        and stream while it is among the 32 `kv` bound most recently (each has its own client:
        `kv` lets older ones go, unclosed, to whoever holds them). The first API's endpoint is
        asked for now, so an unknown stream fails here.
        """
        by, stream = stream_choice(cls, cls._api_names, cls._how_to_build, stream_arn, stream_name)

        def build() -> F:
            first_api = next(iter(cls._api_names.values()))
            endpoint = kv.data_endpoint(first_api, **{by: stream})
            facade = built_like(cls, kv, endpoint)
            facade._route = _Route(kv, by, stream, endpoint)
            return facade

        return bound_to(kv, (cls, by, stream), build)

    # -- routing ---------------------------------------------------------------------------------

    @classmethod
    def for_endpoint(cls: type[F], kv: KinesisVideo, endpoint_url: str) -> F:
        """This facade on `endpoint_url` (e.g. from `kv.data_endpoint(...)`), built as `kv` is:
        its session, Region, client configuration, retry policy, sleep and clock."""
        return built_like(cls, kv, endpoint_url)

    def _bind(self, route: _Route, operation: Operation[Req, Any], request: Req | None) -> Req | None:
        return bind_stream(type(self).__name__, route.by, route.stream, operation, request)

    def _pipeline_for(self, route: _Route, operation: Operation[Any, Any]) -> Pipeline:
        endpoint = route.kv.data_endpoint(self._api_names[operation.name], **route.stream_kwargs())
        if endpoint == route.endpoint:
            return self._pipeline
        with route.lock:
            sibling = route.siblings.get(endpoint)
        if sibling is None:
            built = built_like(type(self), route.kv, endpoint, self.retry_budget)
            with route.lock:
                sibling = route.siblings.setdefault(endpoint, built)
        return sibling._pipeline

    def _call(self, operation: Operation[Req, Resp], request: Req | None, retry: RetryPolicy | None) -> Resp:
        route = self._route
        if route is None:
            return self._pipeline.call(operation, request, retry)
        request = self._bind(route, operation, request)
        try:
            return self._pipeline_for(route, operation).call(operation, request, retry)
        except InvalidEndpointError:
            # The service says the endpoint is not (or no longer) the stream's: ask again next time.
            route.kv.forget_data_endpoint(self._api_names[operation.name], **route.stream_kwargs())
            raise

    def _paginate(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req | None,
        page_size: int | None,
        max_items: int | None,
        retry: RetryPolicy | None,
    ) -> Iterator[Item]:
        route = self._route
        pipeline = self._pipeline
        if route is not None:
            request = self._bind(route, operation, request)
            pipeline = self._pipeline_for(route, operation)
        return pipeline.pages(pipeline.pager(operation, pages, request, page_size, max_items, retry), retry)


def built_like(cls: type[F], kv: KinesisVideo, endpoint: str, budget: RetryBudget | None = None) -> F:
    """A facade of `cls` on `endpoint`, configured as `kv` is."""
    meta: Any = getattr(kv.client, "meta", None)
    pipeline: Pipeline = kv._pipeline  # pyright: ignore[reportPrivateUsage]  # the facades share one base
    return cls(
        session=kv.session,
        region_name=getattr(meta, "region_name", None),
        endpoint_url=endpoint,
        config=getattr(meta, "config", None),
        retry=kv.retry,
        retry_budget=budget,
        sleep=pipeline.sleep,
        clock=pipeline.clock,
    )
