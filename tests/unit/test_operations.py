"""Every operation of every facade, called through botocore's `Stubber`.

The Stubber checks each request against the real botocore model (parameter validation runs, and
`expected_params` pins the exact wire names and values), then hands back a canned response; the
test reads the typed result back. Nothing leaves the process: the clients carry dummy
credentials and every response is stubbed.

Two kinds of case:

* hand-written cases for the operations users reach for first (signaling channels, streams,
  tags, Kinesis video stream pools, media stream pipelines), with realistic requests, exact
  expected parameters and specific assertions on the typed result;
* a model-driven case for every operation of the seven models: a request and a response are
  built by walking botocore's shapes (every member, values that respect min/max/pattern), the
  typed request is built from the same wire dict, the Stubber demands exactly that dict back,
  and the typed response is compared member by member with what was stubbed.

`test_sweep_covers_every_operation` runs every case again and compares the operations that
actually reached the client with the models' operation names, so a new operation without a
case fails.
"""

from __future__ import annotations

import datetime
import inspect
import io
import json
import typing
import uuid
from collections.abc import Callable
from types import ModuleType
from typing import Any, cast

import attrs
import boto3
import botocore.session
import pytest
import regex
from botocore import xform_name
from botocore.model import ServiceModel, Shape
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from kvs_chime import (
    CallInfo,
    KinesisVideo,
    KinesisVideoArchivedMedia,
    KinesisVideoMedia,
    KinesisVideoSignaling,
    KinesisVideoWebRtcStorage,
    KvsChimeError,
    MediaPipelines,
    Meetings,
    PayloadStream,
    RetryPolicy,
    ValidationError,
    _call,
    last_call,
)
from kvs_chime import archived_media as am
from kvs_chime import kinesisvideo as kvs
from kvs_chime import media_pipelines as mp
from kvs_chime import meetings as mt
from kvs_chime import signaling as sig
from kvs_chime import stream_media as sm
from kvs_chime import webrtc_storage as ws
from kvs_chime._model import SPEC, WIRE, Spec
from kvs_chime.archived_media._operations import KinesisVideoArchivedMediaOperations
from kvs_chime.kinesisvideo._operations import KinesisVideoOperations
from kvs_chime.media_pipelines._operations import MediaPipelinesOperations
from kvs_chime.meetings._operations import MeetingsOperations
from kvs_chime.signaling._operations import KinesisVideoSignalingOperations
from kvs_chime.stream_media._operations import KinesisVideoMediaOperations
from kvs_chime.webrtc_storage._operations import KinesisVideoWebRtcStorageOperations

KVS = "kinesisvideo"
SIGNALING = "kinesis-video-signaling"
MEDIA = "chime-sdk-media-pipelines"
MEETINGS = "chime-sdk-meetings"
GET_MEDIA = "kinesis-video-media"
ARCHIVED = "kinesis-video-archived-media"
STORAGE = "kinesis-video-webrtc-storage"

REGION = "us-east-1"
ACCOUNT = "123456789012"
SIGNALING_ENDPOINT = "https://r-1234abcd.kinesisvideo.us-east-1.amazonaws.com"
DATA_ENDPOINT = "https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com"
WEBRTC_ENDPOINT = "https://w-9c8b7a6d.kinesisvideo.us-east-1.amazonaws.com"

CHANNEL_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/front-door/1700000000000"
STREAM_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/front-door-camera/1700000000001"
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MEETING_ID = "2b7e1b5e-4c1a-4f3e-9d3b-6a1f0c8e7d21"
MEETING_ARN = f"arn:aws:chime::{ACCOUNT}:meeting/{MEETING_ID}"
PIPELINE_ID = "e8f1c2a3-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
PIPELINE_ARN = f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline/{PIPELINE_ID}"
POOL_NAME = "meeting-audio"
POOL_ID = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
POOL_ARN = f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline-kinesis-video-stream-pool/{POOL_NAME}"
TOKEN = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
CREATED = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc)
UPDATED = datetime.datetime(2024, 5, 2, 8, 15, tzinfo=datetime.timezone.utc)

_MODELS = botocore.session.get_session()


def service_model(service: str) -> ServiceModel:
    return _MODELS.get_service_model(service)


# --------------------------------------------------------------------------------------------
# Harness: one stubbed client and its facade
# --------------------------------------------------------------------------------------------


@attrs.define
class Service:
    name: str
    facade: type[Any]
    operations: type[Any]
    shapes: ModuleType
    endpoint_url: str | None = None


SERVICES = {
    KVS: Service(KVS, KinesisVideo, KinesisVideoOperations, kvs),
    SIGNALING: Service(
        SIGNALING, KinesisVideoSignaling, KinesisVideoSignalingOperations, sig, SIGNALING_ENDPOINT
    ),
    MEDIA: Service(MEDIA, MediaPipelines, MediaPipelinesOperations, mp),
    MEETINGS: Service(MEETINGS, Meetings, MeetingsOperations, mt),
    GET_MEDIA: Service(GET_MEDIA, KinesisVideoMedia, KinesisVideoMediaOperations, sm, DATA_ENDPOINT),
    ARCHIVED: Service(
        ARCHIVED, KinesisVideoArchivedMedia, KinesisVideoArchivedMediaOperations, am, DATA_ENDPOINT
    ),
    STORAGE: Service(
        STORAGE, KinesisVideoWebRtcStorage, KinesisVideoWebRtcStorageOperations, ws, WEBRTC_ENDPOINT
    ),
}


class Harness:
    """A boto3 client with a Stubber, the facade over it, and a record of what reached botocore."""

    def __init__(self, service: str) -> None:
        spec = SERVICES[service]
        self.service = service
        self.client: Any = boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            endpoint_url=spec.endpoint_url,
        )
        self.stubber = Stubber(self.client)
        self.sleeps: list[float] = []
        self.facade: Any = spec.facade(
            client=self.client, retry=RetryPolicy(), sleep=self.sleeps.append, clock=lambda: 0.0
        )
        self.shapes = spec.shapes
        self.sent: list[str] = []
        """Operation names of the calls that got past botocore's validation and serialisation."""
        self.params: list[dict[str, Any]] = []
        """The keyword arguments each call passed to the boto3 method."""
        self.http: list[dict[str, Any]] = []
        """Each call's serialised HTTP request (method, url, url_path, query_string, body)."""
        events = self.client.meta.events
        events.register_first("before-parameter-build.*.*", self._record_params)
        events.register_first("before-call.*.*", self._record_call)

    def _record_params(self, params: dict[str, Any], **_: object) -> None:
        self.params.append(dict(params))

    def _record_call(self, model: Any, params: dict[str, Any], **_: object) -> None:
        self.sent.append(model.name)
        self.http.append(params)

    def json_body(self) -> Any:
        return json.loads(self.http[-1]["body"])

    def expect(self, method: str, response: dict[str, Any], params: dict[str, Any] | None) -> None:
        self.stubber.add_response(method, response, params)

    def __enter__(self) -> Harness:
        self.stubber.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stubber.deactivate()


