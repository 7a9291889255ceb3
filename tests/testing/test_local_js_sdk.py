"""The KVS WebRTC SDK for JavaScript, unchanged, against the local endpoint over WSS.

Its default signer refuses any endpoint that does not start with `wss://`, so it needs the TLS
endpoint; Node trusts the local CA through NODE_EXTRA_CA_CERTS. Skipped unless `node` is on PATH
and the SDK is installed: `npm install --prefix tests/testing/js` (or KVS_CHIME_JS_MODULES names a
node_modules folder that has it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kvs_chime.testing import LocalEndpoint

HERE = Path(__file__).resolve().parent / "js"
MODULES = Path(os.environ.get("KVS_CHIME_JS_MODULES") or HERE / "node_modules")
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None or not (MODULES / "amazon-kinesis-video-streams-webrtc").is_dir(),
    reason="node or the amazon-kinesis-video-streams-webrtc package is not installed",
)


def _connect_master(ep: LocalEndpoint, ca_file: str | None) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    kv = ep.client("kinesisvideo")
    arn = kv.create_signaling_channel(ChannelName="js-door")["ChannelARN"]
    endpoint = kv.get_signaling_channel_endpoint(
        ChannelARN=arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS"], "Role": "MASTER"},
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    env = {**os.environ, "NODE_PATH": str(MODULES)}
    if ca_file is not None:
        env["NODE_EXTRA_CA_CERTS"] = ca_file
    # Node 20 has a global WebSocket (the SDK's) behind this flag; later releases by default.
    flags = ["--experimental-websocket"] if _node_major() < 22 else []
    return subprocess.run(
        [NODE, *flags, str(HERE / "connect_master.js"), arn, str(endpoint), ep.region],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _node_major() -> int:
    assert NODE is not None
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30).stdout
    return int(version.strip().lstrip("v").split(".")[0])


def test_the_sdks_default_signer_connects_over_wss_unchanged() -> None:
    with LocalEndpoint(activation_delay=0, tls=True) as ep:
        assert ep.tls is not None
        result = _connect_master(ep, ep.tls.ca_file)
        assert result.stdout.split() == ["open", "closed"], (result.stdout, result.stderr[-2000:])
        operations = [(e.operation, e.status) for e in ep.journal.entries() if e.method == "WEBSOCKET"]
        assert operations[0] == ("ConnectAsMaster", 101)


def test_without_tls_the_sdk_refuses_the_endpoint() -> None:
    with LocalEndpoint(activation_delay=0) as ep:
        result = _connect_master(ep, None)
        assert "is not a secure WebSocket endpoint" in result.stdout + result.stderr
