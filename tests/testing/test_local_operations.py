"""Every operation beyond the core life cycles: configurations, edge, the other pipeline kinds,
media insights, and the fidelity checks over all of them (modeled error codes, ARNs accepted back)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.testing._model import load_services
from kvs_chime.testing._validation import validate

MEETING = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
HUB = "arn:aws:iot:us-east-1:123456789012:thing/hub-1"
ROLE = "arn:aws:iam::123456789012:role/insights"
DELAY = 2.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(100.0)


@pytest.fixture
def ep(clock: ManualClock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=DELAY, clock=clock) as endpoint:
        yield endpoint
        # Fidelity: every error answered is one the operation's model declares (or the service's
        # validation or serialization error, or AccessDeniedException, common to every AWS API:
        # the signaling API's answer on the control-plane host), so generated clients map it.
        services = load_services()
        for entry in endpoint.journal.entries():
            if entry.error_code is None or entry.fault is not None or entry.service is None:
                continue
            service = services[entry.service]
            assert entry.operation is not None
            allowed = service.operations[entry.operation].errors | {
                service.validation_error,
                service.serialization_error,
                "AccessDeniedException",
            }
            assert entry.error_code in allowed, (entry.operation, entry.error_code)


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def _active_stream(ep: LocalEndpoint, clock: ManualClock, name: str = "cam", retention: int = 24) -> Any:
    kvs = ep.client("kinesisvideo")
    arn = kvs.create_stream(StreamName=name, DataRetentionInHours=retention)["StreamARN"]
    clock.advance(DELAY)
    return kvs, arn


def _active_channel(ep: LocalEndpoint, clock: ManualClock, name: str = "door") -> str:
    arn = ep.client("kinesisvideo").create_signaling_channel(ChannelName=name)["ChannelARN"]
    clock.advance(DELAY)
    return str(arn)


def test_endpoints_differ_by_role_and_protocol_and_webrtc_needs_media_storage(
    ep: LocalEndpoint, clock: ManualClock
) -> None:
    kvs, stream_arn = _active_stream(ep, clock)
    channel = _active_channel(ep, clock)

    def endpoints(role: str, protocols: list[str]) -> dict[str, str]:
        answer = kvs.get_signaling_channel_endpoint(
            ChannelARN=channel,
            SingleMasterChannelEndpointConfiguration={"Protocols": protocols, "Role": role},
        )
        return {e["Protocol"]: e["ResourceEndpoint"] for e in answer["ResourceEndpointList"]}

    master = endpoints("MASTER", ["WSS", "HTTPS"])
    viewer = endpoints("VIEWER", ["WSS", "HTTPS"])
    assert master["WSS"] != viewer["WSS"] and master["WSS"].startswith("ws://")
    assert master["HTTPS"] == viewer["HTTPS"]
    with pytest.raises(ClientError) as no_storage:
        endpoints("MASTER", ["WEBRTC"])
    assert _code(no_storage) == "InvalidArgumentException"

    assert kvs.describe_media_storage_configuration(ChannelARN=channel)["MediaStorageConfiguration"] == {
        "Status": "DISABLED"
    }
    kvs.update_media_storage_configuration(
        ChannelARN=channel, MediaStorageConfiguration={"StreamARN": stream_arn, "Status": "ENABLED"}
    )
    webrtc = endpoints("MASTER", ["WEBRTC"])["WEBRTC"]
    assert webrtc not in master.values()
    # Viewers join with JoinStorageSessionAsViewer on the same endpoint (the AWS JS sample asks
    # for WEBRTC in the VIEWER role too).
    assert endpoints("VIEWER", ["WEBRTC"])["WEBRTC"] == webrtc
    mapped = kvs.describe_mapped_resource_configuration(StreamARN=stream_arn)
    assert mapped["MappedResourceConfigurationList"] == [{"Type": "SIGNALING_CHANNEL", "ARN": channel}]

    other = _active_channel(ep, clock, "other")
    with pytest.raises(ClientError) as taken:
        kvs.update_media_storage_configuration(
            ChannelARN=other, MediaStorageConfiguration={"StreamARN": stream_arn, "Status": "ENABLED"}
        )
    assert _code(taken) == "ResourceInUseException"
    _, no_retention = _active_stream(ep, clock, "bare", retention=0)
    with pytest.raises(ClientError) as zero:
        kvs.update_media_storage_configuration(
            ChannelARN=other, MediaStorageConfiguration={"StreamARN": no_retention, "Status": "ENABLED"}
        )
    assert _code(zero) == "NoDataRetentionException"


def test_ice_servers_on_the_channels_https_endpoint_only(ep: LocalEndpoint, clock: ManualClock) -> None:
    channel = _active_channel(ep, clock)
    kvs = ep.client("kinesisvideo")
    https = kvs.get_signaling_channel_endpoint(
        ChannelARN=channel,
        SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "MASTER"},
    )["ResourceEndpointList"][0]["ResourceEndpoint"]
    signaling = ep.client("kinesis-video-signaling", endpoint_url=https)
    servers = signaling.get_ice_server_config(ChannelARN=channel)["IceServerList"]
    assert len(servers) == 2
    for server in servers:
        assert server["Ttl"] == 300
        # No TURN server configured: only the endpoint's own STUN responder, never a TURN URI
        # where nothing listens (a TURN server given to the endpoint is tested in tests/webrtc).
        assert [uri.split(":")[0] for uri in server["Uris"]] == ["stun"]
        expiry, _, encoded = server["Username"].partition(":")
        assert expiry.isdigit() and base64.b64decode(encoded).decode() == f"v1:{channel}"
    # SendAlexaOfferToMaster goes to a connected master (tests/webrtc/test_signaling_alexa.py).
    control = ep.client("kinesis-video-signaling")
    with pytest.raises(ClientError) as elsewhere:
        control.get_ice_server_config(ChannelARN=channel)
    # The control-plane host does not serve the signaling API: 403, as AWS answers (aws-cli#5857).
    assert _code(elsewhere) == "AccessDeniedException"


def test_data_endpoints_per_api_name(ep: LocalEndpoint, clock: ManualClock) -> None:
    kvs, arn = _active_stream(ep, clock)
    urls = {
        api: kvs.get_data_endpoint(StreamARN=arn, APIName=api)["DataEndpoint"]
        for api in ("PUT_MEDIA", "GET_MEDIA", "LIST_FRAGMENTS", "GET_CLIP")
    }
    assert len(set(urls.values())) == 4
    assert all(url.startswith(ep.url + "/data/") for url in urls.values())


def test_update_stream_and_the_stream_configurations(ep: LocalEndpoint, clock: ManualClock) -> None:
    kvs, arn = _active_stream(ep, clock)
    version = kvs.describe_stream(StreamARN=arn)["StreamInfo"]["Version"]
    with pytest.raises(ClientError) as stale:
        kvs.update_stream(StreamARN=arn, CurrentVersion="0000", DeviceName="x")
    assert _code(stale) == "VersionMismatchException"
    kvs.update_stream(StreamARN=arn, CurrentVersion=version, DeviceName="porch", MediaType="video/h264")
    with pytest.raises(ClientError) as updating:
        kvs.update_stream(StreamARN=arn, CurrentVersion=version, DeviceName="x")
    assert _code(updating) == "ResourceInUseException"
    clock.advance(DELAY)
    info = kvs.describe_stream(StreamARN=arn)["StreamInfo"]
    assert (info["DeviceName"], info["MediaType"]) == ("porch", "video/h264") and info["Version"] != version

    storage = kvs.describe_stream_storage_configuration(StreamARN=arn)
    assert storage["StreamStorageConfiguration"] == {"DefaultStorageTier": "HOT"}
    kvs.update_stream_storage_configuration(
        StreamARN=arn,
        CurrentVersion=info["Version"],
        StreamStorageConfiguration={"DefaultStorageTier": "WARM"},
    )
    assert kvs.describe_stream_storage_configuration(StreamName="cam")["StreamStorageConfiguration"] == {
        "DefaultStorageTier": "WARM"
    }

    assert "NotificationConfiguration" not in kvs.describe_notification_configuration(StreamARN=arn)
    notification = {"Status": "ENABLED", "DestinationConfig": {"Uri": "arn:aws:sns:us-east-1:123456789012:t"}}
    kvs.update_notification_configuration(StreamARN=arn, NotificationConfiguration=notification)
    assert kvs.describe_notification_configuration(StreamARN=arn)["NotificationConfiguration"] == notification

    image = {
        "Status": "ENABLED",
        "ImageSelectorType": "SERVER_TIMESTAMP",
        "DestinationConfig": {"Uri": "s3://bucket/prefix", "DestinationRegion": "us-east-1"},
        "SamplingInterval": 3000,
        "Format": "JPEG",
    }
    kvs.update_image_generation_configuration(StreamARN=arn, ImageGenerationConfiguration=image)
    assert kvs.describe_image_generation_configuration(StreamARN=arn)["ImageGenerationConfiguration"] == image
    bare, _ = _active_stream(ep, clock, "bare", retention=0)
    with pytest.raises(ClientError) as zero:
        bare.update_image_generation_configuration(StreamName="bare", ImageGenerationConfiguration=image)
    assert _code(zero) == "NoDataRetentionException"
    with pytest.raises(ClientError) as missing:
        kvs.describe_image_generation_configuration(StreamName="nope")
    assert _code(missing) == "ResourceNotFoundException"


def test_edge_configuration_syncs_and_deletes(ep: LocalEndpoint, clock: ManualClock) -> None:
    kvs, arn = _active_stream(ep, clock)
    with pytest.raises(ClientError) as none:
        kvs.describe_edge_configuration(StreamARN=arn)
    assert _code(none) == "StreamEdgeConfigurationNotFoundException"
    config = {
        "HubDeviceArn": HUB,
        "RecorderConfig": {
            "MediaSourceConfig": {
                "MediaUriSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:cam-uri",
                "MediaUriType": "RTSP_URI",
            }
        },
    }
    started = kvs.start_edge_configuration_update(StreamARN=arn, EdgeConfig=config)
    assert started["SyncStatus"] == "SYNCING" and started["EdgeConfig"]["HubDeviceArn"] == HUB
    with pytest.raises(ClientError) as busy:
        kvs.start_edge_configuration_update(StreamARN=arn, EdgeConfig=config)
    assert _code(busy) == "ResourceInUseException"
    clock.advance(DELAY)
    assert kvs.describe_edge_configuration(StreamARN=arn)["SyncStatus"] == "IN_SYNC"
    listed = kvs.list_edge_agent_configurations(HubDeviceArn=HUB)["EdgeConfigs"]
    assert [c["StreamARN"] for c in listed] == [arn]
    assert kvs.list_edge_agent_configurations(HubDeviceArn=HUB + "-other")["EdgeConfigs"] == []
    kvs.delete_edge_configuration(StreamARN=arn)
    assert kvs.describe_edge_configuration(StreamARN=arn)["SyncStatus"] == "DELETING"
    clock.advance(DELAY)
    with pytest.raises(ClientError) as gone:
        kvs.delete_edge_configuration(StreamARN=arn)
    assert _code(gone) == "StreamEdgeConfigurationNotFoundException"
    bare, bare_arn = _active_stream(ep, clock, "bare", retention=0)
    with pytest.raises(ClientError) as zero:
        bare.start_edge_configuration_update(StreamARN=bare_arn, EdgeConfig=config)
    assert _code(zero) == "NoDataRetentionException"


def test_capture_concatenation_and_live_connector_pipelines(ep: LocalEndpoint, clock: ManualClock) -> None:
    media = ep.client("chime-sdk-media-pipelines")
    with pytest.raises(ClientError) as not_s3:
        media.create_media_capture_pipeline(
            SourceType="ChimeSdkMeeting",
            SourceArn=MEETING,
            SinkType="S3Bucket",
            SinkArn="arn:aws:sns:us-east-1:1:t",
        )
    assert _code(not_s3) == "BadRequestException"
    capture = media.create_media_capture_pipeline(
        SourceType="ChimeSdkMeeting",
        SourceArn=MEETING,
        SinkType="S3Bucket",
        SinkArn="arn:aws:s3:::recordings",
    )["MediaCapturePipeline"]
    assert capture["Status"] == "Initializing" and capture["SinkArn"] == "arn:aws:s3:::recordings"
    capture_id = capture["MediaPipelineId"]
    clock.advance(DELAY)
    # The first describe after a create reports Initializing; the next one the state by the clock.
    got = media.get_media_capture_pipeline(MediaPipelineId=capture_id)["MediaCapturePipeline"]
    assert got["Status"] == "Initializing"
    got = media.get_media_capture_pipeline(MediaPipelineId=capture_id)["MediaCapturePipeline"]
    assert got["Status"] == "InProgress"
    assert set(media.get_media_pipeline(MediaPipelineId=capture_id)["MediaPipeline"]) == {
        "MediaCapturePipeline"
    }

    source = {
        "Type": "MediaCapturePipeline",
        "MediaCapturePipelineSourceConfiguration": {
            "MediaPipelineArn": capture["MediaPipelineArn"],
            "ChimeSdkMeetingConfiguration": {
                "ArtifactsConfiguration": {
                    "Audio": {"State": "Enabled"},
                    "Video": {"State": "Enabled"},
                    "Content": {"State": "Enabled"},
                    "DataChannel": {"State": "Enabled"},
                    "TranscriptionMessages": {"State": "Enabled"},
                    "MeetingEvents": {"State": "Enabled"},
                    "CompositedVideo": {"State": "Enabled"},
                }
            },
        },
    }
    sink = {"Type": "S3Bucket", "S3BucketSinkConfiguration": {"Destination": "arn:aws:s3:::out"}}
    concatenation = media.create_media_concatenation_pipeline(Sources=[source], Sinks=[sink])
    concatenation_id = concatenation["MediaConcatenationPipeline"]["MediaPipelineId"]
    missing = json.loads(json.dumps(source))
    # Another id of the same form: flip the last hex digit, so it can never equal the real one.
    arn = capture["MediaPipelineArn"]
    missing["MediaCapturePipelineSourceConfiguration"]["MediaPipelineArn"] = arn[:-1] + (
        "1" if arn[-1] == "0" else "0"
    )
    with pytest.raises(ClientError) as no_capture:
        media.create_media_concatenation_pipeline(Sources=[missing], Sinks=[sink])
    assert _code(no_capture) == "BadRequestException"

    live_source = {
        "SourceType": "ChimeSdkMeeting",
        "ChimeSdkMeetingLiveConnectorConfiguration": {
            "Arn": MEETING,
            "MuxType": "AudioWithActiveSpeakerVideo",
        },
    }
    live_sink = {
        "SinkType": "RTMP",
        "RTMPConfiguration": {"Url": "rtmps://live.example.invalid/app/key", "AudioChannels": "Stereo"},
    }
    live = media.create_media_live_connector_pipeline(Sources=[live_source], Sinks=[live_sink])
    assert live["MediaLiveConnectorPipeline"]["Sinks"] == [live_sink]
    bad_sink = {"SinkType": "RTMP", "RTMPConfiguration": {"Url": "https://not-rtmp.invalid/x"}}
    with pytest.raises(ClientError) as not_rtmp:
        media.create_media_live_connector_pipeline(Sources=[live_source], Sinks=[bad_sink])
    assert _code(not_rtmp) == "BadRequestException"

    assert [p["MediaPipelineId"] for p in media.list_media_capture_pipelines()["MediaCapturePipelines"]] == [
        capture_id
    ]
    assert len(media.list_media_pipelines()["MediaPipelines"]) == 3
    with pytest.raises(ClientError) as wrong_kind:
        media.delete_media_capture_pipeline(MediaPipelineId=concatenation_id)
    assert _code(wrong_kind) == "NotFoundException"
    media.delete_media_capture_pipeline(MediaPipelineId=capture_id)
    status = media.get_media_capture_pipeline(MediaPipelineId=capture_id)["MediaCapturePipeline"]["Status"]
    assert status == "Stopping"
    clock.advance(DELAY)
    with pytest.raises(ClientError) as gone:
        media.get_media_capture_pipeline(MediaPipelineId=capture_id)
    assert _code(gone) == "NotFoundException"


def _insights_configuration(media: Any, name: str = "calls") -> dict[str, Any]:
    elements = [
        {
            "Type": "AmazonTranscribeProcessor",
            "AmazonTranscribeProcessorConfiguration": {"LanguageCode": "en-US"},
        },
        {
            "Type": "KinesisDataStreamSink",
            "KinesisDataStreamSinkConfiguration": {
                "InsightsTarget": "arn:aws:kinesis:us-east-1:123456789012:stream/out"
            },
        },
    ]
    answer = media.create_media_insights_pipeline_configuration(
        MediaInsightsPipelineConfigurationName=name, ResourceAccessRoleArn=ROLE, Elements=elements
    )
    return dict(answer["MediaInsightsPipelineConfiguration"])


def test_media_insights_configurations_pipelines_and_tasks(ep: LocalEndpoint, clock: ManualClock) -> None:
    media = ep.client("chime-sdk-media-pipelines")
    config = _insights_configuration(media)
    arn = config["MediaInsightsPipelineConfigurationArn"]
    with pytest.raises(ClientError) as duplicate:
        _insights_configuration(media)
    assert _code(duplicate) == "BadRequestException"
    with pytest.raises(ClientError) as incomplete:
        media.create_media_insights_pipeline_configuration(
            MediaInsightsPipelineConfigurationName="broken",
            ResourceAccessRoleArn=ROLE,
            Elements=[{"Type": "AmazonTranscribeProcessor"}],
        )
    assert _code(incomplete) == "BadRequestException"
    for identifier in ("calls", arn, config["MediaInsightsPipelineConfigurationId"]):
        got = media.get_media_insights_pipeline_configuration(Identifier=identifier)
        assert got["MediaInsightsPipelineConfiguration"]["MediaInsightsPipelineConfigurationArn"] == arn
    listed = media.list_media_insights_pipeline_configurations()["MediaInsightsPipelineConfigurations"]
    assert [c["MediaInsightsPipelineConfigurationName"] for c in listed] == ["calls"]

    source = {
        "Streams": [
            {
                "StreamArn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/cam/1700000000000",
                "StreamChannelDefinition": {"NumberOfChannels": 1},
            }
        ],
        "MediaEncoding": "pcm",
        "MediaSampleRate": 8000,
    }
    pipeline = media.create_media_insights_pipeline(
        MediaInsightsPipelineConfigurationArn=arn, KinesisVideoStreamSourceRuntimeConfiguration=source
    )["MediaInsightsPipeline"]
    assert pipeline["Status"] == "Initializing"
    assert [e["Type"] for e in pipeline["ElementStatuses"]] == [
        "AmazonTranscribeProcessor",
        "KinesisDataStreamSink",
    ]
    pipeline_id = pipeline["MediaPipelineId"]
    with pytest.raises(ClientError) as in_use:
        media.delete_media_insights_pipeline_configuration(Identifier="calls")
    assert _code(in_use) == "ConflictException"
    with pytest.raises(ClientError) as update_in_use:
        media.update_media_insights_pipeline_configuration(
            Identifier="calls", ResourceAccessRoleArn=ROLE, Elements=[]
        )
    assert _code(update_in_use) == "ConflictException"
    with pytest.raises(ClientError) as early:
        media.update_media_insights_pipeline_status(Identifier=pipeline_id, UpdateStatus="Pause")
    assert _code(early) == "ConflictException"
    clock.advance(DELAY)

    task = media.start_speaker_search_task(
        Identifier=pipeline_id,
        VoiceProfileDomainArn="arn:aws:chime:us-east-1:123456789012:voice-profile-domain/d",
    )["SpeakerSearchTask"]
    assert task["SpeakerSearchTaskStatus"] == "Initializing"
    with pytest.raises(ClientError) as twice:
        media.start_speaker_search_task(
            Identifier=pipeline_id,
            VoiceProfileDomainArn="arn:aws:chime:us-east-1:123456789012:voice-profile-domain/d",
        )
    assert _code(twice) == "ConflictException"
    first = media.get_speaker_search_task(
        Identifier=pipeline_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
    )
    assert first["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "Initializing"
    clock.advance(DELAY)
    got_task = media.get_speaker_search_task(
        Identifier=pipeline_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
    )
    assert got_task["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "InProgress"
    media.stop_speaker_search_task(Identifier=pipeline_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"])
    clock.advance(DELAY)
    got_task = media.get_speaker_search_task(
        Identifier=pipeline_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
    )
    assert got_task["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "Stopped"
    with pytest.raises(ClientError) as stopped:
        media.stop_speaker_search_task(
            Identifier=pipeline_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
        )
    assert _code(stopped) == "ConflictException"

    voice = media.start_voice_tone_analysis_task(Identifier=pipeline_id, LanguageCode="en-US")[
        "VoiceToneAnalysisTask"
    ]
    with pytest.raises(ClientError) as unknown_task:
        media.get_voice_tone_analysis_task(
            Identifier=pipeline_id, VoiceToneAnalysisTaskId=task["SpeakerSearchTaskId"]
        )
    assert _code(unknown_task) == "NotFoundException"
    media.stop_voice_tone_analysis_task(
        Identifier=pipeline_id, VoiceToneAnalysisTaskId=voice["VoiceToneAnalysisTaskId"]
    )

    media.update_media_insights_pipeline_status(Identifier=pipeline_id, UpdateStatus="Pause")
    got = media.get_media_pipeline(MediaPipelineId=pipeline_id)["MediaPipeline"]["MediaInsightsPipeline"]
    assert got["Status"] == "Paused" and {e["Status"] for e in got["ElementStatuses"]} == {"Paused"}
    with pytest.raises(ClientError) as paused:
        media.start_voice_tone_analysis_task(Identifier=pipeline_id, LanguageCode="en-US")
    assert _code(paused) == "ConflictException"
    with pytest.raises(ClientError) as pause_twice:
        media.update_media_insights_pipeline_status(Identifier=pipeline_id, UpdateStatus="Pause")
    assert _code(pause_twice) == "ConflictException"
    media.update_media_insights_pipeline_status(Identifier=pipeline_id, UpdateStatus="Resume")
    media.delete_media_pipeline(MediaPipelineId=pipeline_id)
    clock.advance(DELAY)
    media.update_media_insights_pipeline_configuration(
        Identifier="calls", ResourceAccessRoleArn=ROLE, Elements=[]
    )
    media.delete_media_insights_pipeline_configuration(Identifier=arn)
    with pytest.raises(ClientError) as gone:
        media.get_media_insights_pipeline_configuration(Identifier="calls")
    assert _code(gone) == "NotFoundException"


def _arn_members(service: str) -> list[tuple[str, str, Any]]:
    """(operation, member, shape) for every top-level input member that takes an ARN of this service."""
    found = []
    for operation in load_services()[service].operations.values():
        if operation.input is None:
            continue
        for name, member in operation.input.members.items():
            pattern = member.shape.pattern or ""
            if member.shape.type == "string" and ("ARN" in name.upper() or name == "Identifier"):
                if any(other in pattern for other in (":iot:", ":iam:", ":s3", ":kms:", ":kinesis:")):
                    continue
                if name in (
                    "SinkIamRoleArn",
                    "ResourceAccessRoleArn",
                    "VoiceProfileDomainArn",
                    "HubDeviceArn",
                ):
                    continue
                found.append((operation.name, name, operation.input))
    return found


def test_every_arn_handed_out_is_accepted_back(ep: LocalEndpoint, clock: ManualClock) -> None:
    kvs, stream_arn = _active_stream(ep, clock)
    channel_arn = _active_channel(ep, clock)
    media = ep.client("chime-sdk-media-pipelines")
    pool = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="pool", StreamConfiguration={"Region": "us-east-1"}
    )["KinesisVideoStreamPoolConfiguration"]
    clock.advance(DELAY)
    sink = {
        "SinkArn": pool["PoolArn"],
        "SinkType": "KinesisVideoStreamPool",
        "ReservedStreamCapacity": 1,
        "MediaStreamType": "MixedAudio",
    }
    stream_pipeline = media.create_media_stream_pipeline(
        Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING}], Sinks=[sink]
    )["MediaStreamPipeline"]
    config = _insights_configuration(media)
    chime_arns = [
        pool["PoolArn"],
        stream_pipeline["MediaPipelineArn"],
        config["MediaInsightsPipelineConfigurationArn"],
    ]

    # Through the wire: every operation taking a resource ARN accepts each one.
    for arn in (stream_arn, channel_arn):
        assert "Tags" in kvs.list_tags_for_resource(ResourceARN=arn)
    for arn in chime_arns:
        assert media.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    assert media.get_media_pipeline_kinesis_video_stream_pool(Identifier=pool["PoolArn"])

    # And against every ARN-taking member's constraints, in both services.
    checked = 0
    for service, arns in (
        ("kinesisvideo", [stream_arn, channel_arn]),
        ("chime-sdk-media-pipelines", chime_arns),
    ):
        for operation, member, shape in _arn_members(service):
            for arn in arns:
                problem = validate(shape, {member: arn})
                assert problem is None or f"at '{member[0].lower() + member[1:]}'" not in problem, (
                    operation,
                    arn,
                )
                checked += 1
    assert checked > 50
