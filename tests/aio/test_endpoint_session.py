"""LocalEndpoint.aiobotocore_session(): the async facades reach the local endpoint with nothing
set in the environment, as the sync ones do with boto3_session(); and the async how-to runs as
shown (tests/docs/test_visible.py, with the `aio` extra installed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kvs_chime import Poll
from kvs_chime.aio import AsyncKinesisVideo
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest
from kvs_chime.media import MissingExtraError
from kvs_chime.testing import LocalEndpoint
from tests.docs.test_visible import DOCS, run_visible

from .conftest import run


def test_the_session_carries_credentials_and_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.aws either
    with LocalEndpoint(region="eu-west-1", activation_delay=0.0) as endpoint:

        async def create() -> str:
            async with AsyncKinesisVideo(
                session=endpoint.aiobotocore_session(), endpoint_url=endpoint.url
            ) as kv:
                created = await kv.create_signaling_channel(
                    CreateSignalingChannelRequest(channel_name="door")
                )
                await kv.wait_until_signaling_channel_active(
                    channel_arn=created.channel_arn, poll=Poll(interval=0.01)
                )
                return created.channel_arn

        arn = run(create)
    assert arn.startswith("arn:aws:kinesisvideo:eu-west-1:")  # the endpoint's region, not a default


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiobotocore.session", None)  # as if not installed
    endpoint = LocalEndpoint()  # not started: the session needs no server
    with pytest.raises(MissingExtraError, match=r"kvs-chime\[aio\]"):
        endpoint.aiobotocore_session()


def test_the_async_page_runs_as_shown(tmp_path: Path) -> None:
    result = run_visible(DOCS / "howto" / "async.md", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "front-door ACTIVE" in result.stdout
