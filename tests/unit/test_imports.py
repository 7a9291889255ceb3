"""Every module of the package imports on its own, quickly, and does nothing when imported (no
server started, nothing printed): doc generators, coverage checks and IDEs walk packages so."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import cast

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
print(sorted(m for m in ("asyncio", "kvs_chime._explain", "tenacity") if m in sys.modules))
"""


def test_a_call_that_succeeds_at_once_loads_no_retry_or_explaining_machinery() -> None:
    # Start-up cost: tenacity (which pulls in asyncio) is imported at a call's first retry, and
    # the explaining converter (detailed validation) only for a response that could not be read.
    result = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


SHAPES_ON_DEMAND = """
import pickle, sys, kvs_chime.media_pipelines as mp

def loaded():
    return sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("kvs_chime.media_pipelines._shapes."))

before = loaded()
request = mp.CreateMediaStreamPipelineRequest(sources=[], sinks=[])
after = loaded()
print(before)
print(after)
print("MediaPipeline" in dir(mp), "MediaPipeline" in mp.__all__, len(loaded()) == len(after))
print(pickle.loads(pickle.dumps(request)) == request)
try:
    mp.NoSuchShape
except AttributeError as exc:
    print(exc)
from kvs_chime.media_pipelines import *  # every name of __all__ is there
print(all(getattr(mp, name) is not None for name in mp.__all__))
"""


def test_a_services_shapes_are_defined_when_first_asked_for() -> None:
    # First use: importing the facade defines a handful of the service's ~140 shape classes, and
    # asking for a request class defines its operation's, not the rest.
    result = subprocess.run(
        [sys.executable, "-c", SHAPES_ON_DEMAND], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    before, after, listed, pickled, missing, everything = result.stdout.strip().splitlines()
    assert "_get_media_pipeline" not in before and "_create_media_stream_pipeline" not in before
    assert "_create_media_stream_pipeline" in after and "_get_media_pipeline" not in after
    assert len(ast.literal_eval(after)) < 10  # of the 50 modules
    assert listed == "True True True"
    assert pickled == "True"
    assert missing == "module 'kvs_chime.media_pipelines' has no attribute 'NoSuchShape'"
    assert everything == "True"


COLLECTIONS = """
import gc, json, sys, boto3
seen = []
gc.callbacks.append(lambda phase, info: phase == "start" and seen.append(info["generation"]))
if sys.argv[1] == "off":
    gc.disable()
import kvs_chime.kinesisvideo, kvs_chime.media_pipelines, kvs_chime.signaling
print(json.dumps({"enabled": gc.isenabled(), "collections": seen}))
"""


def _import_facades(collector: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", COLLECTIONS, collector],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_facades_pauses_the_collector_and_leaves_it_as_it_was() -> None:
    # Start-up cost (`_startup.py`): attrs, cattrs and the call machinery imported with the
    # collector running made ~15 young collections, pushing a boto3 script into a full
    # collection (21-40 ms) before its first result. Paused, they end in at most one per block
    # that pauses it (the package and each facade package), never a full one.
    running = _import_facades("on")
    assert running["enabled"] is True
    collections = cast("list[int]", running["collections"])
    assert len(collections) <= 4 and 2 not in collections, collections
    # A program that turned the collector off keeps it off.
    off = _import_facades("off")
    assert off == {"enabled": False, "collections": []}


FAILED_IMPORT = """
import gc, sys
sys.modules["cattrs"] = None  # an import that fails inside the paused block
try:
    import kvs_chime.kinesisvideo
except ImportError:
    pass
else:
    raise SystemExit("the import was expected to fail")
print(gc.isenabled())
"""


def test_an_import_that_fails_while_the_collector_is_paused_leaves_it_running() -> None:
    # A missing or broken dependency (an extra not installed) must not leave a program without
    # its collector.
    result = subprocess.run(
        [sys.executable, "-c", FAILED_IMPORT], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"
