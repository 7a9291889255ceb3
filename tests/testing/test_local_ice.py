"""The ICE servers the local endpoint lists without a TURN server: its own STUN responder, for real."""

from __future__ import annotations

import os
import socket
import struct

from kvs_chime.testing import LocalEndpoint

MAGIC = 0x2112A442


def _stun_address(endpoint: LocalEndpoint) -> tuple[str, int]:
    kvs = endpoint.client("kinesisvideo")
    arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
    https = next(
        e["ResourceEndpoint"]
        for e in kvs.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "MASTER"},
        )["ResourceEndpointList"]
    )
    servers = endpoint.client("kinesis-video-signaling", endpoint_url=https).get_ice_server_config(
        ChannelARN=arn
    )
    uris = {uri for server in servers["IceServerList"] for uri in server["Uris"]}
    assert all(not uri.startswith(("turn:", "turns:")) for uri in uris)  # nothing listens for TURN here
    (uri,) = uris
    host, _, port = uri.removeprefix("stun:").rpartition(":")
    return host, int(port)


def test_the_listed_stun_server_answers_binding_requests_with_the_senders_address() -> None:
    with LocalEndpoint(activation_delay=0) as endpoint:
        address = _stun_address(endpoint)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.bind(("127.0.0.1", 0))
            peer.settimeout(5)
            # Garbage, a truncated header and a non-binding message get no answer and change nothing.
            for junk in (
                b"",
                b"\x00\x01",
                os.urandom(64),
                struct.pack("!HHI12s", 0x0111, 0, MAGIC, b"x" * 12),
            ):
                peer.sendto(junk, address)
            transaction = os.urandom(12)
            peer.sendto(struct.pack("!HHI12s", 0x0001, 0, MAGIC, transaction), address)
            answer, _ = peer.recvfrom(2048)
            sender = peer.getsockname()
        kind, length, cookie, echoed = struct.unpack_from("!HHI12s", answer)
        assert (kind, cookie, echoed) == (0x0101, MAGIC, transaction)
        attribute, size, _, family, port = struct.unpack_from("!HHBBH", answer, 20)
        assert (attribute, size, family, length) == (0x0020, 8, 0x01, 12)
        ip = bytes(a ^ b for a, b in zip(answer[28:32], struct.pack("!I", MAGIC), strict=True))
        assert (socket.inet_ntoa(ip), port ^ (MAGIC >> 16)) == sender
