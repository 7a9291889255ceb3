"""Validation: a request is checked against the model's constraints before anything is
sent, and every broken constraint is reported at once."""

from typing import Any

from kvs_chime import KinesisVideo, MediaPipelines, ValidationError
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    SingleMasterConfiguration,
)
from kvs_chime.media_pipelines import CreateMediaStreamPipelineRequest, MediaStreamSink
from kvs_chime.testing import LocalEndpoint

POOL_ARN = (
    "arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/p"
)

with LocalEndpoint() as endpoint:
    session, url, region = endpoint.boto3_session(), endpoint.url, endpoint.region
    kv = KinesisVideo(session=session, endpoint_url=url, region_name=region)
    media = MediaPipelines(session=session, endpoint_url=url, region_name=region)

    # [one]
    try:
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(
                channel_name="door-" * 60,  # 300 characters: at most 256
                single_master_configuration=SingleMasterConfiguration(
                    message_ttl_seconds=1
                ),  # 5-120
            )
        )
    except ValidationError as error:
        print(error)
        # CreateSignalingChannelRequest is invalid (2 problem(s)):
        #   channel_name: length must be between 1 and 256, got 300
        #   single_master_configuration.message_ttl_seconds: must be between 5 and 120,
        #     got 1
        assert [v.path for v in error.violations] == [
            "channel_name",
            "single_master_configuration.message_ttl_seconds",
        ]
    # [/one]
    else:
        raise AssertionError("expected a ValidationError")

    # [nested]
    try:
        media.create_media_stream_pipeline(
            CreateMediaStreamPipelineRequest(
                sources=[],  # at least one source
                sinks=[
                    MediaStreamSink(
                        sink_arn=POOL_ARN,
                        sink_type="KinesisVideoStreamPool",
                        reserved_stream_capacity=11,  # 1-10
                        media_stream_type="MixedAudio",
                    )
                ],
            )
        )
    except ValidationError as error:
        for violation in error.violations:
            print(violation.path, "->", violation.rule)
        # sources -> must have at least 1 items, got 0
        # sinks[0].reserved_stream_capacity -> must be between 1 and 10, got 11
        assert {v.path for v in error.violations} == {
            "sources",
            "sinks[0].reserved_stream_capacity",
        }
    # [/nested]
    else:
        raise AssertionError("expected a ValidationError")

    # [whole]
    try:  # the pattern [a-zA-Z0-9_.-]+ must match the whole name, as the service checks it
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="front door")
        )
    except ValidationError as error:
        print(error.violations[0])
        # channel_name: must match the pattern [a-zA-Z0-9_.-]+
        assert error.violations[0].path == "channel_name"
    # [/whole]
    else:
        raise AssertionError("expected a ValidationError")

    # [misuse]
    wrong: Any = DescribeSignalingChannelRequest(channel_name="door")
    try:  # another operation's request: the type checker says so; at run time, a TypeError
        kv.create_signaling_channel(wrong)
    except TypeError as error:
        print(error)
        # create_signaling_channel() takes a CreateSignalingChannelRequest, got a
        #   DescribeSignalingChannelRequest: call create_signaling_channel(...)
        assert "CreateSignalingChannelRequest" in str(error)
    try:  # the request's fields as keyword arguments
        kv.create_signaling_channel(channel_name="door")  # type: ignore[call-arg]  # the mistake shown
    except TypeError as error:
        print(error)
        # create_signaling_channel() takes its request as one CreateSignalingChannelRequest
        #   object, not as keyword arguments: call
        #   create_signaling_channel(CreateSignalingChannelRequest(channel_name=...))
        assert "CreateSignalingChannelRequest(channel_name=...)" in str(error)
    # [/misuse]

    # Nothing reached the endpoint: validation runs before the first attempt.
    assert len(endpoint.journal) == 0
