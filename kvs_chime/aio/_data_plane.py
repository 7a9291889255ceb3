"""The async data-plane facades (Kinesis Video media, archived media, WebRTC storage).

As the sync ones (`kvs_chime._data_plane`), they refuse to be built without the endpoint their
service answers on: a client built without one talks to the control-plane host. Build each on
the endpoint the control plane names (`await kv.data_endpoint(APIName..., stream_arn=...)`), or
wrap an aiobotocore client built on one; `async with` owns the client as for every async facade.
A streamed payload (`GetMedia`'s) is a `PayloadStream` read with `await aread()` or
`async for chunk in payload.aiter_chunks()`, and closed with `await aclose()` or `async with`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._data_plane import refuse_without_data_endpoint
from .._retry import RetryBudget, RetryPolicy
from ..archived_media._async_operations import AsyncKinesisVideoArchivedMediaOperations
from ..stream_media._async_operations import AsyncKinesisVideoMediaOperations
from ..webrtc_storage._async_operations import AsyncKinesisVideoWebRtcStorageOperations
from ..webrtc_storage._endpoint import webrtc_endpoint, webrtc_endpoint_request
from ._facade import AsyncServiceFacade

if TYPE_CHECKING:
    from ._services import AsyncKinesisVideo

F = TypeVar("F", bound="AsyncDataPlaneFacade")

__all__ = ["AsyncKinesisVideoArchivedMedia", "AsyncKinesisVideoMedia", "AsyncKinesisVideoWebRtcStorage"]


class AsyncDataPlaneFacade(AsyncServiceFacade):
    """An async facade whose service answers only on a data endpoint: built with
    `endpoint_url=` (or a `client=` built with one)."""

    _how_to_build: ClassVar[str] = ""
    """What the refusal tells the caller to do instead."""

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

    _how_to_build = (
        "pass endpoint_url= from await AsyncKinesisVideo.data_endpoint(APIName.GET_MEDIA, stream_arn=...)"
    )


class AsyncKinesisVideoArchivedMedia(AsyncDataPlaneFacade, AsyncKinesisVideoArchivedMediaOperations):
    """Async access to a stream's stored media; as `kvs_chime.KinesisVideoArchivedMedia`, each
    operation on the endpoint of its own API (LIST_FRAGMENTS, GET_MEDIA_FOR_FRAGMENT_LIST, ...):
    one facade per endpoint. `ListFragments` returns fragments in no particular order."""

    _how_to_build = (
        "pass endpoint_url= from await AsyncKinesisVideo.data_endpoint(APIName.LIST_FRAGMENTS, "
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
