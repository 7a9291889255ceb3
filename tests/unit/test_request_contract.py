"""The request side of a call: misuse of the method is a TypeError naming the method and the class
it takes; numbers, timestamps and strings are refused where the service could not take them. All
before any network call: a recording server on 127.0.0.1 sees no request."""

from __future__ import annotations

import datetime
import json
import math
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import boto3
import pytest

from kvs_chime import KinesisVideo, MediaPipelines
from kvs_chime._model import SPEC, Spec
from kvs_chime._validate import validate_request
from kvs_chime.errors import ValidationError, Violation
from kvs_chime.kinesisvideo import (
    CreateSignalingChannelRequest,
    CreateStreamRequest,
    DescribeSignalingChannelRequest,
    ListSignalingChannelsRequest,
    UpdateDataRetentionRequest,
)
from kvs_chime.media_pipelines import (
    CreateMediaInsightsPipelineRequest,
    FragmentSelector,
    KinesisVideoStreamRecordingSourceRuntimeConfiguration,
    RecordingStreamConfiguration,
    TimestampRange,
)

from ._canned import Answer, CannedServer, canned_server

ROOT = Path(__file__).resolve().parents[2]
ARN = "arn:aws:kinesisvideo:us-east-1:111122223333:channel/door/1700000000000"


def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    )


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[CannedServer, KinesisVideo, MediaPipelines]]:
    with canned_server() as state:
        yield (
            state,
            KinesisVideo(session=session(), endpoint_url=state.url),
            MediaPipelines(session=session(), endpoint_url=state.url),
        )


@pytest.fixture
def server(shared: tuple[CannedServer, KinesisVideo, MediaPipelines]) -> CannedServer:
    shared[0].requests.clear()
    shared[0].answers.clear()
    return shared[0]


@pytest.fixture
def kv(shared: tuple[CannedServer, KinesisVideo, MediaPipelines], server: CannedServer) -> KinesisVideo:
    return shared[1]


@pytest.fixture
def media(shared: tuple[CannedServer, KinesisVideo, MediaPipelines], server: CannedServer) -> MediaPipelines:
    return shared[2]


# -- the request object itself ------------------------------------------------------------------


def test_another_operations_request_is_a_type_error(kv: KinesisVideo, server: CannedServer) -> None:
    wrong: Any = DescribeSignalingChannelRequest(channel_name="oops")
    with pytest.raises(TypeError) as caught:
        kv.create_signaling_channel(wrong)
    message = str(caught.value)
    assert "create_signaling_channel()" in message
    assert "CreateSignalingChannelRequest" in message
    assert "DescribeSignalingChannelRequest" in message
    assert server.requests == []  # no channel "oops" was created


def test_a_dict_is_a_type_error_showing_the_class(kv: KinesisVideo, server: CannedServer) -> None:
    wrong: Any = {"ChannelName": "door"}
    with pytest.raises(
        TypeError, match=r"create_signaling_channel\(\) takes a CreateSignalingChannelRequest, got a dict"
    ):
        kv.create_signaling_channel(wrong)
    assert server.requests == []


def test_none_where_a_request_is_required_is_a_type_error(kv: KinesisVideo, server: CannedServer) -> None:
    wrong: Any = None
    with pytest.raises(
        TypeError, match=r"create_signaling_channel\(\) takes a CreateSignalingChannelRequest, got no request"
    ):
        kv.create_signaling_channel(wrong)
    assert server.requests == []


def test_the_iterators_check_their_request_too(kv: KinesisVideo, server: CannedServer) -> None:
    wrong: Any = DescribeSignalingChannelRequest(channel_name="x")
    with pytest.raises(
        TypeError, match=r"takes a ListSignalingChannelsRequest, got a DescribeSignalingChannelRequest"
    ):
        kv.iter_signaling_channels(wrong)  # raised at the call, not at the first next()
    assert server.requests == []


