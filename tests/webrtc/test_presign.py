"""The presigned URL: botocore's own signer agrees with it; bad ids are refused before signing."""

from __future__ import annotations

from datetime import datetime, timezone
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials, RefreshableCredentials

from kvs_chime.webrtc import EXPIRES, presigned_url

ARN = "arn:aws:kinesisvideo:eu-west-1:123456789012:channel/door/1700000000000"
WSS = "wss://v-1a2b3c4d.kinesisvideo.eu-west-1.amazonaws.com"
AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session/token+=")


def _botocore_signed(url_without_auth: str) -> str:
    # botocore's own query signer, at the same instant: the reference the URL must match.
    request = AWSRequest(method="GET", url=url_without_auth)
    with mock.patch("botocore.auth.get_current_datetime", return_value=AT.replace(tzinfo=None)):
        SigV4QueryAuth(CREDENTIALS, "kinesisvideo", "eu-west-1", expires=299).add_auth(request)
    return str(request.url)


def test_a_viewer_url_is_what_botocores_signer_makes() -> None:
    url = presigned_url(WSS, ARN, CREDENTIALS, client_id="viewer-1", at=AT)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-ChannelARN"] == [ARN]
    assert query["X-Amz-ClientId"] == ["viewer-1"]
    assert query["X-Amz-Expires"] == [str(EXPIRES)] == ["299"]
    assert query["X-Amz-SignedHeaders"] == ["host"]
    assert query["X-Amz-Credential"] == ["AKIDEXAMPLE/20260102/eu-west-1/kinesisvideo/aws4_request"]
    assert query["X-Amz-Security-Token"] == ["session/token+="]  # inside the signed query
    unsigned = url.split("&X-Amz-Algorithm=")[0]
    assert url == _botocore_signed(unsigned)


def test_a_master_url_names_no_client_and_has_a_root_path() -> None:
    url = presigned_url(WSS, ARN, CREDENTIALS, at=AT)
    assert urlsplit(url).path == "/"
    assert "X-Amz-ClientId" not in parse_qs(urlsplit(url).query)
    assert url == _botocore_signed(url.split("&X-Amz-Algorithm=")[0])


def test_the_region_is_the_channels_and_a_new_instant_a_new_signature() -> None:
    url = presigned_url(WSS, ARN, CREDENTIALS, at=AT)
    assert "%2Feu-west-1%2Fkinesisvideo%2F" in url
    later = presigned_url(WSS, ARN, CREDENTIALS, at=AT.replace(second=6))
    assert (
        parse_qs(urlsplit(later).query)["X-Amz-Signature"] != parse_qs(urlsplit(url).query)["X-Amz-Signature"]
    )


def test_refreshable_credentials_are_frozen_once() -> None:
    calls: list[int] = []

    def refresh() -> dict[str, str]:
        calls.append(1)
        n = len(calls)
        return {
            "access_key": f"AK{n}",
            "secret_key": f"SK{n}",
            "token": f"T{n}",
            "expiry_time": "2099-01-01T00:00:00Z",
        }

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "test")
    url = presigned_url(WSS, ARN, credentials, client_id="v", at=AT)
    query = parse_qs(urlsplit(url).query)
    # Key and token come from the same snapshot.
    assert query["X-Amz-Credential"][0].startswith("AK1/") and query["X-Amz-Security-Token"] == ["T1"]


@pytest.mark.parametrize("client_id", ["", "AWS_x", "a b", "z" * 257])
def test_bad_client_ids_are_refused_before_signing(client_id: str) -> None:
    with pytest.raises(ValueError, match="client_id must"):
        presigned_url(WSS, ARN, CREDENTIALS, client_id=client_id, at=AT)


def test_not_a_websocket_url_or_channel_arn() -> None:
    with pytest.raises(ValueError, match="wss_url must be"):
        presigned_url("https://example.com", ARN, CREDENTIALS)
    with pytest.raises(ValueError, match="channel_arn must be"):
        presigned_url(WSS, "door", CREDENTIALS)
