"""A real browser (headless Chromium) against the local endpoint: a page on another origin calls the
AWS API through a CORS preflight and reads the request id, and cannot reset the emulator through
the admin API. Skipped when Chromium is not installed (Debian: `apt-get install chromium`)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kvs_chime.testing import LocalEndpoint

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

# What the AWS SDK for JavaScript's requests look like to CORS: JSON with SigV4 and SDK headers
# (so a preflight first); then what a hostile page can do to the admin API without one.
PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
(async () => {
  const lines = [];
  try {
    const answer = await fetch("%(url)s/listStreams", {method: "POST", body: "{}", headers: {
      "Content-Type": "application/json", "X-Amz-Date": "20240101T000000Z",
      "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/kinesisvideo/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
      "amz-sdk-invocation-id": "1", "amz-sdk-request": "attempt=1; max=1"}});
    lines.push("aws " + answer.status + " " + answer.headers.get("x-amzn-RequestId"));
  } catch (error) { lines.push("aws failed " + error); }
  try {
    await fetch("%(url)s/_kvs_chime/reset", {method: "POST", mode: "no-cors", body: "{}",
      headers: {"Content-Type": "text/plain"}});
    lines.push("admin sent");
  } catch (error) { lines.push("admin failed " + error); }
  document.getElementById("out").textContent = lines.join("|");
})();
</script></body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_page_on_another_origin_calls_the_aws_api_but_not_the_admin_api(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    with LocalEndpoint(activation_delay=0) as ep:
        ep.client("kinesisvideo").create_stream(StreamName="keep")
        site = tmp_path / "site"
        site.mkdir()
        (site / "index.html").write_text(PAGE % {"url": ep.url})
        pages = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
        threading.Thread(target=pages.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            browser = subprocess.run(
                [
                    CHROMIUM,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}",
                    "--virtual-time-budget=10000",
                    "--dump-dom",
                    f"http://127.0.0.1:{pages.server_address[1]}/index.html",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            pages.shutdown()
            pages.server_close()
        found = re.search(r'<pre id="out">(.*?)</pre>', browser.stdout, re.S)
        assert found is not None, browser.stderr[-2000:]
        aws, admin = found.group(1).split("|")
        request_id = aws.split()[-1]
        assert aws == f"aws 200 {request_id}" and len(request_id) == 36  # an exposed header
        assert admin == "admin sent"  # the browser sent it (no-cors) ...
        # ... and the emulator refused it: nothing was reset.
        assert [s["StreamName"] for s in ep.client("kinesisvideo").list_streams()["StreamInfoList"]] == [
            "keep"
        ]
        assert "ListStreams" in ep.journal.operations()