def test_none_where_the_request_is_optional_is_an_empty_request(
    kv: KinesisVideo, server: CannedServer
) -> None:
    server.answers.append(Answer(body=b'{"ChannelInfoList": []}'))
    assert kv.list_signaling_channels(None).channel_info_list == []
    assert json.loads(server.requests[0].body or b"{}") == {}
    server.answers.append(Answer(body=b'{"ChannelInfoList": []}'))
    assert list(kv.iter_signaling_channels(ListSignalingChannelsRequest())) == []


def test_request_fields_as_keyword_arguments_show_the_right_call(
    kv: KinesisVideo, server: CannedServer
) -> None:
    with pytest.raises(TypeError) as caught:
        kv.create_signaling_channel(channel_name="secret-room", channel_type="SINGLE_MASTER")  # type: ignore[call-arg]  # the mistake under test
    message = str(caught.value)
    assert (
        "create_signaling_channel(CreateSignalingChannelRequest(channel_name=..., channel_type=...))"
        in message
    )
    assert "secret-room" not in message  # names only, never values
    with pytest.raises(
        TypeError, match=re.escape("iter_signaling_channels(ListSignalingChannelsRequest(max_results=...))")
    ):
        kv.iter_signaling_channels(max_results=5)  # type: ignore[call-arg]  # the mistake under test
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        kv.create_signaling_channel(bogus=1)  # type: ignore[call-arg]  # the mistake under test
    assert server.requests == []


def test_the_methods_own_keywords_still_work(kv: KinesisVideo, server: CannedServer) -> None:
    from kvs_chime import RetryPolicy

    server.answers.append(Answer(body=json.dumps({"ChannelARN": ARN}).encode()))
    created = kv.create_signaling_channel(
        CreateSignalingChannelRequest(channel_name="door"), retry=RetryPolicy()
    )
    assert created.channel_arn == ARN


# -- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "ok"), [(0, True), (2**31 - 1, True), (2**31, False), (10**20, False), (-1, False)]
)
def test_integer_members_are_32_bit(kv: KinesisVideo, server: CannedServer, hours: int, ok: bool) -> None:
    request = CreateStreamRequest(stream_name="cam", data_retention_in_hours=hours)
    if ok:
        validate_request(request)
        return
    with pytest.raises(ValidationError) as caught:
        kv.create_stream(request)
    assert caught.value.violations == (
        Violation("data_retention_in_hours", f"must be between 0 and 2147483647, got {hours}"),
    )
    assert server.requests == []


def test_integer_members_without_model_bounds_are_32_bit_too() -> None:
    request = UpdateDataRetentionRequest(
        current_version="1", operation="INCREASE_DATA_RETENTION", data_retention_change_in_hours=2**31
    )
    with pytest.raises(
        ValidationError, match="data_retention_change_in_hours: must be between 1 and 2147483647"
    ):
        validate_request(request)


@attrs.frozen(kw_only=True)
class Numbers:
    """A probe shape with the member kinds the covered request models have none of."""

    ratio: float | None = attrs.field(default=None, metadata={SPEC: Spec("double", "Ratio")})
    bounded: float | None = attrs.field(default=None, metadata={SPEC: Spec("float", "B", min=0, max=1)})
    count: int | None = attrs.field(default=None, metadata={SPEC: Spec("long", "Count")})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinities_are_refused(value: float) -> None:
    # JSON has no NaN or infinity: botocore would send a body the service cannot read.
    with pytest.raises(ValidationError) as caught:
        validate_request(Numbers(ratio=value))
    assert [v.path for v in caught.value.violations] == ["ratio"]
    with pytest.raises(ValidationError):
        validate_request(Numbers(bounded=value))
    validate_request(Numbers(ratio=1e300, bounded=0.5))


