"""The workflows on the async facades: the sync ones' steps (`kvs_chime/workflows/`), awaited.

Cancellation: a cancelled `stream_meeting_audio` deletes what it created (the quick part, as on
Ctrl-C: one attempt of at most 2 s per step, nothing waited for) before `CancelledError`
propagates; cancelling it again during that clean-up stops the clean-up.
"""

from __future__ import annotations

import contextlib
import importlib
from types import TracebackType
from typing import Any, cast

import attrs

from .._steps import returned
from ..kinesisvideo import ChannelRole
from ..workflows._channel import ensure_signaling_channel_steps
from ..workflows._meeting_audio import Started, StreamState, stop_steps, stream_meeting_audio_steps
from ..workflows._webrtc import ConnectorCore, WebRtcConnectionInfo
from ._pipeline import arun, asynchronous
from ._services import AsyncKinesisVideo, AsyncKinesisVideoSignaling, AsyncMediaPipelines

__all__ = [
    "AsyncMeetingAudioStream",
    "AsyncWebRtcConnector",
    "ensure_signaling_channel",
    "stream_meeting_audio",
]


@asynchronous(AsyncKinesisVideo, ensure_signaling_channel_steps, returned)
def ensure_signaling_channel() -> None:
    """Named stub: `kvs_chime.workflows.ensure_signaling_channel`'s steps, awaited on an
    `AsyncKinesisVideo`."""


@attrs.define
class AsyncMeetingAudioStream(StreamState[AsyncMediaPipelines]):
    """A running media stream pipeline, as `kvs_chime.workflows.MeetingAudioStream`, with an
    async `stop()`; `async with` stops it on exit."""

    async def stop(self, *, delete_pool: bool = False) -> bool:
        """Delete the pipeline; with `delete_pool`, then the pool unless another pipeline uses it
        (see `MeetingAudioStream.stop`)."""
        return await arun(stop_steps(cast(Any, self.media), self, delete_pool))

    async def __aenter__(self) -> AsyncMeetingAudioStream:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


def _handle(media: AsyncMediaPipelines, started: Started) -> AsyncMeetingAudioStream:
    pipeline, pool = started.pipeline, started.pool
    return AsyncMeetingAudioStream(media, pipeline, pool, started.created_pool, poll=started.poll)


@asynchronous(AsyncMediaPipelines, stream_meeting_audio_steps, _handle)
def stream_meeting_audio() -> None:
    """Named stub: `kvs_chime.workflows.stream_meeting_audio`'s steps, awaited on an
    `AsyncMediaPipelines`, returning an `AsyncMeetingAudioStream`; a cancelled call cleans up
    like Ctrl-C does on the sync one."""


class AsyncWebRtcConnector(ConnectorCore[AsyncKinesisVideo, AsyncKinesisVideoSignaling]):
    """`kvs_chime.workflows.WebRtcConnector` on async facades (the same cache and look-ups).

    The signaling facades it builds (one per channel HTTPS endpoint, from `kv`'s session or, for
    a `kv` wrapping a client, the default aiobotocore session) are closed by `aclose()` or at the
    end of `async with`; ones `signaling` returns are entered and closed the same way.
    """

    _opened: contextlib.AsyncExitStack | None = None

    async def endpoints(self, channel_arn: str, role: ChannelRole | str) -> tuple[str, str]:
        """The channel's (WSS, HTTPS) endpoints for `role`, from the cache while fresh."""
        return await arun(self._endpoint_steps(channel_arn, role))

    async def connection_info(
        self, channel_arn: str, role: ChannelRole | str = ChannelRole.MASTER, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo:
        """WSS and HTTPS endpoints plus fresh ICE servers for `role` on the channel."""
        return await arun(self._info_steps(channel_arn, role, client_id))

    async def _signaling_for(self, https_url: str) -> AsyncKinesisVideoSignaling:
        cached = self._cached_signaling(https_url)
        if cached is not None:
            return cached
        if self._make_signaling is not None:
            made = self._make_signaling(https_url)
        else:
            kv = self._kv
            region = cast(str, cast(Any, kv.client).meta.region_name)
            session = kv._session or importlib.import_module("aiobotocore.session").get_session()  # pyright: ignore[reportPrivateUsage]  # kv's own session, when it has one
            made = AsyncKinesisVideoSignaling(
                session=session, region_name=region, endpoint_url=https_url, retry=kv.retry
            )
        kept = self._keep_signaling(https_url, made)
        if kept is made:
            self._opened = self._opened or contextlib.AsyncExitStack()
            await self._opened.enter_async_context(made)
        return kept

    async def aclose(self) -> None:
        """Close the signaling facades this connector entered."""
        opened, self._opened = self._opened, None
        if opened is not None:
            await opened.aclose()

    async def __aenter__(self) -> AsyncWebRtcConnector:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
