"""Kinesis Video Streams control plane: signaling channels, streams, their endpoints and tags.

The signaling API (GetIceServerConfig, SendAlexaOfferToMaster) is here too: it reads the channels.
The per-stream and per-channel configurations live in `_kinesis_video_configs`.
"""

from __future__ import annotations

import base64
import uuid
from typing import Protocol, TypeVar

import attrs

from ._backend import Context, Handler, Ids, Lifecycle, Settings, page
from ._errors import ServiceError
from ._params import opt_int, opt_str, opt_struct, req_int, req_str, str_list, str_map, tag_list
from ._routing import SIGNALING_PREFIX
from ._types import Params

_INVALID = "InvalidArgumentException"


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def _page_by_name(
    items: list[_N], params: Params, condition: str, default_max: int
) -> tuple[list[_N], str | None]:
    """One page of a List* answer: sorted by name, filtered by the BEGINS_WITH `condition`."""
    spec = opt_struct(params, condition)
    prefix = opt_str(spec, "ComparisonValue") if spec is not None else None
    matching = [i for i in items if prefix is None or i.name.startswith(prefix)]
    matching.sort(key=lambda i: i.name)
    max_results = opt_int(params, "MaxResults") or default_max
    return page(matching, lambda i: i.name, max_results, opt_str(params, "NextToken"), _INVALID)


_NOT_FOUND = "ResourceNotFoundException"
_IN_USE = "ResourceInUseException"
_MAX_TAGS = 50
_DEFAULT_TTL = 60
_ICE_TTL = 300
# AWS hands out a host per data-plane API; the prefixes keep the URLs distinct here too.
_DATA_ENDPOINT_PREFIX = {
    "PUT_MEDIA": "s",
    "GET_MEDIA": "g",
    "LIST_FRAGMENTS": "l",
    "GET_MEDIA_FOR_FRAGMENT_LIST": "f",
    "GET_HLS_STREAMING_SESSION_URL": "h",
    "GET_DASH_STREAMING_SESSION_URL": "b",
    "GET_CLIP": "c",
    "GET_IMAGES": "i",
}


@attrs.define
class Channel:
    name: str
    arn: str
    channel_type: str
    message_ttl: int
    version: str
    created: float
    life: Lifecycle
    endpoint_id: str
    tags: dict[str, str] = attrs.field(factory=dict[str, str])
    media_storage: dict[str, object] | None = None
    """The MediaStorageConfiguration (StreamARN, Status), once set."""


@attrs.define
class Stream:
    name: str
    arn: str
    device_name: str | None
    media_type: str | None
    kms_key_id: str
    retention: int
    version: str
    created: float
    life: Lifecycle
    endpoint_id: str
    tags: dict[str, str] = attrs.field(factory=dict[str, str])
    storage_tier: str = "HOT"
    notification: dict[str, object] | None = None
    image_generation: dict[str, object] | None = None
    edge: dict[str, object] | None = None
    """The edge configuration: EdgeConfig, CreationTime, LastUpdatedTime and a Lifecycle-driven sync."""
    edge_life: Lifecycle | None = None


def _merge_tags(current: dict[str, str], new: dict[str, str]) -> None:
    merged = {**current, **new}
    if len(merged) > _MAX_TAGS:
        raise ServiceError(
            "TagsPerResourceExceededLimitException",
            f"A resource can have at most {_MAX_TAGS} tags",
        )
    current.update(new)


