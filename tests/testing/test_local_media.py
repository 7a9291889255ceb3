"""The media data plane of the local endpoint, over real HTTP: PutMedia in, GetMedia and the
archived-media operations out, media faults."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from kvs_chime.media import Fragment, iter_fragments
from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment
from kvs_chime.testing import LocalEndpoint, ManualClock
from kvs_chime.testing._mkv_ingest import ClusterSplitter

START_MS = 1_700_000_000_000
TRACK = AudioTrackSpec(codec_private=b"\x11\x88", channels=1)


def _frames(index: int) -> list[bytes]:
    return [f"fragment {index} frame {i}".encode() * 3 for i in range(5)]


def _upload(count: int) -> bytes:
    """`count` fragments of 5 frames, 1 s apart (cluster timecodes relative to the start)."""
    return b"".join(
        kvs_fragment(
            track=TRACK,
            cluster_timecode=index * 1000,
            frames=[FrameSpec(i * 200, data) for i, data in enumerate(_frames(index))],
            tags=[("producer", f"p{index}")],
        )
        for index in range(count)
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(50.0)


@pytest.fixture
def ep(clock: ManualClock) -> Iterator[LocalEndpoint]:
    with LocalEndpoint(activation_delay=0, clock=clock) as endpoint:
        yield endpoint


def _stream(ep: LocalEndpoint, name: str = "cam") -> str:
    return str(ep.client("kinesisvideo").create_stream(StreamName=name, DataRetentionInHours=24)["StreamARN"])


def _endpoint(ep: LocalEndpoint, arn: str, api: str) -> str:
    return str(ep.client("kinesisvideo").get_data_endpoint(StreamARN=arn, APIName=api)["DataEndpoint"])


def _put(
    ep: LocalEndpoint, arn: str, body: bytes, *, piece: int = 777, **headers: str
) -> tuple[int, list[Any]]:
    url = _endpoint(ep, arn, "PUT_MEDIA")
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=10)
    sent = {
        "x-amzn-stream-arn": arn,
        "x-amzn-fragment-timecode-type": "RELATIVE",
        "x-amzn-producer-start-timestamp": f"{START_MS / 1000:.3f}",
        **headers,
    }
    try:
        # Chunks split anywhere: the ingest must not care where.
        pieces = (body[i : i + piece] for i in range(0, len(body), piece))
        connection.request(
            "POST", url.removeprefix(ep.url) + "/putMedia", body=pieces, headers=sent, encode_chunked=True
        )
        response = connection.getresponse()
        text = response.read().decode()
        acks = [json.loads(line) for line in text.splitlines() if line.strip()]
        if response.status != 200:
            return response.status, [{"code": response.getheader("x-amzn-ErrorType"), **json.loads(text)}]
        return response.status, acks
    finally:
        connection.close()


def _get_media(ep: LocalEndpoint, arn: str, selector: dict[str, Any]) -> list[Fragment]:
    client = ep.client("kinesis-video-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    payload = client.get_media(StreamARN=arn, StartSelector=selector)["Payload"]
    return list(iter_fragments(payload.iter_chunks(4096)))


def test_put_media_acks_and_get_media_returns_the_same_frames(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    status, acks = _put(ep, arn, _upload(4))
    assert status == 200
    assert [a["EventType"] for a in acks] == ["BUFFERING", "RECEIVED", "PERSISTED"] * 4
    numbers = [a["FragmentNumber"] for a in acks if a["EventType"] == "PERSISTED"]
    assert numbers == sorted(numbers, key=int) and len(set(numbers)) == 4
    assert [a["FragmentTimecode"] for a in acks[::3]] == [0, 1000, 2000, 3000]

    fragments = _get_media(ep, arn, {"StartSelectorType": "EARLIEST"})
    assert [f.fragment_number for f in fragments] == numbers
    for index, fragment in enumerate(fragments):
        assert [fr.data for fr in fragment.frames] == _frames(index)
        assert fragment.producer_timestamp == datetime.fromtimestamp(
            (START_MS + index * 1000) / 1000, timezone.utc
        )
        assert fragment.server_timestamp is not None and fragment.continuation_token == numbers[index]
        assert fragment.tag("producer") == f"p{index}"
        assert fragment.audio_track is not None and fragment.audio_track.codec_private == b"\x11\x88"
    assert [f.millis_behind_now for f in fragments][-1] == 0

    # Byte for byte: each Cluster put is in what GetMedia serves, in order, unchanged.
    splitter = ClusterSplitter()
    put = [c.cluster for c in splitter.feed(_upload(4)) + splitter.close()]
    client = ep.client("kinesis-video-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    served = client.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "EARLIEST"})[
        "Payload"
    ].read()
    positions = [served.index(cluster) for cluster in put]
    assert positions == sorted(positions)


def test_every_start_selector_and_the_continuation_token(ep: LocalEndpoint, clock: ManualClock) -> None:
    arn = _stream(ep)
    _put(ep, arn, _upload(2))
    clock.advance(10)
    _put(ep, arn, _upload(2), **{"x-amzn-producer-start-timestamp": f"{START_MS / 1000 + 2:.3f}"})
    every = _get_media(ep, arn, {"StartSelectorType": "EARLIEST"})
    numbers = [f.fragment_number for f in every]
    assert len(numbers) == 4

    at = _get_media(ep, arn, {"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": numbers[2]})
    assert [f.fragment_number for f in at] == numbers[2:]
    after = _get_media(ep, arn, {"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": numbers[1]})
    assert [f.fragment_number for f in after] == numbers[2:]
    producer = every[3].producer_timestamp
    assert producer is not None
    by_producer = _get_media(ep, arn, {"StartSelectorType": "PRODUCER_TIMESTAMP", "StartTimestamp": producer})
    assert [f.fragment_number for f in by_producer] == numbers[3:]
    server = every[2].server_timestamp
    assert server is not None
    by_server = _get_media(ep, arn, {"StartSelectorType": "SERVER_TIMESTAMP", "StartTimestamp": server})
    assert [f.fragment_number for f in by_server] == numbers[2:]

    client = ep.client("kinesis-video-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    with pytest.raises(ClientError) as missing:
        client.get_media(
            StreamARN=arn,
            StartSelector={"StartSelectorType": "FRAGMENT_NUMBER", "AfterFragmentNumber": "1" * 47},
        )
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as bad:
        client.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "CONTINUATION_TOKEN"})
    assert bad.value.response["Error"]["Code"] == "InvalidArgumentException"


def test_get_media_streams_live_as_fragments_arrive(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    client = ep.client("kinesis-video-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    got: list[Fragment] = []
    payload = client.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "NOW"})["Payload"]
    reader = threading.Thread(target=lambda: got.extend(iter_fragments(payload.iter_chunks(1024))))
    # A producer must be writing for a caught-up GetMedia to wait: upload slowly in the background.
    body = _upload(3)
    uploader = threading.Thread(target=_put, args=(ep, arn, body), kwargs={"piece": 512})
    uploader.start()
    reader.start()
    uploader.join(10)
    reader.join(10)
    assert not reader.is_alive()
    assert 1 <= len(got) <= 3 and [fr.data for fr in got[-1].frames] == _frames(2)


def test_list_fragments_and_get_media_for_fragment_list_match_get_media(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    _put(ep, arn, _upload(7))
    served = _get_media(ep, arn, {"StartSelectorType": "EARLIEST"})
    archive = ep.client("kinesis-video-archived-media", endpoint_url=_endpoint(ep, arn, "LIST_FRAGMENTS"))
    listed: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = archive.list_fragments(StreamARN=arn, MaxResults=3, **token)
        listed += page["Fragments"]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    numbers = [f["FragmentNumber"] for f in listed]
    assert sorted(numbers, key=int) == [f.fragment_number for f in served]
    assert numbers != sorted(numbers, key=int)  # no order promised, and none given
    assert all(f["FragmentLengthInMilliseconds"] > 0 and f["FragmentSizeInBytes"] > 0 for f in listed)

    second = served[1].producer_timestamp
    fourth = served[3].producer_timestamp
    ranged = archive.list_fragments(
        StreamARN=arn,
        FragmentSelector={
            "FragmentSelectorType": "PRODUCER_TIMESTAMP",
            "TimestampRange": {"StartTimestamp": second, "EndTimestamp": fourth},
        },
    )["Fragments"]
    assert sorted(f["FragmentNumber"] for f in ranged) == [f.fragment_number for f in served[1:4]]

    wanted = sorted(numbers, key=int)
    getter = ep.client(
        "kinesis-video-archived-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA_FOR_FRAGMENT_LIST")
    )
    payload = getter.get_media_for_fragment_list(StreamARN=arn, Fragments=wanted)["Payload"]
    again = list(iter_fragments(payload.iter_chunks(4096)))
    assert [f.fragment_number for f in again] == wanted
    assert [[fr.data for fr in f.frames] for f in again] == [[fr.data for fr in f.frames] for f in served]
    assert [f.server_timestamp for f in again] == [f.server_timestamp for f in served]
    assert again[0].tag("AWS_KINESISVIDEO_SERVER_SIDE_TIMESTAMP") is not None
    with pytest.raises(ClientError) as missing:
        getter.get_media_for_fragment_list(StreamARN=arn, Fragments=["2" * 47])
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_data_plane_refusals(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    wrong = ep.client("kinesis-video-archived-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    with pytest.raises(ClientError) as elsewhere:
        wrong.list_fragments(StreamARN=arn)
    assert elsewhere.value.response["Error"]["Code"] == "InvalidArgumentException"
    hls = ep.client(
        "kinesis-video-archived-media", endpoint_url=_endpoint(ep, arn, "GET_HLS_STREAMING_SESSION_URL")
    )
    with pytest.raises(ClientError) as refused:
        hls.get_hls_streaming_session_url(StreamARN=arn)
    assert refused.value.response["Error"]["Code"] == "UnsupportedStreamMediaTypeException"
    control = ep.client("kinesis-video-media")
    with pytest.raises(ClientError) as control_plane:
        control.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "NOW"})
    assert control_plane.value.response["Error"]["Code"] == "UnknownOperationException"

    status, errors = _put(ep, arn, b"not mkv at all", **{"x-amzn-fragment-timecode-type": "SIDEWAYS"})
    assert status == 400 and "x-amzn-fragment-timecode-type" in str(errors[0])
    status, acks = _put(ep, arn, b"\x1a\x45\xdf\xa3\x80" + b"\x42\x86\x81\x01" * 0 + b"garbage!")
    assert status == 200 and acks[-1]["EventType"] == "ERROR" and acks[-1]["ErrorId"] == 4006


def test_a_dropped_get_media_resumes_from_its_continuation_token(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    _put(ep, arn, _upload(5))
    ep.media_faults.drop_get_media(after_fragments=2)
    client = ep.client("kinesis-video-media", endpoint_url=_endpoint(ep, arn, "GET_MEDIA"))
    payload = client.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "EARLIEST"})["Payload"]
    got = []
    with pytest.raises(Exception):  # noqa: B017  # urllib3/botocore's own incomplete-read errors
        for fragment in iter_fragments(payload.iter_chunks(1024)):
            got.append(fragment)
    whole = [f for f in got if not f.truncated]
    assert len(whole) == 2
    token = whole[-1].continuation_token
    assert token is not None
    rest = _get_media(ep, arn, {"StartSelectorType": "CONTINUATION_TOKEN", "ContinuationToken": token})
    assert [[fr.data for fr in f.frames] for f in whole + rest] == [_frames(i) for i in range(5)]


def test_one_put_media_at_a_time_per_stream(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    url = _endpoint(ep, arn, "PUT_MEDIA").removeprefix(ep.url) + "/putMedia"
    first = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=10)
    try:
        first.putrequest("POST", url)
        for name, value in (
            ("x-amzn-stream-arn", arn),
            ("x-amzn-fragment-timecode-type", "ABSOLUTE"),
            ("x-amzn-producer-start-timestamp", "1700000000"),
            ("Transfer-Encoding", "chunked"),
        ):
            first.putheader(name, value)
        first.endheaders()
        data = _upload(1)
        first.send(b"%x\r\n%s\r\n" % (len(data), data))  # one fragment, and the upload still open
        response = first.getresponse()
        # The fragment's Cluster is open (its size unknown): buffered, not yet received.
        assert json.loads(response.readline())["EventType"] == "BUFFERING"
        status, errors = _put(ep, arn, _upload(1))
        assert (status, errors[0]["code"]) == (400, "ConnectionLimitExceededException")
        first.send(b"0\r\n\r\n")
        acks = [json.loads(line) for line in response.read().decode().splitlines()]
        assert [a["EventType"] for a in acks] == ["RECEIVED", "PERSISTED"]
        assert acks[0]["FragmentTimecode"] == 0
    finally:
        first.close()
    # Once the first upload ended, the stream takes another.
    assert _put(ep, arn, _upload(1))[0] == 200


def test_delayed_fragments_images_and_retention(ep: LocalEndpoint) -> None:
    arn = _stream(ep)
    _put(ep, arn, _upload(3))
    ep.media_faults.delay_fragments(0.1, times=1)
    started = time.monotonic()
    assert len(_get_media(ep, arn, {"StartSelectorType": "EARLIEST"})) == 3
    assert time.monotonic() - started >= 0.3  # each of the three fragments 0.1 s late
    assert ep.media_faults.pending() == 0

    images = ep.client("kinesis-video-archived-media", endpoint_url=_endpoint(ep, arn, "GET_IMAGES"))
    answer = images.get_images(
        StreamARN=arn,
        ImageSelectorType="PRODUCER_TIMESTAMP",
        StartTimestamp=datetime.fromtimestamp(START_MS / 1000, timezone.utc),
        EndTimestamp=datetime.fromtimestamp(START_MS / 1000 + 6, timezone.utc),
        SamplingInterval=3000,
        Format="JPEG",
    )
    assert [image["Error"] for image in answer["Images"]] == ["MEDIA_ERROR"] * 3

    unretained = str(ep.client("kinesisvideo").create_stream(StreamName="live-only")["StreamARN"])
    clips = ep.client("kinesis-video-archived-media", endpoint_url=_endpoint(ep, unretained, "GET_CLIP"))
    with pytest.raises(ClientError) as no_retention:
        clips.get_clip(
            StreamARN=unretained,
            ClipFragmentSelector={
                "FragmentSelectorType": "SERVER_TIMESTAMP",
                "TimestampRange": {
                    "StartTimestamp": datetime.fromtimestamp(START_MS / 1000, timezone.utc),
                    "EndTimestamp": datetime.fromtimestamp(START_MS / 1000 + 6, timezone.utc),
                },
            },
        )
    assert no_retention.value.response["Error"]["Code"] == "NoDataRetentionException"
