"""Chime SDK media insights: pipeline configurations, insights pipelines (pause and resume), and
the speaker search and voice tone analysis tasks that run on them."""

from __future__ import annotations

import uuid

import attrs

from ._backend import Context, Handler, Lifecycle, page
from ._errors import ServiceError
from ._media_pipelines import MediaPipelines, Pipeline, Tagged
from ._params import opt_int, opt_str, opt_struct, req_str, struct_list, tag_list
from ._types import Params

_BAD_REQUEST = "BadRequestException"
_NOT_FOUND = "NotFoundException"
_CONFLICT = "ConflictException"
_KIND = "MediaInsightsPipeline"
# The processors and sinks an element list may name; each type carries its own configuration member.
_ELEMENT_CONFIG = {
    "AmazonTranscribeCallAnalyticsProcessor": "AmazonTranscribeCallAnalyticsProcessorConfiguration",
    "AmazonTranscribeProcessor": "AmazonTranscribeProcessorConfiguration",
    "KinesisDataStreamSink": "KinesisDataStreamSinkConfiguration",
    "S3RecordingSink": "S3RecordingSinkConfiguration",
    "VoiceAnalyticsProcessor": "VoiceAnalyticsProcessorConfiguration",
    "LambdaFunctionSink": "LambdaFunctionSinkConfiguration",
    "SqsQueueSink": "SqsQueueSinkConfiguration",
    "SnsTopicSink": "SnsTopicSinkConfiguration",
    "VoiceEnhancementSink": "VoiceEnhancementSinkConfiguration",
}
_TASK_KINDS = {
    "SpeakerSearchTask": "speaker-search-task",
    "VoiceToneAnalysisTask": "voice-tone-analysis-task",
}


@attrs.define
class Configuration:
    """A media insights pipeline configuration."""

    name: str
    config_id: str
    arn: str
    spec: dict[str, object]
    created: float
    updated: float
    tags: dict[str, str] = attrs.field(factory=dict[str, str])


@attrs.define
class Task:
    """A speaker search or voice tone analysis task on an insights pipeline."""

    kind: str
    task_id: str
    pipeline_id: str
    created: float
    updated: float
    life: Lifecycle
    stopped: bool = False


def _check_elements(elements: list[Params]) -> None:
    for i, element in enumerate(elements):
        member = _ELEMENT_CONFIG.get(req_str(element, "Type"))
        if member is not None and member not in element:
            raise ServiceError(_BAD_REQUEST, f"Elements[{i}]: a {element['Type']} element needs {member}")


