"""A local endpoint that speaks the real wire protocol of Kinesis Video Streams and Chime SDK media pipelines.

Point boto3 clients (or this SDK's facades) at `LocalEndpoint.url` to test without an AWS account::

    from kvs_chime.testing import LocalEndpoint

    with LocalEndpoint() as ep:
        kvs = ep.client("kinesisvideo")
        kvs.create_signaling_channel(ChannelName="door")

pytest users can add `pytest_plugins = ["kvs_chime.testing.pytest_plugin"]` for a `local_endpoint`
fixture. `python -m kvs_chime.testing` (or `kvs-chime-local`) serves it standalone, for the AWS CLI
and any SDK; see docs/howto/testing.md.
"""

from ._clock import Clock, ManualClock
from ._endpoint import LocalEndpoint
from ._events import EventSink
from ._faults import MAX_LATENCY, Faults, Mutation
from ._hub import MediaFaults
from ._journal import Journal, JournalEntry
from ._persist import StateFileError
from ._signaling_control import SignalingConnection, SignalingControl, StorageSessionInfo
from ._tls import LocalTls, TlsUnavailableError
from ._types import JsonObject, JsonValue

__all__ = [
    "MAX_LATENCY",
    "Clock",
    "EventSink",
    "Faults",
    "Journal",
    "JournalEntry",
    "JsonObject",
    "JsonValue",
    "LocalEndpoint",
    "LocalTls",
    "ManualClock",
    "MediaFaults",
    "Mutation",
    "SignalingConnection",
    "SignalingControl",
    "StateFileError",
    "StorageSessionInfo",
    "TlsUnavailableError",
]
