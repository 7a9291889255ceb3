"""An async facade used after its `async with` says it is closed, naming itself, and sends nothing
(it used to retry against the closed client and report an unknown outcome); once dropped, it is
freed with its client."""

from __future__ import annotations

from typing import Any

import pytest
from aiobotocore.session import get_session

from kvs_chime.aio import AsyncKinesisVideo
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, DescribeSignalingChannelRequest
from kvs_chime.testing import LocalEndpoint

from .conftest import aitems, raw_client, run


def test_an_async_facade_after_its_block_raises_naming_itself_and_sends_nothing(ep: LocalEndpoint) -> None:
    async def main() -> None:
        session = get_session()
        session.set_credentials("testing", "testing", "testing")
        kv = AsyncKinesisVideo(session=session, region_name=ep.region, endpoint_url=ep.url)
        async with kv:
            await kv.list_signaling_channels()
        before = len(ep.journal)
        with pytest.raises(RuntimeError, match="AsyncKinesisVideo is closed"):
            await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
        with pytest.raises(RuntimeError, match="AsyncKinesisVideo is closed"):
            await aitems(kv.iter_signaling_channels())
        assert len(ep.journal) == before

    run(main)


def test_an_async_facade_wrapping_a_client_is_closed_by_close_only(ep: LocalEndpoint) -> None:
    async def main() -> None:
        async with raw_client(ep, "kinesisvideo") as client:
            kv = AsyncKinesisVideo(client=client)
            await kv.close()
            with pytest.raises(RuntimeError, match="AsyncKinesisVideo is closed"):
                await kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
            await client.list_signaling_channels()  # still the user's, and open

    run(main)


def test_an_async_facade_and_its_client_are_freed_once_the_program_lets_go(ep: LocalEndpoint) -> None:
    # As for the sync facades (tests/unit/test_pipeline.py): nothing of the package's keeps a
    # facade made per request, its client or the client's botocore models alive.
    import gc
    import weakref

    left: list[weakref.ref[object]] = []

    async def main() -> None:
        session = get_session()
        session.set_credentials("testing", "testing", "testing")
        async with AsyncKinesisVideo(session=session, region_name=ep.region, endpoint_url=ep.url) as kv:
            await kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
        for _ in range(3):
            async with AsyncKinesisVideo(session=session, region_name=ep.region, endpoint_url=ep.url) as kv:
                await kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
                client: Any = kv.client
                operation = client.meta.service_model.operation_model("DescribeSignalingChannel")
                left.extend([weakref.ref(kv), weakref.ref(client), weakref.ref(operation)])
            del kv, client, operation

    run(main)
    gc.collect()
    assert [ref() for ref in left] == [None] * len(left)
