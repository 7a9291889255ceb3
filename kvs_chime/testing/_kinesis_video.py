"""Kinesis Video Streams control plane: signaling channels and streams, plus GetIceServerConfig."""

from __future__ import annotations

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


@attrs.define
class _Channel:
    name: str
    arn: str
    channel_type: str
    message_ttl: int
    version: str
    created: float
    life: Lifecycle
    endpoint_id: str
    tags: dict[str, str] = attrs.field(factory=dict[str, str])


@attrs.define
class _Stream:
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

    def __init__(self, settings: Settings, ids: Ids) -> None:
        self._settings = settings
        self._ids = ids
        self._channels: dict[str, _Channel] = {}
        self._streams: dict[str, _Stream] = {}

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
        return {"GetIceServerConfig": self.get_ice_server_config}

    def purge(self, now: float) -> None:
        """Forget resources whose deletion has completed."""
        for name in [n for n, c in self._channels.items() if c.life.gone(now)]:
            del self._channels[name]
        for name in [n for n, s in self._streams.items() if s.life.gone(now)]:
            del self._streams[name]

    def _arn(self, kind: str, name: str, now: float) -> str:
        millis = self._ids.arn_millis(self._settings.wall(now))
        return (
            f"arn:aws:kinesisvideo:{self._settings.region}:{self._settings.account_id}:{kind}/{name}/{millis}"
        )

    def _start_deletion(self, life: Lifecycle, now: float) -> None:
        life.gone_at = now + self._settings.effective_deletion_delay

    def _channel(self, name: str | None, arn: str | None) -> _Channel:
        if name is None and arn is None:
            raise ServiceError(_INVALID, "Either ChannelName or ChannelARN must be specified")
        found = self._channels.get(name) if name is not None else None
        if arn is not None:
            by_arn = next((c for c in self._channels.values() if c.arn == arn), None)
            if found is not None and found is not by_arn:
                raise ServiceError(_INVALID, "ChannelName and ChannelARN refer to different channels")
            found = by_arn
        if found is None:
            raise ServiceError(_NOT_FOUND, "The signaling channel does not exist")
        return found

    def _channel_info(self, channel: _Channel, now: float) -> Params:
        info: Params = {
            "ChannelName": channel.name,
            "ChannelARN": channel.arn,
            "ChannelType": channel.channel_type,
            "ChannelStatus": channel.life.status(now),
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
        if name in self._channels:
            raise ServiceError(_IN_USE, "A signaling channel with this name already exists")
        if len(self._channels) >= self._settings.channel_limit:
            raise ServiceError(
                "AccountChannelLimitExceededException",
                "The account has reached its limit of signaling channels in this region",
            )
        config = opt_struct(params, "SingleMasterConfiguration") or {}
        channel = _Channel(
            name=name,
            arn=self._arn("channel", name, ctx.now),
            channel_type=channel_type,
            message_ttl=opt_int(config, "MessageTtlSeconds") or _DEFAULT_TTL,
            version=Ids.version(),
            created=self._settings.wall(ctx.now),
            life=Lifecycle(ready_at=ctx.now + self._settings.activation_delay),
            endpoint_id=f"r-{Ids.short()}",
        )
        _merge_tags(channel.tags, tag_list(params, "Tags"))
        self._channels[name] = channel
        return {"ChannelARN": channel.arn}

    def describe_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """DescribeSignalingChannel, by name or ARN."""
        channel = self._channel(opt_str(params, "ChannelName"), opt_str(params, "ChannelARN"))
        return {"ChannelInfo": self._channel_info(channel, ctx.now)}

    def list_signaling_channels(self, ctx: Context, params: Params) -> Params:
        """ListSignalingChannels, sorted by name, with BEGINS_WITH filtering and pagination."""
        chunk, token = _page_by_name(list(self._channels.values()), params, "ChannelNameCondition", 500)
        return {"ChannelInfoList": [self._channel_info(c, ctx.now) for c in chunk], "NextToken": token}

    def update_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """UpdateSignalingChannel: needs the current version and an ACTIVE channel; UPDATING for a while."""
        channel = self._channel(None, req_str(params, "ChannelARN"))
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
        return {}

    def delete_signaling_channel(self, ctx: Context, params: Params) -> Params:
        """DeleteSignalingChannel: DELETING, then gone after the deletion delay."""
        channel = self._channel(None, req_str(params, "ChannelARN"))
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
        """GetSignalingChannelEndpoint: per-channel URLs on this server for WSS and HTTPS.

        The HTTPS endpoint is `<url>/signaling/<endpoint-id>`, where GetIceServerConfig answers.
        WEBRTC needs a channel configured for media ingestion, which is not emulated, so it answers
        InvalidArgumentException as the service does for such channels.
        """
        channel = self._channel(None, req_str(params, "ChannelARN"))
        if channel.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The signaling channel is not in the ACTIVE state")
        config = opt_struct(params, "SingleMasterChannelEndpointConfiguration") or {}
        protocols = str_list(config, "Protocols") or ["WSS", "HTTPS"]
        base = self._settings.base_url
        path = f"{SIGNALING_PREFIX}{channel.endpoint_id}"
        endpoints: list[Params] = []
        for protocol in dict.fromkeys(protocols):
            if protocol == "WEBRTC":
                raise ServiceError(_INVALID, "The signaling channel is not configured for WebRTC ingestion")
            url = base + path if protocol == "HTTPS" else "ws" + base.removeprefix("http") + path
            endpoints.append({"Protocol": protocol, "ResourceEndpoint": url})
        return {"ResourceEndpointList": endpoints}

    def get_ice_server_config(self, ctx: Context, params: Params) -> Params:
        """GetIceServerConfig, answered only on the channel's own HTTPS signaling endpoint.

        Called elsewhere (on the control-plane URL, or on another channel's endpoint) it answers
        InvalidArgumentException: the request cannot be served there, and retrying cannot help.
        """
        channel = self._channel(None, req_str(params, "ChannelARN"))
        if ctx.signaling_endpoint is None:
            raise ServiceError(
                _INVALID,
                "GetIceServerConfig must be called on the channel's HTTPS endpoint "
                "(see GetSignalingChannelEndpoint)",
            )
        if channel.endpoint_id != ctx.signaling_endpoint or channel.life.gone_at is not None:
            raise ServiceError(_INVALID, "This signaling endpoint does not serve the channel")
        expiry = int(self._settings.wall(ctx.now)) + _ICE_TTL
        servers: list[Params] = []
        for port in (3478, 5349):
            scheme = "turn" if port == 3478 else "turns"
            servers.append(
                {
                    "Uris": [
                        f"{scheme}:127.0.0.1:{port}?transport=udp",
                        f"{scheme}:127.0.0.1:{port}?transport=tcp",
                    ],
                    "Username": f"{expiry}-{uuid.uuid4().hex[:12]}",
                    "Password": uuid.uuid4().hex,
                    "Ttl": _ICE_TTL,
                }
            )
        return {"IceServerList": servers}

    # Tags on channels and streams (TagResource works on both; TagStream on streams)

    def _tagged(self, arn: str) -> dict[str, str]:
        resources: list[_Channel | _Stream] = [*self._channels.values(), *self._streams.values()]
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

    def _stream(self, name: str | None, arn: str | None) -> _Stream:
        if name is None and arn is None:
            raise ServiceError(_INVALID, "Either StreamName or StreamARN must be specified")
        found = self._streams.get(name) if name is not None else None
        if arn is not None:
            by_arn = next((s for s in self._streams.values() if s.arn == arn), None)
            if found is not None and found is not by_arn:
                raise ServiceError(_INVALID, "StreamName and StreamARN refer to different streams")
            found = by_arn
        if found is None:
            raise ServiceError(_NOT_FOUND, "The stream does not exist")
        return found

    def _stream_of(self, params: Params) -> _Stream:
        return self._stream(opt_str(params, "StreamName"), opt_str(params, "StreamARN"))

    def _stream_info(self, stream: _Stream, now: float) -> Params:
        return {
            "DeviceName": stream.device_name,
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "MediaType": stream.media_type,
            "KmsKeyId": stream.kms_key_id,
            "Version": stream.version,
            "Status": stream.life.status(now),
            "CreationTime": stream.created,
            "DataRetentionInHours": stream.retention,
        }

    def create_stream(self, ctx: Context, params: Params) -> Params:
        """CreateStream: CREATING, then ACTIVE after the activation delay."""
        name = req_str(params, "StreamName")
        if name in self._streams:
            raise ServiceError(_IN_USE, "A stream with this name already exists")
        if len(self._streams) >= self._settings.stream_limit:
            raise ServiceError(
                "AccountStreamLimitExceededException",
                "The account has reached its limit of streams in this region",
            )
        settings = self._settings
        stream = _Stream(
            name=name,
            arn=self._arn("stream", name, ctx.now),
            device_name=opt_str(params, "DeviceName"),
            media_type=opt_str(params, "MediaType"),
            kms_key_id=opt_str(params, "KmsKeyId")
            or f"arn:aws:kms:{settings.region}:{settings.account_id}:alias/aws/kinesisvideo",
            retention=opt_int(params, "DataRetentionInHours") or 0,
            version=Ids.version(),
            created=settings.wall(ctx.now),
            life=Lifecycle(ready_at=ctx.now + settings.activation_delay),
            endpoint_id=f"s-{Ids.short()}",
        )
        _merge_tags(stream.tags, str_map(params, "Tags"))
        self._streams[name] = stream
        return {"StreamARN": stream.arn}

    def describe_stream(self, ctx: Context, params: Params) -> Params:
        """DescribeStream, by name or ARN."""
        return {"StreamInfo": self._stream_info(self._stream_of(params), ctx.now)}

    def list_streams(self, ctx: Context, params: Params) -> Params:
        """ListStreams, sorted by name, with BEGINS_WITH filtering and pagination."""
        chunk, token = _page_by_name(list(self._streams.values()), params, "StreamNameCondition", 10000)
        return {"StreamInfoList": [self._stream_info(s, ctx.now) for s in chunk], "NextToken": token}

    def delete_stream(self, ctx: Context, params: Params) -> Params:
        """DeleteStream: DELETING, then gone after the deletion delay."""
        stream = self._stream(None, req_str(params, "StreamARN"))
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
        """GetDataEndpoint: a per-stream URL on this server (the data plane itself is not emulated)."""
        stream = self._stream_of(params)
        if stream.life.gone_at is not None:
            raise ServiceError(_NOT_FOUND, "The stream is being deleted")
        return {"DataEndpoint": f"{self._settings.base_url}/data/{stream.endpoint_id}"}

    def update_data_retention(self, ctx: Context, params: Params) -> Params:
        """UpdateDataRetention: needs the current version and an ACTIVE stream."""
        stream = self._stream_of(params)
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
        return {}

    def tag_stream(self, ctx: Context, params: Params) -> Params:
        """TagStream: add or overwrite tags (at most 50 per stream)."""
        _merge_tags(self._stream_of(params).tags, str_map(params, "Tags"))
        return {}

    def untag_stream(self, ctx: Context, params: Params) -> Params:
        """UntagStream: remove tags by key; unknown keys are ignored."""
        tags = self._stream_of(params).tags
        for key in str_list(params, "TagKeyList"):
            tags.pop(key, None)
        return {}

    def list_tags_for_stream(self, ctx: Context, params: Params) -> Params:
        """ListTagsForStream: every tag in one page (there are at most 50)."""
        return {"Tags": dict(self._stream_of(params).tags)}
