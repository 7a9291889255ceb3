"""Chime SDK media pipelines: Kinesis Video Stream pools and media stream pipelines."""

from __future__ import annotations

import json
import re
import uuid

import attrs

from ._backend import Context, Handler, Lifecycle, Settings, page
from ._errors import ServiceError
from ._params import opt_int, opt_str, opt_struct, req_int, req_str, str_list, struct_list, tag_list
from ._types import Params

_BAD_REQUEST = "BadRequestException"
_NOT_FOUND = "NotFoundException"
_CONFLICT = "ConflictException"
_DEFAULT_PAGE = 100
_MEETING_ARN = re.compile(r"^arn:aws[a-z-]*:chime:[a-z0-9-]*:[0-9]{12}:meeting/[^/]+$")


@attrs.define
class _Pool:
    name: str
    pool_id: str
    arn: str
    region: str
    retention: int | None
    created: float
    updated: float
    life: Lifecycle
    tags: dict[str, str] = attrs.field(factory=dict[str, str])


@attrs.define
class _Pipeline:
    pipeline_id: str
    arn: str
    sources: list[Params]
    sinks: list[Params]
    created: float
    updated: float
    life: Lifecycle
    tags: dict[str, str] = attrs.field(factory=dict[str, str])


@attrs.frozen
class _Issued:
    fingerprint: str
    key: str
    answer: Params


def _fingerprint(params: Params) -> str:
    rest = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return json.dumps(rest, sort_keys=True, default=str)


