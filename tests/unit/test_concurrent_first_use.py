"""First use of a facade from many threads at once: no error, and each conversion built once.

Each run is a fresh process (the converter's hooks are built on first use, once per process),
32 threads released together making their first call through one facade, stubbed by botocore's
Stubber. Repeated: the race this guards against showed in about one run of ten.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent(
    """
    import collections, datetime, json, sys, threading
    sys.setswitchinterval(1e-6)  # switch threads often: the race shows in most runs, not one in ten
    import boto3
    from botocore.stub import Stubber
    import kvs_chime._shape_rules as rules
    from kvs_chime import KinesisVideo
    from kvs_chime.kinesisvideo import DescribeSignalingChannelRequest

    # cattrs' generators, as the converter's configuration calls them: once per class and direction.
    built = collections.Counter()
    for name in ("make_dict_structure_fn", "make_dict_unstructure_fn", "_slot_structure"):
        make = getattr(rules, name)
        def counted(cls, *args, make=make, name=name, **kwargs):
            built[(name, cls.__qualname__)] += 1
            return make(cls, *args, **kwargs)
        setattr(rules, name, counted)

    client = boto3.client(
        "kinesisvideo", region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
    )
    stubber = Stubber(client)
    body = {"ChannelInfo": {
        "ChannelName": "door", "ChannelARN": "arn:aws:kinesisvideo:us-east-1:111122223333:channel/door/1",
        "ChannelType": "SINGLE_MASTER", "ChannelStatus": "ACTIVE",
        "CreationTime": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60}, "Version": "1",
    }}
    for _ in range(32):
        stubber.add_response("describe_signaling_channel", body)
    stubber.activate()
    kv = KinesisVideo(client=client)
    start = threading.Barrier(32)
    errors = []

    def first_call():
        start.wait()
        try:
            kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name="door"))
        except BaseException as exc:
            errors.append(type(exc).__name__)

    threads = [threading.Thread(target=first_call) for _ in range(32)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps({"errors": errors, "built": {"/".join(k): v for k, v in built.items()}}))
    """
)


@pytest.mark.parametrize("run", range(10))
def test_32_threads_first_call_at_once(run: int) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert result["built"], "the conversion hooks were not built through the counted functions"
    assert {k: v for k, v in result["built"].items() if v != 1} == {}
