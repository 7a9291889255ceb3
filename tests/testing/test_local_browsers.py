"""What a web page may do with the endpoint: CORS on the AWS API as the service answers it, nothing
on the admin API (cross-origin requests, DNS rebinding), and the admin token when exposed beyond
loopback. Raw HTTP on 127.0.0.1, shaped as a browser sends it."""

from __future__ import annotations

import http.client
import json

import pytest

from kvs_chime.testing import LocalEndpoint


def _request(
    ep: LocalEndpoint, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


PAGE = "http://127.0.0.1:8080"

# What Chromium sends before the AWS SDK for JavaScript's DescribeSignalingChannel.
PREFLIGHT = {
    "Host": "127.0.0.1",
    "Origin": PAGE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,"
    "x-amz-content-sha256,x-amz-date,x-amz-security-token,x-amz-user-agent",
    "Sec-Fetch-Mode": "cors",
    "Referer": PAGE + "/",
}


def test_a_browsers_preflight_is_answered_as_the_service_does(local_endpoint: LocalEndpoint) -> None:
    status, headers, body = _request(local_endpoint, "OPTIONS", "/describeSignalingChannel", PREFLIGHT)
    assert status == 200 and body == b""
    assert headers["access-control-allow-origin"] == PAGE
    assert "POST" in headers["access-control-allow-methods"]
    allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
    assert allowed == {h.strip() for h in PREFLIGHT["Access-Control-Request-Headers"].split(",")}
    exposed = {h.strip().lower() for h in headers["access-control-expose-headers"].split(",")}
    assert {"x-amzn-requestid", "x-amz-request-id", "x-amzn-errortype"} <= exposed
    assert local_endpoint.journal.entries() == []  # a preflight is not an operation


def test_a_header_the_sdks_never_send_is_not_allowed(local_endpoint: LocalEndpoint) -> None:
    asked = {**PREFLIGHT, "Access-Control-Request-Headers": "content-type,x-evil"}
    _, headers, _ = _request(local_endpoint, "OPTIONS", "/describeSignalingChannel", asked)
    assert headers["access-control-allow-headers"] == "content-type"


def test_answers_to_a_page_carry_the_cors_headers(local_endpoint: LocalEndpoint) -> None:
    page = {"Host": "127.0.0.1", "Origin": PAGE, "Content-Type": "application/json"}
    status, headers, _ = _request(local_endpoint, "POST", "/listStreams", page, b"{}")
    assert status == 200 and headers["access-control-allow-origin"] == PAGE
    assert "x-amzn-RequestId" in headers["access-control-expose-headers"]
    status, headers, _ = _request(local_endpoint, "POST", "/describeStream", page, b'{"StreamName": "nope"}')
    assert status == 404 and headers["access-control-allow-origin"] == PAGE  # errors too
    # Not from a page: no CORS headers.
    _, headers, _ = _request(local_endpoint, "POST", "/listStreams", {"Host": "127.0.0.1"}, b"{}")
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize("route", ["/_kvs_chime/reset", "/_kvs_chime/signaling", "/_kvs_chime/clock"])
def test_a_cross_origin_text_plain_post_to_the_admin_api_is_refused(
    local_endpoint: LocalEndpoint, route: str
) -> None:
    kv = local_endpoint.client("kinesisvideo")
    kv.create_signaling_channel(ChannelName="door")
    before = local_endpoint.clock()
    # A "simple" request: a browser sends it without a preflight.
    page = {
        "Host": f"127.0.0.1:{local_endpoint.port}",
        "Origin": "https://evil.example",
        "Content-Type": "text/plain",
    }
    status, headers, body = _request(local_endpoint, "POST", route, page, b'{"advance": 1000}')
    assert status == 403 and "cross-origin" in json.loads(body)["error"]
    assert "access-control-allow-origin" not in headers
    status, _, _ = _request(local_endpoint, "OPTIONS", route, {**PREFLIGHT, "Origin": "https://evil.example"})
    assert status == 403
    assert [c["ChannelName"] for c in kv.list_signaling_channels()["ChannelInfoList"]] == ["door"]
    assert local_endpoint.clock() - before < 1000


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4599", "10.0.0.8:4599"])
def test_dns_rebinding_cannot_reach_the_admin_api(local_endpoint: LocalEndpoint, host: str) -> None:
    # The page's name resolves to 127.0.0.1, so the browser thinks it is same-origin.
    status, _, body = _request(local_endpoint, "POST", "/_kvs_chime/reset", {"Host": host})
    assert status == 403 and "loopback host" in json.loads(body)["error"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:4599", "[::1]:4599", "127.0.0.1:%d"])
def test_the_admin_api_answers_loopback_hosts_and_the_endpoints_own_origin(
    local_endpoint: LocalEndpoint, host: str
) -> None:
    headers = {"Host": host.replace("%d", str(local_endpoint.port))}
    assert _request(local_endpoint, "GET", "/_kvs_chime/health", headers)[0] == 200
    own = {"Host": "127.0.0.1", "Origin": local_endpoint.url}
    assert _request(local_endpoint, "GET", "/_kvs_chime/health", own)[0] == 200


def test_with_an_admin_token_the_admin_api_needs_it() -> None:
    with LocalEndpoint(activation_delay=0, admin_token="s3cret") as ep:
        status, _, body = _request(ep, "POST", "/_kvs_chime/reset", {"Host": "127.0.0.1"})
        assert status == 401 and "x-kvs-chime-admin-token" in json.loads(body)["error"]
        wrong = {"Host": "127.0.0.1", "x-kvs-chime-admin-token": "guess"}
        assert _request(ep, "POST", "/_kvs_chime/reset", wrong)[0] == 401
        right = {"Host": "127.0.0.1", "x-kvs-chime-admin-token": "s3cret"}
        assert _request(ep, "POST", "/_kvs_chime/reset", right)[0] == 200
        # The AWS API itself is not affected.
        assert ep.client("kinesisvideo").list_streams()["StreamInfoList"] == []


def test_bound_beyond_loopback_an_admin_token_is_made_and_required() -> None:
    with LocalEndpoint(activation_delay=0, host="0.0.0.0") as ep:
        token = ep.admin_token
        assert token is not None and len(token) >= 24
        assert _request(ep, "GET", "/_kvs_chime/journal", {"Host": "127.0.0.1"})[0] == 401
        # Any Host then, since the token is what protects it (reached by the machine's own name).
        headers = {"Host": f"my-laptop.lan:{ep.port}", "x-kvs-chime-admin-token": token}
        assert _request(ep, "GET", "/_kvs_chime/journal", headers)[0] == 200
    with LocalEndpoint(activation_delay=0) as loopback:
        assert loopback.admin_token is None


def test_the_server_bound_beyond_loopback_warns_names_the_address_and_prints_the_token() -> None:
    from ._process import running

    with running(["--port", "0", "--host", "0.0.0.0", "--activation-delay", "0"]) as server:
        assert server.process.stdout is not None
        token_line = server.process.stdout.readline()
        assert token_line.startswith("admin token (send it as x-kvs-chime-admin-token): ")
        token = token_line.rsplit(" ", 1)[1].strip()
        port = server.url.rsplit(":", 1)[1]
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        connection.request("POST", "/_kvs_chime/reset", headers={"x-kvs-chime-admin-token": token})
        assert connection.getresponse().status == 200
        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        connection.request("POST", "/_kvs_chime/reset")
        assert connection.getresponse().status == 401
        connection.close()
        code, err = server.stop()
    assert code == 0
    assert "WARNING: listening on 0.0.0.0, beyond loopback" in err
    assert token not in err  # printed once, on standard output


def test_the_start_up_line_names_the_address_really_bound() -> None:
    import subprocess

    from ._process import command, environment

    process = subprocess.Popen(
        command("--port", "0", "--host", "0.0.0.0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.communicate(timeout=15)
    assert line.startswith("kvs-chime-local listening on 0.0.0.0:") and "(beyond loopback)" in line
    assert line.split()[-1].startswith("http://127.0.0.1:")  # the URL scripts read stays last
