"""The presigned signaling URL: botocore's SigV4 query signing, as the official SDKs sign it.

No I/O here. Service `kinesisvideo`, method GET, only `host` signed, the empty payload's hash,
`X-Amz-Expires=299`, the session token inside the signed query; `X-Amz-ChannelARN` and (viewers
only) `X-Amz-ClientId` are the operation's own query. The URL expires in 299 s: sign again for
every connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from botocore.auth import SIGV4_TIMESTAMP, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import (
    percent_encode_sequence as _untyped_percent_encode_sequence,  # pyright: ignore[reportUnknownVariableType]  # botocore is untyped
)

from ._errors import SignalingConnectError
from ._messages import validate_client_id

if TYPE_CHECKING:
    from boto3.session import Session

# botocore ships no type information; the function takes a mapping of strings.
percent_encode_sequence = cast("Callable[[Mapping[str, str]], str]", _untyped_percent_encode_sequence)

__all__ = ["EXPIRES", "FrozenCredentials", "SigningCredentials", "presigned_url", "session_credentials"]

EXPIRES = 299
"""Seconds a presigned signaling URL stays valid (as the official SDKs sign it)."""


class FrozenCredentials(Protocol):
    """A snapshot of credentials, as botocore's `get_frozen_credentials()` returns."""

    @property
    def access_key(self) -> str: ...
    @property
    def secret_key(self) -> str: ...
    @property
    def token(self) -> str | None: ...


class SigningCredentials(Protocol):
    """Credentials that can be frozen: botocore's (`boto3.Session().get_credentials()`)."""

    def get_frozen_credentials(self) -> FrozenCredentials: ...


def _sign(url: str, frozen: FrozenCredentials, region: str, at: datetime) -> str:
    """`url` with botocore's SigV4 query signature at the instant `at`, through its public API.

    `SigV4QueryAuth.add_auth` reads the clock itself; the signing instant here must follow the
    client's `wall_clock` (a skewed host, the emulator's manual clock), so the query it would add
    is written here in its order (operation parameters, then the auth parameters) and the
    signature comes from the signer's public `canonical_request`, `string_to_sign` and
    `signature`. tests/webrtc/test_presign.py checks the result against `add_auth`.
    """
    # botocore ships no type information: Any, on purpose.
    signer: Any = SigV4QueryAuth(
        Credentials(frozen.access_key, frozen.secret_key, frozen.token),
        "kinesisvideo",
        region,
        expires=EXPIRES,
    )
    request: Any = AWSRequest(method="GET", url=url)
    request.context["timestamp"] = at.strftime(SIGV4_TIMESTAMP)
    auth: dict[str, str] = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": signer.scope(request),
        "X-Amz-Date": request.context["timestamp"],
        "X-Amz-Expires": str(EXPIRES),
        "X-Amz-SignedHeaders": "host",
    }
    if frozen.token is not None:
        auth["X-Amz-Security-Token"] = frozen.token
    request.url = f"{url}&{percent_encode_sequence(auth)}"
    signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return f"{request.url}&X-Amz-Signature={signature}"


def session_credentials(session: Session | None = None) -> SigningCredentials:
    """The credentials of a boto3 session (a new default session when None), for signing.

    botocore's credentials object: refreshable ones are frozen again at every signing. Raises
    `SignalingConnectError` when the session has none.
    """
    if session is None:
        session = cast("Session", importlib.import_module("boto3.session").Session())
    found = cast("SigningCredentials | None", session.get_credentials())  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
    if found is None:
        raise SignalingConnectError("no AWS credentials found for signing the signaling URL")
    return found


def region_of(channel_arn: str) -> str:
    """The region of a channel ARN (`arn:aws:kinesisvideo:REGION:ACCOUNT:channel/...`)."""
    parts = channel_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        raise ValueError("channel_arn must be a signaling channel ARN (arn:aws:kinesisvideo:REGION:...)")
    return parts[3]


def presigned_url(
    wss_url: str,
    channel_arn: str,
    credentials: SigningCredentials | FrozenCredentials,
    *,
    client_id: str | None = None,
    region: str | None = None,
    at: datetime | None = None,
) -> str:
    """A presigned URL to connect to the signaling channel: as a viewer with `client_id`, else as master.

    `wss_url` is the channel's WSS endpoint for the role (`WebRtcConnectionInfo.wss_url`);
    `region` defaults to the channel ARN's; `at` (an aware datetime) is the signing time, now by
    default. Refreshable credentials are frozen first, so the key, secret and token belong
    together. A bad `client_id` raises ValueError before anything is signed.
    """
    if client_id is not None:
        validate_client_id(client_id)
    split = urlsplit(wss_url)
    if split.scheme not in ("wss", "ws") or not split.netloc:
        raise ValueError("wss_url must be a wss:// (or, on loopback, ws://) URL")
    # Frozen first: a refresh between reading the key and the secret would mix two credentials.
    freeze = getattr(credentials, "get_frozen_credentials", None)
    frozen = cast(FrozenCredentials, freeze() if callable(freeze) else credentials)
    when = (at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    query = {"X-Amz-ChannelARN": channel_arn}
    if client_id is not None:
        query["X-Amz-ClientId"] = client_id
    # The path as the service expects it: "/" when the endpoint has none; the operation's query
    # encoded as botocore encodes it (RFC 3986, "/" and ":" escaped).
    url = f"{split.scheme}://{split.netloc}{split.path or '/'}?{percent_encode_sequence(query)}"
    return _sign(url, frozen, region or region_of(channel_arn), when)
