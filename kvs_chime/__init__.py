"""kvs_chime: a typed, high-level SDK over boto3 for Amazon Kinesis Video Streams and the
Amazon Chime SDK media pipelines.

The facades load their service's shapes on first use (`kvs_chime.KinesisVideo`, or
`from kvs_chime.kinesisvideo import ...`), so `import kvs_chime` stays cheap. Packages:
`kinesisvideo`, `signaling`, `media_pipelines`, `meetings`, `stream_media` (GetMedia),
`archived_media` (fragments, clips, HLS/DASH, images), `webrtc_storage`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._startup import collector_paused

# attrs and the modules below leave ~2,100 objects alive: imported with the collector paused
# (`_startup.py` says why).
with collector_paused():
    from ._callinfo import CallInfo, call_info, last_call
    from ._retry import RetryBudget, RetryPolicy
    from ._stream import PayloadStream
    from ._waiter import Poll
    from .errors import (
        AccessDeniedError,
        CallError,
        ConfigurationError,
        ConflictError,
        DeadlineExceededError,
        InvalidRequestError,
        KvsChimeError,
        LimitExceededError,
        NotFoundError,
        ReconciliationConflictError,
        ResponseParseError,
        ServerError,
        ServiceError,
        ThrottlingError,
        TransportError,
        ValidationError,
        Violation,
        WaiterError,
    )

if TYPE_CHECKING:
    from .archived_media import KinesisVideoArchivedMedia
    from .kinesisvideo import KinesisVideo
    from .media_pipelines import MediaPipelines
    from .meetings import Meetings
    from .signaling import KinesisVideoSignaling
    from .stream_media import KinesisVideoMedia
    from .webrtc_storage import KinesisVideoWebRtcStorage

__all__ = [
    "AccessDeniedError",
    "CallError",
    "CallInfo",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "InvalidRequestError",
    "KinesisVideo",
    "KinesisVideoArchivedMedia",
    "KinesisVideoMedia",
    "KinesisVideoSignaling",
    "KinesisVideoWebRtcStorage",
    "KvsChimeError",
    "LimitExceededError",
    "MediaPipelines",
    "Meetings",
    "NotFoundError",
    "PayloadStream",
    "Poll",
    "ReconciliationConflictError",
    "ResponseParseError",
    "RetryBudget",
    "RetryPolicy",
    "ServerError",
    "ServiceError",
    "ThrottlingError",
    "TransportError",
    "ValidationError",
    "Violation",
    "WaiterError",
    "call_info",
    "last_call",
]

__version__ = "0.1.0"

_LAZY = {
    "KinesisVideo": "kvs_chime.kinesisvideo",
    "KinesisVideoSignaling": "kvs_chime.signaling",
    "MediaPipelines": "kvs_chime.media_pipelines",
    "Meetings": "kvs_chime.meetings",
    "KinesisVideoMedia": "kvs_chime.stream_media",
    "KinesisVideoArchivedMedia": "kvs_chime.archived_media",
    "KinesisVideoWebRtcStorage": "kvs_chime.webrtc_storage",
}


def __getattr__(name: str) -> object:
    # A facade's module defines its service's ~100-200 shape classes: load it when first asked for.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kvs_chime' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