def meta(request_id: str) -> dict[str, Any]:
    return {"ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 200}}


def assert_last_call(operation: str, *, request_id: str | None = None, token: str | None = None) -> CallInfo:
    info = last_call()
    assert info is not None
    assert info.operation == operation
    assert info.attempts == 1
    assert info.reconciled is False
    if request_id is not None:
        assert info.request_id == request_id
    assert info.idempotency_token == token
    return info


# --------------------------------------------------------------------------------------------
# Model-driven values: every member, each value valid for its shape's constraints
# --------------------------------------------------------------------------------------------

# Strings chosen by member name first (the same shape, e.g. `Arn`, means different things in
# different places), then by shape name; what neither table knows falls back to a candidate
# that fits the shape's length and pattern.
STRING_BY_MEMBER: dict[str, dict[str, str]] = {
    KVS: {
        "ARN": CHANNEL_ARN,
        "ChannelARN": CHANNEL_ARN,
        "ChannelName": "front-door",
        "ComparisonValue": "front",
        "CurrentVersion": "a1b2c3d4e5f6",
        "Version": "a1b2c3d4e5f6",
        "DataEndpoint": "https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com",
        "DestinationRegion": "us-west-2",
        "DeviceName": "doorbell-cam-01",
        "FailedStatusDetails": "Edge agent could not reach the camera",
        "JobStatusDetails": "Uploaded 12 fragments",
        "HubDeviceArn": f"arn:aws:iot:{REGION}:{ACCOUNT}:thing/edge-hub-01",
        "Key": "team",
        "Value": "video",
        "KmsKeyId": KMS_KEY_ARN,
        "MediaType": "video/h264",
        "MediaUriSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rtsp-camera-AbCdEf",
        "NextToken": "eyJwYWdlIjoyfQ==",
        "ResourceARN": CHANNEL_ARN,
        "ResourceEndpoint": "wss://m-26d02974.kinesisvideo.us-east-1.amazonaws.com",
        "ScheduleExpression": "0 0/15 * * * ?",
        "StreamARN": STREAM_ARN,
        "StreamName": "front-door-camera",
        "Type": "KINESIS_VIDEO_SIGNALING_CHANNEL",
        "Uri": f"s3://kvs-images-{ACCOUNT}/front-door",
    },
    SIGNALING: {
        "Answer": "dj0wDQpvPS0gNDYxMTcxNTQ0IDIgSU4gSVA0IDEyNy4wLjAuMQ==",
        "ChannelARN": CHANNEL_ARN,
        "ClientId": "viewer-1",
        "MessagePayload": "dj0wDQpvPS0gNDYxMTcxNTQ0IDIgSU4gSVA0IDEyNy4wLjAuMQ==",
        "Password": "wJalrXUtnFEMI-K7MDENG",
        "SenderClientId": "alexa-echo-show",
        "Username": "1700000300-viewer-1",
    },
    MEDIA: {
        "Arn": MEETING_ARN,
        "AudioSampleRate": "48000",
        "AwsKmsEncryptionContext": '{"team":"video"}',
        "AwsKmsKeyId": KMS_KEY_ARN,
        "ClientRequestToken": TOKEN,
        "DataAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/TranscribeDataAccess",
        "Destination": f"arn:aws:s3:::meeting-recordings-{ACCOUNT}",
        "FragmentNumber": "91343852333181432392682062622220590765191907586",
        "Identifier": "call-analytics",
        "InsightsTarget": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/call-insights",
        "Key": "team",
        "Value": "video",
        "LanguageModelName": "support-model",
        "LanguageOptions": "en-US,es-US",
        "MediaInsightsPipelineConfigurationArn": (
            f"arn:aws:chime:{REGION}:{ACCOUNT}:media-insights-pipeline-configuration/call-analytics"
        ),
        "MediaInsightsPipelineConfigurationName": "call-analytics",
        "MediaPipelineArn": PIPELINE_ARN,
        "MediaPipelineId": PIPELINE_ID,
        "NextToken": "eyJwYWdlIjoyfQ==",
        "OutputEncryptionKMSKeyId": KMS_KEY_ARN,
        "OutputLocation": f"s3://call-analytics-{ACCOUNT}/output/",
        "PiiEntityTypes": "NAME,ADDRESS",
        "PoolArn": POOL_ARN,
        "PoolId": POOL_ID,
        "PoolName": POOL_NAME,
        "Region": REGION,
        "ResourceARN": PIPELINE_ARN,
        "ResourceAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ChimeMediaInsights",
        "RuleName": "escalation-keywords",
        "SinkArn": f"arn:aws:s3:::meeting-recordings-{ACCOUNT}",
        "SinkIamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ChimeCaptureSink",
        "SourceArn": MEETING_ARN,
        "StreamArn": STREAM_ARN,
        "TileAspectRatio": "16/9",
        "Url": "rtmps://live.example.com:443/app/meeting-stream",
        "VocabularyFilterName": "profanity",
        "VocabularyFilterNames": "profanity,internal",
        "VocabularyName": "support-terms",
        "VocabularyNames": "support-terms,product-names",
        "VoiceProfileDomainArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:voice-profile-domain/{MEETING_ID}",
    },
}

ATTENDEE_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
FRAGMENT_NUMBER = "91343852333181432392682062622220590765191907586"
STRING_BY_MEMBER |= {
    MEETINGS: {
        "AttendeeId": ATTENDEE_ID,
        "ClientRequestToken": TOKEN,
        "ContentIdentificationType": "PII",
        "ContentRedactionType": "PII",
        "CustomLanguageModelName": "support-model",
        "ErrorCode": "Conflict",
        "ErrorMessage": "The attendee already exists",
        "ExternalMeetingId": "standup-2024-05-01",
        "ExternalUserId": "user-42@example.com",
        "JoinToken": "ZjE2YTQyZmEtMjQ1OS00MjNlLWE0ZjQtNmQ0MzMwZDAyNDg3",
        "Key": "team",
        "LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:meeting-events",
        "LanguageModelName": "support-model",
        "LanguageOptions": "en-US,es-US",
        "MediaRegion": REGION,
        "MeetingArn": MEETING_ARN,
        "MeetingHostId": "host-42",
        "MeetingId": MEETING_ID,
        "PiiEntityTypes": "NAME,ADDRESS",
        "PreferredLanguage": "en-US",
        "PrimaryMeetingId": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f",
        "ResourceARN": MEETING_ARN,
        "SnsTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:meeting-events",
        "SqsQueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:meeting-events",
        "Value": "video",
        "VocabularyFilterName": "profanity",
        "VocabularyFilterNames": "profanity,internal",
        "VocabularyName": "support-terms",
        "VocabularyNames": "support-terms,product-names",
        "AudioHostUrl": "abc.k.m1.ue1.app.chime.aws:3478",
        "AudioFallbackUrl": "wss://haxrp.m1.ue1.app.chime.aws:443/calls/standup",
        "SignalingUrl": "wss://signal.m1.ue1.app.chime.aws/control/standup",
        "TurnControlUrl": "https://2713.cell.us-east-1.meetings.chime.aws/v2/turn_sessions",
        "ScreenDataUrl": "wss://bitpw.m1.ue1.app.chime.aws:443/v2/screen/standup",
        "ScreenViewingUrl": "wss://bitpw.m1.ue1.app.chime.aws:443/ws/connect?passcode=null",
        "ScreenSharingUrl": "wss://bitpw.m1.ue1.app.chime.aws:443/v2/screen/standup",
        "EventIngestionUrl": "https://data.svc.ue1.ingest.chime.aws/v1/client-events",
        "TenantIds": "tenant-0042",
    },
    GET_MEDIA: {
        "StreamARN": STREAM_ARN,
        "StreamName": "front-door-camera",
        "AfterFragmentNumber": FRAGMENT_NUMBER,
        "ContinuationToken": "91343852333181432392682062622220590765191907586_1",
        "ContentType": "video.webm",
    },
    ARCHIVED: {
        "StreamARN": STREAM_ARN,
        "StreamName": "front-door-camera",
        "ContentType": "video.mp4",
        "FragmentNumber": FRAGMENT_NUMBER,
        "HLSStreamingSessionURL": f"{DATA_ENDPOINT}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=CiAb",
        "DASHStreamingSessionURL": f"{DATA_ENDPOINT}/dash/v1/getDASHManifest.mpd?SessionToken=CiAb",
        "NextToken": "eyJwYWdlIjoyfQ==",
        "FormatConfigValue": "80",
        "Fragments": FRAGMENT_NUMBER,
        "ImageContent": "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8U",
    },
    STORAGE: {"channelArn": CHANNEL_ARN, "clientId": "viewer-1"},
}

STRING_BY_SHAPE: dict[str, str] = {
    "GuidString": "6f1d2c3b-4a59-4e8d-9c7b-1a2b3c4d5e6f",
    "TagKey": "team",
    "TagValue": "video",
    "FormatConfigValue": "80",
    "CategoryName": "escalation",
    "Keyword": "refund",
    "ExternalUserIdType": "agent-42",
    "NonEmptyString": "callId",
    "String": "call-0001",
    "Uri": "turn:35-90-63-38.t-ae7dd61a.kinesisvideo.us-east-1.amazonaws.com:443?transport=udp",
}

_FALLBACK_STRINGS = ("sample-value-1", "sample1", "ab", "a", "1")


def _fits(value: str, shape: Shape) -> bool:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and len(value) < low:
        return False
    if high is not None and len(value) > high:
        return False
    pattern = shape.metadata.get("pattern")
    return pattern is None or regex.search(pattern, value) is not None


def _string(service: str, member: str | None, shape: Shape) -> str:
    if shape.enum:
        return str(shape.enum[0])
    candidates = [
        *([STRING_BY_MEMBER[service][member]] if member in STRING_BY_MEMBER[service] else []),
        *([STRING_BY_SHAPE[shape.name]] if shape.name in STRING_BY_SHAPE else []),
        *_FALLBACK_STRINGS,
    ]
    for value in candidates:
        if _fits(value, shape):
            if value in _FALLBACK_STRINGS:
                # Keep the tables honest: every string a case sends is one a reader recognises.
                raise AssertionError(f"no realistic value for {service} {member} ({shape.name})")
            return value
    raise AssertionError(f"no value fits {service} {member} ({shape.name} {shape.metadata})")


def _number(shape: Shape, preferred: float) -> float:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    value = preferred
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    return value


def wire_value(service: str, shape: Shape, member: str | None = None, path: tuple[str, ...] = ()) -> Any:
    """A value for `shape` as botocore takes and returns it, with every member filled."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        for name, member_shape in shape.members.items():
            if member_shape.name in path:  # a recursive shape: stop here (only if optional)
                assert name not in shape.required_members, f"recursive required member {name}"
                continue
            out[name] = wire_value(service, member_shape, name, (*path, shape.name))
        return out
    if kind == "list":
        count = max(1, shape.metadata.get("min", 1))
        return [wire_value(service, shape.member, member, path) for _ in range(count)]
    if kind == "map":
        key = wire_value(service, shape.key, None, path)
        return {key: wire_value(service, shape.value, None, path)}
    if kind == "string":
        return _string(service, member, shape)
    if kind in ("integer", "long"):
        return int(_number(shape, 24))
    if kind in ("float", "double"):
        return float(_number(shape, 0.5))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return CREATED
    if kind == "blob":
        return b"\x00\x01kvs"
    raise AssertionError(f"unhandled shape type {kind} ({shape.name})")


# --------------------------------------------------------------------------------------------
# Typed <-> wire, read independently of the package's converter (from the fields' metadata)
# --------------------------------------------------------------------------------------------


def _typed_value(value: Any, spec: Spec) -> Any:
    if spec.kind == "structure":
        assert spec.cls is not None
        return typed_from_wire(spec.cls, value)
    if spec.kind == "list":
        assert spec.member is not None
        return [_typed_value(item, spec.member) for item in value]
    if spec.kind == "map":
        assert spec.key is not None and spec.member is not None
        return {_typed_value(k, spec.key): _typed_value(v, spec.member) for k, v in value.items()}
    if spec.enum is not None:
        return spec.enum(value)
    return value


def typed_from_wire(cls: type[Any], wire: dict[str, Any]) -> Any:
    """Build the typed shape `cls` from a wire dict, enum members as enum members."""
    by_wire = {f.metadata[WIRE]: f for f in attrs.fields(cls)}
    unknown = set(wire) - set(by_wire)
    assert not unknown, f"{cls.__name__} has no fields for model members {sorted(unknown)}"
    return cls(**{by_wire[k].name: _typed_value(v, by_wire[k].metadata[SPEC]) for k, v in wire.items()})


def _assert_value(typed: Any, raw: Any, spec: Spec, path: str) -> None:
    if spec.kind == "structure":
        assert spec.cls is not None
        assert isinstance(typed, spec.cls), f"{path}: {type(typed).__name__} is not {spec.cls.__name__}"
        assert_typed_matches_wire(typed, raw, path)
    elif spec.kind == "list":
        assert spec.member is not None
        assert isinstance(typed, list), path
        assert len(typed) == len(raw), path
        for index, (t, r) in enumerate(zip(typed, raw, strict=True)):
            _assert_value(t, r, spec.member, f"{path}[{index}]")
    elif spec.kind == "map":
        assert spec.key is not None and spec.member is not None
        assert isinstance(typed, dict), path
        assert list(typed) == list(raw), path
        if spec.key.enum is not None:
            assert all(type(k) is spec.key.enum for k in typed), f"{path}: keys {list(typed)!r}"
        for key in raw:
            _assert_value(typed[key], raw[key], spec.member, f"{path}[{key!r}]")
    elif spec.enum is not None:
        assert typed == raw, path
        # A value the model knows comes back as the enum member, not a bare str.
        assert type(typed) is spec.enum, f"{path}: {typed!r} is not a {spec.enum.__name__}"
    else:
        expected = {
            "string": str,
            "integer": int,
            "long": int,
            "float": float,
            "double": float,
            "boolean": bool,
            "timestamp": datetime.datetime,
            "blob": (bytes, bytearray),
        }[spec.kind]
        if isinstance(typed, PayloadStream):  # a streaming payload: its bytes are what was sent
            with typed:
                typed = typed.read()
        assert isinstance(typed, expected), f"{path}: {typed!r} is not {spec.kind}"
        assert typed == raw, f"{path}: {typed!r} != {raw!r}"


def assert_typed_matches_wire(typed: Any, raw: dict[str, Any], path: str = "$") -> None:
    """Every member stubbed is readable through its typed field; every other field is None."""
    for f in attrs.fields(type(typed)):
        wire = f.metadata[WIRE]
        value = getattr(typed, f.name)
        if wire in raw:
            _assert_value(value, raw[wire], f.metadata[SPEC], f"{path}.{f.name}")
        else:
            assert value is None, f"{path}.{f.name} should be None, got {value!r}"
    known = {f.metadata[WIRE] for f in attrs.fields(type(typed))}
    missing = set(raw) - known - {"ResponseMetadata"}
    assert not missing, f"{path}: {type(typed).__name__} drops members {sorted(missing)}"


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

# The API surface the tests cover, as of botocore 1.44.5. A model update that adds an
# operation makes `test_sweep_covers_every_operation` fail until a case is added here.
OPERATIONS: dict[str, tuple[str, ...]] = {
    KVS: (
        "CreateSignalingChannel",
        "CreateStream",
        "DeleteEdgeConfiguration",
        "DeleteSignalingChannel",
        "DeleteStream",
        "DescribeEdgeConfiguration",
        "DescribeImageGenerationConfiguration",
        "DescribeMappedResourceConfiguration",
        "DescribeMediaStorageConfiguration",
        "DescribeNotificationConfiguration",
        "DescribeSignalingChannel",
        "DescribeStream",
        "DescribeStreamStorageConfiguration",
        "GetDataEndpoint",
        "GetSignalingChannelEndpoint",
        "ListEdgeAgentConfigurations",
        "ListSignalingChannels",
        "ListStreams",
        "ListTagsForResource",
        "ListTagsForStream",
        "StartEdgeConfigurationUpdate",
        "TagResource",
        "TagStream",
        "UntagResource",
        "UntagStream",
        "UpdateDataRetention",
        "UpdateImageGenerationConfiguration",
        "UpdateMediaStorageConfiguration",
        "UpdateNotificationConfiguration",
        "UpdateSignalingChannel",
        "UpdateStream",
        "UpdateStreamStorageConfiguration",
    ),
    SIGNALING: ("GetIceServerConfig", "SendAlexaOfferToMaster"),
    MEETINGS: (
        "BatchCreateAttendee",
        "BatchUpdateAttendeeCapabilitiesExcept",
        "CreateAttendee",
        "CreateMeeting",
        "CreateMeetingWithAttendees",
        "DeleteAttendee",
        "DeleteMeeting",
        "GetAttendee",
        "GetMeeting",
        "ListAttendees",
        "ListTagsForResource",
        "StartMeetingTranscription",
        "StopMeetingTranscription",
        "TagResource",
        "UntagResource",
        "UpdateAttendeeCapabilities",
    ),
    GET_MEDIA: ("GetMedia",),
    ARCHIVED: (
        "GetClip",
        "GetDASHStreamingSessionURL",
        "GetHLSStreamingSessionURL",
        "GetImages",
        "GetMediaForFragmentList",
        "ListFragments",
    ),
    STORAGE: ("JoinStorageSession", "JoinStorageSessionAsViewer"),
    MEDIA: (
        "CreateMediaCapturePipeline",
        "CreateMediaConcatenationPipeline",
        "CreateMediaInsightsPipeline",
        "CreateMediaInsightsPipelineConfiguration",
        "CreateMediaLiveConnectorPipeline",
        "CreateMediaPipelineKinesisVideoStreamPool",
        "CreateMediaStreamPipeline",
        "DeleteMediaCapturePipeline",
        "DeleteMediaInsightsPipelineConfiguration",
        "DeleteMediaPipeline",
        "DeleteMediaPipelineKinesisVideoStreamPool",
        "GetMediaCapturePipeline",
        "GetMediaInsightsPipelineConfiguration",
        "GetMediaPipeline",
        "GetMediaPipelineKinesisVideoStreamPool",
        "GetSpeakerSearchTask",
        "GetVoiceToneAnalysisTask",
        "ListMediaCapturePipelines",
        "ListMediaInsightsPipelineConfigurations",
        "ListMediaPipelineKinesisVideoStreamPools",
        "ListMediaPipelines",
        "ListTagsForResource",
        "StartSpeakerSearchTask",
        "StartVoiceToneAnalysisTask",
        "StopSpeakerSearchTask",
        "StopVoiceToneAnalysisTask",
        "TagResource",
        "UntagResource",
        "UpdateMediaInsightsPipelineConfiguration",
        "UpdateMediaInsightsPipelineStatus",
        "UpdateMediaPipelineKinesisVideoStreamPool",
    ),
}

# The operations the brief singles out: each must have a hand-written case.
MUST_HAND_WRITE: dict[str, set[str]] = {
    KVS: {
        "CreateSignalingChannel",
        "DescribeSignalingChannel",
        "ListSignalingChannels",
        "UpdateSignalingChannel",
        "DeleteSignalingChannel",
        "GetSignalingChannelEndpoint",
        "CreateStream",
        "DescribeStream",
        "ListStreams",
        "DeleteStream",
        "GetDataEndpoint",
        "TagResource",
        "UntagResource",
        "ListTagsForResource",
    },
    SIGNALING: {"GetIceServerConfig"},
    MEETINGS: {"CreateMeeting", "CreateAttendee", "BatchCreateAttendee", "DeleteMeeting"},
    GET_MEDIA: {"GetMedia"},
    ARCHIVED: {"ListFragments", "GetMediaForFragmentList"},
    STORAGE: {"JoinStorageSession"},
    MEDIA: {
        "CreateMediaPipelineKinesisVideoStreamPool",
        "GetMediaPipelineKinesisVideoStreamPool",
        "ListMediaPipelineKinesisVideoStreamPools",
        "UpdateMediaPipelineKinesisVideoStreamPool",
        "DeleteMediaPipelineKinesisVideoStreamPool",
        "CreateMediaStreamPipeline",
        "GetMediaPipeline",
        "ListMediaPipelines",
        "DeleteMediaPipeline",
    },
}

Case = Callable[[Harness], None]
HAND_WRITTEN: dict[tuple[str, str], Case] = {}


def hand_written(service: str, operation: str) -> Callable[[Case], Case]:
    def register(case: Case) -> Case:
        assert (service, operation) not in HAND_WRITTEN
        HAND_WRITTEN[(service, operation)] = case
        return case

    return register


def model_driven(operation: str) -> Case:
    def case(h: Harness) -> None:
        op_model = h.client.meta.service_model.operation_model(operation)
        method = xform_name(operation)
        params = wire_value(h.service, op_model.input_shape) if op_model.input_shape else {}
        response = wire_value(h.service, op_model.output_shape) if op_model.output_shape else {}
        request = typed_from_wire(getattr(h.shapes, f"{operation}Request"), params)
        h.expect(method, streamed(op_model, response), params)

        result = getattr(h.facade, method)(request)

        if op_model.output_shape is None:
            assert result is None
        else:
            response_cls = getattr(h.shapes, f"{operation}Response")
            assert type(result) is response_cls
            assert_typed_matches_wire(result, response)
        assert_last_call(operation, token=params.get("ClientRequestToken"))

    return case


def streamed(op_model: Any, response: dict[str, Any]) -> dict[str, Any]:
    """`response` with its streaming payload as botocore hands it over: a `StreamingBody` on
    the bytes (the HTTP body still to be read), not the bytes themselves."""
    payload = op_model.output_shape.serialization.get("payload") if op_model.output_shape else None
    if payload is None or not op_model.has_streaming_output:
        return response
    data = response[payload]
    return {**response, payload: StreamingBody(io.BytesIO(data), len(data))}


def run_case(service: str, case: Case) -> list[str]:
    """Run one case against a fresh stubbed client; return the operations it sent."""
    with Harness(service) as h:
        case(h)
        h.stubber.assert_no_pending_responses()
    assert not h.sleeps, "a case slept: something was retried"
    return h.sent


MODEL_DRIVEN = [(service, op) for service, ops in OPERATIONS.items() for op in ops]


@pytest.mark.parametrize(("service", "operation"), MODEL_DRIVEN, ids=[f"{s}:{o}" for s, o in MODEL_DRIVEN])
def test_model_driven_operation(service: str, operation: str) -> None:
    assert run_case(service, model_driven(operation)) == [operation]


# -- Kinesis Video Streams: signaling channels ------------------------------------------------


@hand_written(KVS, "CreateSignalingChannel")
def create_signaling_channel(h: Harness) -> None:
    h.expect(
        "create_signaling_channel",
        {"ChannelARN": CHANNEL_ARN, **meta("req-create-channel")},
        {
            "ChannelName": "front-door",
            "ChannelType": "SINGLE_MASTER",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
            "Tags": [{"Key": "team", "Value": "video"}, {"Key": "env", "Value": "prod"}],
        },
    )
    resp = h.facade.create_signaling_channel(
        kvs.CreateSignalingChannelRequest(
            channel_name="front-door",
            channel_type=kvs.ChannelType.SINGLE_MASTER,
            single_master_configuration=kvs.SingleMasterConfiguration(message_ttl_seconds=60),
            tags=[kvs.Tag(key="team", value="video"), kvs.Tag(key="env", value="prod")],
        )
    )
    assert type(resp) is kvs.CreateSignalingChannelResponse
    assert resp.channel_arn == CHANNEL_ARN
    # What went on the wire: enum members serialised as their values.
    assert h.http[-1]["method"] == "POST"
    assert h.http[-1]["url_path"] == "/createSignalingChannel"
    assert h.json_body() == {
        "ChannelName": "front-door",
        "ChannelType": "SINGLE_MASTER",
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        "Tags": [{"Key": "team", "Value": "video"}, {"Key": "env", "Value": "prod"}],
    }
    assert_last_call("CreateSignalingChannel", request_id="req-create-channel")


@hand_written(KVS, "DescribeSignalingChannel")
def describe_signaling_channel(h: Harness) -> None:
    h.expect(
        "describe_signaling_channel",
        {
            "ChannelInfo": {
                "ChannelName": "front-door",
                "ChannelARN": CHANNEL_ARN,
                "ChannelType": "SINGLE_MASTER",
                "ChannelStatus": "ACTIVE",
                "CreationTime": CREATED,
                "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
                "Version": "a1b2c3d4e5f6",
            }
        },
        {"ChannelName": "front-door"},
    )
    resp = h.facade.describe_signaling_channel(kvs.DescribeSignalingChannelRequest(channel_name="front-door"))
    assert type(resp) is kvs.DescribeSignalingChannelResponse
    info = resp.channel_info
    assert isinstance(info, kvs.ChannelInfo)
    assert info.channel_status is kvs.Status.ACTIVE
    assert info.channel_type is kvs.ChannelType.SINGLE_MASTER
    assert info.channel_arn == CHANNEL_ARN
    assert info.creation_time == CREATED
    assert info.single_master_configuration == kvs.SingleMasterConfiguration(message_ttl_seconds=60)
    assert info.version == "a1b2c3d4e5f6"
    assert_last_call("DescribeSignalingChannel")


def _channel(name: str, status: str = "ACTIVE", number: int = 0) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "ChannelARN": f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/{name}/170000000000{number}",
        "ChannelType": "SINGLE_MASTER",
        "ChannelStatus": status,
        "CreationTime": CREATED,
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        "Version": f"v{number}",
    }


@hand_written(KVS, "ListSignalingChannels")
def list_signaling_channels(h: Harness) -> None:
    h.expect(
        "list_signaling_channels",
        {
            "ChannelInfoList": [_channel("front-door", "ACTIVE", 1), _channel("front-garden", "CREATING", 2)],
            "NextToken": "eyJwYWdlIjoyfQ==",
        },
        {
            "MaxResults": 2,
            "ChannelNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "front"},
        },
    )
    resp = h.facade.list_signaling_channels(
        kvs.ListSignalingChannelsRequest(
            max_results=2,
            channel_name_condition=kvs.ChannelNameCondition(
                comparison_operator=kvs.ComparisonOperator.BEGINS_WITH, comparison_value="front"
            ),
        )
    )
    assert type(resp) is kvs.ListSignalingChannelsResponse
    assert resp.next_token == "eyJwYWdlIjoyfQ=="
    assert resp.channel_info_list is not None
    assert [c.channel_name for c in resp.channel_info_list] == ["front-door", "front-garden"]
    assert [c.channel_status for c in resp.channel_info_list] == [kvs.Status.ACTIVE, kvs.Status.CREATING]
    assert all(isinstance(c, kvs.ChannelInfo) for c in resp.channel_info_list)
    assert_last_call("ListSignalingChannels")


@hand_written(KVS, "UpdateSignalingChannel")
def update_signaling_channel(h: Harness) -> None:
    h.expect(
        "update_signaling_channel",
        {},
        {
            "ChannelARN": CHANNEL_ARN,
            "CurrentVersion": "a1b2c3d4e5f6",
            "SingleMasterConfiguration": {"MessageTtlSeconds": 120},
        },
    )
    resp = h.facade.update_signaling_channel(
        kvs.UpdateSignalingChannelRequest(
            channel_arn=CHANNEL_ARN,
            current_version="a1b2c3d4e5f6",
            single_master_configuration=kvs.SingleMasterConfiguration(message_ttl_seconds=120),
        )
    )
    assert type(resp) is kvs.UpdateSignalingChannelResponse
    assert resp == kvs.UpdateSignalingChannelResponse()
    assert_last_call("UpdateSignalingChannel")


@hand_written(KVS, "DeleteSignalingChannel")
def delete_signaling_channel(h: Harness) -> None:
    h.expect(
        "delete_signaling_channel",
        meta("req-delete-channel"),
        {"ChannelARN": CHANNEL_ARN, "CurrentVersion": "a1b2c3d4e5f6"},
    )
    resp = h.facade.delete_signaling_channel(
        kvs.DeleteSignalingChannelRequest(channel_arn=CHANNEL_ARN, current_version="a1b2c3d4e5f6")
    )
    assert type(resp) is kvs.DeleteSignalingChannelResponse
    assert resp == kvs.DeleteSignalingChannelResponse()
    assert_last_call("DeleteSignalingChannel", request_id="req-delete-channel")


@hand_written(KVS, "GetSignalingChannelEndpoint")
def get_signaling_channel_endpoint(h: Harness) -> None:
    h.expect(
        "get_signaling_channel_endpoint",
        {
            "ResourceEndpointList": [
                {
                    "Protocol": "WSS",
                    "ResourceEndpoint": "wss://m-26d02974.kinesisvideo.us-east-1.amazonaws.com",
                },
                {"Protocol": "HTTPS", "ResourceEndpoint": SIGNALING_ENDPOINT},
            ]
        },
        {
            "ChannelARN": CHANNEL_ARN,
            "SingleMasterChannelEndpointConfiguration": {"Protocols": ["WSS", "HTTPS"], "Role": "MASTER"},
        },
    )
    resp = h.facade.get_signaling_channel_endpoint(
        kvs.GetSignalingChannelEndpointRequest(
            channel_arn=CHANNEL_ARN,
            single_master_channel_endpoint_configuration=kvs.SingleMasterChannelEndpointConfiguration(
                protocols=[kvs.ChannelProtocol.WSS, kvs.ChannelProtocol.HTTPS], role=kvs.ChannelRole.MASTER
            ),
        )
    )
    assert type(resp) is kvs.GetSignalingChannelEndpointResponse
    assert resp.resource_endpoint_list is not None
    endpoints = {e.protocol: e.resource_endpoint for e in resp.resource_endpoint_list}
    assert endpoints == {
        kvs.ChannelProtocol.WSS: "wss://m-26d02974.kinesisvideo.us-east-1.amazonaws.com",
        kvs.ChannelProtocol.HTTPS: SIGNALING_ENDPOINT,
    }
    assert resp.resource_endpoint_list[1].protocol is kvs.ChannelProtocol.HTTPS
    assert h.json_body()["SingleMasterChannelEndpointConfiguration"] == {
        "Protocols": ["WSS", "HTTPS"],
        "Role": "MASTER",
    }
    assert_last_call("GetSignalingChannelEndpoint")


# -- Kinesis Video Streams: streams ------------------------------------------------------------


@hand_written(KVS, "CreateStream")
def create_stream(h: Harness) -> None:
    h.expect(
        "create_stream",
        {"StreamARN": STREAM_ARN, **meta("req-create-stream")},
        {
            "DeviceName": "doorbell-cam-01",
            "StreamName": "front-door-camera",
            "MediaType": "video/h264",
            "KmsKeyId": KMS_KEY_ARN,
            "DataRetentionInHours": 24,
            "Tags": {"team": "video", "site": "hq"},
            "StreamStorageConfiguration": {"DefaultStorageTier": "HOT"},
        },
    )
    resp = h.facade.create_stream(
        kvs.CreateStreamRequest(
            device_name="doorbell-cam-01",
            stream_name="front-door-camera",
            media_type="video/h264",
            kms_key_id=KMS_KEY_ARN,
            data_retention_in_hours=24,
            tags={"team": "video", "site": "hq"},
            stream_storage_configuration=kvs.StreamStorageConfiguration(
                default_storage_tier=kvs.DefaultStorageTier.HOT
            ),
        )
    )
    assert type(resp) is kvs.CreateStreamResponse
    assert resp.stream_arn == STREAM_ARN
    assert_last_call("CreateStream", request_id="req-create-stream")


def _stream(name: str, status: str = "ACTIVE", number: int = 0) -> dict[str, Any]:
    return {
        "DeviceName": "doorbell-cam-01",
        "StreamName": name,
        "StreamARN": f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/{name}/170000000000{number}",
        "MediaType": "video/h264",
        "KmsKeyId": KMS_KEY_ARN,
        "Version": f"v{number}",
        "Status": status,
        "CreationTime": CREATED,
        "DataRetentionInHours": 24,
    }


@hand_written(KVS, "DescribeStream")
def describe_stream(h: Harness) -> None:
    raw = _stream("front-door-camera", "ACTIVE", 1)
    h.expect("describe_stream", {"StreamInfo": raw}, {"StreamARN": STREAM_ARN})
    resp = h.facade.describe_stream(kvs.DescribeStreamRequest(stream_arn=STREAM_ARN))
    assert type(resp) is kvs.DescribeStreamResponse
    info = resp.stream_info
    assert isinstance(info, kvs.StreamInfo)
    assert info.status is kvs.Status.ACTIVE
    assert info.stream_name == "front-door-camera"
    assert info.data_retention_in_hours == 24
    assert info.creation_time == CREATED
    assert info.media_type == "video/h264"
    assert_last_call("DescribeStream")


@hand_written(KVS, "ListStreams")
def list_streams(h: Harness) -> None:
    h.expect(
        "list_streams",
        {
            "StreamInfoList": [
                _stream("front-door-camera", "ACTIVE", 1),
                _stream("front-garden-camera", "DELETING", 2),
            ]
        },
        {
            "MaxResults": 10,
            "StreamNameCondition": {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "front"},
        },
    )
    resp = h.facade.list_streams(
        kvs.ListStreamsRequest(
            max_results=10,
            stream_name_condition=kvs.StreamNameCondition(
                comparison_operator=kvs.ComparisonOperator.BEGINS_WITH, comparison_value="front"
            ),
        )
    )
    assert type(resp) is kvs.ListStreamsResponse
    assert resp.next_token is None
    assert resp.stream_info_list is not None
    assert [s.status for s in resp.stream_info_list] == [kvs.Status.ACTIVE, kvs.Status.DELETING]
    assert resp.stream_info_list[1].stream_name == "front-garden-camera"
    assert_last_call("ListStreams")


@hand_written(KVS, "DeleteStream")
def delete_stream(h: Harness) -> None:
    h.expect("delete_stream", {}, {"StreamARN": STREAM_ARN, "CurrentVersion": "v1"})
    resp = h.facade.delete_stream(kvs.DeleteStreamRequest(stream_arn=STREAM_ARN, current_version="v1"))
    assert type(resp) is kvs.DeleteStreamResponse
    assert_last_call("DeleteStream")


@hand_written(KVS, "GetDataEndpoint")
def get_data_endpoint(h: Harness) -> None:
    endpoint = "https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com"
    h.expect(
        "get_data_endpoint",
        {"DataEndpoint": endpoint},
        {"StreamName": "front-door-camera", "APIName": "GET_HLS_STREAMING_SESSION_URL"},
    )
    resp = h.facade.get_data_endpoint(
        kvs.GetDataEndpointRequest(
            stream_name="front-door-camera", api_name=kvs.APIName.GET_HLS_STREAMING_SESSION_URL
        )
    )
    assert type(resp) is kvs.GetDataEndpointResponse
    assert resp.data_endpoint == endpoint
    assert_last_call("GetDataEndpoint")


# -- Kinesis Video Streams: tags on signaling channels ------------------------------------------


@hand_written(KVS, "TagResource")
def tag_resource(h: Harness) -> None:
    h.expect(
        "tag_resource",
        {},
        {
            "ResourceARN": CHANNEL_ARN,
            "Tags": [{"Key": "team", "Value": "video"}, {"Key": "cost-center", "Value": "4711"}],
        },
    )
    resp = h.facade.tag_resource(
        kvs.TagResourceRequest(
            resource_arn=CHANNEL_ARN,
            tags=[kvs.Tag(key="team", value="video"), kvs.Tag(key="cost-center", value="4711")],
        )
    )
    assert type(resp) is kvs.TagResourceResponse
    assert_last_call("TagResource")


@hand_written(KVS, "UntagResource")
def untag_resource(h: Harness) -> None:
    h.expect("untag_resource", {}, {"ResourceARN": CHANNEL_ARN, "TagKeyList": ["cost-center"]})
    resp = h.facade.untag_resource(
        kvs.UntagResourceRequest(resource_arn=CHANNEL_ARN, tag_key_list=["cost-center"])
    )
    assert type(resp) is kvs.UntagResourceResponse
    assert_last_call("UntagResource")


@hand_written(KVS, "ListTagsForResource")
def list_tags_for_resource(h: Harness) -> None:
    h.expect(
        "list_tags_for_resource",
        {"Tags": {"team": "video", "env": "prod"}},
        {"ResourceARN": CHANNEL_ARN},
    )
    resp = h.facade.list_tags_for_resource(kvs.ListTagsForResourceRequest(resource_arn=CHANNEL_ARN))
    assert type(resp) is kvs.ListTagsForResourceResponse
    assert resp.tags == {"team": "video", "env": "prod"}
    assert resp.next_token is None
    assert_last_call("ListTagsForResource")


# -- Signaling ----------------------------------------------------------------------------------


@hand_written(SIGNALING, "GetIceServerConfig")
def get_ice_server_config(h: Harness) -> None:
    turn = "turn:35-90-63-38.t-ae7dd61a.kinesisvideo.us-east-1.amazonaws.com:443"
    h.expect(
        "get_ice_server_config",
        {
            "IceServerList": [
                {
                    "Uris": [f"{turn}?transport=udp", f"turns:{turn[5:]}?transport=tcp"],
                    "Username": "1700000300-viewer-1",
                    "Password": "wJalrXUtnFEMI-K7MDENG",
                    "Ttl": 300,
                },
                {
                    "Uris": [f"{turn}?transport=tcp"],
                    "Username": "1700000300-viewer-1",
                    "Password": "x9",
                    "Ttl": 300,
                },
            ]
        },
        {"ChannelARN": CHANNEL_ARN, "ClientId": "viewer-1", "Service": "TURN"},
    )
    resp = h.facade.get_ice_server_config(
        sig.GetIceServerConfigRequest(channel_arn=CHANNEL_ARN, client_id="viewer-1", service=sig.Service.TURN)
    )
    assert type(resp) is sig.GetIceServerConfigResponse
    assert resp.ice_server_list is not None
    assert len(resp.ice_server_list) == 2
    first = resp.ice_server_list[0]
    assert isinstance(first, sig.IceServer)
    assert first.ttl == 300
    assert first.username == "1700000300-viewer-1"
    assert first.uris == [f"{turn}?transport=udp", f"turns:{turn[5:]}?transport=tcp"]
    assert h.http[-1]["url"] == f"{SIGNALING_ENDPOINT}/v1/get-ice-server-config"
    assert h.json_body() == {"ChannelARN": CHANNEL_ARN, "ClientId": "viewer-1", "Service": "TURN"}
    assert_last_call("GetIceServerConfig")


# -- Media pipelines: Kinesis video stream pools -------------------------------------------------


def _pool(status: str = "ACTIVE", retention: int = 24) -> dict[str, Any]:
    return {
        "PoolArn": POOL_ARN,
        "PoolName": POOL_NAME,
        "PoolId": POOL_ID,
        "PoolStatus": status,
        "PoolSize": 0,
        "StreamConfiguration": {"Region": REGION, "DataRetentionInHours": retention},
        "CreatedTimestamp": CREATED,
        "UpdatedTimestamp": UPDATED,
    }


@hand_written(MEDIA, "CreateMediaPipelineKinesisVideoStreamPool")
def create_stream_pool(h: Harness) -> None:
    h.expect(
        "create_media_pipeline_kinesis_video_stream_pool",
        {"KinesisVideoStreamPoolConfiguration": _pool("CREATING"), **meta("req-create-pool")},
        {
            "StreamConfiguration": {"Region": REGION, "DataRetentionInHours": 24},
            "PoolName": POOL_NAME,
            "ClientRequestToken": ANY,
            "Tags": [{"Key": "team", "Value": "video"}],
        },
    )
    resp = h.facade.create_media_pipeline_kinesis_video_stream_pool(
        mp.CreateMediaPipelineKinesisVideoStreamPoolRequest(
            stream_configuration=mp.KinesisVideoStreamConfiguration(
                region=REGION, data_retention_in_hours=24
            ),
            pool_name=POOL_NAME,
            tags=[mp.Tag(key="team", value="video")],
        )
    )
    assert type(resp) is mp.CreateMediaPipelineKinesisVideoStreamPoolResponse
    pool = resp.kinesis_video_stream_pool_configuration
    assert isinstance(pool, mp.KinesisVideoStreamPoolConfiguration)
    assert pool.pool_status is mp.KinesisVideoStreamPoolStatus.CREATING
    assert pool.pool_arn == POOL_ARN
    assert pool.stream_configuration == mp.KinesisVideoStreamConfiguration(
        region=REGION, data_retention_in_hours=24
    )
    # The facade made the token (a UUID), sent it, and reports it.
    sent = h.params[-1]["ClientRequestToken"]
    assert str(uuid.UUID(sent)) == sent
    assert_last_call("CreateMediaPipelineKinesisVideoStreamPool", request_id="req-create-pool", token=sent)


@hand_written(MEDIA, "GetMediaPipelineKinesisVideoStreamPool")
def get_stream_pool(h: Harness) -> None:
    h.expect(
        "get_media_pipeline_kinesis_video_stream_pool",
        {"KinesisVideoStreamPoolConfiguration": _pool("ACTIVE")},
        {"Identifier": POOL_NAME},
    )
    resp = h.facade.get_media_pipeline_kinesis_video_stream_pool(
        mp.GetMediaPipelineKinesisVideoStreamPoolRequest(identifier=POOL_NAME)
    )
    assert type(resp) is mp.GetMediaPipelineKinesisVideoStreamPoolResponse
    pool = resp.kinesis_video_stream_pool_configuration
    assert pool is not None
    assert pool.pool_status is mp.KinesisVideoStreamPoolStatus.ACTIVE
    assert pool.pool_size == 0
    assert pool.pool_id == POOL_ID
    assert pool.updated_timestamp == UPDATED
    assert_last_call("GetMediaPipelineKinesisVideoStreamPool")


@hand_written(MEDIA, "ListMediaPipelineKinesisVideoStreamPools")
def list_stream_pools(h: Harness) -> None:
    h.expect(
        "list_media_pipeline_kinesis_video_stream_pools",
        {
            "KinesisVideoStreamPools": [
                {"PoolName": POOL_NAME, "PoolId": POOL_ID, "PoolArn": POOL_ARN},
                {
                    "PoolName": "webinar-audio",
                    "PoolId": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
                    "PoolArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline-kinesis-video-stream-pool/webinar-audio",
                },
            ]
        },
        {"MaxResults": 50},
    )
    resp = h.facade.list_media_pipeline_kinesis_video_stream_pools(
        mp.ListMediaPipelineKinesisVideoStreamPoolsRequest(max_results=50)
    )
    assert type(resp) is mp.ListMediaPipelineKinesisVideoStreamPoolsResponse
    assert resp.kinesis_video_stream_pools is not None
    assert [p.pool_name for p in resp.kinesis_video_stream_pools] == [POOL_NAME, "webinar-audio"]
    assert isinstance(resp.kinesis_video_stream_pools[0], mp.KinesisVideoStreamPoolSummary)
    assert resp.next_token is None
    assert_last_call("ListMediaPipelineKinesisVideoStreamPools")


@hand_written(MEDIA, "UpdateMediaPipelineKinesisVideoStreamPool")
def update_stream_pool(h: Harness) -> None:
    h.expect(
        "update_media_pipeline_kinesis_video_stream_pool",
        {"KinesisVideoStreamPoolConfiguration": _pool("UPDATING", retention=48)},
        {"Identifier": POOL_ARN, "StreamConfiguration": {"DataRetentionInHours": 48}},
    )
    resp = h.facade.update_media_pipeline_kinesis_video_stream_pool(
        mp.UpdateMediaPipelineKinesisVideoStreamPoolRequest(
            identifier=POOL_ARN,
            stream_configuration=mp.KinesisVideoStreamConfigurationUpdate(data_retention_in_hours=48),
        )
    )
    assert type(resp) is mp.UpdateMediaPipelineKinesisVideoStreamPoolResponse
    pool = resp.kinesis_video_stream_pool_configuration
    assert pool is not None
    assert pool.pool_status is mp.KinesisVideoStreamPoolStatus.UPDATING
    assert pool.stream_configuration is not None
    assert pool.stream_configuration.data_retention_in_hours == 48
    assert_last_call("UpdateMediaPipelineKinesisVideoStreamPool")


@hand_written(MEDIA, "DeleteMediaPipelineKinesisVideoStreamPool")
def delete_stream_pool(h: Harness) -> None:
    h.expect("delete_media_pipeline_kinesis_video_stream_pool", {}, {"Identifier": POOL_NAME})
    resp = h.facade.delete_media_pipeline_kinesis_video_stream_pool(
        mp.DeleteMediaPipelineKinesisVideoStreamPoolRequest(identifier=POOL_NAME)
    )
    assert resp is None  # the model declares no output
    assert_last_call("DeleteMediaPipelineKinesisVideoStreamPool")


# -- Media pipelines: media stream pipelines -------------------------------------------------------


def _stream_pipeline(status: str) -> dict[str, Any]:
    return {
        "MediaPipelineId": PIPELINE_ID,
        "MediaPipelineArn": PIPELINE_ARN,
        "CreatedTimestamp": CREATED,
        "UpdatedTimestamp": UPDATED,
        "Status": status,
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
        "Sinks": [
            {
                "SinkArn": POOL_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 2,
                "MediaStreamType": "MixedAudio",
            }
        ],
    }


@hand_written(MEDIA, "CreateMediaStreamPipeline")
def create_media_stream_pipeline(h: Harness) -> None:
    h.expect(
        "create_media_stream_pipeline",
        {"MediaStreamPipeline": _stream_pipeline("Initializing"), **meta("req-create-pipeline")},
        {
            "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
            "Sinks": [
                {
                    "SinkArn": POOL_ARN,
                    "SinkType": "KinesisVideoStreamPool",
                    "ReservedStreamCapacity": 2,
                    "MediaStreamType": "MixedAudio",
                }
            ],
            "ClientRequestToken": TOKEN,
            "Tags": [{"Key": "meeting", "Value": "weekly-sync"}],
        },
    )
    resp = h.facade.create_media_stream_pipeline(
        mp.CreateMediaStreamPipelineRequest(
            sources=[
                mp.MediaStreamSource(
                    source_type=mp.MediaPipelineSourceType.CHIME_SDK_MEETING, source_arn=MEETING_ARN
                )
            ],
            sinks=[
                mp.MediaStreamSink(
                    sink_arn=POOL_ARN,
                    sink_type=mp.MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                    reserved_stream_capacity=2,
                    media_stream_type=mp.MediaStreamType.MIXED_AUDIO,
                )
            ],
            client_request_token=TOKEN,
            tags=[mp.Tag(key="meeting", value="weekly-sync")],
        )
    )
    assert type(resp) is mp.CreateMediaStreamPipelineResponse
    pipeline = resp.media_stream_pipeline
    assert isinstance(pipeline, mp.MediaStreamPipeline)
    assert pipeline.status is mp.MediaPipelineStatus.INITIALIZING
    assert pipeline.media_pipeline_id == PIPELINE_ID
    assert pipeline.sinks is not None
    assert pipeline.sinks[0].media_stream_type is mp.MediaStreamType.MIXED_AUDIO
    assert pipeline.sinks[0].reserved_stream_capacity == 2
    assert pipeline.sources is not None
    assert pipeline.sources[0].source_type is mp.MediaPipelineSourceType.CHIME_SDK_MEETING
    assert h.http[-1]["url_path"] == "/sdk-media-stream-pipelines"
    body = h.json_body()
    assert body["Sinks"][0]["SinkType"] == "KinesisVideoStreamPool"
    assert body["Sinks"][0]["MediaStreamType"] == "MixedAudio"
    assert body["ClientRequestToken"] == TOKEN
    # A token the caller set is sent unchanged and reported back.
    assert_last_call("CreateMediaStreamPipeline", request_id="req-create-pipeline", token=TOKEN)


@hand_written(MEDIA, "GetMediaPipeline")
def get_media_pipeline(h: Harness) -> None:
    h.expect(
        "get_media_pipeline",
        {"MediaPipeline": {"MediaStreamPipeline": _stream_pipeline("InProgress")}},
        {"MediaPipelineId": PIPELINE_ID},
    )
    resp = h.facade.get_media_pipeline(mp.GetMediaPipelineRequest(media_pipeline_id=PIPELINE_ID))
    assert type(resp) is mp.GetMediaPipelineResponse
    assert resp.media_pipeline is not None
    assert resp.media_pipeline.media_capture_pipeline is None
    pipeline = resp.media_pipeline.media_stream_pipeline
    assert pipeline is not None
    assert pipeline.status is mp.MediaPipelineStatus.IN_PROGRESS
    assert pipeline.media_pipeline_arn == PIPELINE_ARN
    assert pipeline.created_timestamp == CREATED
    assert pipeline.sinks is not None
    assert pipeline.sinks[0].sink_type is mp.MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL
    assert_last_call("GetMediaPipeline")


@hand_written(MEDIA, "ListMediaPipelines")
def list_media_pipelines(h: Harness) -> None:
    second = "f9a8b7c6-d5e4-4f3a-9b2c-1d0e9f8a7b6c"
    h.expect(
        "list_media_pipelines",
        {
            "MediaPipelines": [
                {"MediaPipelineId": PIPELINE_ID, "MediaPipelineArn": PIPELINE_ARN},
                {
                    "MediaPipelineId": second,
                    "MediaPipelineArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline/{second}",
                },
            ],
            "NextToken": "eyJwYWdlIjoyfQ==",
        },
        {"MaxResults": 2},
    )
    resp = h.facade.list_media_pipelines(mp.ListMediaPipelinesRequest(max_results=2))
    assert type(resp) is mp.ListMediaPipelinesResponse
    assert resp.media_pipelines is not None
    assert [p.media_pipeline_id for p in resp.media_pipelines] == [PIPELINE_ID, second]
    assert isinstance(resp.media_pipelines[0], mp.MediaPipelineSummary)
    assert resp.next_token == "eyJwYWdlIjoyfQ=="
    assert (h.http[-1]["method"], h.http[-1]["url_path"]) == ("GET", "/sdk-media-pipelines")
    assert h.http[-1]["query_string"] == {"max-results": 2}
    assert_last_call("ListMediaPipelines")


@hand_written(MEDIA, "DeleteMediaPipeline")
def delete_media_pipeline(h: Harness) -> None:
    h.expect("delete_media_pipeline", meta("req-delete-pipeline"), {"MediaPipelineId": PIPELINE_ID})
    resp = h.facade.delete_media_pipeline(mp.DeleteMediaPipelineRequest(media_pipeline_id=PIPELINE_ID))
    assert resp is None  # the model declares no output
    assert (h.http[-1]["method"], h.http[-1]["url_path"]) == ("DELETE", f"/sdk-media-pipelines/{PIPELINE_ID}")
    assert_last_call("DeleteMediaPipeline", request_id="req-delete-pipeline")


# -- Media pipelines: tags -------------------------------------------------------------------------


@hand_written(MEDIA, "TagResource")
def media_tag_resource(h: Harness) -> None:
    h.expect("tag_resource", {}, {"ResourceARN": PIPELINE_ARN, "Tags": [{"Key": "team", "Value": "video"}]})
    resp = h.facade.tag_resource(
        mp.TagResourceRequest(resource_arn=PIPELINE_ARN, tags=[mp.Tag(key="team", value="video")])
    )
    assert type(resp) is mp.TagResourceResponse
    assert_last_call("TagResource")


@hand_written(MEDIA, "UntagResource")
def media_untag_resource(h: Harness) -> None:
    h.expect("untag_resource", {}, {"ResourceARN": PIPELINE_ARN, "TagKeys": ["team"]})
    resp = h.facade.untag_resource(mp.UntagResourceRequest(resource_arn=PIPELINE_ARN, tag_keys=["team"]))
    assert type(resp) is mp.UntagResourceResponse
    assert_last_call("UntagResource")


@hand_written(MEDIA, "ListTagsForResource")
def media_list_tags_for_resource(h: Harness) -> None:
    h.expect(
        "list_tags_for_resource",
        {"Tags": [{"Key": "team", "Value": "video"}, {"Key": "meeting", "Value": "weekly-sync"}]},
        {"ResourceARN": PIPELINE_ARN},
    )
    resp = h.facade.list_tags_for_resource(mp.ListTagsForResourceRequest(resource_arn=PIPELINE_ARN))
    assert type(resp) is mp.ListTagsForResourceResponse
    assert resp.tags == [mp.Tag(key="team", value="video"), mp.Tag(key="meeting", value="weekly-sync")]
    assert_last_call("ListTagsForResource")


# -- Chime SDK meetings ------------------------------------------------------------------------


def _meeting() -> dict[str, Any]:
    return {
        "MeetingId": MEETING_ID,
        "MeetingArn": MEETING_ARN,
        "ExternalMeetingId": "standup-2024-05-01",
        "MediaRegion": REGION,
        "MediaPlacement": {"AudioHostUrl": "abc.k.m1.ue1.app.chime.aws:3478"},
    }


@hand_written(MEETINGS, "CreateMeeting")
def create_meeting(h: Harness) -> None:
    h.expect(
        "create_meeting",
        {"Meeting": _meeting(), **meta("req-create-meeting")},
        {
            "ClientRequestToken": TOKEN,
            "MediaRegion": REGION,
            "ExternalMeetingId": "standup-2024-05-01",
            "Tags": [{"Key": "team", "Value": "video"}],
        },
    )
    resp = h.facade.create_meeting(
        mt.CreateMeetingRequest(
            client_request_token=TOKEN,
            media_region=REGION,
            external_meeting_id="standup-2024-05-01",
            tags=[mt.Tag(key="team", value="video")],
        )
    )
    assert type(resp) is mt.CreateMeetingResponse
    # Present members: typed non-optional, read without a None check.
    assert resp.meeting.meeting_id == MEETING_ID
    assert resp.meeting.media_region == REGION
    assert resp.meeting.media_placement == mt.MediaPlacement(audio_host_url="abc.k.m1.ue1.app.chime.aws:3478")
    assert h.http[-1]["url_path"] == "/meetings"
    assert_last_call("CreateMeeting", request_id="req-create-meeting", token=TOKEN)


@hand_written(MEETINGS, "CreateAttendee")
def create_attendee(h: Harness) -> None:
    attendee = {"AttendeeId": ATTENDEE_ID, "ExternalUserId": "user-42@example.com", "JoinToken": "ZjE2YTQy"}
    h.expect(
        "create_attendee",
        {"Attendee": attendee, **meta("req-create-attendee")},
        {"MeetingId": MEETING_ID, "ExternalUserId": "user-42@example.com"},
    )
    resp = h.facade.create_attendee(
        mt.CreateAttendeeRequest(meeting_id=MEETING_ID, external_user_id="user-42@example.com")
    )
    assert resp.attendee.attendee_id == ATTENDEE_ID
    assert resp.attendee.external_user_id == "user-42@example.com"
    assert "ZjE2YTQy" not in repr(resp.attendee)  # the join token is sensitive
    assert h.http[-1]["url_path"] == f"/meetings/{MEETING_ID}/attendees"


@hand_written(MEETINGS, "BatchCreateAttendee")
def batch_create_attendee(h: Harness) -> None:
    h.expect(
        "batch_create_attendee",
        {
            "Attendees": [{"AttendeeId": ATTENDEE_ID, "ExternalUserId": "user-1@example.com"}],
            "Errors": [{"ExternalUserId": "user-2@example.com", "ErrorCode": "Conflict"}],
            **meta("req-batch"),
        },
        {
            "MeetingId": MEETING_ID,
            "Attendees": [{"ExternalUserId": "user-1@example.com"}, {"ExternalUserId": "user-2@example.com"}],
        },
    )
    resp = h.facade.batch_create_attendee(
        mt.BatchCreateAttendeeRequest(
            meeting_id=MEETING_ID,
            attendees=[
                mt.CreateAttendeeRequestItem(external_user_id="user-1@example.com"),
                mt.CreateAttendeeRequestItem(external_user_id="user-2@example.com"),
            ],
        )
    )
    assert [a.attendee_id for a in resp.attendees or []] == [ATTENDEE_ID]
    assert [e.error_code for e in resp.errors or []] == ["Conflict"]


@hand_written(MEETINGS, "DeleteMeeting")
def delete_meeting(h: Harness) -> None:
    h.expect("delete_meeting", meta("req-delete-meeting"), {"MeetingId": MEETING_ID})
    assert h.facade.delete_meeting(mt.DeleteMeetingRequest(meeting_id=MEETING_ID)) is None
    assert h.http[-1]["method"] == "DELETE"


# -- The media data plane ------------------------------------------------------------------------


class _Body(io.BytesIO):
    """An HTTP body that counts how much was read, and how: the payload must never be read
    whole by the SDK, only by the caller, as far as the caller asks."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int | None] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(size)
        return super().read(size)


MKV = b"\x1aE\xdf\xa3" + bytes(range(256)) * 40  # 10 KiB standing in for MKV fragments


@hand_written(GET_MEDIA, "GetMedia")
def get_media(h: Harness) -> None:
    body = _Body(MKV)
    h.expect(
        "get_media",
        {"ContentType": "video/webm", "Payload": StreamingBody(body, len(MKV)), **meta("req-get-media")},
        {"StreamARN": STREAM_ARN, "StartSelector": {"StartSelectorType": "EARLIEST"}},
    )
    resp = h.facade.get_media(
        sm.GetMediaRequest(
            stream_arn=STREAM_ARN,
            start_selector=sm.StartSelector(start_selector_type=sm.StartSelectorType.EARLIEST),
        )
    )
    assert resp.content_type == "video/webm"
    assert isinstance(resp.payload, PayloadStream)
    assert body.reads == []  # handed over unread
    assert resp.payload.operation == "GetMedia"
    assert resp.payload.request_id == "req-get-media"
    with resp.payload as payload:
        assert payload.read(4) == MKV[:4]
        chunks = list(payload.iter_chunks(4096))
    assert [len(c) for c in chunks] == [4096, 4096, len(MKV) - 4 - 8192]
    assert b"".join(chunks) == MKV[4:]
    assert body.reads[:2] == [4, 4096] and None not in body.reads
    assert payload.closed and body.closed
    assert h.http[-1]["url_path"] == "/getMedia"


@hand_written(ARCHIVED, "ListFragments")
def list_fragments(h: Harness) -> None:
    fragment = {
        "FragmentNumber": FRAGMENT_NUMBER,
        "FragmentSizeInBytes": 10240,
        "ProducerTimestamp": CREATED,
        "ServerTimestamp": UPDATED,
        "FragmentLengthInMilliseconds": 2000,
    }
    selector = {
        "FragmentSelectorType": "SERVER_TIMESTAMP",
        "TimestampRange": {"StartTimestamp": CREATED, "EndTimestamp": UPDATED},
    }
    h.expect(
        "list_fragments",
        {"Fragments": [fragment], **meta("req-list-fragments")},
        {"StreamARN": STREAM_ARN, "FragmentSelector": selector},
    )
    resp = h.facade.list_fragments(
        am.ListFragmentsRequest(
            stream_arn=STREAM_ARN,
            fragment_selector=am.FragmentSelector(
                fragment_selector_type=am.FragmentSelectorType.SERVER_TIMESTAMP,
                timestamp_range=am.TimestampRange(start_timestamp=CREATED, end_timestamp=UPDATED),
            ),
        )
    )
    (got,) = resp.fragments or []
    assert got.fragment_number == FRAGMENT_NUMBER
    assert got.producer_timestamp == CREATED and got.server_timestamp == UPDATED
    assert got.fragment_length_in_milliseconds == 2000


@hand_written(ARCHIVED, "GetMediaForFragmentList")
def get_media_for_fragment_list(h: Harness) -> None:
    body = _Body(MKV)
    h.expect(
        "get_media_for_fragment_list",
        {"ContentType": "video/webm", "Payload": StreamingBody(body, len(MKV)), **meta("req-gmffl")},
        {"StreamARN": STREAM_ARN, "Fragments": [FRAGMENT_NUMBER]},
    )
    resp = h.facade.get_media_for_fragment_list(
        am.GetMediaForFragmentListRequest(stream_arn=STREAM_ARN, fragments=[FRAGMENT_NUMBER])
    )
    assert body.reads == []
    with resp.payload as payload:
        assert b"".join(payload.iter_chunks(1000)) == MKV
    assert set(body.reads) == {1000} and body.closed


@hand_written(STORAGE, "JoinStorageSession")
def join_storage_session(h: Harness) -> None:
    h.expect("join_storage_session", meta("req-join"), {"channelArn": CHANNEL_ARN})
    assert h.facade.join_storage_session(ws.JoinStorageSessionRequest(channel_arn=CHANNEL_ARN)) is None
    assert h.http[-1]["url_path"] == "/joinStorageSession"
    assert h.json_body() == {"channelArn": CHANNEL_ARN}


HAND_WRITTEN_KEYS = sorted(HAND_WRITTEN)


@pytest.mark.parametrize(
    ("service", "operation"), HAND_WRITTEN_KEYS, ids=[f"{s}:{o}" for s, o in HAND_WRITTEN_KEYS]
)
def test_hand_written_operation(service: str, operation: str) -> None:
    assert run_case(service, HAND_WRITTEN[(service, operation)]) == [operation]


# --------------------------------------------------------------------------------------------
# Pagination
# --------------------------------------------------------------------------------------------

_NAMES = ["front-door", "front-garden", "front-gate", "front-porch", "front-yard"]
_PAGES = [_NAMES[0:2], _NAMES[2:4], _NAMES[4:5]]
_TOKENS = ["dG9rZW4tMQ==", "dG9rZW4tMg=="]


def _stub_channel_pages(h: Harness, page_size: int | None, condition: bool = False) -> None:
    base: dict[str, Any] = {}
    if page_size is not None:
        base["MaxResults"] = page_size
    if condition:
        base["ChannelNameCondition"] = {"ComparisonOperator": "BEGINS_WITH", "ComparisonValue": "front"}
    for index, names in enumerate(_PAGES):
        response: dict[str, Any] = {
            "ChannelInfoList": [_channel(n, number=index * 2 + i) for i, n in enumerate(names)]
        }
        if index < len(_TOKENS):
            response["NextToken"] = _TOKENS[index]
        params = dict(base)
        if index > 0:
            params["NextToken"] = _TOKENS[index - 1]
        h.expect("list_signaling_channels", response, params)


def _pending(h: Harness) -> bool:
    try:
        h.stubber.assert_no_pending_responses()
    except AssertionError:
        return True
    return False


def test_iter_signaling_channels_yields_every_item_of_every_page_in_order() -> None:
    with Harness(KVS) as h:
        _stub_channel_pages(h, page_size=None)
        items = list(h.facade.iter_signaling_channels())
        h.stubber.assert_no_pending_responses()
    assert [c.channel_name for c in items] == _NAMES
    assert all(isinstance(c, kvs.ChannelInfo) and c.channel_status is kvs.Status.ACTIVE for c in items)
    assert h.sent == ["ListSignalingChannels"] * 3


def test_iter_signaling_channels_sends_page_size_as_max_results_and_keeps_the_filter() -> None:
    with Harness(KVS) as h:
        _stub_channel_pages(h, page_size=2, condition=True)
        request = kvs.ListSignalingChannelsRequest(
            channel_name_condition=kvs.ChannelNameCondition(
                comparison_operator=kvs.ComparisonOperator.BEGINS_WITH, comparison_value="front"
            )
        )
        items = list(h.facade.iter_signaling_channels(request, page_size=2))
        h.stubber.assert_no_pending_responses()
    assert [c.channel_name for c in items] == _NAMES
    assert [p.get("MaxResults") for p in h.params] == [2, 2, 2]
    assert [p.get("NextToken") for p in h.params] == [None, *_TOKENS]


def test_iter_signaling_channels_is_lazy() -> None:
    with Harness(KVS) as h:
        _stub_channel_pages(h, page_size=None)
        iterator = h.facade.iter_signaling_channels()
        assert h.sent == []  # nothing fetched before iteration starts
        assert next(iterator).channel_name == "front-door"
        assert h.sent == ["ListSignalingChannels"]
        assert next(iterator).channel_name == "front-garden"
        assert h.sent == ["ListSignalingChannels"]
        assert next(iterator).channel_name == "front-gate"
        assert h.sent == ["ListSignalingChannels"] * 2
        assert _pending(h)


@pytest.mark.parametrize(("max_items", "pages_fetched"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (9, 3)])
def test_iter_signaling_channels_stops_at_max_items(max_items: int, pages_fetched: int) -> None:
    with Harness(KVS) as h:
        _stub_channel_pages(h, page_size=2)
        items = list(h.facade.iter_signaling_channels(page_size=2, max_items=max_items))
        # Pages past the one that reached max_items are never requested.
        assert _pending(h) is (pages_fetched < 3)
    assert [c.channel_name for c in items] == _NAMES[:max_items]
    assert len(h.sent) == pages_fetched


@pytest.mark.parametrize(
    ("option", "value", "error"),
    [
        ("max_items", 0, ValueError),
        ("page_size", -1, ValueError),
        ("max_items", "5", TypeError),
        ("page_size", True, TypeError),
    ],
)
def test_iter_refuses_a_non_positive_or_non_int_page_option_before_any_call(
    option: str, value: object, error: type[Exception]
) -> None:
    with Harness(KVS) as h:
        with pytest.raises(error, match=option):
            h.facade.iter_signaling_channels(**{option: value})  # pyright: ignore[reportArgumentType]  # the wrong type is the point
        assert h.sent == []


def test_iter_signaling_channels_skips_an_empty_page_that_carries_a_token() -> None:
    with Harness(KVS) as h:
        h.expect("list_signaling_channels", {"ChannelInfoList": [], "NextToken": _TOKENS[0]}, {})
        h.expect(
            "list_signaling_channels",
            {"ChannelInfoList": [_channel("front-door", number=1)]},
            {"NextToken": _TOKENS[0]},
        )
        names = [c.channel_name for c in h.facade.iter_signaling_channels()]
        h.stubber.assert_no_pending_responses()
    assert names == ["front-door"]


def test_iter_signaling_channels_stops_on_a_repeated_token() -> None:
    with Harness(KVS) as h:
        h.expect(
            "list_signaling_channels",
            {"ChannelInfoList": [_channel("front-door", number=1)], "NextToken": _TOKENS[0]},
            {},
        )
        h.expect(
            "list_signaling_channels",
            {"ChannelInfoList": [_channel("front-gate", number=2)], "NextToken": _TOKENS[0]},
            {"NextToken": _TOKENS[0]},
        )
        seen: list[str | None] = []
        with pytest.raises(KvsChimeError, match="same page token"):
            for c in h.facade.iter_signaling_channels():
                seen.append(c.channel_name)
        h.stubber.assert_no_pending_responses()
    assert seen == ["front-door", "front-gate"]


def test_a_page_token_loop_is_caught_within_the_tokens_a_walk_remembers() -> None:
    # A cycle of three pages, and a token from 1,025 pages back: a walk remembers its latest
    # `TOKENS_REMEMBERED` tokens, so the first loop is caught and the older token is not (a walk
    # of any length holds a bounded set).
    window = _call.TOKENS_REMEMBERED
    tokens = [f"token{n}" for n in range(window + 1)]
    cycle = [*tokens[:3], tokens[0]]
    answers = {"cycle": cycle, "beyond the window": [*tokens, tokens[0], None]}
    walked: dict[str, list[str | None]] = {}
    for case, sequence in answers.items():
        with Harness(KVS) as h:
            asked: str | None = None
            for number, token in enumerate(sequence):
                page: dict[str, Any] = {"ChannelInfoList": [_channel(f"c{number}", number=number)]}
                if token is not None:
                    page["NextToken"] = token
                h.expect("list_signaling_channels", page, {} if asked is None else {"NextToken": asked})
                asked = token
            names: list[str | None] = []
            try:
                for channel in h.facade.iter_signaling_channels():
                    names.append(channel.channel_name)
            except KvsChimeError as error:
                assert "same page token" in str(error)
                names.append(None)
            h.stubber.assert_no_pending_responses()
        walked[case] = names
    assert walked["cycle"] == ["c0", "c1", "c2", "c3", None]
    assert walked["beyond the window"] == [f"c{n}" for n in range(window + 3)]


def test_page_size_outside_the_model_range_fails_at_the_call() -> None:
    with Harness(MEDIA) as h:
        with pytest.raises(ValidationError) as raised:
            h.facade.iter_media_pipelines(page_size=101)  # ResultMax is 1..100
        assert [v.path for v in raised.value.violations] == ["max_results"]
        assert h.sent == []


def test_iter_media_pipelines_walks_pages_with_page_size_and_max_items() -> None:
    ids = [str(uuid.UUID(int=n + 1)) for n in range(5)]

    def stub(h: Harness) -> None:
        for index, chunk in enumerate([ids[0:2], ids[2:4], ids[4:5]]):
            response: dict[str, Any] = {
                "MediaPipelines": [
                    {
                        "MediaPipelineId": i,
                        "MediaPipelineArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline/{i}",
                    }
                    for i in chunk
                ]
            }
            if index < 2:
                response["NextToken"] = f"page-{index + 2}"
            params: dict[str, Any] = {"MaxResults": 2}
            if index > 0:
                params["NextToken"] = f"page-{index + 1}"
            h.expect("list_media_pipelines", response, params)

    with Harness(MEDIA) as h:
        stub(h)
        items = list(h.facade.iter_media_pipelines(page_size=2))
        h.stubber.assert_no_pending_responses()
    assert [p.media_pipeline_id for p in items] == ids
    assert all(isinstance(p, mp.MediaPipelineSummary) for p in items)
    assert [p["MaxResults"] for p in h.params] == [2, 2, 2]

    with Harness(MEDIA) as h:
        stub(h)
        items = list(h.facade.iter_media_pipelines(page_size=2, max_items=3))
        assert _pending(h)  # the third page was never fetched
    assert [p.media_pipeline_id for p in items] == ids[:3]
    assert h.sent == ["ListMediaPipelines"] * 2


def test_iter_streams_follows_next_token() -> None:
    with Harness(KVS) as h:
        h.expect(
            "list_streams",
            {"StreamInfoList": [_stream("cam-a", number=1)], "NextToken": "dG9rZW4tMQ=="},
            {"MaxResults": 1},
        )
        h.expect(
            "list_streams",
            {"StreamInfoList": [_stream("cam-b", number=2)]},
            {"MaxResults": 1, "NextToken": "dG9rZW4tMQ=="},
        )
        names = [s.stream_name for s in h.facade.iter_streams(page_size=1)]
        h.stubber.assert_no_pending_responses()
    assert names == ["cam-a", "cam-b"]


# --------------------------------------------------------------------------------------------
# The sweep: every operation of every model reached the client through its facade
# --------------------------------------------------------------------------------------------


def _generated_methods(service: str) -> set[str]:
    ops = SERVICES[service].operations
    return {
        name
        for name, value in vars(ops).items()
        if callable(value) and not name.startswith("_") and not name.startswith("iter_")
    }


def test_sweep_covers_every_operation() -> None:
    for service, spec in SERVICES.items():
        model_ops = set(service_model(service).operation_names)
        # The snapshot of the surface the cases cover is the model's, no more, no less.
        assert set(OPERATIONS[service]) == model_ops, service
        assert len(OPERATIONS[service]) == len(model_ops)
        # One facade method per operation, named as boto3 names it.
        assert _generated_methods(service) == {xform_name(op) for op in model_ops}, service
        assert all(callable(getattr(spec.facade, xform_name(op))) for op in model_ops)
        # The brief's important operations each have a hand-written case.
        hand = {op for (svc, op) in HAND_WRITTEN if svc == service}
        assert MUST_HAND_WRITE[service] <= hand, MUST_HAND_WRITE[service] - hand

        # Run every case again and collect what actually reached botocore.
        sent: set[str] = set()
        for op in OPERATIONS[service]:
            sent.update(run_case(service, model_driven(op)))
        for (svc, _), case in HAND_WRITTEN.items():
            if svc == service:
                sent.update(run_case(service, case))
        assert sent == model_ops, (service, model_ops ^ sent)


def test_method_signatures_follow_the_model() -> None:
    # `request` is positional-only, optional exactly when the input has no required member;
    # `retry` is keyword-only; the return type is the response class, or None without output.
    for service, spec in SERVICES.items():
        model = service_model(service)
        for op in model.operation_names:
            op_model = model.operation_model(op)
            method = getattr(spec.operations, xform_name(op))
            params = list(inspect.signature(method).parameters.values())
            assert [p.name for p in params] == ["self", "request", "retry"], op
            request, retry = params[1], params[2]
            assert request.kind is inspect.Parameter.POSITIONAL_ONLY, op
            assert retry.kind is inspect.Parameter.KEYWORD_ONLY and retry.default is None, op
            # The operations module imports the shapes for type checkers only (they are imported
            # when first used): their names come from the service's package.
            names = {name: getattr(spec.shapes, name) for name in spec.shapes.__all__}
            hints = typing.get_type_hints(method, localns=names)
            request_cls = getattr(spec.shapes, f"{op}Request")
            required = op_model.input_shape.required_members if op_model.input_shape else []
            if required:
                assert request.default is inspect.Parameter.empty, op
                assert hints["request"] is request_cls, op
            else:
                assert request.default is None, op
                assert hints["request"] == (request_cls | None), op
            expected = type(None) if op_model.output_shape is None else getattr(spec.shapes, f"{op}Response")
            assert hints["return"] is expected, op


def test_operation_counts() -> None:
    assert {s: len(service_model(s).operation_names) for s in SERVICES} == {
        KVS: 32,
        SIGNALING: 2,
        MEDIA: 31,
        MEETINGS: 16,
        GET_MEDIA: 1,
        ARCHIVED: 6,
        STORAGE: 2,
    }


# Every paginated list and its iterator: (iterator method, result member). ListTagsForResource and
# ListTagsForStream (Kinesis Video) take a token but no page size and return a map: no iterator.
PAGINATED: dict[tuple[str, str], tuple[str, str]] = {
    (KVS, "DescribeMappedResourceConfiguration"): (
        "iter_mapped_resource_configuration",
        "MappedResourceConfigurationList",
    ),
    (KVS, "ListEdgeAgentConfigurations"): ("iter_edge_agent_configurations", "EdgeConfigs"),
    (KVS, "ListSignalingChannels"): ("iter_signaling_channels", "ChannelInfoList"),
    (KVS, "ListStreams"): ("iter_streams", "StreamInfoList"),
    (MEDIA, "ListMediaCapturePipelines"): ("iter_media_capture_pipelines", "MediaCapturePipelines"),
    (MEDIA, "ListMediaInsightsPipelineConfigurations"): (
        "iter_media_insights_pipeline_configurations",
        "MediaInsightsPipelineConfigurations",
    ),
    (MEDIA, "ListMediaPipelineKinesisVideoStreamPools"): (
        "iter_media_pipeline_kinesis_video_stream_pools",
        "KinesisVideoStreamPools",
    ),
    (MEDIA, "ListMediaPipelines"): ("iter_media_pipelines", "MediaPipelines"),
    (MEETINGS, "ListAttendees"): ("iter_attendees", "Attendees"),
    (ARCHIVED, "ListFragments"): ("iter_fragments", "Fragments"),
    (ARCHIVED, "GetImages"): ("iter_images", "Images"),
}


def test_every_iterator_is_listed() -> None:
    for service, spec in SERVICES.items():
        iterators = {n for n in vars(spec.operations) if n.startswith("iter_")}
        assert iterators == {it for (svc, _), (it, _) in PAGINATED.items() if svc == service}, service


def test_paginated_operations_agree_with_botocore_paginators() -> None:
    # Kinesis Video ships paginators; media pipelines does not, so its iterators follow the
    # NextToken/MaxResults convention its list operations declare.
    for service in SERVICES:
        config = _MODELS.get_component("data_loader").load_service_model(service, "paginators-1")[
            "pagination"
        ]
        for op, paging in config.items():
            assert (service, op) in PAGINATED, op
            assert paging["input_token"] == paging["output_token"] == "NextToken"
            assert paging["limit_key"] == "MaxResults"
            assert paging["result_key"] == PAGINATED[(service, op)][1]


PAGINATED_KEYS = sorted(PAGINATED)


@pytest.mark.parametrize(
    ("service", "operation"), PAGINATED_KEYS, ids=[f"{s}:{o}" for s, o in PAGINATED_KEYS]
)
def test_model_driven_pagination(service: str, operation: str) -> None:
    iterator, result_key = PAGINATED[(service, operation)]
    token = "dG9rZW4tMQ=="
    with Harness(service) as h:
        op_model = h.client.meta.service_model.operation_model(operation)
        method = xform_name(operation)
        wire = wire_value(service, op_model.input_shape)
        filters = {k: v for k, v in wire.items() if k not in ("NextToken", "MaxResults")}
        request = typed_from_wire(getattr(h.shapes, f"{operation}Request"), filters)
        page = wire_value(service, op_model.output_shape)
        assert len(page[result_key]) == 1
        h.expect(method, {**page, "NextToken": token}, {**filters, "MaxResults": 1})
        last_page = {k: v for k, v in page.items() if k != "NextToken"}
        h.expect(method, last_page, {**filters, "MaxResults": 1, "NextToken": token})

        items = list(getattr(h.facade, iterator)(request, page_size=1))

        h.stubber.assert_no_pending_responses()
    assert h.sent == [operation, operation]
    response_cls = getattr(h.shapes, f"{operation}Response")
    (items_field,) = [f for f in attrs.fields(response_cls) if f.metadata[WIRE] == result_key]
    member_spec = items_field.metadata[SPEC].member
    assert len(items) == 2
    for index, item in enumerate(items):
        _assert_value(item, page[result_key][0], member_spec, f"{iterator}[{index}]")


# --------------------------------------------------------------------------------------------
# Building facades, and values easy to get wrong
# --------------------------------------------------------------------------------------------


def _session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )


