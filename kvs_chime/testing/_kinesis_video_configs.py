"""Kinesis Video Streams configurations: media storage on channels; notification, image generation,
storage tier, mapped resources and edge configuration on streams.

Each reads and changes the resources `KinesisVideo` owns, with the same lock held.
"""

from __future__ import annotations

from ._backend import Context, Handler, Lifecycle, page
from ._errors import ServiceError
from ._kinesis_video import KinesisVideo
from ._params import opt_int, opt_str, opt_struct, req_str
from ._types import Params

_INVALID = "InvalidArgumentException"
_NOT_FOUND = "ResourceNotFoundException"
_IN_USE = "ResourceInUseException"
_NO_RETENTION = "NoDataRetentionException"
_EDGE_NOT_FOUND = "StreamEdgeConfigurationNotFoundException"


class KinesisVideoConfigurations:
    """The Describe*/Update* configuration operations and the edge configuration life cycle."""

    def __init__(self, state: KinesisVideo) -> None:
        self._state = state

    def handlers(self) -> dict[str, Handler]:
        """The emulated kinesisvideo configuration operations."""
        return {
            "DescribeMediaStorageConfiguration": self.describe_media_storage,
            "UpdateMediaStorageConfiguration": self.update_media_storage,
            "DescribeNotificationConfiguration": self.describe_notification,
            "UpdateNotificationConfiguration": self.update_notification,
            "DescribeImageGenerationConfiguration": self.describe_image_generation,
            "UpdateImageGenerationConfiguration": self.update_image_generation,
            "DescribeStreamStorageConfiguration": self.describe_stream_storage,
            "UpdateStreamStorageConfiguration": self.update_stream_storage,
            "DescribeMappedResourceConfiguration": self.describe_mapped_resources,
            "StartEdgeConfigurationUpdate": self.start_edge_update,
            "DescribeEdgeConfiguration": self.describe_edge,
            "DeleteEdgeConfiguration": self.delete_edge,
            "ListEdgeAgentConfigurations": self.list_edge_agents,
        }

    # Media storage (a channel's media ingested into a stream: the WEBRTC endpoint needs it)

    def describe_media_storage(self, ctx: Context, params: Params) -> Params:
        """DescribeMediaStorageConfiguration: DISABLED until an update enables it."""
        channel = self._state.channel(opt_str(params, "ChannelName"), opt_str(params, "ChannelARN"))
        return {"MediaStorageConfiguration": dict(channel.media_storage or {"Status": "DISABLED"})}

    def update_media_storage(self, ctx: Context, params: Params) -> Params:
        """UpdateMediaStorageConfiguration: ENABLED needs an existing stream with data retention,
        not already mapped to another channel; the channel must be ACTIVE."""
        channel = self._state.channel(None, req_str(params, "ChannelARN"))
        if channel.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The signaling channel is not in the ACTIVE state")
        config = opt_struct(params, "MediaStorageConfiguration") or {}
        status = req_str(config, "Status")
        stream_arn = opt_str(config, "StreamARN")
        if status == "ENABLED":
            if stream_arn is None:
                raise ServiceError(_INVALID, "StreamARN is required when Status is ENABLED")
            stream = self._state.stream(None, stream_arn)
            if stream.retention == 0:
                raise ServiceError(_NO_RETENTION, "The stream's data retention in hours is zero")
            for other in self._state.channels.values():
                mapped = (other.media_storage or {}).get("StreamARN")
                if other is not channel and mapped == stream_arn:
                    raise ServiceError(_IN_USE, "The stream is already mapped to another signaling channel")
        channel.media_storage = {"Status": status, **({"StreamARN": stream_arn} if stream_arn else {})}
        return {}

    def describe_mapped_resources(self, ctx: Context, params: Params) -> Params:
        """DescribeMappedResourceConfiguration: the channels whose media storage is this stream."""
        stream = self._state.stream_of(params)
        channels = sorted(
            (
                c
                for c in self._state.channels.values()
                if (c.media_storage or {}).get("StreamARN") == stream.arn
            ),
            key=lambda c: c.arn,
        )
        chunk, token = page(
            channels,
            lambda c: c.arn,
            opt_int(params, "MaxResults") or 1,
            opt_str(params, "NextToken"),
            _INVALID,
        )
        items: list[Params] = [{"Type": "SIGNALING_CHANNEL", "ARN": c.arn} for c in chunk]
        return {"MappedResourceConfigurationList": items, "NextToken": token}

    # Stream configurations

    def describe_notification(self, ctx: Context, params: Params) -> Params:
        """DescribeNotificationConfiguration: absent until set."""
        stream = self._state.stream_of(params)
        return {"NotificationConfiguration": stream.notification}

    def update_notification(self, ctx: Context, params: Params) -> Params:
        """UpdateNotificationConfiguration: the stream must be ACTIVE."""
        stream = self._state.stream_of(params)
        self._active(stream.life, ctx.now)
        stream.notification = opt_struct(params, "NotificationConfiguration")
        return {}

    def describe_image_generation(self, ctx: Context, params: Params) -> Params:
        """DescribeImageGenerationConfiguration: absent until set."""
        stream = self._state.stream_of(params)
        return {"ImageGenerationConfiguration": stream.image_generation}

    def update_image_generation(self, ctx: Context, params: Params) -> Params:
        """UpdateImageGenerationConfiguration: an ACTIVE stream with data retention (images need stored media)."""
        stream = self._state.stream_of(params)
        self._active(stream.life, ctx.now)
        config = opt_struct(params, "ImageGenerationConfiguration")
        if config is not None and config.get("Status") == "ENABLED" and stream.retention == 0:
            raise ServiceError(_NO_RETENTION, "The stream's data retention in hours is zero")
        stream.image_generation = config
        return {}

    def describe_stream_storage(self, ctx: Context, params: Params) -> Params:
        """DescribeStreamStorageConfiguration: HOT until changed."""
        stream = self._state.stream_of(params)
        return {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "StreamStorageConfiguration": {"DefaultStorageTier": stream.storage_tier},
        }

    def update_stream_storage(self, ctx: Context, params: Params) -> Params:
        """UpdateStreamStorageConfiguration: versioned like every stream update."""
        stream = self._state.stream_of(params)
        self._state.check_version(stream, params, ctx.now)
        config = opt_struct(params, "StreamStorageConfiguration") or {}
        stream.storage_tier = req_str(config, "DefaultStorageTier")
        stream.version = self._state.new_version()
        stream.life.changed()
        return {}

    @staticmethod
    def _active(life: Lifecycle, now: float) -> None:
        if life.status(now) != "ACTIVE":
            raise ServiceError(_IN_USE, "The stream is not in the ACTIVE state")

    # Edge configuration: SYNCING -> IN_SYNC after the activation delay; DELETING -> gone.

    def _edge_view(self, ctx: Context, params: Params, *, agent: bool) -> Params:
        stream = self._state.stream_of(params)
        edge, life = stream.edge, stream.edge_life
        if edge is None or life is None or life.gone(ctx.now):
            raise ServiceError(_EDGE_NOT_FOUND, "The stream has no edge configuration")
        view: Params = {
            "StreamName": stream.name,
            "StreamARN": stream.arn,
            "CreationTime": edge["CreationTime"],
            "LastUpdatedTime": edge["LastUpdatedTime"],
            "SyncStatus": life.status(ctx.now, creating="SYNCING", active="IN_SYNC", updating="SYNCING"),
            "EdgeConfig": edge["EdgeConfig"],
        }
        if agent:
            view["EdgeAgentStatus"] = {}
        return view

    def start_edge_update(self, ctx: Context, params: Params) -> Params:
        """StartEdgeConfigurationUpdate: a stream with data retention; refused while syncing or deleting."""
        stream = self._state.stream_of(params)
        if stream.retention == 0:
            raise ServiceError(_NO_RETENTION, "The stream's data retention in hours is zero")
        life = stream.edge_life
        if life is not None and not life.gone(ctx.now):
            status = life.status(ctx.now, creating="SYNCING", active="IN_SYNC", updating="SYNCING")
            if status != "IN_SYNC":
                raise ServiceError(_IN_USE, f"The edge configuration is {status}")
        wall = self._state.wall(ctx.now)
        created = stream.edge["CreationTime"] if stream.edge is not None and life is not None else wall
        stream.edge = {
            "EdgeConfig": opt_struct(params, "EdgeConfig") or {},
            "CreationTime": created,
            "LastUpdatedTime": wall,
        }
        stream.edge_life = Lifecycle.created(ctx.now, self._state.activation_delay)
        return self._edge_view(ctx, params, agent=False)

    def describe_edge(self, ctx: Context, params: Params) -> Params:
        """DescribeEdgeConfiguration: StreamEdgeConfigurationNotFoundException until one is started."""
        return self._edge_view(ctx, params, agent=True)

    def delete_edge(self, ctx: Context, params: Params) -> Params:
        """DeleteEdgeConfiguration: DELETING, then gone after the deletion delay."""
        stream = self._state.stream_of(params)
        life = stream.edge_life
        if stream.edge is None or life is None or life.gone(ctx.now):
            raise ServiceError(_EDGE_NOT_FOUND, "The stream has no edge configuration")
        if life.gone_at is None:
            life.gone_at = ctx.now + self._state.deletion_delay
        return {}

    def list_edge_agents(self, ctx: Context, params: Params) -> Params:
        """ListEdgeAgentConfigurations: the edge configurations of one hub device, by stream name."""
        hub = req_str(params, "HubDeviceArn")
        streams = sorted(
            (
                s
                for s in self._state.streams.values()
                if s.edge is not None
                and s.edge_life is not None
                and not s.edge_life.gone(ctx.now)
                and (opt_struct(s.edge, "EdgeConfig") or {}).get("HubDeviceArn") == hub
            ),
            key=lambda s: s.name,
        )
        chunk, token = page(
            streams,
            lambda s: s.name,
            opt_int(params, "MaxResults") or 10,
            opt_str(params, "NextToken"),
            _INVALID,
        )
        configs = [self._edge_view(ctx, {"StreamARN": s.arn}, agent=False) for s in chunk]
        return {"EdgeConfigs": configs, "NextToken": token}
