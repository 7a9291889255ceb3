"""The async data-plane facades (Kinesis Video media, archived media, WebRTC storage).

As the sync ones (`kvs_chime._data_plane`), they refuse to be built without the endpoint their
service answers on: a client built without one talks to the control-plane host. Bind one to a
stream with `await for_stream(kv, stream_arn=...)` (each operation goes to its API's endpoint,
asked of `kv` per call and cached there; an `InvalidEndpointError` makes `kv` forget it), build
one on the endpoint the control plane names (`for_endpoint`, `endpoint_url=`), or wrap an
aiobotocore client built on one; `async with` owns the clients as for every async facade.
A streamed payload (`GetMedia`'s) is a `PayloadStream` read with `await aread()` or
`async for chunk in payload.aiter_chunks()`, and closed with `await aclose()` or `async with`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._data_plane import bind_stream, refuse_without_data_endpoint, stream_choice
from .._operation import Operation, Pages
from .._retry import RetryBudget, RetryPolicy
from ..archived_media._async_operations import AsyncKinesisVideoArchivedMediaOperations
from ..archived_media._facade import KinesisVideoArchivedMedia
from ..errors import InvalidEndpointError
from ..stream_media._async_operations import AsyncKinesisVideoMediaOperations
from ..stream_media._facade import KinesisVideoMedia
from ..webrtc_storage._async_operations import AsyncKinesisVideoWebRtcStorageOperations
from ..webrtc_storage._endpoint import webrtc_endpoint, webrtc_endpoint_request
from ._facade import AsyncServiceFacade
from ._pipeline import AsyncPipeline

if TYPE_CHECKING:
    from ._services import AsyncKinesisVideo

F = TypeVar("F", bound="AsyncDataPlaneFacade")
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")

__all__ = ["AsyncKinesisVideoArchivedMedia", "AsyncKinesisVideoMedia", "AsyncKinesisVideoWebRtcStorage"]


class AsyncDataPlaneFacade(AsyncServiceFacade):
    """An async facade whose service answers only on a data endpoint: built with
    `endpoint_url=` (or a `client=` built with one)."""

    _how_to_build: ClassVar[str] = ""
    """What the refusal tells the caller to do instead."""
    _api_names: ClassVar[Mapping[str, str]] = {}
    """Operation name -> the `GetDataEndpoint` API name whose endpoint serves it (the sync twin's)."""

    def __init__(
        self,
        *,
        client: object | None = None,
        session: Any | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Any | None = None,
        retry: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
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

    @classmethod
    async def for_stream(
        cls: type[F], kv: AsyncKinesisVideo, *, stream_arn: str | None = None, stream_name: str | None = None
    ) -> F:
        """This facade bound to one stream, as the sync `for_stream`: each operation goes to the
        endpoint `GetDataEndpoint` names for its API (asked of `kv` per call, cached there), with
        `kv`'s session, Region, client configuration, retry policy, sleep and clock; an
        `InvalidEndpointError` makes `kv` forget that endpoint. A request may leave the stream
        out; one naming another stream is refused with `ValueError` before any call. The first
        API's endpoint is asked for now, so an unknown stream fails here. Use it in `async with`
        (or `close()` it): it closes the clients it opened, one per endpoint."""
        by, stream = stream_choice(cls, cls._api_names, cls._how_to_build, stream_arn, stream_name)
        first = await kv.data_endpoint(next(iter(cls._api_names.values())), **{by: stream})
        facade = cls.for_endpoint(kv, first)
        facade._pipeline = facade._calls = _StreamPipeline(facade, kv, by, stream)
        return facade

    async def __aenter__(self: F) -> F:
        if isinstance(self._pipeline, _StreamPipeline):
            return self  # bound to a stream: a client per endpoint, opened on first use
        return await super().__aenter__()

    async def close(self) -> None:
        """Close the facade (every call after this raises `RuntimeError`) and the clients it built."""
        pipeline = self._pipeline
        if isinstance(pipeline, _StreamPipeline):
            await pipeline.close_endpoints()
        await super().close()

    @classmethod
    def for_endpoint(cls: type[F], kv: AsyncKinesisVideo, endpoint_url: str) -> F:
        """This facade on `endpoint_url` (e.g. from `await kv.data_endpoint(...)`), built as `kv`
        is: its session, Region, client configuration, retry policy, sleep and clock. Enter it
        with `async with`, which builds its client (and closes it on exit)."""
        pipeline = kv._pipeline  # pyright: ignore[reportPrivateUsage]  # the facades share one base
        client: Any = pipeline._client  # pyright: ignore[reportPrivateUsage]  # as above
        meta: Any = getattr(client, "meta", None)
        args: dict[str, Any] = kv._client_args  # pyright: ignore[reportPrivateUsage]  # as above
        return cls(
            session=kv._session,  # pyright: ignore[reportPrivateUsage]  # as above
            region_name=args["region_name"] or getattr(meta, "region_name", None),
            endpoint_url=endpoint_url,
            # The configuration given to `kv` (the client's own is aiobotocore's, with options
            # of its own that a botocore Config cannot merge).
            config=args["config"],
            retry=kv.retry,
            sleep=pipeline.sleep,
            clock=pipeline.clock,
        )


class _StreamPipeline(AsyncPipeline):
    """The pipeline of a facade bound to a stream: each call goes to the pipeline of the facade
    on its API's endpoint (`kv.data_endpoint`, per call), with the stream filled in."""

    def __init__(self, bound: AsyncDataPlaneFacade, kv: AsyncKinesisVideo, by: str, stream: str) -> None:
        own = bound._pipeline  # pyright: ignore[reportPrivateUsage]  # the facades share one base
        super().__init__(None, retry=own.retry, sleep=own.sleep, clock=own.clock, budget=own.budget)
        self._cls = type(bound)
        self._name = type(bound).__name__
        self._kv = kv
        self._by = by
        self._stream = stream
        self._facades: dict[str, AsyncDataPlaneFacade] = {}

    async def _facade_for(self, endpoint: str) -> AsyncDataPlaneFacade:
        facade = self._facades.get(endpoint)
        if facade is None:
            made = self._cls.for_endpoint(self._kv, endpoint)
            made._pipeline.budget = self.budget  # pyright: ignore[reportPrivateUsage]  # one budget per bound facade
            await made.__aenter__()
            facade = self._facades.setdefault(endpoint, made)
            if facade is not made:  # another task opened one meanwhile
                await made.close()
        return facade

    async def call(
        self, operation: Operation[Req, Resp], request: Req | None, policy: RetryPolicy | None = None
    ) -> Resp:
        if self.closed is not None:
            self._refuse_closed(self.closed)
        request = bind_stream(self._name, self._by, self._stream, operation, request)
        api = self._cls._api_names[operation.name]  # pyright: ignore[reportPrivateUsage]  # as above
        where = {self._by: self._stream}
        facade = await self._facade_for(await self._kv.data_endpoint(api, **where))
        try:
            return await facade._pipeline.call(operation, request, policy)  # pyright: ignore[reportPrivateUsage]  # as above
        except InvalidEndpointError:
            # The service says the endpoint is not (or no longer) the stream's: ask again next time.
            self._kv.forget_data_endpoint(api, **where)
            raise

    def pager(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req | None,
        page_size: int | None,
        max_items: int | None,
        policy: RetryPolicy | None,
    ) -> Any:
        request = bind_stream(self._name, self._by, self._stream, operation, request)
        return super().pager(operation, pages, request, page_size, max_items, policy)

    async def close_endpoints(self) -> None:
        facades, self._facades = list(self._facades.values()), {}
        for facade in facades:
            await facade.close()


class AsyncKinesisVideoMedia(AsyncDataPlaneFacade, AsyncKinesisVideoMediaOperations):
    """Async `GetMedia`, on the stream's GET_MEDIA endpoint; as `kvs_chime.KinesisVideoMedia`.

    Build it on the endpoint `GetDataEndpoint` names, and read the payload with `await`::

        async def read(kv: AsyncKinesisVideo, arn: str) -> None:
            endpoint = await kv.data_endpoint(APIName.GET_MEDIA, stream_arn=arn)
            async with AsyncKinesisVideoMedia(endpoint_url=endpoint) as media:
                selector = StartSelector(start_selector_type=StartSelectorType.NOW)
                request = GetMediaRequest(stream_arn=arn, start_selector=selector)
                response = await media.get_media(request)
                async with response.payload as payload:
                    async for fragment in aiter_fragments(payload.aiter_chunks()):
                        ...
    """

    _api_names = KinesisVideoMedia._api_names  # pyright: ignore[reportPrivateUsage]  # the sync twin's
    _how_to_build = (
        "use await AsyncKinesisVideoMedia.for_stream(kv, stream_arn=...), or pass endpoint_url= "
        "from await AsyncKinesisVideo.data_endpoint(APIName.GET_MEDIA, stream_arn=...)"
    )


class AsyncKinesisVideoArchivedMedia(AsyncDataPlaneFacade, AsyncKinesisVideoArchivedMediaOperations):
    """Async access to a stream's stored media; as `kvs_chime.KinesisVideoArchivedMedia`, each
    operation on the endpoint of its own API (LIST_FRAGMENTS, GET_MEDIA_FOR_FRAGMENT_LIST, ...):
    one facade per endpoint. `ListFragments` returns fragments in no particular order."""

    _api_names = KinesisVideoArchivedMedia._api_names  # pyright: ignore[reportPrivateUsage]  # the sync twin's
    _how_to_build = (
        "use await AsyncKinesisVideoArchivedMedia.for_stream(kv, stream_arn=...), or pass "
        "endpoint_url= from await AsyncKinesisVideo.data_endpoint(APIName.LIST_FRAGMENTS, "
        "stream_arn=...) (each API has its own)"
    )


class AsyncKinesisVideoWebRtcStorage(AsyncDataPlaneFacade, AsyncKinesisVideoWebRtcStorageOperations):
    """Async `JoinStorageSession`, on the channel's WEBRTC endpoint
    (`GetSignalingChannelEndpoint` with the WEBRTC protocol); as
    `kvs_chime.KinesisVideoWebRtcStorage`."""

    _how_to_build = (
        "use await AsyncKinesisVideoWebRtcStorage.for_channel(kv, channel_arn=...), or pass "
        "endpoint_url= from the channel's WEBRTC endpoint (AsyncKinesisVideo."
        "get_signaling_channel_endpoint with protocols=[ChannelProtocol.WEBRTC])"
    )

    @classmethod
    async def for_channel(cls, kv: AsyncKinesisVideo, *, channel_arn: str) -> AsyncKinesisVideoWebRtcStorage:
        """The facade on the channel's WEBRTC endpoint (one `GetSignalingChannelEndpoint` call:
        keep the facade rather than asking again, the API has an account-wide rate limit), built
        as `kv` is. Enter it with `async with`."""
        response = await kv.get_signaling_channel_endpoint(webrtc_endpoint_request(channel_arn))
        return cls.for_endpoint(kv, webrtc_endpoint(response))