def test_facade_built_from_a_session_turns_botocore_retries_off() -> None:
    sleeps: list[float] = []
    kv = KinesisVideo(session=_session(), region_name=REGION, sleep=sleeps.append, clock=lambda: 0.0)
    client: Any = kv.client
    assert client.meta.region_name == REGION
    assert client.meta.service_model.service_name == KVS
    assert client.meta.config.retries["total_max_attempts"] == 1
    headers: list[dict[str, str]] = []
    client.meta.events.register_first(
        "before-call.*.*", lambda params, **_: headers.append(params["headers"])
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            "describe_signaling_channel",
            {"ChannelInfo": _channel("front-door", number=1)},
            {"ChannelARN": CHANNEL_ARN},
        )
        resp = kv.describe_signaling_channel(kvs.DescribeSignalingChannelRequest(channel_arn=CHANNEL_ARN))
        stubber.assert_no_pending_responses()
    assert resp.channel_info is not None
    assert resp.channel_info.channel_status is kvs.Status.ACTIVE
    assert sleeps == []
    agent = headers[0]["User-Agent"]
    assert agent.endswith(" kvs-chime") and "app/" not in agent  # the app id is left to the app


def test_signaling_facade_uses_the_channel_endpoint() -> None:
    signaling = KinesisVideoSignaling(session=_session(), region_name=REGION, endpoint_url=SIGNALING_ENDPOINT)
    client: Any = signaling.client
    assert client.meta.endpoint_url == SIGNALING_ENDPOINT
    with Stubber(client) as stubber:
        stubber.add_response(
            "send_alexa_offer_to_master",
            {"Answer": "YW5zd2Vy"},
            {"ChannelARN": CHANNEL_ARN, "SenderClientId": "alexa-echo-show", "MessagePayload": "b2ZmZXI="},
        )
        resp = signaling.send_alexa_offer_to_master(
            sig.SendAlexaOfferToMasterRequest(
                channel_arn=CHANNEL_ARN, sender_client_id="alexa-echo-show", message_payload="b2ZmZXI="
            )
        )
    assert resp == sig.SendAlexaOfferToMasterResponse(answer="YW5zd2Vy")


