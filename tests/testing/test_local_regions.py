"""Region and account from the SigV4 credential scope; strict signature checking."""

from __future__ import annotations

import http.client

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import CreateStreamRequest, DescribeStreamRequest
from kvs_chime.testing import LocalEndpoint


def _client(
    ep: LocalEndpoint, service: str, region: str, key: str = "AKIDEXAMPLE", secret: str = "s"
) -> object:
    session = boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=region)
    return session.client(service, endpoint_url=ep.url, config=Config(retries={"total_max_attempts": 1}))


def test_arns_carry_the_clients_region_and_resources_stay_in_it(local_endpoint: LocalEndpoint) -> None:
    tokyo = _client(local_endpoint, "kinesisvideo", "ap-northeast-1")
    arn = tokyo.create_signaling_channel(ChannelName="door")["ChannelARN"]
    assert arn.startswith("arn:aws:kinesisvideo:ap-northeast-1:123456789012:channel/door/")
    virginia = _client(local_endpoint, "kinesisvideo", "us-east-1")
    with pytest.raises(ClientError) as info:
        virginia.describe_signaling_channel(ChannelARN=arn)
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # The same name is free in another region.
    assert ":us-east-1:" in virginia.create_signaling_channel(ChannelName="door")["ChannelARN"]
    media = _client(local_endpoint, "chime-sdk-media-pipelines", "eu-central-1")
    pool = media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="p", StreamConfiguration={"Region": "eu-central-1"}
    )["KinesisVideoStreamPoolConfiguration"]
    assert pool["PoolArn"] == (
        "arn:aws:chime:eu-central-1:123456789012:media-pipeline-kinesis-video-stream-pool/p"
    )


def test_an_access_key_maps_to_an_account() -> None:
    with LocalEndpoint(activation_delay=0, accounts={"AKIDTEAMB": "444455556666"}) as ep:
        mine = _client(ep, "kinesisvideo", "us-west-2", key="111122223333")
        assert ":111122223333:" in mine.create_stream(StreamName="cam")["StreamARN"]
        theirs = _client(ep, "kinesisvideo", "us-west-2", key="AKIDTEAMB")
        assert theirs.list_streams()["StreamInfoList"] == []
        assert ":444455556666:" in theirs.create_stream(StreamName="cam")["StreamARN"]
        default = _client(ep, "kinesisvideo", "us-west-2", key="AKIDOTHER")
        assert ":123456789012:" in default.create_stream(StreamName="cam")["StreamARN"]


def test_the_facade_in_a_region_gets_that_regions_arns() -> None:
    with LocalEndpoint(activation_delay=0) as ep:
        kv = KinesisVideo(session=ep.boto3_session(), endpoint_url=ep.url, region_name="ap-northeast-1")
        arn = kv.create_stream(CreateStreamRequest(stream_name="cam")).stream_arn
        assert arn is not None and arn.startswith("arn:aws:kinesisvideo:ap-northeast-1:")
        info = kv.describe_stream(DescribeStreamRequest(stream_arn=arn)).stream_info
        assert info is not None and info.stream_arn == arn


def test_strict_mode_answers_as_aws_for_bad_or_missing_signatures() -> None:
    with LocalEndpoint(activation_delay=0, credentials={"AKIDGOOD": "right-secret"}) as ep:
        good = _client(ep, "kinesisvideo", "eu-west-1", key="AKIDGOOD", secret="right-secret")
        assert good.list_streams()["StreamInfoList"] == []
        good.create_stream(StreamName="cam/../x".replace("/../", "-"))  # a signed body and path
        media = _client(ep, "chime-sdk-media-pipelines", "eu-west-1", key="AKIDGOOD", secret="right-secret")
        # A GET with a query string and an ARN in the path: the canonical request must agree.
        assert media.list_media_pipelines(MaxResults=5)["MediaPipelines"] == []
        with pytest.raises(ClientError) as missing:
            media.get_media_pipeline_kinesis_video_stream_pool(
                Identifier="arn:aws:chime:eu-west-1:123456789012:media-pipeline-kinesis-video-stream-pool/nope"
            )
        assert missing.value.response["Error"]["Code"] == "NotFoundException"

        wrong = _client(ep, "kinesisvideo", "eu-west-1", key="AKIDGOOD", secret="wrong")
        with pytest.raises(ClientError) as bad:
            wrong.list_streams()
        assert bad.value.response["Error"]["Code"] == "InvalidSignatureException"
        assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "The request signature we calculated does not match" in bad.value.response["Error"]["Message"]

        unknown = _client(ep, "kinesisvideo", "eu-west-1", key="AKIDNOBODY", secret="right-secret")
        with pytest.raises(ClientError) as who:
            unknown.list_streams()
        assert who.value.response["Error"]["Code"] == "UnrecognizedClientException"

        connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
        connection.request("POST", "/listStreams", body=b"{}")
        response = connection.getresponse()
        assert response.status == 403
        assert response.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
        connection.close()
        # Nothing was applied for the refused requests.
        assert [e.status for e in ep.journal.entries() if e.operation is None] == [403, 403, 403]


def test_a_tampered_body_fails_the_signature_check() -> None:
    with LocalEndpoint(activation_delay=0, credentials={"AKIDGOOD": "right-secret"}) as ep:
        client = _client(ep, "kinesisvideo", "eu-west-1", key="AKIDGOOD", secret="right-secret")

        def tamper(request: object, **_: object) -> None:
            body = getattr(request, "body", b"")
            request.body = body.replace(b"cam", b"cab")  # type: ignore[attr-defined]  # botocore's AWSPreparedRequest

        client.meta.events.register_last("before-send.kinesis-video.CreateStream", tamper)
        with pytest.raises(ClientError) as info:
            client.create_stream(StreamName="cam")
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_strict_mode_accepts_calls_on_a_channels_own_endpoint() -> None:
    with LocalEndpoint(activation_delay=0, credentials={"AKIDGOOD": "right-secret"}) as ep:
        kvs = _client(ep, "kinesisvideo", "eu-west-1", key="AKIDGOOD", secret="right-secret")
        arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
        https = kvs.get_signaling_channel_endpoint(
            ChannelARN=arn,
            SingleMasterChannelEndpointConfiguration={"Protocols": ["HTTPS"], "Role": "MASTER"},
        )["ResourceEndpointList"][0]["ResourceEndpoint"]
        session = boto3.session.Session(
            aws_access_key_id="AKIDGOOD", aws_secret_access_key="right-secret", region_name="eu-west-1"
        )
        signaling = session.client("kinesis-video-signaling", endpoint_url=https)
        # Signed for a path below the channel's endpoint prefix, with the ARN in the body.
        assert signaling.get_ice_server_config(ChannelARN=arn)["IceServerList"]