class KinesisVideo:
    """In-memory state of one account and region; callers hold the backend lock."""

    def __init__(self, settings: Settings, ids: Ids, region: str, account: str) -> None:
        self._settings = settings
        self._ids = ids
        self.region = region
        self.account = account
        self.channels: dict[str, Channel] = {}
        self.streams: dict[str, Stream] = {}

    def handlers(self) -> dict[str, Handler]:
        """The emulated kinesisvideo operations."""
        return {
            "CreateSignalingChannel": self.create_signaling_channel,
            "DescribeSignalingChannel": self.describe_signaling_channel,
            "ListSignalingChannels": self.list_signaling_channels,
            "UpdateSignalingChannel": self.update_signaling_channel,
            "DeleteSignalingChannel": self.delete_signaling_channel,
            "GetSignalingChannelEndpoint": self.get_signaling_channel_endpoint,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
            "CreateStream": self.create_stream,
            "UpdateStream": self.update_stream,
            "DescribeStream": self.describe_stream,
            "ListStreams": self.list_streams,
            "DeleteStream": self.delete_stream,
            "GetDataEndpoint": self.get_data_endpoint,
            "UpdateDataRetention": self.update_data_retention,
            "TagStream": self.tag_stream,
            "UntagStream": self.untag_stream,
            "ListTagsForStream": self.list_tags_for_stream,
        }

    def signaling_handlers(self) -> dict[str, Handler]:
        """The emulated kinesis-video-signaling operations."""
        return {
            "GetIceServerConfig": self.get_ice_server_config,
            "SendAlexaOfferToMaster": self.send_alexa_offer_to_master,
        }

    def purge(self, now: float) -> None:
        """Forget resources (and edge configurations) whose deletion has completed."""
        for name in [n for n, c in self.channels.items() if c.life.gone(now)]:
            del self.channels[name]
        for name in [n for n, s in self.streams.items() if s.life.gone(now)]:
            del self.streams[name]
        for stream in self.streams.values():
            if stream.edge_life is not None and stream.edge_life.gone(now):
                stream.edge, stream.edge_life = None, None

    def wall(self, now: float) -> float:
        """Epoch seconds for a clock reading."""
        return self._settings.wall(now)

    @property
    def activation_delay(self) -> float:
        """Seconds an asynchronous change takes."""
        return self._settings.activation_delay

    @property
    def deletion_delay(self) -> float:
        """Seconds a deletion takes."""
        return self._settings.effective_deletion_delay

    @staticmethod
    def new_version() -> str:
        """A fresh resource version."""
        return Ids.version()

    def _arn(self, kind: str, name: str, now: float) -> str:
        millis = self._ids.arn_millis(self._settings.wall(now))
        return f"arn:aws:kinesisvideo:{self.region}:{self.account}:{kind}/{name}/{millis}"

    def _start_deletion(self, life: Lifecycle, now: float) -> None:
        life.gone_at = now + self._settings.effective_deletion_delay

    def channel(self, name: str | None, arn: str | None) -> Channel:
        if name is None and arn is None:
            raise ServiceError(_INVALID, "Either ChannelName or ChannelARN must be specified")
        found = self.channels.get(name) if name is not None else None
        if arn is not None:
            by_arn = next((c for c in self.channels.values() if c.arn == arn), None)
            if found is not None and found is not by_arn:
                raise ServiceError(_INVALID, "ChannelName and ChannelARN refer to different channels")
            found = by_arn
        if found is None:
            raise ServiceError(_NOT_FOUND, "The signaling channel does not exist")
        return found

    def _channel_info(self, channel: Channel, now: float) -> Params:
        info: Params = {
            "ChannelName": channel.name,
            "ChannelARN": channel.arn,
            "ChannelType": channel.channel_type,
            "ChannelStatus": channel.life.observe(now),
            "CreationTime": channel.created,
            "Version": channel.version,
        }
        if channel.channel_type == "SINGLE_MASTER":
            info["SingleMasterConfiguration"] = {"MessageTtlSeconds": channel.message_ttl}
        return info

    def create_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """CreateSignalingChannel: CREATING, then ACTIVE after the activation delay."""
        name = req_str(params, "ChannelName")
        channel_type = opt_str(params, "ChannelType") or "SINGLE_MASTER"
        if channel_type != "SINGLE_MASTER":
            raise ServiceError(_INVALID, "ChannelType: SINGLE_MASTER is the only supported channel type")
        if name in self.channels:
            raise ServiceError(_IN_USE, "A signaling channel with this name already exists")
        if len(self.channels) >= self._settings.channel_limit:
            raise ServiceError(
                "AccountChannelLimitExceededException",
                "The account has reached its limit of signaling channels in this region",
            )
        config = opt_struct(params, "SingleMasterConfiguration") or {}
        channel = Channel(
            name=name,
            arn=self._arn("channel", name, ctx.now),
            channel_type=channel_type,
            message_ttl=opt_int(config, "MessageTtlSeconds") or _DEFAULT_TTL,
            version=Ids.version(),
            created=self._settings.wall(ctx.now),
            life=Lifecycle.created(ctx.now, self._settings.activation_delay),
            endpoint_id=Ids.short(),
        )
        _merge_tags(channel.tags, tag_list(params, "Tags"))
        self.channels[name] = channel
        return {"ChannelARN": channel.arn}

    def describe_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """DescribeSignalingChannel, by name or ARN."""
        channel = self.channel(opt_str(params, "ChannelName"), opt_str(params, "ChannelARN"))
        return {"ChannelInfo": self._channel_info(channel, ctx.now)}

    def list_signaling_channels(self, ctx: Context, params: Params) -> Params:
        """ListSignalingChannels, sorted by name, with BEGINS_WITH filtering and pagination."""
        chunk, token = _page_by_name(list(self.channels.values()), params, "ChannelNameCondition", 500)
        return {"ChannelInfoList": [self._channel_info(c, ctx.now) for c in chunk], "NextToken": token}

    def update_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """UpdateSignalingChannel: needs the current version and an ACTIVE channel; UPDATING for a while."""
        channel = self.channel(None, req_str(params, "ChannelARN"))
        if channel.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The signaling channel is not in the ACTIVE state")
        if req_str(params, "CurrentVersion") != channel.version:
            raise ServiceError(
                "VersionMismatchException", "CurrentVersion is not the channel's latest version"
            )
        config = opt_struct(params, "SingleMasterConfiguration") or {}
        ttl = opt_int(config, "MessageTtlSeconds")
        if ttl is not None:
            channel.message_ttl = ttl
        channel.version = Ids.version()
        channel.life.busy_until = ctx.now + self._settings.activation_delay
        channel.life.changed()
        return {}

    def delete_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """DeleteSignalingChannel: DELETING, then gone after the deletion delay."""
        channel = self.channel(None, req_str(params, "ChannelARN"))
        version = opt_str(params, "CurrentVersion")
        if version is not None and version != channel.version:
            raise ServiceError(
                "VersionMismatchException", "CurrentVersion is not the channel's latest version"
            )
        if channel.life.gone_at is not None:
            raise ServiceError(_IN_USE, "The signaling channel is already being deleted")
        self._start_deletion(channel.life, ctx.now)
        self.purge(ctx.now)
        return {}

    def get_signaling_channel_endpoint(self, ctx: Context, params: Params) -> Params:
        """GetSignalingChannelEndpoint: per-role, per-protocol URLs on this server.

        As on AWS, the WSS endpoint differs by role (`m-` for MASTER, `v-` for VIEWER, the same
        hex id), HTTPS is the channel's `r-` endpoint where GetIceServerConfig answers, and WEBRTC
        (`w-`, where JoinStorageSession and JoinStorageSessionAsViewer answer; the AWS samples ask
        for it in both roles) needs media storage enabled on the channel. Paths are
        `<url>/signaling/<prefix>-<id>`; the channel must be ACTIVE.
        """
        channel = self.channel(None, req_str(params, "ChannelARN"))
        if channel.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The signaling channel is not in the ACTIVE state")
        config = opt_struct(params, "SingleMasterChannelEndpointConfiguration") or {}
        protocols = str_list(config, "Protocols") or ["WSS", "HTTPS"]
        role = opt_str(config, "Role") or "MASTER"
        base = self._settings.base_url
        endpoints: list[Params] = []
        for protocol in dict.fromkeys(protocols):
            if protocol == "WEBRTC":
                storage = channel.media_storage or {}
                if storage.get("Status") != "ENABLED":
                    raise ServiceError(
                        _INVALID, "The WEBRTC protocol needs media storage enabled on the signaling channel"
                    )
                prefix = "w"
            elif protocol == "HTTPS":
                prefix = "r"
            else:
                prefix = "m" if role == "MASTER" else "v"
            path = f"{SIGNALING_PREFIX}{prefix}-{channel.endpoint_id}"
            url = base + path if protocol != "WSS" else "ws" + base.removeprefix("http") + path
            endpoints.append({"Protocol": protocol, "ResourceEndpoint": url})
        return {"ResourceEndpointList": endpoints}

    def _signaling_channel(self, ctx: Context, params: Params) -> Channel:
        """The channel a kinesis-video-signaling call names, which must be served where it arrived.

        Its endpoints are handed out only once the channel is ACTIVE, so no state check here
        (the signaling API models no ResourceInUseException).
        """
        if ctx.signaling_endpoint is None:
            # What the service answers on its control-plane host (aws/aws-cli#5857): 403, as
            # for any request it cannot map to an operation there.
            raise ServiceError(
                "AccessDeniedException",
                "Unable to determine service/operation name to be authorized",
                status=403,
            )
        channel = self.channel(None, req_str(params, "ChannelARN"))
        if ctx.signaling_endpoint != f"r-{channel.endpoint_id}" or channel.life.gone_at is not None:
            raise ServiceError(_INVALID, "This signaling endpoint does not serve the channel")
        return channel

    def get_ice_server_config(self, ctx: Context, params: Params) -> Params:
        """GetIceServerConfig, answered only on the channel's own HTTPS signaling endpoint.

        On the control-plane URL it answers 403 AccessDeniedException, as the service does; on
        another channel's endpoint InvalidArgumentException (retrying cannot help either way).
        With a TURN server configured (`LocalEndpoint(turn_uris=..., turn_secret=...)`) it lists
        that server's URIs with credentials minted by coturn's shared-secret scheme, user name
        `<expiry>:<base64("v1:" + channel ARN)>` as AWS's; without one, two entries naming the
        endpoint's own STUN responder (AWS's shape, fresh credentials each call, no TURN URI where
        nothing listens). TTL 300 s unless `Ttl` asks otherwise.
        """
        channel = self._signaling_channel(ctx, params)
        ttl = opt_int(params, "Ttl") or _ICE_TTL
        expiry = int(self._settings.wall(ctx.now)) + ttl
        user_id = base64.b64encode(f"v1:{channel.arn}".encode()).decode("ascii")
        turn = self._settings.turn
        if turn is not None:
            username, password = turn.credentials(expiry, user_id)
            return {
                "IceServerList": [
                    {"Uris": list(turn.uris), "Username": username, "Password": password, "Ttl": ttl}
                ]
            }
        uris = [self._settings.stun_uri] if self._settings.stun_uri is not None else []
        servers: list[Params] = [
            {
                "Uris": uris,
                "Username": f"{expiry}:{user_id}",
                # Unused by STUN; fresh per call, as AWS's TURN passwords are.
                "Password": base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode("ascii"),
                "Ttl": ttl,
            }
            for _ in range(2)
        ]
        return {"IceServerList": servers}

    def send_alexa_offer_to_master(self, ctx: Context, params: Params) -> Params:
        """SendAlexaOfferToMaster: the offer goes to the channel's master over its signaling
        WebSocket (an SDP_OFFER from `SenderClientId`), and the answer is the master's SDP_ANSWER
        to that client id, base64 as the master sent it.

        As the service does, the offer waits for a master that is not connected (it gets it when
        it connects) until the channel's MessageTtlSeconds run out on the emulator's clock; then,
        with no answer, ResourceNotFoundException (AWS documents no error of its own for it). The
        waiting happens after the state lock is released.
        """
        channel = self._signaling_channel(ctx, params)
        payload = req_str(params, "MessagePayload")
        sender = req_str(params, "SenderClientId")
        relay = self._settings.alexa_offers
        if relay is None:
            raise ServiceError(_NOT_FOUND, "No master is connected to the signaling channel")
        output: Params = {}
        arn, ttl = channel.arn, float(channel.message_ttl)

        def deliver() -> None:
            output["Answer"] = relay(arn, sender, payload, ttl)

        ctx.after.append(deliver)
        return output

    # Tags on channels and streams (TagResource works on both; TagStream on streams)

    def _tagged(self, arn: str) -> dict[str, str]:
        resources: list[Channel | Stream] = [*self.channels.values(), *self.streams.values()]
        for resource in resources:
            if resource.arn == arn:
                return resource.tags
        raise ServiceError(_NOT_FOUND, "The resource does not exist")

    def tag_resource(self, ctx: Context, params: Params) -> Params:
        """TagResource: add or overwrite tags (at most 50 per resource)."""
        _merge_tags(self._tagged(req_str(params, "ResourceARN")), tag_list(params, "Tags"))
        return {}

    def untag_resource(self, ctx: Context, params: Params) -> Params:
        """UntagResource: remove tags by key; unknown keys are ignored."""
        tags = self._tagged(req_str(params, "ResourceARN"))
        for key in str_list(params, "TagKeyList"):
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, ctx: Context, params: Params) -> Params:
        """ListTagsForResource: every tag in one page (there are at most 50)."""
        return {"Tags": dict(self._tagged(req_str(params, "ResourceARN")))}

    def stream(self, name: str | None, arn: str | None) -> Stream:
        if name is None and arn is None:
            raise ServiceError(_INVALID, "Either StreamName or StreamARN must be specified")
        found = self.streams.get(name) if name is not None else None
        if arn is not None:
            by_arn = next((s for s in self.streams.values() if s.arn == arn), None)
            if found is not None and found is not by_arn:
                raise ServiceError(_INVALID, "StreamName and StreamARN refer to different streams")
            found = by_arn
        if found is None:
            raise ServiceError(_NOT_FOUND, "The stream does not exist")
        return found

    def stream_of(self, params: Params) -> Stream:
        return self.stream(opt_str(params, "StreamName"), opt_str(params, "StreamARN"))

    def _stream_info(self, stream: Stream, now: float) -> Params:
        return {
            "DeviceName": stream.device_name,
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "MediaType": stream.media_type,
            "KmsKeyId": stream.kms_key_id,
            "Version": stream.version,
            "Status": stream.life.observe(now),
            "CreationTime": stream.created,
            "DataRetentionInHours": stream.retention,
        }

    def create_stream(self, ctx: Context, params: Params) -> Params:
        """CreateStream: CREATING, then ACTIVE after the activation delay."""
        name = req_str(params, "StreamName")
        if name in self.streams:
            raise ServiceError(_IN_USE, "A stream with this name already exists")
        if len(self.streams) >= self._settings.stream_limit:
            raise ServiceError(
                "AccountStreamLimitExceededException",
                "The account has reached its limit of streams in this region",
            )
        settings = self._settings
        stream = Stream(
            name=name,
            arn=self._arn("stream", name, ctx.now),
            device_name=opt_str(params, "DeviceName"),
            media_type=opt_str(params, "MediaType"),
            kms_key_id=opt_str(params, "KmsKeyId")
            or f"arn:aws:kms:{self.region}:{self.account}:alias/aws/kinesisvideo",
            retention=opt_int(params, "DataRetentionInHours") or 0,
            version=Ids.version(),
            created=settings.wall(ctx.now),
            life=Lifecycle.created(ctx.now, settings.activation_delay),
            endpoint_id=Ids.short(),
        )
        _merge_tags(stream.tags, str_map(params, "Tags"))
        self.streams[name] = stream
        return {"StreamARN": stream.arn}

    def describe_stream(self, ctx: Context, params: Params) -> Params:
        """DescribeStream, by name or ARN."""
        return {"StreamInfo": self._stream_info(self.stream_of(params), ctx.now)}

    def list_streams(self, ctx: Context, params: Params) -> Params:
        """ListStreams, sorted by name, with BEGINS_WITH filtering and pagination."""
        chunk, token = _page_by_name(list(self.streams.values()), params, "StreamNameCondition", 10000)
        return {"StreamInfoList": [self._stream_info(s, ctx.now) for s in chunk], "NextToken": token}

    def delete_stream(self, ctx: Context, params: Params) -> Params:
        """DeleteStream: DELETING, then gone after the deletion delay."""
        stream = self.stream(None, req_str(params, "StreamARN"))
        version = opt_str(params, "CurrentVersion")
        if version is not None and version != stream.version:
            raise ServiceError(
                "VersionMismatchException", "CurrentVersion is not the stream's latest version"
            )
        if stream.life.gone_at is not None:
            raise ServiceError(_IN_USE, "The stream is already being deleted")
        self._start_deletion(stream.life, ctx.now)
        self.purge(ctx.now)
        return {}

    def get_data_endpoint(self, ctx: Context, params: Params) -> Params:
        """GetDataEndpoint: a URL on this server per stream and API name, as AWS has a host per API."""
        stream = self.stream_of(params)
        if stream.life.gone_at is not None:
            raise ServiceError(_NOT_FOUND, "The stream is being deleted")
        prefix = _DATA_ENDPOINT_PREFIX.get(req_str(params, "APIName"), "d")
        return {"DataEndpoint": f"{self._settings.base_url}/data/{prefix}-{stream.endpoint_id}"}

    def update_stream(self, ctx: Context, params: Params) -> Params:
        """UpdateStream: DeviceName and MediaType; needs the current version and an ACTIVE stream."""
        stream = self.stream_of(params)
        self.check_version(stream, params, ctx.now)
        device = opt_str(params, "DeviceName")
        media_type = opt_str(params, "MediaType")
        if device is not None:
            stream.device_name = device
        if media_type is not None:
            stream.media_type = media_type
        stream.version = Ids.version()
        stream.life.busy_until = ctx.now + self._settings.activation_delay
        stream.life.changed()
        return {}

    def check_version(self, stream: Stream, params: Params, now: float) -> None:
        """The checks every stream update shares: ACTIVE, then CurrentVersion."""
        if stream.life.status(now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The stream is not in the ACTIVE state")
        if req_str(params, "CurrentVersion") != stream.version:
            raise ServiceError(
                "VersionMismatchException", "CurrentVersion is not the stream's latest version"
            )

    def update_data_retention(self, ctx: Context, params: Params) -> Params:
        """UpdateDataRetention: needs the current version and an ACTIVE stream."""
        stream = self.stream_of(params)
        if stream.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The stream is not in the ACTIVE state")
        if req_str(params, "CurrentVersion") != stream.version:
            raise ServiceError(
                "VersionMismatchException", "CurrentVersion is not the stream's latest version"
            )
        change = req_int(params, "DataRetentionChangeInHours")
        if req_str(params, "Operation") == "DECREASE_DATA_RETENTION":
            change = -change
        if stream.retention + change < 0:
            raise ServiceError(_INVALID, "DataRetentionChangeInHours would make the retention negative")
        stream.retention += change
        stream.version = Ids.version()
        stream.life.changed()
        return {}

    def tag_stream(self, ctx: Context, params: Params) -> Params:
        """TagStream: add or overwrite tags (at most 50 per stream)."""
        _merge_tags(self.stream_of(params).tags, str_map(params, "Tags"))
        return {}

    def untag_stream(self, ctx: Context, params: Params) -> Params:
        """UntagStream: remove tags by key; unknown keys are ignored."""
        tags = self.stream_of(params).tags
        for key in str_list(params, "TagKeyList"):
            tags.pop(key, None)
        return {}

    def list_tags_for_stream(self, ctx: Context, params: Params) -> Params:
        """ListTagsForStream: every tag in one page (there are at most 50)."""
        return {"Tags": dict(self.stream_of(params).tags)}
