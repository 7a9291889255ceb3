"""Child process of section 5: the first use of one facade against the first use of a raw client.

Run as `python bench_firstuse.py OPERATION raw|facade` in a fresh interpreter; prints the seconds.
`import boto3, kvs_chime` and the boto3 session come first, untimed (`import kvs_chime` has its
own row). Timed: for `raw`, creating the client and making the first call; for `facade`, the
same plus what the facade adds on first use: importing its service's module (shapes, operations,
the call pipeline), building the typed request, wrapping the client and its first call.
Both variants set up Stubber inside the timed region, alike.
"""

from __future__ import annotations

import datetime
import sys
import time
from typing import Any

import boto3
from botocore.config import Config
from botocore.stub import Stubber

import kvs_chime  # noqa: F401  # untimed: `import kvs_chime` is measured by its own row

NOWHERE = "http://127.0.0.1:9"
CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 1})
CHANNEL_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/door/1700000000000"
POOL_ARN = "arn:aws:chime:us-east-1:123456789012:media-pipeline-kinesis-video-stream-pool/bench-pool"
MEETING_ARN = "arn:aws:chime:us-east-1:123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
PIPELINE = {
    "MediaPipelineId": "0f3c6a52-9d1b-4c7e-8a2f-5e6d7c8b9a01",
    "MediaPipelineArn": "arn:aws:chime:us-east-1:123456789012:media-pipeline/0f3c6a52-9d1b-4c7e-8a2f-5e6d7c8b9a01",
    "CreatedTimestamp": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    "UpdatedTimestamp": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    "Status": "Initializing",
    "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
    "Sinks": [
        {
            "SinkArn": POOL_ARN,
            "SinkType": "KinesisVideoStreamPool",
            "ReservedStreamCapacity": 1,
            "MediaStreamType": "MixedAudio",
        }
    ],
}
SERVICES = {
    "create_signaling_channel": ("kinesisvideo", {"ChannelARN": CHANNEL_ARN}),
    "create_media_stream_pipeline": ("chime-sdk-media-pipelines", {"MediaStreamPipeline": PIPELINE}),
}


def _client(sess: boto3.Session, operation: str) -> Any:
    service, response = SERVICES[operation]
    client = sess.client(service, endpoint_url=NOWHERE, config=CONFIG)  # pyright: ignore[reportUnknownMemberType]
    stubber = Stubber(client)
    stubber.add_response(operation, response)
    stubber.activate()
    return client


def raw(sess: boto3.Session, operation: str) -> object:
    client = _client(sess, operation)
    if operation == "create_signaling_channel":
        return client.create_signaling_channel(ChannelName="door", ChannelType="SINGLE_MASTER")
    return client.create_media_stream_pipeline(
        Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING_ARN}],
        Sinks=[
            {
                "SinkArn": POOL_ARN,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 1,
                "MediaStreamType": "MixedAudio",
            }
        ],
    )


def facade(sess: boto3.Session, operation: str) -> object:
    if operation == "create_signaling_channel":
        from kvs_chime.kinesisvideo import ChannelType, CreateSignalingChannelRequest, KinesisVideo

        kv = KinesisVideo(client=_client(sess, operation))
        return kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="door", channel_type=ChannelType.SINGLE_MASTER)
        )
    from kvs_chime.media_pipelines import (
        CreateMediaStreamPipelineRequest,
        MediaPipelines,
        MediaPipelineSourceType,
        MediaStreamPipelineSinkType,
        MediaStreamSink,
        MediaStreamSource,
        MediaStreamType,
    )

    mp = MediaPipelines(client=_client(sess, operation))
    return mp.create_media_stream_pipeline(
        CreateMediaStreamPipelineRequest(
            sources=[
                MediaStreamSource(
                    source_type=MediaPipelineSourceType.CHIME_SDK_MEETING, source_arn=MEETING_ARN
                )
            ],
            sinks=[
                MediaStreamSink(
                    sink_arn=POOL_ARN,
                    sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                    reserved_stream_capacity=1,
                    media_stream_type=MediaStreamType.MIXED_AUDIO,
                )
            ],
        )
    )


def main(operation: str, variant: str) -> float:
    sess = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )
    use = raw if variant == "raw" else facade
    start = time.perf_counter()
    use(sess, operation)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2]))
