"""What browsers may do: CORS on the AWS API, as the services answer it, and none on the admin API.

The AWS API answers preflights (`OPTIONS`) from any origin, allowing the headers SigV4 and the
AWS SDKs send (`x-amz-*`, `amz-sdk-*`, `authorization`, `content-type`) and exposing the request id
headers, so the AWS SDK for JavaScript works from a web page as it does against AWS. Requests are
authenticated by their signature, not by where they come from.

The admin API changes everything (reset, faults, the clock) and is not signed, so a web page must
never reach it: a request carrying another `Origin`, or a `Host` that is not this machine's
loopback (DNS rebinding: a hostile name resolving to 127.0.0.1), is refused with 403, and when an
admin token is set (always, when bound beyond loopback) it must come in ADMIN_TOKEN_HEADER.

Pure functions of the request; no I/O.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re

import attrs

from ._wire import HttpRequest, HttpResponse, StreamingResponse

ADMIN_TOKEN_HEADER = "x-kvs-chime-admin-token"
"""The request header that carries the admin token."""

_ALLOWED_REQUEST_HEADER = re.compile(
    r"x-amz-[a-z0-9-]+|x-amzn-[a-z0-9-]+|amz-sdk-[a-z0-9-]+|authorization|content-type|content-encoding"
)
_ALLOWED_HEADERS = (
    "authorization, content-type, content-encoding, x-amz-date, x-amz-security-token, x-amz-user-agent, "
    "x-amz-content-sha256, x-amz-target, x-amz-api-version, amz-sdk-invocation-id, amz-sdk-request"
)
_ALLOWED_METHODS = "GET, POST, PUT, DELETE, PATCH, HEAD"
EXPOSED_HEADERS = (
    "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-request-id, x-amz-id-2, "
    "x-amz-apigw-id, x-amzn-Remapped-Content-Length, Date, Content-Type, Content-Length"
)
"""The response headers a page may read (the AWS SDKs read the request id and error type)."""
_PREFLIGHT_MAX_AGE = "600"
_LOOPBACK_NAMES = ("localhost",)


def _json(status: int, message: str) -> HttpResponse:
    body = json.dumps({"error": message}).encode("utf-8")
    return HttpResponse(status, (("Content-Type", "application/json"),), body)


def preflight(request: HttpRequest) -> HttpResponse:
    """The answer to an `OPTIONS` request on the AWS API.

    Every requested header that the AWS SDKs send is allowed (any other is left out, so the
    browser refuses that request); without `Access-Control-Request-Headers` the usual ones are.
    """
    origin = request.headers.get("origin") or "*"
    requested = request.headers.get("access-control-request-headers")
    if requested is None:
        allowed = _ALLOWED_HEADERS
    else:
        names = [name.strip().lower() for name in requested.split(",") if name.strip()]
        allowed = ", ".join(name for name in names if _ALLOWED_REQUEST_HEADER.fullmatch(name))
    headers: list[tuple[str, str]] = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", _ALLOWED_METHODS),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
        ("Access-Control-Max-Age", _PREFLIGHT_MAX_AGE),
        ("Vary", "Origin, Access-Control-Request-Headers"),
    ]
    if allowed:
        headers.insert(2, ("Access-Control-Allow-Headers", allowed))
    return HttpResponse(200, tuple(headers), b"")


def with_cors(
    request: HttpRequest, response: HttpResponse | StreamingResponse | None
) -> HttpResponse | StreamingResponse | None:
    """`response` with the CORS headers a page needs to read it (when the request came from one)."""
    origin = request.headers.get("origin")
    if origin is None or response is None:
        return response
    extra = (
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
        ("Vary", "Origin"),
    )
    return attrs.evolve(response, headers=(*response.headers, *extra))


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or name to bind) is this machine's loopback only."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(host_header: str) -> str:
    # "127.0.0.1:4599" -> "127.0.0.1"; "[::1]:4599" -> "::1"
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


def admin_refusal(request: HttpRequest, own_urls: tuple[str, ...], token: str | None) -> HttpResponse | None:
    """Why the admin API refuses `request` (a 401 or 403 answer), or None when it may proceed.

    `own_urls`: the endpoint's own origins (a page served from them is not cross-origin);
    `token`: the admin token every request must carry, or None when bound to loopback only and
    none was set.
    """
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in own_urls:
        return _json(403, "the admin API refuses cross-origin requests (Origin is not this endpoint)")
    if token is None:
        # Loopback only: a Host that is not a loopback name or address is DNS rebinding.
        host = _host_name(request.headers.get("host", "").strip().lower())
        # No Host at all is an HTTP/1.0 client, never a browser (browsers always send one).
        if host and not (is_loopback(host) or host.endswith(".localhost")):
            return _json(403, "the admin API answers only requests addressed to a loopback host")
        return None
    given = request.headers.get(ADMIN_TOKEN_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8")):
        return _json(401, f"the admin API needs the admin token in the {ADMIN_TOKEN_HEADER} header")
    return None