@pytest.mark.parametrize(
    ("count", "ok"), [(2**63 - 1, True), (-(2**63), True), (2**63, False), (-(2**63) - 1, False)]
)
def test_long_members_are_64_bit(count: int, ok: bool) -> None:
    if ok:
        validate_request(Numbers(count=count))
    else:
        with pytest.raises(ValidationError, match="count: must be between"):
            validate_request(Numbers(count=count))


# -- strings ------------------------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_before_the_network(kv: KinesisVideo, server: CannedServer) -> None:
    with pytest.raises(ValidationError, match="lone surrogate"):
        kv.create_stream(
            CreateStreamRequest(stream_name="cam", media_type="video/h264", kms_key_id="k\ud800")
        )
    assert server.requests == []


# -- timestamps ---------------------------------------------------------------------------------


def insights(start: datetime.datetime) -> CreateMediaInsightsPipelineRequest:
    return CreateMediaInsightsPipelineRequest(
        media_insights_pipeline_configuration_arn="arn:aws:chime:us-east-1:111122223333:media-insights-pipeline-configuration/c",
        kinesis_video_stream_recording_source_runtime_configuration=KinesisVideoStreamRecordingSourceRuntimeConfiguration(
            streams=[RecordingStreamConfiguration(stream_arn=ARN.replace("channel", "stream"))],
            fragment_selector=FragmentSelector(
                fragment_selector_type="ProducerTimestamp",
                timestamp_range=TimestampRange(
                    start_timestamp=start, end_timestamp=start + datetime.timedelta(minutes=1)
                ),
            ),
        ),
    )


def test_a_naive_datetime_is_refused(media: MediaPipelines, server: CannedServer) -> None:
    with pytest.raises(ValidationError) as caught:
        media.create_media_insights_pipeline(insights(datetime.datetime(2024, 5, 1, 12, 0)))
    paths = [v.path for v in caught.value.violations]
    assert paths == [
        "kinesis_video_stream_recording_source_runtime_configuration.fragment_selector.timestamp_range.start_timestamp",
        "kinesis_video_stream_recording_source_runtime_configuration.fragment_selector.timestamp_range.end_timestamp",
    ]
    assert "timezone-aware" in caught.value.violations[0].rule
    assert server.requests == []


SCRIPT = """
import datetime, json, sys, time
time.tzset()
sys.path.insert(0, {root!r})
sys.path.insert(0, {tests!r})
import boto3
from kvs_chime import MediaPipelines, RetryPolicy
from kvs_chime.errors import ValidationError
from unit._canned import Answer, canned_server
from unit.test_request_contract import insights

assert time.localtime(0).tm_hour == 19, "TZ did not apply"
session = boto3.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
with canned_server(Answer(body=b'{{"MediaInsightsPipeline": {{}}}}')) as server:
    # One attempt: the canned answer cannot be read, which leaves a create's outcome unknown.
    media = MediaPipelines(session=session, endpoint_url=server.url, retry=RetryPolicy(max_attempts=1))
    try:
        media.create_media_insights_pipeline(insights(datetime.datetime(2024, 5, 1, 12, 0)))
    except ValidationError:
        naive = "refused"
    else:
        naive = "sent"
    aware = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    try:
        media.create_media_insights_pipeline(insights(aware))
    except Exception:
        pass  # the canned answer does not matter: what was sent does
    body = json.loads(server.requests[-1].body)
    sent = body["KinesisVideoStreamRecordingSourceRuntimeConfiguration"]["FragmentSelector"]["TimestampRange"]
    print(json.dumps({{"naive": naive, "requests": len(server.requests), "start": sent["StartTimestamp"]}}))
"""


def test_timestamps_are_never_shifted_by_the_local_time_zone() -> None:
    script = SCRIPT.format(root=str(ROOT), tests=str(ROOT / "tests"))
    env = {**os.environ, "TZ": "America/New_York"}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["naive"] == "refused"
    assert result["requests"] == 1  # only the aware request reached the server
    expected = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc).timestamp()
    assert result["start"] == expected  # 12:00 UTC on the wire, not 16:00
