"""Chime SDK media pipelines: Kinesis Video Stream pools and media stream pipelines."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Protocol

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
_S3_ARN = re.compile(r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?")
_MAX_TAGS = 50


class Tagged(Protocol):
    """A resource TagResource can reach."""

    @property
    def arn(self) -> str: ...
    @property
    def tags(self) -> dict[str, str]: ...


@attrs.define
class Pool:
    name: str
    pool_id: str
    arn: str
    region: str
    retention: int | None
    created: float
    updated: float
    life: Lifecycle
    tags: dict[str, str] = attrs.field(factory=dict[str, str])


# Each kind of pipeline: the output member it is answered under and the input members it echoes.
PIPELINE_KINDS: dict[str, tuple[str, ...]] = {
    "MediaCapturePipeline": (
        "SourceType",
        "SourceArn",
        "SinkType",
        "SinkArn",
        "ChimeSdkMeetingConfiguration",
        "SseAwsKeyManagementParams",
        "SinkIamRoleArn",
    ),
    "MediaConcatenationPipeline": ("Sources", "Sinks"),
    "MediaLiveConnectorPipeline": ("Sources", "Sinks"),
    "MediaStreamPipeline": ("Sources", "Sinks"),
    "MediaInsightsPipeline": (
        "MediaInsightsPipelineConfigurationArn",
        "KinesisVideoStreamSourceRuntimeConfiguration",
        "MediaInsightsRuntimeMetadata",
        "KinesisVideoStreamRecordingSourceRuntimeConfiguration",
        "S3RecordingSinkRuntimeConfiguration",
    ),
}


@attrs.define
class Pipeline:
    """A media pipeline of any kind: what it was created with, and its life cycle."""

    kind: str
    pipeline_id: str
    arn: str
    spec: dict[str, object]
    created: float
    updated: float
    life: Lifecycle
    tags: dict[str, str] = attrs.field(factory=dict[str, str])
    paused: bool = False
    """Media insights pipelines only: paused by UpdateMediaInsightsPipelineStatus."""
    element_types: list[str] = attrs.field(factory=list[str])
    """Media insights pipelines only: the element types of its configuration."""
    failed: bool = False
    """Media stream pipelines only: failed for good (an injected PermanentFailure)."""
    deleted_at: float | None = None
    """Clock reading of its DeleteMediaPipeline (or its meeting's end): media stream pipelines
    write audio until then, and are gone once the deletion delay (Stopping) is over."""

    @property
    def sinks(self) -> list[Params]:
        """The Sinks member, for the kinds that have one."""
        return struct_list(self.spec, "Sinks")

    def status(self, now: float, *, observe: bool = False) -> str:
        """Initializing -> InProgress (or Paused) -> Stopping, as the pipelines' model spells it."""
        names = {
            "creating": "Initializing",
            "active": "InProgress",
            "updating": "InProgress",
            "deleting": "Stopping",
        }
        status = self.life.observe(now, **names) if observe else self.life.status(now, **names)
        if self.failed and status == "InProgress":
            return "Failed"
        return "Paused" if status == "InProgress" and self.paused else status


@attrs.frozen
class Issued:
    fingerprint: str
    key: str
    answer: dict[str, object]


def _fingerprint(params: Params) -> str:
    rest = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return json.dumps(rest, sort_keys=True, default=str)


class MediaPipelines:
    """In-memory state of one account and region; callers hold the backend lock."""

    def __init__(self, settings: Settings, region: str, account: str) -> None:
        self._settings = settings
        self.region = region
        self.account = account
        self._pools: dict[str, Pool] = {}
        self.pipelines: dict[str, Pipeline] = {}
        self.forgotten: dict[str, tuple[float, float]] = {}
        """Media stream pipelines purged since the audio last looked: id -> (deleted, gone) clock
        readings, so their last audio and events carry those times, not the time of the look."""
        self._tokens: dict[str, Issued] = {}
        self.extra_tagged: list[Callable[[], list[Tagged]]] = []
        """Other resources TagResource reaches (the media insights configurations)."""

    def handlers(self) -> dict[str, Handler]:
        """The emulated chime-sdk-media-pipelines operations."""
        return {
            "CreateMediaPipelineKinesisVideoStreamPool": self.create_pool,
            "GetMediaPipelineKinesisVideoStreamPool": self.get_pool,
            "ListMediaPipelineKinesisVideoStreamPools": self.list_pools,
            "UpdateMediaPipelineKinesisVideoStreamPool": self.update_pool,
            "DeleteMediaPipelineKinesisVideoStreamPool": self.delete_pool,
            "CreateMediaStreamPipeline": self.create_media_stream_pipeline,
            "CreateMediaCapturePipeline": self.create_media_capture_pipeline,
            "CreateMediaConcatenationPipeline": self.create_media_concatenation_pipeline,
            "CreateMediaLiveConnectorPipeline": self.create_media_live_connector_pipeline,
            "GetMediaCapturePipeline": self.get_media_capture_pipeline,
            "ListMediaCapturePipelines": self.list_media_capture_pipelines,
            "DeleteMediaCapturePipeline": self.delete_media_capture_pipeline,
            "GetMediaPipeline": self.get_media_pipeline,
            "ListMediaPipelines": self.list_media_pipelines,
            "DeleteMediaPipeline": self.delete_media_pipeline,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def purge(self, now: float) -> None:
        """Forget resources whose deletion has completed (a media stream pipeline's deletion
        time stays in `forgotten` until its audio has seen it)."""
        for key in [k for k, p in self.pipelines.items() if p.life.gone(now)]:
            pipeline = self.pipelines.pop(key)
            if pipeline.kind == "MediaStreamPipeline":
                deleted = pipeline.deleted_at if pipeline.deleted_at is not None else now
                self.forgotten[pipeline.pipeline_id] = (deleted, pipeline.life.gone_at or now)
        for key in [k for k, p in self._pools.items() if p.life.gone(now)]:
            del self._pools[key]

    def _arn(self, resource: str) -> str:
        return f"arn:aws:chime:{self.region}:{self.account}:{resource}"

    def arn(self, resource: str) -> str:
        """An ARN of this account and region for `resource` (e.g. "media-pipeline/<id>")."""
        return self._arn(resource)

    def replay(self, operation: str, params: Params) -> Issued | None:
        """The earlier answer to the same token (see _replay)."""
        return self._replay(operation, params)

    def remember(self, operation: str, params: Params, key: str, answer: Params) -> None:
        """Keep an answer for a later call with the same token."""
        self._remember(operation, params, key, answer)

    def _replay(self, operation: str, params: Params) -> Issued | None:
        """The earlier answer to the same ClientRequestToken, if the parameters are the same too.

        The media pipelines API models no IdempotentParameterMismatch error; reusing a token with
        other parameters answers BadRequestException.
        """
        token = opt_str(params, "ClientRequestToken")
        if token is None:
            return None
        issued = self._tokens.get(f"{operation}/{token}")
        if issued is not None and issued.fingerprint != _fingerprint(params):
            raise ServiceError(_BAD_REQUEST, "ClientRequestToken was already used with different parameters")
        return issued

    def _remember(self, operation: str, params: Params, key: str, answer: Params) -> None:
        token = opt_str(params, "ClientRequestToken")
        if token is not None:
            self._tokens[f"{operation}/{token}"] = Issued(_fingerprint(params), key, answer)

    def pools(self) -> list[Pool]:
        """Every pool of this account and region."""
        return list(self._pools.values())

    def _pool(self, identifier: str) -> Pool:
        pool = self._pools.get(identifier) or next(
            (p for p in self._pools.values() if p.arn == identifier), None
        )
        if pool is None:
            raise ServiceError(_NOT_FOUND, "The Kinesis Video Stream pool does not exist")
        return pool

    def _pool_size(self, pool: Pool) -> int:
        return sum(
            req_int(sink, "ReservedStreamCapacity")
            for pipeline in self.pipelines.values()
            for sink in pipeline.sinks
            if sink.get("SinkArn") == pool.arn
        )

    def _pool_configuration(self, pool: Pool, now: float, *, observe: bool = True) -> Params:
        stream_configuration: Params = {"Region": pool.region, "DataRetentionInHours": pool.retention}
        return {
            "KinesisVideoStreamPoolConfiguration": {
                "PoolArn": pool.arn,
                "PoolName": pool.name,
                "PoolId": pool.pool_id,
                "PoolStatus": pool.life.observe(now) if observe else pool.life.status(now),
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
            return (
                self._pool_configuration(pool, ctx.now, observe=False) if pool is not None else issued.answer
            )
        name = req_str(params, "PoolName")
        if name in self._pools:
            raise ServiceError(_CONFLICT, "A Kinesis Video Stream pool with this name already exists")
        stream_configuration = opt_struct(params, "StreamConfiguration") or {}
        wall = self._settings.wall(ctx.now)
        pool = Pool(
            name=name,
            pool_id=str(uuid.uuid4()),
            arn=self._arn(f"media-pipeline-kinesis-video-stream-pool/{name}"),
            region=req_str(stream_configuration, "Region"),
            retention=opt_int(stream_configuration, "DataRetentionInHours"),
            created=wall,
            updated=wall,
            life=Lifecycle.created(ctx.now, self._settings.activation_delay),
            tags=tag_list(params, "Tags"),
        )
        self._pools[name] = pool
        answer = self._pool_configuration(pool, ctx.now, observe=False)
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
        pool.life.changed()
        return self._pool_configuration(pool, ctx.now, observe=False)

    def delete_pool(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaPipelineKinesisVideoStreamPool: refused (ConflictException) while a pipeline uses it."""
        pool = self._pool(req_str(params, "Identifier"))
        if pool.life.gone_at is not None:
            raise ServiceError(_CONFLICT, "The Kinesis Video Stream pool is already being deleted")
        if any(sink.get("SinkArn") == pool.arn for p in self.pipelines.values() for sink in p.sinks):
            raise ServiceError(_CONFLICT, "The Kinesis Video Stream pool is in use by a media pipeline")
        pool.life.gone_at = ctx.now + self._settings.effective_deletion_delay
        pool.updated = self._settings.wall(ctx.now)
        self.purge(ctx.now)
        return {}

    def pipeline(self, pipeline_id: str, kind: str | None = None) -> Pipeline:
        """The pipeline with this id (of `kind`, when given), or NotFoundException."""
        pipeline = self.pipelines.get(pipeline_id.lower())
        if pipeline is None or (kind is not None and pipeline.kind != kind):
            raise ServiceError(_NOT_FOUND, "The media pipeline does not exist")
        return pipeline

    def view(self, pipeline: Pipeline, now: float, *, observe: bool = True) -> Params:
        """The pipeline as its Get/Create answers describe it."""
        view: Params = {
            "MediaPipelineId": pipeline.pipeline_id,
            "MediaPipelineArn": pipeline.arn,
            "CreatedTimestamp": pipeline.created,
            "Status": pipeline.status(now, observe=observe),
        }
        if pipeline.kind != "MediaInsightsPipeline":
            view["UpdatedTimestamp"] = pipeline.updated
        view.update({k: v for k, v in pipeline.spec.items() if k in PIPELINE_KINDS[pipeline.kind]})
        if pipeline.kind == "MediaInsightsPipeline":
            status = view["Status"]
            view["ElementStatuses"] = [{"Type": t, "Status": status} for t in pipeline.element_types]
        return view

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

    def create_pipeline(
        self,
        ctx: Context,
        operation: str,
        kind: str,
        params: Params,
        *,
        element_types: list[str] | None = None,
    ) -> Params:
        """The create every kind shares: token replay, a new id and ARN, Initializing, the answer."""
        issued = self._replay(operation, params)
        if issued is not None:
            pipeline = self.pipelines.get(issued.key)
            return (
                {kind: self.view(pipeline, ctx.now, observe=False)} if pipeline is not None else issued.answer
            )
        pipeline_id = str(uuid.uuid4())
        wall = self._settings.wall(ctx.now)
        pipeline = Pipeline(
            kind=kind,
            pipeline_id=pipeline_id,
            arn=self._arn(f"media-pipeline/{pipeline_id}"),
            spec={k: v for k, v in params.items() if k in PIPELINE_KINDS[kind]},
            created=wall,
            updated=wall,
            life=Lifecycle.created(ctx.now, self._settings.activation_delay),
            tags=tag_list(params, "Tags"),
            element_types=element_types or [],
        )
        self.pipelines[pipeline_id] = pipeline
        answer: Params = {kind: self.view(pipeline, ctx.now, observe=False)}
        self._remember(operation, params, pipeline_id, answer)
        return answer

    @staticmethod
    def _meeting(arn: str, where: str) -> None:
        if _MEETING_ARN.search(arn) is None:
            raise ServiceError(_BAD_REQUEST, f"{where} is not an Amazon Chime SDK meeting ARN")

    def create_media_stream_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaStreamPipeline: Initializing, then InProgress; sinks must be ACTIVE pools.

        Sources must be Chime SDK meeting ARNs (`arn:aws:chime:<region>:<account>:meeting/<id>`).
        Any such ARN is accepted; a pipeline whose meeting exists here (chime-sdk-meetings) also
        writes audio into its pools' streams (see `_pipeline_audio`).
        """
        operation = "CreateMediaStreamPipeline"
        if self._replay(operation, params) is None:
            for i, source in enumerate(struct_list(params, "Sources")):
                self._meeting(req_str(source, "SourceArn"), f"Sources[{i}].SourceArn")
            for i, sink in enumerate(struct_list(params, "Sinks")):
                pool = next((p for p in self._pools.values() if p.arn == req_str(sink, "SinkArn")), None)
                if pool is None:
                    raise ServiceError(
                        _NOT_FOUND, f"Sinks[{i}].SinkArn: the Kinesis Video Stream pool does not exist"
                    )
                if pool.life.status(ctx.now) != "ACTIVE":
                    raise ServiceError(
                        _BAD_REQUEST, f"Sinks[{i}].SinkArn: the Kinesis Video Stream pool is not ACTIVE"
                    )
        return self.create_pipeline(ctx, operation, "MediaStreamPipeline", params)

    def create_media_capture_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaCapturePipeline: a meeting recorded into an S3 bucket ARN."""
        operation = "CreateMediaCapturePipeline"
        if self._replay(operation, params) is None:
            self._meeting(req_str(params, "SourceArn"), "SourceArn")
            if _S3_ARN.fullmatch(req_str(params, "SinkArn")) is None:
                raise ServiceError(_BAD_REQUEST, "SinkArn is not an Amazon S3 bucket ARN")
        return self.create_pipeline(ctx, operation, "MediaCapturePipeline", params)

    def create_media_concatenation_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaConcatenationPipeline: sources are existing media capture pipelines."""
        operation = "CreateMediaConcatenationPipeline"
        if self._replay(operation, params) is None:
            for i, source in enumerate(struct_list(params, "Sources")):
                config = opt_struct(source, "MediaCapturePipelineSourceConfiguration") or {}
                arn = req_str(config, "MediaPipelineArn")
                if not any(
                    p.arn == arn and p.kind == "MediaCapturePipeline" for p in self.pipelines.values()
                ):
                    # The operation models no NotFoundException: the service answers BadRequest.
                    raise ServiceError(
                        _BAD_REQUEST, f"Sources[{i}]: the media capture pipeline does not exist"
                    )
        return self.create_pipeline(ctx, operation, "MediaConcatenationPipeline", params)

    def create_media_live_connector_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaLiveConnectorPipeline: a meeting streamed to an RTMP URL."""
        operation = "CreateMediaLiveConnectorPipeline"
        if self._replay(operation, params) is None:
            for i, source in enumerate(struct_list(params, "Sources")):
                config = opt_struct(source, "ChimeSdkMeetingLiveConnectorConfiguration") or {}
                self._meeting(
                    req_str(config, "Arn"), f"Sources[{i}].ChimeSdkMeetingLiveConnectorConfiguration.Arn"
                )
            for i, sink in enumerate(struct_list(params, "Sinks")):
                rtmp = opt_struct(sink, "RTMPConfiguration") or {}
                if not req_str(rtmp, "Url").startswith(("rtmp://", "rtmps://")):
                    raise ServiceError(_BAD_REQUEST, f"Sinks[{i}].RTMPConfiguration.Url is not an RTMP URL")
        return self.create_pipeline(ctx, operation, "MediaLiveConnectorPipeline", params)

    def get_media_capture_pipeline(self, ctx: Context, params: Params) -> Params:
        """GetMediaCapturePipeline: capture pipelines only."""
        pipeline = self.pipeline(req_str(params, "MediaPipelineId"), "MediaCapturePipeline")
        return {"MediaCapturePipeline": self.view(pipeline, ctx.now)}

    def list_media_capture_pipelines(self, ctx: Context, params: Params) -> Params:
        """ListMediaCapturePipelines, in creation order, with pagination."""
        chunk, token = self._page_pipelines(params, "MediaCapturePipeline")
        return {"MediaCapturePipelines": chunk, "NextToken": token}

    def delete_media_capture_pipeline(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaCapturePipeline: capture pipelines only; Stopping, then gone."""
        pipeline = self.pipeline(req_str(params, "MediaPipelineId"), "MediaCapturePipeline")
        if pipeline.life.gone_at is not None:
            # This operation models no ConflictException: a pipeline being deleted is not found.
            raise ServiceError(_NOT_FOUND, "The media capture pipeline is being deleted")
        self._delete(pipeline, ctx.now)
        return {}

    def get_media_pipeline(self, ctx: Context, params: Params) -> Params:
        """GetMediaPipeline: any kind, under the member named after it."""
        pipeline = self.pipeline(req_str(params, "MediaPipelineId"))
        return {"MediaPipeline": {pipeline.kind: self.view(pipeline, ctx.now)}}

    def _page_pipelines(self, params: Params, kind: str | None) -> tuple[list[Params], str | None]:
        pipelines = sorted(
            (p for p in self.pipelines.values() if kind is None or p.kind == kind),
            key=lambda p: (p.created, p.pipeline_id),
        )
        ordered = [(f"{p.created:020.6f}{p.pipeline_id}", p) for p in pipelines]
        chunk, token = page(
            ordered,
            lambda item: item[0],
            opt_int(params, "MaxResults") or _DEFAULT_PAGE,
            opt_str(params, "NextToken"),
            _BAD_REQUEST,
        )
        return [{"MediaPipelineId": p.pipeline_id, "MediaPipelineArn": p.arn} for _, p in chunk], token

    def list_media_pipelines(self, ctx: Context, params: Params) -> Params:
        """ListMediaPipelines: every kind, in creation order, with pagination."""
        chunk, token = self._page_pipelines(params, None)
        return {"MediaPipelines": chunk, "NextToken": token}

    def _delete(self, pipeline: Pipeline, now: float) -> None:
        if pipeline.life.gone_at is not None:
            raise ServiceError(_CONFLICT, "The media pipeline is already being deleted")
        pipeline.life.gone_at = now + self._settings.effective_deletion_delay
        pipeline.deleted_at = now
        pipeline.updated = self._settings.wall(now)
        self.purge(now)

    def delete_media_pipeline(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaPipeline: any kind; Stopping, then gone after the deletion delay."""
        self._delete(self.pipeline(req_str(params, "MediaPipelineId")), ctx.now)
        return {}

    def _tagged(self, arn: str) -> dict[str, str]:
        resources: list[Tagged] = [*self._pools.values(), *self.pipelines.values()]
        for extra in self.extra_tagged:
            resources.extend(extra())
        for resource in resources:
            if resource.arn == arn:
                return resource.tags
        raise ServiceError(_NOT_FOUND, "The resource does not exist")

    def tag_resource(self, ctx: Context, params: Params) -> Params:
        """TagResource: add or overwrite tags (at most 50 per resource)."""
        tags = self._tagged(req_str(params, "ResourceARN"))
        new = tag_list(params, "Tags")
        if len({**tags, **new}) > _MAX_TAGS:
            raise ServiceError(_BAD_REQUEST, f"A resource can have at most {_MAX_TAGS} tags")
        tags.update(new)
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
