"""The work every benchmark shares: requests in both spellings, canned responses, stubbed clients.

Nothing here reaches AWS: stubbed clients point at an unroutable 127.0.0.1 port and botocore's
Stubber answers before anything is sent; loopback benchmarks use `kvs_chime.testing.LocalEndpoint`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar, cast

import boto3
from botocore.stub import Stubber

from kvs_chime.kinesisvideo import (
    ChannelType,
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    SingleMasterConfiguration,
)
from kvs_chime.media_pipelines import (
    CreateMediaStreamPipelineRequest,
    MediaPipelineSourceType,
    MediaStreamPipelineSinkType,
    MediaStreamSink,
    MediaStreamSource,
    MediaStreamType,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
NOWHERE = "http://127.0.0.1:9"
"""Stubbed clients' endpoint: the discard port on loopback, never contacted (Stubber answers first)."""

CHANNEL_NAME = "door"
CHANNEL_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/{CHANNEL_NAME}/1700000000000"
POOL_NAME = "bench-pool"
POOL_ARN = f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline-kinesis-video-stream-pool/{POOL_NAME}"
MEETING_ARNS = (
    f"arn:aws:chime:{REGION}:{ACCOUNT}:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f",
    f"arn:aws:chime:{REGION}:{ACCOUNT}:meeting/7a1c0d9e-5b2f-4e3a-8c7d-6f5e4d3c2b1a",
)
F = TypeVar("F")
PIPELINE_ID = "0f3c6a52-9d1b-4c7e-8a2f-5e6d7c8b9a01"
WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)


# The raw side is a default boto3 client, as a user would build one (the baseline); the
# facade side is a client the facade builds itself (botocore's retries and parameter validation
# off, the package's own checks on). Stubbers attach to either after it is built.
def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
        region_name=REGION,
    )


def stubbed(sess: boto3.Session, service: str) -> tuple[Any, Stubber]:
    """A fresh default client of `service` with an active Stubber (expected params unchecked)."""
    client = sess.client(service, region_name=REGION, endpoint_url=NOWHERE)  # pyright: ignore[reportUnknownMemberType]
    return client, _stub(client)


def stubbed_facade(facade_class: Callable[..., F], sess: boto3.Session) -> tuple[F, Stubber]:
    """A facade that built its own client from `sess`, with an active Stubber on that client."""
    facade = facade_class(session=sess, region_name=REGION, endpoint_url=NOWHERE)
    return facade, _stub(cast(Any, facade).client)


def _stub(client: Any) -> Stubber:
    stubber = Stubber(client)
    stubber.activate()
    return stubber


def _metadata() -> dict[str, Any]:
    return {
        "RequestId": "5f0c3e0a-6a8b-4a53-9d0e-0c1d2e3f4a5b",
        "HTTPStatusCode": 200,
        "HTTPHeaders": {"content-type": "application/json"},
        "RetryAttempts": 0,
    }


# -- CreateSignalingChannel ----------------------------------------------------------------------

CREATE_CHANNEL_KWARGS: dict[str, Any] = {
    "ChannelName": CHANNEL_NAME,
    "ChannelType": "SINGLE_MASTER",
    "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
}
CREATE_CHANNEL_REQUEST = CreateSignalingChannelRequest(
    channel_name=CHANNEL_NAME,
    channel_type=ChannelType.SINGLE_MASTER,
    single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
)
CREATE_CHANNEL_RESPONSE: dict[str, Any] = {"ChannelARN": CHANNEL_ARN, "ResponseMetadata": _metadata()}

DESCRIBE_CHANNEL_KWARGS: dict[str, Any] = {"ChannelName": CHANNEL_NAME}
DESCRIBE_CHANNEL_REQUEST = DescribeSignalingChannelRequest(channel_name=CHANNEL_NAME)


# -- CreateMediaStreamPipeline (2 sources, 2 sinks) -----------------------------------------------


def create_pipeline_kwargs(pool_arn: str = POOL_ARN) -> dict[str, Any]:
    """No ClientRequestToken: botocore fills one per call, as the facade does."""
    return {
        "Sources": [{"SourceType": "ChimeSdkMeeting", "SourceArn": arn} for arn in MEETING_ARNS],
        "Sinks": [
            {
                "SinkArn": pool_arn,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 1,
                "MediaStreamType": "MixedAudio",
            },
            {
                "SinkArn": pool_arn,
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 2,
                "MediaStreamType": "IndividualAudio",
            },
        ],
    }


def create_pipeline_request(pool_arn: str = POOL_ARN) -> CreateMediaStreamPipelineRequest:
    return CreateMediaStreamPipelineRequest(
        sources=[
            MediaStreamSource(source_type=MediaPipelineSourceType.CHIME_SDK_MEETING, source_arn=arn)
            for arn in MEETING_ARNS
        ],
        sinks=[
            MediaStreamSink(
                sink_arn=pool_arn,
                sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                reserved_stream_capacity=1,
                media_stream_type=MediaStreamType.MIXED_AUDIO,
            ),
            MediaStreamSink(
                sink_arn=pool_arn,
                sink_type=MediaStreamPipelineSinkType.KINESIS_VIDEO_STREAM_POOL,
                reserved_stream_capacity=2,
                media_stream_type=MediaStreamType.INDIVIDUAL_AUDIO,
            ),
        ],
    )


def create_pipeline_response() -> dict[str, Any]:
    """CreateMediaStreamPipeline's answer as botocore parses it (with ResponseMetadata)."""
    kwargs = create_pipeline_kwargs()
    return {
        "MediaStreamPipeline": {
            "MediaPipelineId": PIPELINE_ID,
            "MediaPipelineArn": f"arn:aws:chime:{REGION}:{ACCOUNT}:media-pipeline/{PIPELINE_ID}",
            "CreatedTimestamp": WHEN,
            "UpdatedTimestamp": WHEN,
            "Status": "Initializing",
            "Sources": kwargs["Sources"],
            "Sinks": kwargs["Sinks"],
        },
        "ResponseMetadata": _metadata(),
    }


# -- ListSignalingChannels pages -----------------------------------------------------------------


def channel_info(index: int) -> dict[str, Any]:
    name = f"channel-{index:06d}"
    return {
        "ChannelName": name,
        "ChannelARN": f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/{name}/{1700000000000 + index}",
        "ChannelType": "SINGLE_MASTER",
        "ChannelStatus": "ACTIVE",
        "CreationTime": WHEN,
        "SingleMasterConfiguration": {"MessageTtlSeconds": 60},
        "Version": f"v{index:06d}",
    }


DESCRIBE_CHANNEL_RESPONSE: dict[str, Any] = {"ChannelInfo": channel_info(0), "ResponseMetadata": _metadata()}


def channel_pages(items: int, per_page: int = 100) -> list[dict[str, Any]]:
    """`items` channels in pages of `per_page`; every page but the last carries a NextToken."""
    pages: list[dict[str, Any]] = []
    for start in range(0, items, per_page):
        page: dict[str, Any] = {
            "ChannelInfoList": [channel_info(i) for i in range(start, min(start + per_page, items))]
        }
        if start + per_page < items:
            page["NextToken"] = f"token{start + per_page:06d}"  # the model's pattern: [a-zA-Z0-9+/=]*
        pages.append(page)
    return pages


def list_page_response() -> dict[str, Any]:
    """One 100-item ListSignalingChannels page as botocore parses it."""
    page = channel_pages(100)[0]
    page["NextToken"] = "token000100"
    page["ResponseMetadata"] = _metadata()
    return page
