"""SigV4 as the emulator reads it: the credential scope (region, service, access key) of a request,
and, in strict mode, the signature checked against configured secret keys, the signing time
against the emulator's clock (5 minutes either way, as AWS allows) and the payload hash against
the body that arrived.

Pure functions of the request; no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import quote

import attrs

from ._errors import ServiceError
from ._wire import HttpRequest

_ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = 300.0
"""Seconds a header-signed request's X-Amz-Date may be off the emulator's clock (AWS: 5 minutes)."""
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS "
    "Secret Access Key and signing method. Consult the service documentation for details."
)


@attrs.frozen
class Credential:
    """What a request's `Authorization` header (or presigned query) says about who sent it."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str | None


def _parse_header(authorization: str) -> Credential | None:
    algorithm, _, rest = authorization.partition(" ")
    if algorithm != _ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    scope = fields.get("Credential", "").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return None
    return Credential(
        access_key=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(h for h in fields.get("SignedHeaders", "").split(";") if h),
        signature=fields.get("Signature", ""),
        amz_date=None,
    )


def credential_of(request: HttpRequest) -> Credential | None:
    """The SigV4 credential of a request (header or presigned query), or None when unsigned."""
    authorization = request.headers.get("authorization")
    if authorization:
        credential = _parse_header(authorization)
        if credential is not None:
            return attrs.evolve(credential, amz_date=request.headers.get("x-amz-date"))
        return None
    query = request.query
    scope = (query.get("X-Amz-Credential") or [""])[0].split("/")
    if len(scope) == 5 and (query.get("X-Amz-Algorithm") or [""])[0] == _ALGORITHM:
        return Credential(
            access_key=scope[0],
            date=scope[1],
            region=scope[2],
            service=scope[3],
            signed_headers=tuple(h for h in (query.get("X-Amz-SignedHeaders") or [""])[0].split(";") if h),
            signature=(query.get("X-Amz-Signature") or [""])[0],
            amz_date=next(iter(query.get("X-Amz-Date") or ()), None),
        )
    return None


def _canonical_query(query: Mapping[str, Sequence[str]], skip_signature: bool) -> str:
    pairs = sorted(
        (quote(key, safe="-_.~"), quote(value, safe="-_.~"))
        for key, values in query.items()
        if not (skip_signature and key == "X-Amz-Signature")
        for value in values
    )
    return "&".join(f"{key}={value}" for key, value in pairs)


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def expected_signature(request: HttpRequest, credential: Credential, secret_key: str) -> str:
    """The SigV4 signature `request` would carry if signed with `secret_key` under its own scope."""
    presigned = "authorization" not in request.headers
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in credential.signed_headers
    )
    if presigned:
        payload = "UNSIGNED-PAYLOAD" if credential.service == "s3" else hashlib.sha256(b"").hexdigest()
    elif request.body_stream is not None:
        # A body handed over as it arrives (PutMedia) cannot be hashed before the answer starts.
        payload = request.headers.get("x-amz-content-sha256") or hashlib.sha256(b"").hexdigest()
    else:
        # The hash of the body that arrived, never the client's word for it: a captured
        # X-Amz-Content-Sha256 sent with another body must not verify.
        payload = hashlib.sha256(request.body).hexdigest()
    canonical = "\n".join(
        [
            request.method.upper(),
            # botocore signs the path as sent (already percent-encoded), encoded once more.
            quote(request.path, safe="/~"),
            _canonical_query(request.query, presigned),
            headers,
            ";".join(credential.signed_headers),
            payload,
        ]
    )
    scope = f"{credential.date}/{credential.region}/{credential.service}/aws4_request"
    string_to_sign = "\n".join(
        [_ALGORITHM, credential.amz_date or "", scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _sign(("AWS4" + secret_key).encode("utf-8"), credential.date)
    for part in (credential.region, credential.service, "aws4_request"):
        key = _sign(key, part)
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(_AMZ_DATE)


def check_skew(amz_date: str, now: float) -> None:
    """Raise AWS's 403 when `amz_date` (X-Amz-Date) is more than 5 minutes off `now` (epoch seconds)."""
    try:
        signed = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        raise ServiceError("InvalidSignatureException", _SIGNATURE_MISMATCH, status=403) from None
    if signed < now - MAX_SKEW:
        raise ServiceError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier than {_stamp(now - MAX_SKEW)} "
            f"({_stamp(now)} - 5 min.)",
            status=403,
        )
    if signed > now + MAX_SKEW:
        raise ServiceError(
            "InvalidSignatureException",
            f"Signature not yet current: {amz_date} is still later than {_stamp(now + MAX_SKEW)} "
            f"({_stamp(now)} + 5 min.)",
            status=403,
        )


def verify(
    request: HttpRequest,
    credential: Credential | None,
    secrets: Mapping[str, str],
    now: float | None = None,
) -> None:
    """Raise the error AWS answers for a missing, unknown or wrong signature (403 each).

    With `now` (epoch seconds, the emulator's clock) a header-signed request whose X-Amz-Date
    is more than 5 minutes off is refused too; presigned URLs carry their own expiry instead.
    """
    if credential is None:
        raise ServiceError("MissingAuthenticationTokenException", "Missing Authentication Token", status=403)
    secret = secrets.get(credential.access_key)
    if secret is None:
        raise ServiceError(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
            status=403,
        )
    if credential.amz_date is None or not hmac.compare_digest(
        expected_signature(request, credential, secret), credential.signature
    ):
        raise ServiceError("InvalidSignatureException", _SIGNATURE_MISMATCH, status=403)
    if now is not None and "authorization" in request.headers:
        check_skew(credential.amz_date, now)