def test_config_is_merged_over_the_facade_defaults() -> None:
    from botocore.config import Config

    media = MediaPipelines(session=_session(), region_name=REGION, config=Config(read_timeout=5))
    config: Any = cast(Any, media.client).meta.config
    assert config.read_timeout == 5
    assert config.retries["total_max_attempts"] == 1


def test_client_and_session_arguments_are_exclusive() -> None:
    client = boto3.client(
        KVS, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with pytest.raises(TypeError):
        KinesisVideo(client=client, region_name=REGION)
    assert KinesisVideo(client=client).client is client


def test_falsy_members_are_sent_not_dropped() -> None:
    with Harness(KVS) as h:
        h.expect(
            "create_stream",
            {"StreamARN": STREAM_ARN},
            {"StreamName": "front-door-camera", "DataRetentionInHours": 0},
        )
        h.facade.create_stream(
            kvs.CreateStreamRequest(stream_name="front-door-camera", data_retention_in_hours=0)
        )
        h.stubber.assert_no_pending_responses()


def test_a_status_newer_than_the_model_stays_a_string() -> None:
    with Harness(KVS) as h:
        h.expect(
            "describe_signaling_channel",
            {"ChannelInfo": _channel("front-door", status="HIBERNATING", number=1)},
            {"ChannelName": "front-door"},
        )
        resp = h.facade.describe_signaling_channel(
            kvs.DescribeSignalingChannelRequest(channel_name="front-door")
        )
    assert resp.channel_info is not None
    assert resp.channel_info.channel_status == "HIBERNATING"
    assert type(resp.channel_info.channel_status) is str
    assert resp.channel_info.channel_type is kvs.ChannelType.SINGLE_MASTER


def test_request_without_required_members_can_be_omitted() -> None:
    with Harness(KVS) as h:
        h.expect("list_streams", {"StreamInfoList": []}, {})
        h.expect("list_signaling_channels", {"ChannelInfoList": []}, {})
        assert h.facade.list_streams() == kvs.ListStreamsResponse(stream_info_list=[])
        assert list(h.facade.iter_signaling_channels()) == []
        h.stubber.assert_no_pending_responses()