class MediaPipelines:
    """In-memory state of one account and region; callers hold the backend lock."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pools: dict[str, _Pool] = {}
        self._pipelines: dict[str, _Pipeline] = {}
        self._tokens: dict[tuple[str, str], _Issued] = {}

    def handlers(self) -> dict[str, Handler]:
        """The emulated chime-sdk-media-pipelines operations."""
        return {
            "CreateMediaPipelineKinesisVideoStreamPool": self.create_pool,
            "GetMediaPipelineKinesisVideoStreamPool": self.get_pool,
            "ListMediaPipelineKinesisVideoStreamPools": self.list_pools,
            "UpdateMediaPipelineKinesisVideoStreamPool": self.update_pool,
            "DeleteMediaPipelineKinesisVideoStreamPool": self.delete_pool,
            "CreateMediaStreamPipeline": self.create_media_stream_pipeline,
            "GetMediaPipeline": self.get_media_pipeline,
            "ListMediaPipelines": self.list_media_pipelines,
            "DeleteMediaPipeline": self.delete_media_pipeline,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def purge(self, now: float) -> None:
        """Forget resources whose deletion has completed."""
        for key in [k for k, p in self._pipelines.items() if p.life.gone(now)]:
            del self._pipelines[key]
        for key in [k for k, p in self._pools.items() if p.life.gone(now)]:
            del self._pools[key]

    def _arn(self, resource: str) -> str:
        return f"arn:aws:chime:{self._settings.region}:{self._settings.account_id}:{resource}"

    def _replay(self, operation: str, params: Params) -> _Issued | None:
        """The earlier answer to the same ClientRequestToken, if the parameters are the same too.

        The media pipelines API models no IdempotentParameterMismatch error; reusing a token with
        other parameters answers BadRequestException.
        """
        token = opt_str(params, "ClientRequestToken")
        if token is None:
            return None
        issued = self._tokens.get((operation, token))
        if issued is not None and issued.fingerprint != _fingerprint(params):
            raise ServiceError(_BAD_REQUEST, "ClientRequestToken was already used with different parameters")
        return issued

    def _remember(self, operation: str, params: Params, key: str, answer: Params) -> None:
        token = opt_str(params, "ClientRequestToken")
        if token is not None:
            self._tokens[(operation, token)] = _Issued(_fingerprint(params), key, answer)

    def _pool(self, identifier: str) -> _Pool:
        pool = self._pools.get(identifier) or next(
            (p for p in self._pools.values() if p.arn == identifier), None
        )
        if pool is None:
            raise ServiceError(_NOT_FOUND, "The Kinesis Video Stream pool does not exist")
        return pool

    def _pool_size(self, pool: _Pool) -> int:
        return sum(
            req_int(sink, "ReservedStreamCapacity")
            for pipeline in self._pipelines.values()
            for sink in pipeline.sinks
            if sink.get("SinkArn") == pool.arn
        )

    def _pool_configuration(self, pool: _Pool, now: float) -> Params:
        stream_configuration: Params = {"Region": pool.region, "DataRetentionInHours": pool.retention}
        return {
            "KinesisVideoStreamPoolConfiguration": {
                "PoolArn": pool.arn,
                "PoolName": pool.name,
                "PoolId": pool.pool_id,
                "PoolStatus": pool.life.status(now),
                "PoolSize": self._pool_size(pool),
                "StreamConfiguration": stream_configuration,
                "CreatedTimestamp": pool.created,
                "UpdatedTimestamp": pool.updated,
            }
        }

    def create_pool(self, ctx: Context, params: Params) -> Params:
        """CreateMediaPipelineKinesisVideoStreamPool: CREATING, then ACTIVE; names are unique."""
        operation = "CreateMediaPipelineKinesisVideoStreamPool"
        issued = self._replay(operation, params)
        if issued is not None:
            pool = next((p for p in self._pools.values() if p.pool_id == issued.key), None)
            return self._pool_configuration(pool, ctx.now) if pool is not None else issued.answer
        name = req_str(params, "PoolName")
        if name in self._pools:
            raise ServiceError(_CONFLICT, "A Kinesis Video Stream pool with this name already exists")
        stream_configuration = opt_struct(params, "StreamConfiguration") or {}
        wall = self._settings.wall(ctx.now)
        pool = _Pool(
            name=name,
            pool_id=str(uuid.uuid4()),
            arn=self._arn(f"media-pipeline-kinesis-video-stream-pool/{name}"),
            region=req_str(stream_configuration, "Region"),
            retention=opt_int(stream_configuration, "DataRetentionInHours"),
            created=wall,
            updated=wall,
            life=Lifecycle(ready_at=ctx.now + self._settings.activation_delay),
            tags=tag_list(params, "Tags"),
        )
        self._pools[name] = pool
        answer = self._pool_configuration(pool, ctx.now)
        self._remember(operation, params, pool.pool_id, answer)
        return answer

    def get_pool(self, ctx: Context, params: Params) -> Params:
        """GetMediaPipelineKinesisVideoStreamPool, by name or ARN."""
        return self._pool_configuration(self._pool(req_str(params, "Identifier")), ctx.now)

    def list_pools(self, ctx: Context, params: Params) -> Params:
        """ListMediaPipelineKinesisVideoStreamPools, sorted by name, with pagination."""
        pools = sorted(self._pools.values(), key=lambda p: p.name)
        chunk, token = page(
            pools,
            lambda p: p.name,
            opt_int(params, "MaxResults") or _DEFAULT_PAGE,
            opt_str(params, "NextToken"),
            _BAD_REQUEST,
        )
        summaries: list[Params] = [{"PoolName": p.name, "PoolId": p.pool_id, "PoolArn": p.arn} for p in chunk]
        return {"KinesisVideoStreamPools": summaries, "NextToken": token}

    def update_pool(self, ctx: Context, params: Params) -> Params:
        """UpdateMediaPipelineKinesisVideoStreamPool: an ACTIVE pool becomes UPDATING for a while."""
        pool = self._pool(req_str(params, "Identifier"))
        if pool.life.status(ctx.now) != "ACTIVE":
            raise ServiceError(_CONFLICT, "The Kinesis Video Stream pool is not ACTIVE")
        update = opt_struct(params, "StreamConfiguration") or {}
        retention = opt_int(update, "DataRetentionInHours")
        if retention is not None:
            pool.retention = retention
        pool.updated = self._settings.wall(ctx.now)
        pool.life.busy_until = ctx.now + self._settings.activation_delay
        return self._pool_configuration(pool, ctx.now)

    def delete_pool(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaPipelineKinesisVideoStreamPool: refused (ConflictException) while a pipeline uses it."""
        pool = self._pool(req_str(params, "Identifier"))
        if pool.life.gone_at is not None:
            raise ServiceError(_CONFLICT, "The Kinesis Video Stream pool is already being deleted")
        if any(sink.get("SinkArn") == pool.arn for p in self._pipelines.values() for sink in p.sinks):
            raise ServiceError(_CONFLICT, "The Kinesis Video Stream pool is in use by a media pipeline")
        pool.life.gone_at = ctx.now + self._settings.effective_deletion_delay
        pool.updated = self._settings.wall(ctx.now)
        self.purge(ctx.now)
        return {}

    def _pipeline(self, pipeline_id: str) -> _Pipeline:
        pipeline = self._pipelines.get(pipeline_id.lower())
        if pipeline is None:
            raise ServiceError(_NOT_FOUND, "The media pipeline does not exist")
        return pipeline

    def _pipeline_view(self, pipeline: _Pipeline, now: float) -> Params:
        return {
            "MediaPipelineId": pipeline.pipeline_id,
            "MediaPipelineArn": pipeline.arn,
            "CreatedTimestamp": pipeline.created,
            "UpdatedTimestamp": pipeline.updated,
            "Status": pipeline.life.status(
                now, creating="Initializing", active="InProgress", updating="InProgress", deleting="Stopping"
            ),
            "Sources": pipeline.sources,
            "Sinks": pipeline.sinks,
        }

    def create_media_stream_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaStreamPipeline: Initializing, then InProgress; sinks must be ACTIVE pools.

        Sources must be Chime SDK meeting ARNs (`arn:aws:chime:<region>:<account>:meeting/<id>`);
        meetings themselves are not emulated, so any such ARN is accepted.
        """
        operation = "CreateMediaStreamPipeline"
        issued = self._replay(operation, params)
        if issued is not None:
            pipeline = self._pipelines.get(issued.key)
            if pipeline is not None:
                return {"MediaStreamPipeline": self._pipeline_view(pipeline, ctx.now)}
            return issued.answer
        sources = struct_list(params, "Sources")
        for i, source in enumerate(sources):
            if _MEETING_ARN.search(req_str(source, "SourceArn")) is None:
                raise ServiceError(
                    _BAD_REQUEST, f"Sources[{i}].SourceArn is not an Amazon Chime SDK meeting ARN"
                )
        sinks = struct_list(params, "Sinks")
        for i, sink in enumerate(sinks):
            pool = next((p for p in self._pools.values() if p.arn == req_str(sink, "SinkArn")), None)
            if pool is None:
                raise ServiceError(
                    _NOT_FOUND, f"Sinks[{i}].SinkArn: the Kinesis Video Stream pool does not exist"
                )
            if pool.life.status(ctx.now) != "ACTIVE":
                raise ServiceError(
                    _BAD_REQUEST, f"Sinks[{i}].SinkArn: the Kinesis Video Stream pool is not ACTIVE"
                )
        pipeline_id = str(uuid.uuid4())
        wall = self._settings.wall(ctx.now)
        pipeline = _Pipeline(
            pipeline_id=pipeline_id,
            arn=self._arn(f"media-pipeline/{pipeline_id}"),
            sources=sources,
            sinks=sinks,
            created=wall,
            updated=wall,
            life=Lifecycle(ready_at=ctx.now + self._settings.activation_delay),
            tags=tag_list(params, "Tags"),
        )
        self._pipelines[pipeline_id] = pipeline
        answer: Params = {"MediaStreamPipeline": self._pipeline_view(pipeline, ctx.now)}
        self._remember(operation, params, pipeline_id, answer)
        return answer

    def get_media_pipeline(self, ctx: Context, params: Params) -> Params:
        """GetMediaPipeline: a media stream pipeline under MediaPipeline.MediaStreamPipeline."""
        pipeline = self._pipeline(req_str(params, "MediaPipelineId"))
        return {"MediaPipeline": {"MediaStreamPipeline": self._pipeline_view(pipeline, ctx.now)}}

    def list_media_pipelines(self, ctx: Context, params: Params) -> Params:
        """ListMediaPipelines, in creation order, with pagination."""
        pipelines = sorted(self._pipelines.values(), key=lambda p: (p.created, p.pipeline_id))
        ordered = [(f"{p.created:020.6f}{p.pipeline_id}", p) for p in pipelines]
        chunk, token = page(
            ordered,
            lambda item: item[0],
            opt_int(params, "MaxResults") or _DEFAULT_PAGE,
            opt_str(params, "NextToken"),
            _BAD_REQUEST,
        )
        summaries: list[Params] = [
            {"MediaPipelineId": p.pipeline_id, "MediaPipelineArn": p.arn} for _, p in chunk
        ]
        return {"MediaPipelines": summaries, "NextToken": token}

    def delete_media_pipeline(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaPipeline: Stopping, then gone after the deletion delay."""
        pipeline = self._pipeline(req_str(params, "MediaPipelineId"))
        if pipeline.life.gone_at is not None:
            raise ServiceError(_CONFLICT, "The media pipeline is already being deleted")
        pipeline.life.gone_at = ctx.now + self._settings.effective_deletion_delay
        pipeline.updated = self._settings.wall(ctx.now)
        self.purge(ctx.now)
        return {}

    def _tagged(self, arn: str) -> dict[str, str]:
        resources: list[_Pool | _Pipeline] = [*self._pools.values(), *self._pipelines.values()]
        for resource in resources:
            if resource.arn == arn:
                return resource.tags
        raise ServiceError(_NOT_FOUND, "The resource does not exist")

    def tag_resource(self, ctx: Context, params: Params) -> Params:
        """TagResource: add or overwrite tags."""
        self._tagged(req_str(params, "ResourceARN")).update(tag_list(params, "Tags"))
        return {}

    def untag_resource(self, ctx: Context, params: Params) -> Params:
        """UntagResource: remove tags by key; unknown keys are ignored."""
        tags = self._tagged(req_str(params, "ResourceARN"))
        for key in str_list(params, "TagKeys"):
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, ctx: Context, params: Params) -> Params:
        """ListTagsForResource: the tags as a list of Key/Value structures."""
        tags: list[Params] = [
            {"Key": k, "Value": v} for k, v in self._tagged(req_str(params, "ResourceARN")).items()
        ]
        return {"Tags": tags}
