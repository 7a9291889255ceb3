"""Signaling peers for the server's tests: plain `websockets` sync clients on a presigned URL."""

from __future__ import annotations

from typing import Any

from websockets.sync.client import ClientConnection, connect

from kvs_chime.testing import LocalEndpoint
from kvs_chime.webrtc import presigned_url


def open_peer(
    endpoint: LocalEndpoint, channel_arn: str, client_id: str | None = None, **options: Any
) -> ClientConnection:
    """A connected master (or viewer `client_id`) of the channel; use it as a context manager."""
    kv = endpoint.client("kinesisvideo")
    role = "MASTER" if client_id is None else "VIEWER"
    found = kv.get_signaling_channel_endpoint(
        ChannelARN=channel_arn,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["WSS"], "Role": role},
    )["ResourceEndpointList"]
    credentials = endpoint.boto3_session().get_credentials()
    assert credentials is not None
    url = presigned_url(str(found[0]["ResourceEndpoint"]), channel_arn, credentials, client_id=client_id)
    connection: ClientConnection = connect(url, open_timeout=10, **options)
    return connection
