"""TLS for the local endpoint: a CA made on the spot (with `trustme`) and a certificate for the
loopback names, so HTTPS and WSS are served on the same port as plain HTTP would be.

`trustme` is imported only when TLS is asked for: it is an optional dependency (the `tls` extra,
`pip install 'kvs-chime[tls]'`), and a missing one is a clear error naming the extra.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
import shutil
import ssl
import tempfile
from typing import Any

import attrs

_IDENTITIES = ("127.0.0.1", "localhost", "::1")


class TlsUnavailableError(RuntimeError):
    """TLS was asked for but `trustme` (the `tls` extra) is not installed."""


@attrs.frozen
class LocalTls:
    """The CA a TLS endpoint's certificate is signed by, and how each kind of client trusts it."""

    ca_file: str
    """PEM file of the local CA: AWS_CA_BUNDLE (boto3, the AWS CLI), NODE_EXTRA_CA_CERTS (Node),
    SSL_CERT_FILE (Python's default SSL contexts: websockets, SignalingClient), `verify=` (botocore)."""
    spki_sha256: str
    """Base64 SHA-256 of the certificate's public key, for Chromium's
    `--ignore-certificate-errors-spki-list`."""
    _folder: str
    _certificate: Any = attrs.field(repr=False)

    @classmethod
    def create(cls, identities: tuple[str, ...] = ()) -> LocalTls:
        """A new CA and a certificate for 127.0.0.1, localhost, ::1 and `identities`."""
        try:
            trustme: Any = importlib.import_module("trustme")
            x509: Any = importlib.import_module("cryptography.x509")
            serialization: Any = importlib.import_module("cryptography.hazmat.primitives.serialization")
        except ImportError:
            raise TlsUnavailableError(
                "TLS needs the trustme package: pip install 'kvs-chime[tls]' (or pip install trustme)"
            ) from None
        ca = trustme.CA(organization_name="kvs_chime local endpoint")
        certificate = ca.issue_cert(*dict.fromkeys((*_IDENTITIES, *identities)))
        folder = tempfile.mkdtemp(prefix="kvs-chime-tls-")
        ca_file = os.path.join(folder, "kvs-chime-local-ca.pem")
        ca.cert_pem.write_to_path(ca_file)
        leaf = x509.load_pem_x509_certificate(certificate.cert_chain_pems[0].bytes())
        spki = leaf.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        digest = base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")
        return cls(ca_file, digest, folder, certificate)

    def server_context(self) -> ssl.SSLContext:
        """The server side: presents the certificate (HTTP/1.1 only, for WebSockets too)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._certificate.configure_cert(context)
        context.set_alpn_protocols(["http/1.1"])
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client side that trusts the local CA (and only it)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def how_to_trust(self) -> list[str]:
        """One line per kind of client: how it trusts the local CA."""
        return [
            f"boto3 and the AWS CLI: AWS_CA_BUNDLE={self.ca_file}",
            f"Node (AWS SDK for JavaScript): NODE_EXTRA_CA_CERTS={self.ca_file}",
            f"Chromium: --ignore-certificate-errors-spki-list={self.spki_sha256}",
            f"Python (ssl, websockets, kvs_chime's SignalingClient): SSL_CERT_FILE={self.ca_file}",
        ]

    def remove(self) -> None:
        """Delete the CA file (when the endpoint stops)."""
        shutil.rmtree(self._folder, ignore_errors=True)
