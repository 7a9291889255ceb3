"""Where the facades rely on what a dependency does not publish, a test shows when it changes.

- The deadline watch attaches to botocore's urllib3 pool classes (no public hook exists): on the
  pinned botocore it must engage (a facade's client has the watched classes, and a stalled server
  is cut at the deadline: tests/e2e/test_failure_paths.py), and where it cannot attach it says so.
- The User-Agent memo reads botocore's private builder state: on the pinned botocore it must
  engage, and without that state the header is botocore's own, built per request.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from kvs_chime import RetryPolicy
from kvs_chime._client_hooks import install
from kvs_chime._facade import CLIENT_DEFAULTS
from kvs_chime._user_agent import memoize_user_agent
from kvs_chime.errors import DeadlineExceededError
from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest, KinesisVideo

from ..hostile import Reply, hostile, json_reply

DESCRIBE = DescribeSignalingChannelRequest(channel_name="door")


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


def test_the_deadline_watch_engages_on_the_pinned_botocore() -> None:
    with hostile(Reply(200, (), b"{}", stall_before_headers=3.0)) as server:
        kv = KinesisVideo(
            session=_session(),
            endpoint_url=server.url,
            retry=RetryPolicy(deadline=0.4),
            config=Config(read_timeout=10),  # far past the deadline: only the watch can end it
        )
        client: Any = kv.client
        classes = client._endpoint.http_session._pool_classes_by_scheme
        assert all(cls.__name__.startswith("Deadline") for cls in classes.values())
        start = time.monotonic()
        with pytest.raises(DeadlineExceededError):
            kv.describe_signaling_channel(DESCRIBE)
        assert time.monotonic() - start < 2.0  # the stall is 3 s and the read timeout 10 s


def test_a_client_the_watch_cannot_attach_to_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    client: Any = _session().client("kinesisvideo", config=CLIENT_DEFAULTS)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
    # What a botocore whose HTTP session no longer keeps urllib3 pool classes would look like.
    del client._endpoint.http_session._pool_classes_by_scheme
    with caplog.at_level(logging.WARNING, logger="kvs_chime"):
        install(client)
    assert any("deadline is enforced between attempts only" in r.getMessage() for r in caplog.records)


def test_the_user_agent_memo_engages_on_the_pinned_botocore() -> None:
    kv = KinesisVideo(session=_session(), endpoint_url="http://127.0.0.1:9")
    client: Any = kv.client
    assert "to_string" in vars(client._user_agent_creator)  # the memo, on the instance


def test_without_botocores_private_state_the_header_is_built_per_request_as_before() -> None:
    with hostile(json_reply(200, {"ChannelInfo": {}})) as server:
        memoized: Any = _session().client("kinesisvideo", endpoint_url=server.url, config=CLIENT_DEFAULTS)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
        plain: Any = _session().client("kinesisvideo", endpoint_url=server.url, config=CLIENT_DEFAULTS)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
        creator = memoized._user_agent_creator
        features = creator._client_features
        del creator._client_features  # a botocore that keeps its feature codes elsewhere
        memoize_user_agent(memoized)
        assert "to_string" not in vars(creator)  # the fallback: botocore's own builder
        creator._client_features = features
        memoized.describe_signaling_channel(ChannelName="door")
        plain.describe_signaling_channel(ChannelName="door")
        sent = [r.headers["user-agent"] for r in server.requests]
    assert sent[0] == sent[1]
