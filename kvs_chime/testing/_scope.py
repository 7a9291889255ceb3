"""The emulated state of one region of one account: every resource of the emulated services there.

Requests are answered from the scope their SigV4 credential names, so a describe in another region
(or with another account's key) does not find what was created here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._backend import Context, Handler, Ids, Settings
from ._kinesis_video import KinesisVideo
from ._kinesis_video_configs import KinesisVideoConfigurations
from ._media import Media
from ._media_insights import MediaInsights
from ._media_pipelines import MediaPipelines
from ._meetings import Meetings
from ._model import ARCHIVED_MEDIA, KINESIS_VIDEO, MEDIA, MEDIA_PIPELINES, MEETINGS, SIGNALING, WEBRTC_STORAGE
from ._pipeline_audio import PipelineAudio
from ._storage_session import WebRtcStorage
from ._types import Params


def _by_arn(meeting: Handler, other: Handler) -> Handler:
    def handler(ctx: Context, params: Params) -> Params:
        arn = params.get("ResourceARN")
        chosen = meeting if isinstance(arn, str) and ":meeting/" in arn else other
        return chosen(ctx, params)

    return handler


class Scope:
    """One region and account: the services' state objects and the handlers answering from them."""

    def __init__(self, settings: Settings, ids: Ids, region: str, account: str) -> None:
        self.region = region
        self.account = account
        self.kinesis_video = KinesisVideo(settings, ids, region, account)
        self.media_pipelines = MediaPipelines(settings, region, account)
        self.media_insights = MediaInsights(self.media_pipelines)
        self.meetings = Meetings(settings, region, account)
        self.media = Media(settings, self.kinesis_video)
        self.pipeline_audio = PipelineAudio(
            settings, self.kinesis_video, self.media, self.media_pipelines, self.meetings
        )
        configs = KinesisVideoConfigurations(self.kinesis_video)
        handlers: dict[tuple[str, str], Handler] = {}
        handlers.update({(KINESIS_VIDEO, op): h for op, h in self.kinesis_video.handlers().items()})
        handlers.update({(KINESIS_VIDEO, op): h for op, h in configs.handlers().items()})
        handlers.update({(SIGNALING, op): h for op, h in self.kinesis_video.signaling_handlers().items()})
        storage = WebRtcStorage(settings, self.kinesis_video)
        handlers.update({(WEBRTC_STORAGE, op): h for op, h in storage.handlers().items()})
        handlers.update({(MEDIA_PIPELINES, op): h for op, h in self.media_pipelines.handlers().items()})
        handlers.update({(MEDIA_PIPELINES, op): h for op, h in self.media_insights.handlers().items()})
        meetings = self.meetings.handlers()
        handlers.update({(MEETINGS, op): h for op, h in meetings.items()})
        for op in ("TagResource", "UntagResource", "ListTagsForResource"):
            # Both Chime SDK APIs tag on the same path with the same input: only the ARN says whose.
            handlers[(MEDIA_PIPELINES, op)] = _by_arn(meetings[op], handlers[(MEDIA_PIPELINES, op)])
        media = self.media.handlers()
        handlers.update({(MEDIA, "GetMedia"): media.pop("GetMedia")})
        handlers.update({(ARCHIVED_MEDIA, op): h for op, h in media.items()})
        self.handlers = handlers
        self._purges: list[Callable[[float], None]] = [
            # First: a pipeline deleted by now still writes its last fragments and events.
            self.pipeline_audio.advance,
            self.kinesis_video.purge,
            self.media.purge,
            self.media_pipelines.purge,
            self.media_insights.purge,
        ]

    def purge(self, now: float) -> None:
        """Forget whatever finished deleting by `now`."""
        for purge in self._purges:
            purge(now)

    # What persistence saves: attribute paths and their types, read and written by _persist.
    STATE: tuple[tuple[str, str], ...] = (
        ("kinesis_video", "channels"),
        ("kinesis_video", "streams"),
        ("media_pipelines", "_pools"),
        ("media_pipelines", "pipelines"),
        ("media_pipelines", "_tokens"),
        ("media_insights", "configurations"),
        ("media_insights", "tasks"),
    )

    def holders(self) -> dict[str, Any]:  # Any: the holders are heterogeneous state objects
        """The state objects by attribute name, for persistence."""
        return {
            "kinesis_video": self.kinesis_video,
            "media_pipelines": self.media_pipelines,
            "media_insights": self.media_insights,
        }