class MediaInsights:
    """The media insights operations, on the pipelines `MediaPipelines` owns."""

    def __init__(self, pipelines: MediaPipelines) -> None:
        self._pipelines = pipelines
        self.configurations: dict[str, Configuration] = {}
        self.tasks: dict[str, Task] = {}
        pipelines.extra_tagged.append(self._tagged)

    def _tagged(self) -> list[Tagged]:
        return list(self.configurations.values())

    def handlers(self) -> dict[str, Handler]:
        """The emulated media insights operations."""
        return {
            "CreateMediaInsightsPipelineConfiguration": self.create_configuration,
            "GetMediaInsightsPipelineConfiguration": self.get_configuration,
            "UpdateMediaInsightsPipelineConfiguration": self.update_configuration,
            "ListMediaInsightsPipelineConfigurations": self.list_configurations,
            "DeleteMediaInsightsPipelineConfiguration": self.delete_configuration,
            "CreateMediaInsightsPipeline": self.create_pipeline,
            "UpdateMediaInsightsPipelineStatus": self.update_status,
            "StartSpeakerSearchTask": self.start_speaker_search,
            "GetSpeakerSearchTask": self.get_speaker_search,
            "StopSpeakerSearchTask": self.stop_speaker_search,
            "StartVoiceToneAnalysisTask": self.start_voice_tone,
            "GetVoiceToneAnalysisTask": self.get_voice_tone,
            "StopVoiceToneAnalysisTask": self.stop_voice_tone,
        }

    def purge(self, now: float) -> None:
        """Forget the tasks of pipelines that are gone."""
        for key in [k for k, t in self.tasks.items() if t.pipeline_id not in self._pipelines.pipelines]:
            del self.tasks[key]

    # Configurations

    def _configuration(self, identifier: str) -> Configuration:
        found = self.configurations.get(identifier) or next(
            (c for c in self.configurations.values() if identifier in (c.arn, c.config_id)), None
        )
        if found is None:
            raise ServiceError(_NOT_FOUND, "The media insights pipeline configuration does not exist")
        return found

    @staticmethod
    def _configuration_view(config: Configuration) -> Params:
        return {
            "MediaInsightsPipelineConfiguration": {
                "MediaInsightsPipelineConfigurationName": config.name,
                "MediaInsightsPipelineConfigurationArn": config.arn,
                "MediaInsightsPipelineConfigurationId": config.config_id,
                "CreatedTimestamp": config.created,
                "UpdatedTimestamp": config.updated,
                **config.spec,
            }
        }

    @staticmethod
    def _spec(params: Params) -> Params:
        keys = ("ResourceAccessRoleArn", "RealTimeAlertConfiguration", "Elements")
        return {k: params[k] for k in keys if k in params}

    def create_configuration(self, ctx: Context, params: Params) -> Params:
        """CreateMediaInsightsPipelineConfiguration: names are unique; each element needs its configuration."""
        operation = "CreateMediaInsightsPipelineConfiguration"
        issued = self._pipelines.replay(operation, params)
        if issued is not None:
            config = self.configurations.get(issued.key)
            return self._configuration_view(config) if config is not None else issued.answer
        name = req_str(params, "MediaInsightsPipelineConfigurationName")
        if name in self.configurations:
            # The operation models no ConflictException.
            raise ServiceError(
                _BAD_REQUEST, "A media insights pipeline configuration with this name already exists"
            )
        _check_elements(struct_list(params, "Elements"))
        config_id = str(uuid.uuid4())
        wall = self._pipelines.wall(ctx.now)
        config = Configuration(
            name=name,
            config_id=config_id,
            arn=self._pipelines.arn(f"media-insights-pipeline-configuration/{name}"),
            spec=self._spec(params),
            created=wall,
            updated=wall,
            tags=tag_list(params, "Tags"),
        )
        self.configurations[name] = config
        answer = self._configuration_view(config)
        self._pipelines.remember(operation, params, name, answer)
        return answer

    def get_configuration(self, ctx: Context, params: Params) -> Params:
        """GetMediaInsightsPipelineConfiguration, by name, id or ARN."""
        return self._configuration_view(self._configuration(req_str(params, "Identifier")))

    def _in_use(self, config: Configuration, now: float) -> bool:
        return any(
            p.kind == _KIND
            and p.spec.get("MediaInsightsPipelineConfigurationArn") == config.arn
            and p.life.gone_at is None
            for p in self._pipelines.pipelines.values()
        )

    def update_configuration(self, ctx: Context, params: Params) -> Params:
        """UpdateMediaInsightsPipelineConfiguration: refused (ConflictException) while a pipeline uses it."""
        config = self._configuration(req_str(params, "Identifier"))
        if self._in_use(config, ctx.now):
            raise ServiceError(_CONFLICT, "The configuration is in use by a media insights pipeline")
        _check_elements(struct_list(params, "Elements"))
        config.spec = self._spec(params)
        config.updated = self._pipelines.wall(ctx.now)
        return self._configuration_view(config)

    def list_configurations(self, ctx: Context, params: Params) -> Params:
        """ListMediaInsightsPipelineConfigurations, by name, with pagination."""
        configs = sorted(self.configurations.values(), key=lambda c: c.name)
        chunk, token = page(
            configs,
            lambda c: c.name,
            opt_int(params, "MaxResults") or 100,
            opt_str(params, "NextToken"),
            _BAD_REQUEST,
        )
        summaries: list[Params] = [
            {
                "MediaInsightsPipelineConfigurationName": c.name,
                "MediaInsightsPipelineConfigurationId": c.config_id,
                "MediaInsightsPipelineConfigurationArn": c.arn,
            }
            for c in chunk
        ]
        return {"MediaInsightsPipelineConfigurations": summaries, "NextToken": token}

    def delete_configuration(self, ctx: Context, params: Params) -> Params:
        """DeleteMediaInsightsPipelineConfiguration: refused (ConflictException) while a pipeline uses it."""
        config = self._configuration(req_str(params, "Identifier"))
        if self._in_use(config, ctx.now):
            raise ServiceError(_CONFLICT, "The configuration is in use by a media insights pipeline")
        del self.configurations[config.name]
        return {}

    # Insights pipelines

    def create_pipeline(self, ctx: Context, params: Params) -> Params:
        """CreateMediaInsightsPipeline: on an existing configuration; Initializing, then InProgress."""
        operation = "CreateMediaInsightsPipeline"
        if self._pipelines.replay(operation, params) is None:
            config = self._configuration(req_str(params, "MediaInsightsPipelineConfigurationArn"))
            if config.arn != params["MediaInsightsPipelineConfigurationArn"]:
                raise ServiceError(_BAD_REQUEST, "MediaInsightsPipelineConfigurationArn must be an ARN")
        config = self._configuration(req_str(params, "MediaInsightsPipelineConfigurationArn"))
        element_types = [req_str(element, "Type") for element in struct_list(config.spec, "Elements")]
        return self._pipelines.create_pipeline(ctx, operation, _KIND, params, element_types=element_types)

    def _insights(self, identifier: str) -> Pipeline:
        pipeline = self._pipelines.pipelines.get(identifier.lower()) or next(
            (p for p in self._pipelines.pipelines.values() if p.arn == identifier), None
        )
        if pipeline is None or pipeline.kind != _KIND:
            raise ServiceError(_NOT_FOUND, "The media insights pipeline does not exist")
        return pipeline

    def update_status(self, ctx: Context, params: Params) -> Params:
        """UpdateMediaInsightsPipelineStatus: Pause an InProgress pipeline, Resume a Paused one."""
        pipeline = self._insights(req_str(params, "Identifier"))
        status = pipeline.status(ctx.now)
        wanted = req_str(params, "UpdateStatus")
        if (wanted, status) not in (("Pause", "InProgress"), ("Resume", "Paused")):
            raise ServiceError(_CONFLICT, f"The media insights pipeline is {status}; it cannot {wanted}")
        pipeline.paused = wanted == "Pause"
        pipeline.life.changed()
        pipeline.updated = self._pipelines.wall(ctx.now)
        return {}

    # Tasks: NotStarted is never reported; Initializing -> InProgress -> Stopping -> Stopped.

    def _task_view(self, task: Task, now: float, *, observe: bool = True) -> Params:
        names = {"creating": "Initializing", "active": "InProgress", "updating": "InProgress"}
        if task.stopped:
            status = "Stopping" if task.life.gone_at is not None and now < task.life.gone_at else "Stopped"
        else:
            status = task.life.observe(now, **names) if observe else task.life.status(now, **names)
        return {
            task.kind: {
                f"{task.kind}Id": task.task_id,
                f"{task.kind}Status": status,
                "CreatedTimestamp": task.created,
                "UpdatedTimestamp": task.updated,
            }
        }

    def _start(self, ctx: Context, params: Params, kind: str) -> Params:
        operation = f"Start{kind}"
        issued = self._pipelines.replay(operation, params)
        if issued is not None:
            task = self.tasks.get(issued.key)
            return self._task_view(task, ctx.now, observe=False) if task is not None else issued.answer
        pipeline = self._insights(req_str(params, "Identifier"))
        if pipeline.status(ctx.now) != "InProgress":
            raise ServiceError(_CONFLICT, "The media insights pipeline is not InProgress")
        source = opt_struct(params, "KinesisVideoStreamSourceTaskConfiguration")
        if source is None and pipeline.spec.get("KinesisVideoStreamSourceRuntimeConfiguration") is None:
            raise ServiceError(_BAD_REQUEST, "KinesisVideoStreamSourceTaskConfiguration is required here")
        running = [
            t
            for t in self.tasks.values()
            if t.pipeline_id == pipeline.pipeline_id and t.kind == kind and not t.stopped
        ]
        if running:
            raise ServiceError(_CONFLICT, f"A {_TASK_KINDS[kind].replace('-', ' ')} is already running")
        wall = self._pipelines.wall(ctx.now)
        task = Task(
            kind=kind,
            task_id=str(uuid.uuid4()),
            pipeline_id=pipeline.pipeline_id,
            created=wall,
            updated=wall,
            life=Lifecycle.created(ctx.now, self._pipelines.activation_delay),
        )
        self.tasks[task.task_id] = task
        answer = self._task_view(task, ctx.now, observe=False)
        self._pipelines.remember(operation, params, task.task_id, answer)
        return answer

    def _task(self, params: Params, kind: str) -> Task:
        pipeline = self._insights(req_str(params, "Identifier"))
        task = self.tasks.get(req_str(params, f"{kind}Id").lower())
        if task is None or task.kind != kind or task.pipeline_id != pipeline.pipeline_id:
            raise ServiceError(_NOT_FOUND, f"The {_TASK_KINDS[kind].replace('-', ' ')} does not exist")
        return task

    def _stop(self, ctx: Context, params: Params, kind: str) -> Params:
        task = self._task(params, kind)
        if task.stopped:
            raise ServiceError(_CONFLICT, "The task is already stopped")
        task.stopped = True
        task.life.gone_at = ctx.now + self._pipelines.deletion_delay
        task.updated = self._pipelines.wall(ctx.now)
        return {}

    def start_speaker_search(self, ctx: Context, params: Params) -> Params:
        """StartSpeakerSearchTask: one running per pipeline; the pipeline must be InProgress."""
        return self._start(ctx, params, "SpeakerSearchTask")

    def get_speaker_search(self, ctx: Context, params: Params) -> Params:
        """GetSpeakerSearchTask."""
        return self._task_view(self._task(params, "SpeakerSearchTask"), ctx.now)

    def stop_speaker_search(self, ctx: Context, params: Params) -> Params:
        """StopSpeakerSearchTask: Stopping, then Stopped; stopping twice is a conflict."""
        return self._stop(ctx, params, "SpeakerSearchTask")

    def start_voice_tone(self, ctx: Context, params: Params) -> Params:
        """StartVoiceToneAnalysisTask: one running per pipeline; the pipeline must be InProgress."""
        return self._start(ctx, params, "VoiceToneAnalysisTask")

    def get_voice_tone(self, ctx: Context, params: Params) -> Params:
        """GetVoiceToneAnalysisTask."""
        return self._task_view(self._task(params, "VoiceToneAnalysisTask"), ctx.now)

    def stop_voice_tone(self, ctx: Context, params: Params) -> Params:
        """StopVoiceToneAnalysisTask: Stopping, then Stopped."""
        return self._stop(ctx, params, "VoiceToneAnalysisTask")
