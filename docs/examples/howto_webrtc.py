"""How-to: a signaling channel that exists exactly once, and WebRTC connection info."""

from kvs_chime import KinesisVideo, Poll, ReconciliationConflictError
from kvs_chime.kinesisvideo import (
    ChannelProtocol,
    ChannelRole,
    GetSignalingChannelEndpointRequest,
    SingleMasterChannelEndpointConfiguration,
)
from kvs_chime.signaling import GetIceServerConfigRequest, KinesisVideoSignaling
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import WebRtcConnector, ensure_signaling_channel

with LocalEndpoint() as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )
    poll = Poll(
        timeout=30, interval=0.05
    )  # real code: the default Poll() (2 s between polls)

    # [ensure]
    channel = ensure_signaling_channel(
        kv, "front-door", message_ttl_seconds=60, tags={"team": "video"}, poll=poll
    )
    print(channel.channel_arn, channel.channel_status)
    # arn:aws:kinesisvideo:...:channel/front-door/... ACTIVE

    again = ensure_signaling_channel(
        kv, "front-door", message_ttl_seconds=60, tags={"team": "video"}, poll=poll
    )
    assert again.channel_arn == channel.channel_arn  # found, not created again
    assert len(endpoint.journal.entries("CreateSignalingChannel")) == 1
    # [/ensure]
    assert channel.channel_arn is not None

    # [conflict]
    try:
        ensure_signaling_channel(kv, "front-door", message_ttl_seconds=120, poll=poll)
    except ReconciliationConflictError as error:
        print(error.differences)  # {'message_ttl_seconds': (120, 60)}
    # [/conflict]
    else:
        raise AssertionError("expected a ReconciliationConflictError")

    # [update]
    updated = ensure_signaling_channel(
        kv,
        "front-door",
        message_ttl_seconds=120,
        tags={"team": "video", "site": "hq"},
        update=True,
        poll=poll,
    )
    assert updated.single_master_configuration is not None
    assert updated.single_master_configuration.message_ttl_seconds == 120
    # [/update]

    # [connector]
    connector = WebRtcConnector(kv)  # one per process: it caches the channel endpoints
    master = connector.connection_info(channel.channel_arn, ChannelRole.MASTER)
    viewer = connector.connection_info(
        channel.channel_arn, ChannelRole.VIEWER, client_id="viewer-1"
    )
    print(viewer.wss_url)
    # the signaling WebSocket: SDP offer/answer and ICE candidates go here
    for server in viewer.ice_servers:
        print(server.uris, server.username, server.ttl)
        # TURN URIs and short-lived credentials
    print(viewer.ice_servers[0])
    # IceServer(uris=[...], username='...', password='***', ttl=300)
    assert "password='***'" in repr(viewer.ice_servers[0])
    # [/connector]
    assert master.wss_url

    # [cache]
    endpoint.journal.clear()
    connector.connection_info(
        channel.channel_arn, ChannelRole.VIEWER, client_id="viewer-2"
    )
    # The endpoint came from the cache (GetSignalingChannelEndpoint is rate-limited per
    # account); the ICE servers were fetched again (their credentials are short-lived).
    assert endpoint.journal.operations() == ["GetIceServerConfig"]
    connector.forget(
        channel.channel_arn
    )  # e.g. after deleting and re-creating the channel
    # [/cache]

    # [by-hand]
    # Without the connector: find the channel's HTTPS endpoint, ask it for ICE servers.
    config = SingleMasterChannelEndpointConfiguration(
        protocols=[ChannelProtocol.WSS, ChannelProtocol.HTTPS], role=ChannelRole.VIEWER
    )
    endpoints = kv.get_signaling_channel_endpoint(
        GetSignalingChannelEndpointRequest(
            channel_arn=channel.channel_arn,
            single_master_channel_endpoint_configuration=config,
        )
    )
    https = next(
        e.resource_endpoint
        for e in endpoints.resource_endpoint_list or []
        if e.protocol == "HTTPS"
    )
    signaling = KinesisVideoSignaling(
        session=kv.session, endpoint_url=https, region_name=endpoint.region
    )
    ice = signaling.get_ice_server_config(
        GetIceServerConfigRequest(channel_arn=channel.channel_arn, client_id="viewer-3")
    )
    assert ice.ice_server_list
    # [/by-hand]
