"""TLS on the local endpoint: HTTPS and WSS on one port, with a CA made on the spot, that the
endpoint's own sessions trust and other clients are told how to trust. Real TLS on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import SSLError
from websockets.asyncio.client import connect as ws_connect

from kvs_chime import KinesisVideo, Poll
from kvs_chime.testing import LocalEndpoint, TlsUnavailableError
from kvs_chime.webrtc import SdpOffer, SignalingClient, presigned_url
from kvs_chime.workflows import WebRtcConnector, ensure_signaling_channel

from ._process import running


@pytest.fixture(scope="module")
def tls_endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0, tls=True) as endpoint:
        yield endpoint


def test_the_endpoint_advertises_https_and_wss_and_its_sessions_trust_it(tls_endpoint: LocalEndpoint) -> None:
    ep = tls_endpoint
    assert ep.url.startswith("https://127.0.0.1:")
    kv = KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name=ep.region)
    info = ensure_signaling_channel(kv, "tls-door", poll=Poll(timeout=5, interval=0.02))
    raw = ep.client("kinesisvideo")
    found = raw.get_signaling_channel_endpoint(
        ChannelARN=info.channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS", "HTTPS"], "Role": "MASTER"},
    )["ResourceEndpointList"]
    assert {e["Protocol"]: e["ResourceEndpoint"].split("://")[0] for e in found} == {
        "WSS": "wss",
        "HTTPS": "https",
    }
    raw.create_stream(StreamName="tls-cam")
    data = raw.get_data_endpoint(StreamName="tls-cam", APIName="GET_MEDIA")["DataEndpoint"]
    assert data.startswith(ep.url + "/data/")


def test_a_client_that_does_not_trust_the_local_ca_is_refused(tls_endpoint: LocalEndpoint) -> None:
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="us-west-2")
    stranger = session.client(
        "kinesisvideo", endpoint_url=tls_endpoint.url, config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(SSLError):
        stranger.list_streams()
    trusting = session.client(
        "kinesisvideo",
        endpoint_url=tls_endpoint.url,
        verify=tls_endpoint.tls.ca_file if tls_endpoint.tls else None,
        config=Config(retries={"total_max_attempts": 1}),
    )
    assert trusting.list_streams()["StreamInfoList"] is not None


def test_plain_http_on_a_tls_port_is_not_served(tls_endpoint: LocalEndpoint) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", tls_endpoint.port), timeout=5) as sock:
        sock.sendall(b"GET /_kvs_chime/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"use https://" in body
    assert tls_endpoint.client("kinesisvideo").list_streams() is not None  # still serving


def test_signaling_over_wss(tls_endpoint: LocalEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    ep = tls_endpoint
    assert ep.tls is not None
    kv = ep.client("kinesisvideo")
    arn = kv.create_signaling_channel(ChannelName="wss-door")["ChannelARN"]

    def wss(role: str) -> str:
        return str(
            kv.get_signaling_channel_endpoint(
                ChannelARN=arn, SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS"], "Role": role}
            )["ResourceEndpointList"][0]["ResourceEndpoint"]
        )

    credentials = ep.boto3_session().get_credentials()
    assert credentials is not None
    context = ep.tls.client_context()
    master_url = presigned_url(wss("MASTER"), arn, credentials)
    viewer_url = presigned_url(wss("VIEWER"), arn, credentials, client_id="v1")

    # websockets' asyncio client, not its threading one: at the lowest supported websockets
    # (14.0) the threading client reads and writes one TLS connection from two threads, and one
    # opening handshake in about 13 never saw the server's answer (the server had sent it; the
    # asyncio client, and the threading client of later releases, never missed one in 40-60).
    async def relay() -> object:
        async with (
            # A generous handshake timeout: CI runs this on 2 loaded cores.
            ws_connect(master_url, ssl=context, open_timeout=60) as master,
            ws_connect(viewer_url, ssl=context, open_timeout=60) as viewer,
        ):
            await viewer.send(json.dumps({"action": "SDP_OFFER", "messagePayload": "b2ZmZXI="}))
            return json.loads(await asyncio.wait_for(master.recv(), 5))

    assert asyncio.run(relay()) == {
        "messageType": "SDP_OFFER",
        "messagePayload": "b2ZmZXI=",
        "senderClientId": "v1",
    }

    async def with_default_trust() -> None:
        async with ws_connect(master_url, open_timeout=5):
            pass

    with pytest.raises(ssl.SSLError):
        asyncio.run(with_default_trust())

    # kvs_chime's own SignalingClient, trusting the CA the way the start-up lines say.
    monkeypatch.setenv("SSL_CERT_FILE", ep.tls.ca_file)
    facade = KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name=ep.region)

    async def main() -> SdpOffer:
        connector = WebRtcConnector(facade)
        async with (
            SignalingClient(connector, arn, credentials=credentials) as m,
            SignalingClient(connector, arn, credentials=credentials, role="VIEWER", client_id="v2") as v,
        ):
            await v.send_offer("v=0 over tls")
            while True:
                message = await m.receive(5)
                if isinstance(message, SdpOffer):
                    return message

    offer = asyncio.run(asyncio.wait_for(main(), 20))
    assert offer == SdpOffer("v=0 over tls", "v2")


def test_without_trustme_tls_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)
    with pytest.raises(TlsUnavailableError, match=r"kvs-chime\[tls\]"):
        LocalEndpoint(tls=True)


def test_the_server_with_tls_prints_how_each_client_trusts_it() -> None:
    with running(["--port", "0", "--tls", "--activation-delay", "0"]) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.process.stdout is not None
        lines = [server.process.stdout.readline() for _ in range(5)]
        text = "".join(lines)
        ca_file = lines[0].split(" at ", 1)[1].split(";", 1)[0]
        for hint in (
            f"AWS_CA_BUNDLE={ca_file}",
            f"NODE_EXTRA_CA_CERTS={ca_file}",
            "--ignore-certificate-errors-spki-list=",
        ):
            assert hint in text
        session = boto3.session.Session(
            aws_access_key_id="k", aws_secret_access_key="s", region_name="us-west-2"
        )
        client = session.client("kinesisvideo", endpoint_url=server.url, verify=ca_file)
        assert client.list_streams()["StreamInfoList"] == []
        assert server.stop()[0] == 0


def test_over_tls_the_connection_cap_still_answers_503_in_tls() -> None:
    import http.client
    import socket

    with LocalEndpoint(activation_delay=0, tls=True, max_connections=2) as ep:
        assert ep.tls is not None
        context = ep.tls.client_context()
        held = [
            context.wrap_socket(
                socket.create_connection(("127.0.0.1", ep.port), timeout=10), server_hostname="127.0.0.1"
            )
            for _ in range(2)
        ]
        try:
            connection = http.client.HTTPSConnection("127.0.0.1", ep.port, context=context, timeout=10)
            connection.request("POST", "/listStreams", body=b"{}")
            answer = connection.getresponse()
            assert answer.status == 503
            assert json.loads(answer.read())["__type"] == "ServiceUnavailable"
            connection.close()
        finally:
            for sock in held:
                sock.close()
