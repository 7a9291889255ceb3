"""What users write by hand around these APIs, as typed functions built on the facades.

- `ensure_signaling_channel`: get-or-create a channel with a configuration, race-safe.
- `WebRtcConnector`: WSS/HTTPS endpoints and ICE servers for a channel and role, cached.
- `stream_meeting_audio`: a Chime SDK meeting's audio into a Kinesis Video Stream pool.
- `follow_stream`, `read_stream_range`: a stream's media read back as typed fragments, live
  (resumed after a drop without loss or duplicate) or a past range.

Wherever a request takes a list of `Tag`, these take a plain `Mapping[str, str]` too.
"""

from ._channel import ensure_signaling_channel
from ._meeting_audio import MeetingAudioStream, stream_meeting_audio
from ._read_media import event_start, follow_event, follow_stream, read_stream_range
from ._tags import TagLike, TagsLike
from ._webrtc import WebRtcConnectionInfo, WebRtcConnector

__all__ = [
    "MeetingAudioStream",
    "TagLike",
    "TagsLike",
    "WebRtcConnectionInfo",
    "WebRtcConnector",
    "ensure_signaling_channel",
    "event_start",
    "follow_event",
    "follow_stream",
    "read_stream_range",
    "stream_meeting_audio",
]
