"""User-style code against the meetings and media data-plane facades, checked by mypy --strict
and pyright strict (the typecheck session); it also runs under pytest, against botocore's
Stubber, so every call here really goes through the facade. Nothing leaves the process.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from typing import Any, cast

import boto3
import botocore.stub
from botocore.response import StreamingBody
from typing_extensions import assert_type

import kvs_chime
from kvs_chime import (
    KinesisVideo,
    KinesisVideoArchivedMedia,
    KinesisVideoMedia,
    KinesisVideoWebRtcStorage,
    Meetings,
    PayloadStream,
)
from kvs_chime.archived_media import (
    Fragment,
    GetHLSStreamingSessionURLRequest,
    GetHLSStreamingSessionURLResponse,
    GetMediaForFragmentListRequest,
    GetMediaForFragmentListResponse,
    ListFragmentsRequest,
)
from kvs_chime.errors import (
    ConnectionLimitExceededError,
    InvalidEndpointError,
    LimitExceededError,
    ThrottlingError,
)
from kvs_chime.kinesisvideo import APIName
from kvs_chime.media import Fragment as MkvFragment
from kvs_chime.media import read_fragments
from kvs_chime.meetings import Attendee, CreateAttendeeRequest, CreateMeetingRequest, Meeting
from kvs_chime.stream_media import GetMediaRequest, GetMediaResponse, StartSelector, StartSelectorType

REGION = "us-east-1"
STREAM_ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:stream/meeting-audio/1700000000001"
DATA_ENDPOINT = "https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com"
MEETING_ID = "2b7e1b5e-4c1a-4f3e-9d3b-6a1f0c8e7d21"


def _stubber(client: Any) -> Any:
    return cast(Any, botocore.stub).Stubber(client)  # botocore is untyped, as in user code


def _client(service: str, endpoint_url: str | None = None) -> Any:
    return cast(Any, boto3).client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        endpoint_url=endpoint_url,
    )


def test_lazy_exports_are_the_facades() -> None:
    assert kvs_chime.Meetings is Meetings
    assert kvs_chime.KinesisVideoMedia is KinesisVideoMedia
    assert kvs_chime.KinesisVideoArchivedMedia is KinesisVideoArchivedMedia
    assert kvs_chime.KinesisVideoWebRtcStorage is KinesisVideoWebRtcStorage


def test_meetings_types() -> None:
    client = _client("chime-sdk-meetings")
    meetings = Meetings(client=client)
    meeting = {
        "MeetingId": MEETING_ID,
        "MeetingArn": f"arn:aws:chime:{REGION}:123456789012:meeting/{MEETING_ID}",
        "ExternalMeetingId": "standup",
        "MediaRegion": REGION,
    }
    attendee = {"AttendeeId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "ExternalUserId": "user-42"}
    with _stubber(client) as stubber:
        stubber.add_response("create_meeting", {"Meeting": meeting})
        stubber.add_response("create_attendee", {"Attendee": attendee})
        created = meetings.create_meeting(
            CreateMeetingRequest(
                client_request_token="3f2504e0-4f89-41d3-9a0c-0305e82c3301",
                external_meeting_id="standup",
                media_region=REGION,
            )
        ).meeting
        joined = meetings.create_attendee(
            CreateAttendeeRequest(meeting_id=created.meeting_id, external_user_id="user-42")
        ).attendee
    assert_type(created, Meeting)
    assert_type(created.meeting_id, str)  # present members: no narrowing
    assert_type(created.meeting_arn, str)
    assert_type(joined, Attendee)
    assert_type(joined.attendee_id, str)
    assert_type(joined.join_token, str | None)


def test_get_media_payload_is_a_stream() -> None:
    client = _client("kinesis-video-media", DATA_ENDPOINT)
    media = KinesisVideoMedia(client=client)
    data = b"\x1aE\xdf\xa3 not really mkv"
    with _stubber(client) as stubber:
        stubber.add_response(
            "get_media", {"ContentType": "video/webm", "Payload": StreamingBody(io.BytesIO(data), len(data))}
        )
        response = media.get_media(
            GetMediaRequest(
                stream_arn=STREAM_ARN,
                start_selector=StartSelector(start_selector_type=StartSelectorType.EARLIEST),
            )
        )
    assert_type(response, GetMediaResponse)
    assert_type(response.payload, PayloadStream)
    assert_type(response.content_type, str | None)
    with response.payload as payload:
        assert_type(payload, PayloadStream)
        assert_type(payload.read(4), bytes)
        chunks = payload.iter_chunks(8)
        assert_type(chunks, Iterator[bytes])
        assert b"".join(chunks) == data[4:]
    assert payload.closed


def test_a_payload_feeds_the_mkv_reader() -> None:
    payload = PayloadStream(io.BytesIO(b""), operation="GetMedia")
    fragments = read_fragments(payload)  # PayloadStream is a media.Readable
    assert_type(fragments, Iterator[MkvFragment])
    assert list(fragments) == []


def test_archived_media_types() -> None:
    client = _client("kinesis-video-archived-media", DATA_ENDPOINT)
    archived = KinesisVideoArchivedMedia(client=client)
    at = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    fragment = {"FragmentNumber": "1", "ProducerTimestamp": at, "ServerTimestamp": at}
    with _stubber(client) as stubber:
        stubber.add_response("list_fragments", {"Fragments": [fragment]})
        stubber.add_response("get_media_for_fragment_list", {"Payload": StreamingBody(io.BytesIO(b"mkv"), 3)})
        stubber.add_response(
            "get_hls_streaming_session_url", {"HLSStreamingSessionURL": DATA_ENDPOINT + "/hls"}
        )
        fragments = archived.iter_fragments(ListFragmentsRequest(stream_arn=STREAM_ARN))
        assert_type(fragments, Iterator[Fragment])
        numbers = [f.fragment_number for f in fragments]
        assert_type(numbers, list[str])
        media = archived.get_media_for_fragment_list(
            GetMediaForFragmentListRequest(stream_arn=STREAM_ARN, fragments=numbers)
        )
        assert_type(media, GetMediaForFragmentListResponse)
        with media.payload as payload:
            assert payload.read() == b"mkv"
        hls = archived.get_hls_streaming_session_url(GetHLSStreamingSessionURLRequest(stream_arn=STREAM_ARN))
        assert_type(hls, GetHLSStreamingSessionURLResponse)
        assert_type(hls.hls_streaming_session_url, str)


def test_for_stream_returns_the_facades_own_type() -> None:
    # Checked statically only: for_stream asks GetDataEndpoint, which this file does not stub.
    def bind(kv: KinesisVideo) -> None:
        assert_type(KinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN), KinesisVideoMedia)
        assert_type(
            KinesisVideoArchivedMedia.for_stream(kv, stream_name="meeting-audio"), KinesisVideoArchivedMedia
        )
        assert_type(KinesisVideoWebRtcStorage.for_channel(kv, channel_arn="arn"), KinesisVideoWebRtcStorage)
        assert_type(kv.data_endpoint(APIName.GET_MEDIA, stream_arn=STREAM_ARN), str)

    assert callable(bind)


def test_new_error_families() -> None:
    assert issubclass(ConnectionLimitExceededError, ThrottlingError)
    assert issubclass(InvalidEndpointError, kvs_chime.InvalidRequestError)
    assert LimitExceededError.code == "LimitExceededException"
