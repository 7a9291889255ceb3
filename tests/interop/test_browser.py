"""The official Kinesis Video WebRTC SDK for JavaScript, in headless Chromium, against the local
endpoint and the Python peers (`nox -s interop`).

A Python master's video is decoded by a browser viewer, and a browser master's fake camera reaches
a Python viewer as frames. The page (page.html, page.js) loads the SDK's browser bundle; a Node
script (driver.cjs, puppeteer-core) drives Debian's `chromium`. The nox session installs the npm
packages into a temporary folder and names it in KVS_CHIME_INTEROP_DIR; without it, Chromium or
Node, the tests are skipped with the reason.

The SDK's default signer refuses endpoints that are not wss://, and the local endpoint serves
ws:// (until it serves TLS): the page passes the SDK a `requestSigner` of its own, which has this
test's page server sign the ws:// URL with `kvs_chime.webrtc.presigned_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

pytest.importorskip("aiortc")  # the `webrtc` extra

from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.webrtc import presigned_url
from kvs_chime.webrtc.aiortc import WebRtcMaster, WebRtcViewer

from ..webrtc.conftest import Channel, make_channel
from ..webrtc.test_aiortc_streaming import first, playing, until
from ..webrtc.test_signaling import run

HERE = Path(__file__).parent
BUNDLE = Path("node_modules", "amazon-kinesis-video-streams-webrtc", "dist", "kvs-webrtc.min.js")


class Browser:
    """What the tests need to run the page: Node, Chromium and the npm packages' folder."""

    def __init__(self, node: str, chromium: str, packages: Path) -> None:
        self.node = node
        self.chromium = chromium
        self.packages = packages

    async def open(self, url: str, timeout: float) -> asyncio.subprocess.Process:
        """Start the driver on `url`: it prints the page's result as JSON, or exits non-zero."""
        scratch = tempfile.mkdtemp(prefix="kvs-chime-chromium-")  # a fresh profile each time
        return await asyncio.create_subprocess_exec(
            self.node,
            str(HERE / "driver.cjs"),
            url,
            self.chromium,
            scratch,
            str(int(timeout * 1000)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "NODE_PATH": str(self.packages / "node_modules")},
            start_new_session=True,  # its own process group: stopped whole, Chromium included
        )


@pytest.fixture(scope="module")
def browser() -> Browser:
    folder = os.environ.get("KVS_CHIME_INTEROP_DIR")
    if not folder:
        pytest.skip(
            "KVS_CHIME_INTEROP_DIR is not set: `nox -s interop` installs the npm packages and sets it"
        )
    packages = Path(folder)
    if not (packages / BUNDLE).is_file() or not (packages / "node_modules" / "puppeteer-core").is_dir():
        pytest.skip(f"{folder} lacks amazon-kinesis-video-streams-webrtc or puppeteer-core")
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not on PATH (apt-get install chromium)")
    return Browser(node, chromium, packages)


class _Pages(BaseHTTPRequestHandler):
    """The page, its script, the SDK's bundle, and /sign (the page's request signer)."""

    channel: Channel
    bundle: Path

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/sign":
            self._sign(parse_qs(url.query))
            return
        files = {"/": HERE / "page.html", "/page.js": HERE / "page.js", "/kvs-webrtc.min.js": self.bundle}
        path = files.get(url.path)
        if path is None:
            self.send_error(404)
            return
        kind = "text/html" if path.suffix == ".html" else "text/javascript"
        self._reply(200, kind, path.read_bytes())

    def _sign(self, query: dict[str, list[str]]) -> None:
        endpoint = query.get("endpoint", [""])[0]
        if not endpoint.startswith(self.channel.endpoint.url.replace("http://", "ws://", 1)):
            self.send_error(400, "only the local endpoint's URLs are signed here")
            return
        client_id = query.get("X-Amz-ClientId", [None])[0]
        signed = presigned_url(
            endpoint, self.channel.arn, self.channel.kv.session.get_credentials(), client_id=client_id
        )
        self._reply(200, "text/plain", signed.encode())

    def _reply(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def channel() -> Iterator[Channel]:
    clock = ManualClock(1000.0)
    with LocalEndpoint(activation_delay=0, clock=clock) as endpoint:
        yield make_channel(endpoint, clock)


@contextlib.contextmanager
def page_server(channel: Channel, browser: Browser) -> Iterator[str]:
    handler = type("Pages", (_Pages,), {"channel": channel, "bundle": browser.packages / BUNDLE})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def page_url(base: str, channel: Channel, role: ChannelRole, client_id: str | None = None) -> str:
    info = channel.connector.connection_info(channel.arn, role, client_id=client_id)
    query = {"role": role.value, "channelARN": channel.arn, "endpoint": info.wss_url, "region": "us-east-1"}
    if client_id is not None:
        query["clientId"] = client_id
    return base + "?" + urlencode(query)


async def stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # the driver's group: Node and its Chromium
        try:
            await asyncio.wait_for(process.wait(), 10)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()


def test_a_browser_viewer_decodes_a_python_masters_video(channel: Channel, browser: Browser) -> None:
    async def main() -> dict[str, int]:
        with page_server(channel, browser) as base, playing(320, 240) as video:
            async with channel.master() as signaling, WebRtcMaster(signaling, tracks=[video]) as master:
                process = await browser.open(
                    page_url(base, channel, ChannelRole.VIEWER, "browser-viewer"), 45
                )
                try:
                    out, err = await asyncio.wait_for(process.communicate(), 60)
                finally:
                    await stop(process)
                assert process.returncode == 0, err.decode(errors="replace")[-2000:]
                served = await first(master.arrivals(), 5)  # kept, though the browser has left
                assert served.client_id == "browser-viewer"
                return dict(json.loads(out))

    result = run(main, timeout=90)
    assert "error" not in result, result
    assert (result["videoWidth"], result["videoHeight"]) == (320, 240)
    assert result["framesDecoded"] > 5


def test_a_browser_masters_camera_reaches_a_python_viewer_as_frames(
    channel: Channel, browser: Browser
) -> None:
    async def main() -> None:
        with page_server(channel, browser) as base:
            process = await browser.open(page_url(base, channel, ChannelRole.MASTER), 60)
            try:
                # The browser's master is connected once the endpoint has accepted its WebSocket.
                await until(
                    lambda: any(e.status == 101 for e in channel.endpoint.journal.entries("ConnectAsMaster")),
                    30,
                )
                async with (
                    channel.viewer("python-viewer") as client,
                    WebRtcViewer(client, receive_audio=False) as viewer,
                ):
                    frame = await first(viewer.peer.video_frames(), 30)
                    image = frame.to_ndarray(format="bgr24")
                    assert image.shape == (frame.height, frame.width, 3) and frame.width > 0
                    assert image.std() > 0  # Chromium's fake camera draws a moving pattern
            finally:
                await stop(process)

    run(main, timeout=90)
