"""Strict SigV4 as AWS applies it: the signing time against the service's clock, and the payload
hash against the body that arrived. Real HTTP on 127.0.0.1; the emulator's clock is moved instead
of the client's."""

from __future__ import annotations

import hashlib
import http.client
import re
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from kvs_chime.testing import LocalEndpoint

KEY, SECRET = "AKIDGOOD", "right-secret"


def _client(ep: LocalEndpoint) -> object:
    session = boto3.session.Session(
        aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name="eu-west-1"
    )
    return session.client(
        "kinesisvideo", endpoint_url=ep.url, config=Config(retries={"total_max_attempts": 1})
    )


def test_a_request_signed_more_than_5_minutes_before_the_services_clock_is_403() -> None:
    with LocalEndpoint(activation_delay=0, credentials={KEY: SECRET}) as ep:
        client = _client(ep)
        ep.fast_forward(240)  # 4 minutes of skew: still accepted
        assert client.list_streams()["StreamInfoList"] == []
        ep.fast_forward(120)  # 6 minutes
        with pytest.raises(ClientError) as info:
            client.create_stream(StreamName="late")
        error = info.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert error["Error"]["Code"] == "InvalidSignatureException"
        stamp = r"\d{8}T\d{6}Z"
        assert re.fullmatch(
            rf"Signature expired: {stamp} is now earlier than {stamp} \({stamp} - 5 min\.\)",
            error["Error"]["Message"],
        ), error["Error"]["Message"]
        assert ep.journal.operations().count("CreateStream") == 0


def test_a_request_signed_more_than_5_minutes_ahead_of_the_services_clock_is_403() -> None:
    with LocalEndpoint(activation_delay=0, credentials={KEY: SECRET}) as ep:
        request = AWSRequest(method="POST", url=f"{ep.url}/listStreams", data=b"{}")
        signer = SigV4Auth(Credentials(KEY, SECRET), "kinesisvideo", "eu-west-1")
        signer.add_auth(request)
        # Signed again as a client whose clock runs 10 minutes fast would sign it.
        ahead = datetime.now(timezone.utc) + timedelta(minutes=10)
        stamp = ahead.strftime("%Y%m%dT%H%M%SZ")
        request.context["timestamp"] = stamp
        request.headers.replace_header("X-Amz-Date", stamp)
        del request.headers["Authorization"]
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={signer.scope(request)}, "
            f"SignedHeaders={signer.signed_headers(signer.headers_to_sign(request))}, Signature={signature}"
        )
        connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
        connection.request("POST", "/listStreams", body=b"{}", headers=dict(request.headers.items()))
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        assert response.status == 403 and "Signature not yet current" in body


def test_captured_headers_with_another_body_do_not_verify() -> None:
    with LocalEndpoint(activation_delay=0, credentials={KEY: SECRET}) as ep:
        signed_body = b'{"StreamName": "original"}'
        request = AWSRequest(
            method="POST",
            url=f"{ep.url}/createStream",
            data=signed_body,
            headers={
                "Content-Type": "application/json",
                "X-Amz-Content-Sha256": hashlib.sha256(signed_body).hexdigest(),
            },
        )
        SigV4Auth(Credentials(KEY, SECRET), "kinesisvideo", "eu-west-1").add_auth(request)
        headers = dict(request.headers.items())

        def send(body: bytes) -> int:
            connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
            connection.request("POST", "/createStream", body=body, headers=headers)
            status = connection.getresponse().status
            connection.close()
            return status

        assert send(b'{"StreamName": "tampered"}') == 403
        assert send(signed_body) == 200  # the genuine request verifies
        names = [s["StreamName"] for s in _client(ep).list_streams()["StreamInfoList"]]
        assert names == ["original"]
