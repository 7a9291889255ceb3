"""The ICE servers GetIceServerConfig lists: a TURN server the endpoint is told about, or its own STUN.

With a TURN server (`LocalEndpoint(turn_uris=..., turn_secret=...)`, e.g. coturn started with
`--use-auth-secret --static-auth-secret`), credentials are minted with coturn's shared-secret
REST scheme: user name `<expiry>:<id>` (Kinesis Video's TURN user names have the same
`timestamp:...` form), password base64(HMAC-SHA1(secret, user name)); the TURN server checks
them with the same secret and refuses them after the expiry.

Without one, no TURN URI is listed (one where nothing listens stalls peers that gather relay
candidates before answering, as aiortc does, and fails relay-only peers): each server entry names
the endpoint's own STUN responder, a real one on 127.0.0.1 answering binding requests, so peers
gather quickly and connect over loopback host candidates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import struct
import threading

import attrs

_BINDING_REQUEST = 0x0001
_BINDING_SUCCESS = 0x0101
_MAGIC_COOKIE = 0x2112A442
_XOR_MAPPED_ADDRESS = 0x0020
_HEADER = struct.Struct("!HHI12s")


@attrs.frozen
class TurnServer:
    """A TURN server the endpoint mints credentials for (coturn's `--static-auth-secret`)."""

    uris: tuple[str, ...]
    secret: str = attrs.field(repr=False)

    def credentials(self, expiry: int, user_id: str) -> tuple[str, str]:
        """(user name, password) valid until `expiry` (epoch seconds)."""
        username = f"{expiry}:{user_id}"
        digest = hmac.new(self.secret.encode(), username.encode(), hashlib.sha1).digest()
        return username, base64.b64encode(digest).decode("ascii")


def check_turn(uris: tuple[str, ...], secret: str | None) -> TurnServer | None:
    """The TURN server of the endpoint's options, refused before anything starts when half given."""
    if not uris and secret is None:
        return None
    if not uris or not secret:
        raise ValueError("turn_uris and turn_secret go together: give both or neither")
    for uri in uris:
        if not uri.startswith(("turn:", "turns:")):
            raise ValueError("turn_uris must start with turn: or turns:")
    return TurnServer(uris, secret)


def binding_response(request: bytes, address: tuple[str, int]) -> bytes | None:
    """The answer to a STUN binding request from `address` (RFC 5389), or None for anything else."""
    if len(request) < _HEADER.size:
        return None
    kind, _length, cookie, transaction = _HEADER.unpack_from(request)
    if kind != _BINDING_REQUEST or cookie != _MAGIC_COOKIE:
        return None
    try:
        packed = socket.inet_aton(address[0])
    except OSError:  # not IPv4: the responder binds 127.0.0.1 only
        return None
    port = address[1] ^ (_MAGIC_COOKIE >> 16)
    ip = bytes(a ^ b for a, b in zip(packed, struct.pack("!I", _MAGIC_COOKIE), strict=True))
    value = struct.pack("!BBH", 0, 0x01, port) + ip
    attribute = struct.pack("!HH", _XOR_MAPPED_ADDRESS, len(value)) + value
    return _HEADER.pack(_BINDING_SUCCESS, len(attribute), _MAGIC_COOKIE, transaction) + attribute


class StunResponder:
    """A STUN binding responder on a UDP port of `host`, served by a thread until `stop()`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((host, 0))
        self._socket.settimeout(0.2)
        self.port: int = self._socket.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="kvs-chime-local-stun", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5.0)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                request, address = self._socket.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            response = binding_response(request, address)
            if response is not None:
                try:
                    self._socket.sendto(response, address)
                except OSError:
                    continue
