"""A closed facade says so, naming itself, and sends nothing."""

from __future__ import annotations

import pytest

from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest, KinesisVideo
from kvs_chime.testing import LocalEndpoint


def test_a_closed_facade_raises_naming_itself_and_sends_nothing() -> None:
    with LocalEndpoint() as ep:
        kv = KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name=ep.region)
        with kv:
            kv.list_signaling_channels()
        before = len(ep.journal)
        with pytest.raises(RuntimeError, match="KinesisVideo is closed"):
            kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
        with pytest.raises(RuntimeError, match="KinesisVideo is closed"):
            list(kv.iter_signaling_channels())
        assert len(ep.journal) == before


def test_closing_a_facade_leaves_a_wrapped_client_open() -> None:
    with LocalEndpoint() as ep:
        client = ep.client("kinesisvideo")
        kv = KinesisVideo(client=client)
        kv.close()
        with pytest.raises(RuntimeError, match="KinesisVideo is closed"):
            kv.list_signaling_channels()
        client.list_signaling_channels()  # still the user's, and open
