"""Every module of the package imports on its own, quickly, and does nothing when imported (no
server started, nothing printed): doc generators, coverage checks and IDEs walk packages so."""

from __future__ import annotations

import subprocess
import sys

WALK = """
import importlib, pkgutil, kvs_chime
names = [i.name for i in pkgutil.walk_packages(kvs_chime.__path__, "kvs_chime.")]
for name in names:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # an optional extra that is not installed here (aiobotocore, av)
print(len(names), "modules")
"""


def test_importing_every_module_starts_nothing_and_returns() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WALK], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("modules"), result.stdout[-2000:]


FIRST_CALL = """
import sys, datetime, boto3
from botocore.stub import Stubber
from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest
kv = KinesisVideo(session=boto3.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="us-east-1"))
info = {"ChannelName": "x", "ChannelARN": "arn:aws:kinesisvideo:us-east-1:123456789012:channel/x/1",
        "ChannelStatus": "ACTIVE", "CreationTime": datetime.datetime(2026, 1, 1)}
with Stubber(kv.client) as stubber:
    stubber.add_response("describe_signaling_channel", {"ChannelInfo": info})
    kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="x"))
print(sorted(m for m in ("asyncio", "cattrs", "tenacity") if m in sys.modules))
"""


def test_a_call_that_succeeds_at_once_loads_no_retry_or_explaining_machinery() -> None:
    # Start-up cost: tenacity (which pulls in asyncio) is imported at a call's first retry, and
    # cattrs only to explain a response that could not be read.
    result = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
