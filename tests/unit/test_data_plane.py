"""The media data plane over real HTTP on 127.0.0.1: facades on the endpoint `GetDataEndpoint`
names per stream and API (cached), never on the control-plane host, and streaming payloads the
caller reads incrementally and closes, with nothing retried once the stream is handed over.

One small server plays the control plane (`GetDataEndpoint`, `GetSignalingChannelEndpoint`)
and two play data endpoints, so a test sees which host each call reached.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs
import boto3
import pytest

from kvs_chime import (
    KinesisVideo,
    KinesisVideoArchivedMedia,
    KinesisVideoMedia,
    KinesisVideoWebRtcStorage,
    Meetings,
    PayloadStream,
    RetryPolicy,
    TransportError,
)
from kvs_chime import archived_media as am
from kvs_chime import stream_media as sm
from kvs_chime import webrtc_storage as ws
from kvs_chime.errors import InvalidEndpointError
from kvs_chime.media import read_fragments

REGION = "us-east-1"
ACCOUNT = "123456789012"
STREAM_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/meeting-audio/1700000000001"
OTHER_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/other-stream/1700000000002"
CHANNEL_ARN = f"arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:channel/front-door/1700000000000"
FRAGMENT = "91343852333181432392682062622220590765191907586"

Reply = Callable[["Handler", dict[str, Any]], None]


@attrs.define
class Seen:
    path: str
    body: dict[str, Any]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        body = json.loads(raw) if raw else {}
        self.server.seen.append(Seen(self.path, body))
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.json(404, {"message": "no such route"}, error="ResourceNotFoundException")
            return
        route(self, body)

    def json(self, status: int, document: object, *, error: str | None = None) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", f"req-{len(self.server.seen)}")
        if error is not None:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)

    def stream(self, chunks: Iterator[bytes]) -> None:
        """A live body: chunked, each chunk sent (and flushed) when the iterator yields it."""
        self.send_response(200)
        self.send_header("Content-Type", "video/webm")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-amzn-RequestId", "req-stream")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Reply]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.seen: list[Seen] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True).start()

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server, Server]]:
    """(control plane, data endpoint A, data endpoint B): GET_CLIP and GET_IMAGES live on B."""
    a, b = Server({}), Server({})

    def data_endpoint(h: Handler, body: dict[str, Any]) -> None:
        on_b = body["APIName"] in ("GET_CLIP", "GET_IMAGES")
        h.json(200, {"DataEndpoint": (b if on_b else a).url})

    def signaling_endpoint(h: Handler, body: dict[str, Any]) -> None:
        h.json(200, {"ResourceEndpointList": [{"Protocol": "WEBRTC", "ResourceEndpoint": a.url}]})

    control = Server({"/getDataEndpoint": data_endpoint, "/getSignalingChannelEndpoint": signaling_endpoint})
    yield control, a, b
    for server in (control, a, b):
        server.shutdown()
        server.server_close()


def session() -> boto3.Session:
    return boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


def kinesis_video(control: Server, clock: Callable[[], float] = lambda: 0.0) -> KinesisVideo:
    return KinesisVideo(
        session=session(),
        region_name=REGION,
        endpoint_url=control.url,
        retry=RetryPolicy(max_attempts=2),
        sleep=lambda _: None,
        clock=clock,
    )


def asked(control: Server) -> list[str]:
    return [s.body["APIName"] for s in control.seen if s.path == "/getDataEndpoint"]


# -- never the control-plane host ----------------------------------------------------------------


@pytest.mark.parametrize("facade", [KinesisVideoMedia, KinesisVideoArchivedMedia, KinesisVideoWebRtcStorage])
def test_a_data_plane_facade_without_an_endpoint_is_refused(facade: type[Any]) -> None:
    with pytest.raises(TypeError, match=r"needs the endpoint.*control-plane host.*for_(stream|channel)"):
        facade(session=session(), region_name=REGION)
    control_plane = boto3.client(
        facade._service_name, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y"
    )
    assert "kinesisvideo.us-east-1.amazonaws.com" in control_plane.meta.endpoint_url
    with pytest.raises(TypeError, match="control-plane host"):
        facade(client=control_plane)
    with pytest.raises(TypeError, match="control-plane host"):
        facade(session=session(), endpoint_url="https://kinesisvideo.eu-west-1.amazonaws.com")
    data = facade(session=session(), endpoint_url="https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com")
    assert data.client.meta.endpoint_url == "https://s-3f1a2b3c.kinesisvideo.us-east-1.amazonaws.com"


def test_meetings_is_a_control_plane_service_and_needs_no_endpoint() -> None:
    meetings = Meetings(session=session(), region_name=REGION)
    assert "meetings-chime" in meetings.client.meta.endpoint_url  # type: ignore[attr-defined]  # boto3 client


def test_webrtc_storage_is_not_served_per_stream(servers: tuple[Server, Server, Server]) -> None:
    with pytest.raises(TypeError, match="not served per stream"):
        KinesisVideoWebRtcStorage.for_stream(kinesis_video(servers[0]), stream_arn=STREAM_ARN)


def test_for_stream_names_exactly_one_stream(servers: tuple[Server, Server, Server]) -> None:
    kv = kinesis_video(servers[0])
    with pytest.raises(TypeError, match="exactly one"):
        KinesisVideoMedia.for_stream(kv)
    with pytest.raises(TypeError, match="exactly one"):
        KinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN, stream_name="meeting-audio")
    assert servers[0].seen == []


# -- endpoints per stream and API, cached --------------------------------------------------------


def test_get_media_reaches_the_get_media_endpoint_once_asked(servers: tuple[Server, Server, Server]) -> None:
    control, a, _ = servers
    a.routes["/getMedia"] = lambda h, body: h.stream(iter([b"abc", b"def"]))
    kv = kinesis_video(control)

    media = KinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN)
    again = KinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN)

    assert again is media
    assert asked(control) == ["GET_MEDIA"]
    assert media.client.meta.endpoint_url == a.url  # type: ignore[attr-defined]  # boto3 client
    now = sm.StartSelector(start_selector_type=sm.StartSelectorType.NOW)
    for _ in range(2):
        with media.get_media(sm.GetMediaRequest(start_selector=now)).payload as payload:
            assert payload.read() == b"abcdef"
    # The bound stream was filled in; the endpoint was asked for once.
    assert [s.body for s in a.seen] == [
        {"StreamARN": STREAM_ARN, "StartSelector": {"StartSelectorType": "NOW"}}
    ] * 2
    assert asked(control) == ["GET_MEDIA"]
    # Another stream is another facade, with its own endpoint.
    other = KinesisVideoMedia.for_stream(kv, stream_name="other-stream")
    assert other is not media
    assert asked(control) == ["GET_MEDIA", "GET_MEDIA"]
    assert control.seen[-1].body == {"StreamName": "other-stream", "APIName": "GET_MEDIA"}


def test_a_kinesis_video_facade_keeps_its_most_recently_bound_facades_only(
    servers: tuple[Server, Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each bound facade has its own boto3 client (~130 KB): a program binding to streams without
    # end must not keep them all. Kept: the most recently asked for (2 here, 32 by default).
    import gc
    import weakref

    from kvs_chime import _data_plane

    monkeypatch.setattr(_data_plane, "BOUND_KEPT", 2)
    kv = kinesis_video(servers[0])
    first = KinesisVideoMedia.for_stream(kv, stream_name="a")
    second = weakref.ref(KinesisVideoMedia.for_stream(kv, stream_name="b"))
    assert KinesisVideoMedia.for_stream(kv, stream_name="a") is first  # now the most recent
    KinesisVideoMedia.for_stream(kv, stream_name="c")  # lets "b" go, the least recently asked for
    gc.collect()
    assert second() is None  # nobody held it: freed with its client
    assert KinesisVideoMedia.for_stream(kv, stream_name="a") is first
    assert len([s for s in servers[0].seen if s.path == "/getDataEndpoint"]) == 3  # each endpoint once


def test_a_kinesis_video_facade_remembers_its_most_recent_data_endpoints_only(
    servers: tuple[Server, Server, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kvs_chime.kinesisvideo import APIName, _logic

    monkeypatch.setattr(_logic, "ENDPOINTS_KEPT", 2)
    control = servers[0]
    kv = kinesis_video(control)
    for stream in ("a", "b", "c", "c", "b", "a"):
        kv.data_endpoint(APIName.GET_CLIP, stream_name=stream)
    # "a" was the oldest answer when "c" was told: asked again; "b" and "c" were still kept.
    assert [s.body["StreamName"] for s in control.seen] == ["a", "b", "c", "a"]


def test_archived_media_sends_each_operation_to_its_own_apis_endpoint(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, b = servers
    pages = iter(
        [
            {"Fragments": [_fragment("2")], "NextToken": "dG9rZW4tMQ=="},
            {"Fragments": [_fragment("1")]},
        ]
    )
    a.routes["/listFragments"] = lambda h, body: h.json(200, next(pages))
    a.routes["/getMediaForFragmentList"] = lambda h, body: h.stream(iter([b"fragments"]))
    b.routes["/getClip"] = lambda h, body: h.stream(iter([b"clip"]))
    kv = kinesis_video(control)
    archived = KinesisVideoArchivedMedia.for_stream(kv, stream_arn=STREAM_ARN)
    assert asked(control) == ["LIST_FRAGMENTS"]

    numbers = [f.fragment_number for f in archived.iter_fragments(am.ListFragmentsRequest(), page_size=1)]
    with archived.get_media_for_fragment_list(
        am.GetMediaForFragmentListRequest(fragments=numbers)
    ).payload as p:
        assert p.read() == b"fragments"
    clip = archived.get_clip(
        am.GetClipRequest(
            clip_fragment_selector=am.ClipFragmentSelector(
                fragment_selector_type=am.ClipFragmentSelectorType.SERVER_TIMESTAMP,
                timestamp_range=am.ClipTimestampRange(start_timestamp=_at(0), end_timestamp=_at(60)),
            )
        )
    )
    with clip.payload as p:
        assert p.read() == b"clip"

    assert numbers == ["2", "1"]
    assert a.paths() == ["/listFragments", "/listFragments", "/getMediaForFragmentList"]
    assert a.seen[1].body == {"StreamARN": STREAM_ARN, "MaxResults": 1, "NextToken": "dG9rZW4tMQ=="}
    assert a.seen[2].body == {"StreamARN": STREAM_ARN, "Fragments": ["2", "1"]}
    assert b.paths() == ["/getClip"]  # GET_CLIP's endpoint, not LIST_FRAGMENTS'
    assert asked(control) == ["LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST", "GET_CLIP"]
    # A second round asks for nothing: every (stream, API) endpoint is cached.
    with archived.get_clip(
        am.GetClipRequest(
            clip_fragment_selector=am.ClipFragmentSelector(
                fragment_selector_type="SERVER_TIMESTAMP",
                timestamp_range=am.ClipTimestampRange(start_timestamp=_at(0), end_timestamp=_at(60)),
            )
        )
    ).payload:
        pass
    assert asked(control) == ["LIST_FRAGMENTS", "GET_MEDIA_FOR_FRAGMENT_LIST", "GET_CLIP"]


def _fragment(number: str) -> dict[str, object]:
    return {"FragmentNumber": number, "ProducerTimestamp": 1714564800.0, "ServerTimestamp": 1714564801.5}


def _at(seconds: int) -> Any:
    import datetime

    return datetime.datetime(
        2024, 5, 1, 12, 0, seconds % 60, tzinfo=datetime.timezone.utc
    ) + datetime.timedelta(minutes=seconds // 60)


def test_data_endpoints_expire_after_their_ttl_on_the_facades_clock(
    servers: tuple[Server, Server, Server],
) -> None:
    control = servers[0]
    now = [0.0]
    kv = kinesis_video(control, clock=lambda: now[0])
    assert kv.data_endpoint("GET_MEDIA", stream_arn=STREAM_ARN) == servers[1].url
    now[0] = KinesisVideo.data_endpoint_ttl - 1
    kv.data_endpoint("GET_MEDIA", stream_arn=STREAM_ARN)
    assert asked(control) == ["GET_MEDIA"]
    now[0] = KinesisVideo.data_endpoint_ttl + 1
    kv.data_endpoint("GET_MEDIA", stream_arn=STREAM_ARN)
    assert asked(control) == ["GET_MEDIA", "GET_MEDIA"]
    kv.forget_data_endpoint(stream_arn=STREAM_ARN)
    kv.data_endpoint("GET_MEDIA", stream_arn=STREAM_ARN)
    assert asked(control) == ["GET_MEDIA"] * 3


def test_a_bound_facade_refuses_a_request_for_another_stream_before_any_call(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, _ = servers
    media = KinesisVideoMedia.for_stream(kinesis_video(control), stream_arn=STREAM_ARN)
    now = sm.StartSelector(start_selector_type="NOW")
    for request in (
        sm.GetMediaRequest(stream_arn=OTHER_ARN, start_selector=now),
        sm.GetMediaRequest(stream_name="meeting-audio", start_selector=now),
    ):
        with pytest.raises(ValueError, match="bound to one stream") as caught:
            media.get_media(request)
        assert "other-stream" not in str(caught.value) and "meeting-audio" not in str(caught.value)
    assert a.seen == []


def test_invalid_endpoint_forgets_the_cached_endpoint(servers: tuple[Server, Server, Server]) -> None:
    control, a, _ = servers
    answers = iter([False, True])

    def get_media(h: Handler, body: dict[str, Any]) -> None:
        if next(answers):
            h.stream(iter([b"ok"]))
        else:
            h.json(400, {"message": "wrong endpoint"}, error="InvalidEndpointException")

    a.routes["/getMedia"] = get_media
    media = KinesisVideoMedia.for_stream(kinesis_video(control), stream_arn=STREAM_ARN)
    request = sm.GetMediaRequest(start_selector=sm.StartSelector(start_selector_type="EARLIEST"))
    with pytest.raises(InvalidEndpointError):
        media.get_media(request)
    assert asked(control) == ["GET_MEDIA"]
    with media.get_media(request).payload as payload:
        assert payload.read() == b"ok"
    assert asked(control) == ["GET_MEDIA", "GET_MEDIA"]  # asked again after the refusal


def test_webrtc_storage_for_channel_uses_the_webrtc_endpoint_once(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, _ = servers
    a.routes["/joinStorageSession"] = lambda h, body: h.json(200, {})
    kv = kinesis_video(control)
    storage = KinesisVideoWebRtcStorage.for_channel(kv, channel_arn=CHANNEL_ARN)
    assert KinesisVideoWebRtcStorage.for_channel(kv, channel_arn=CHANNEL_ARN) is storage
    assert storage.join_storage_session(ws.JoinStorageSessionRequest(channel_arn=CHANNEL_ARN)) is None
    assert [s.path for s in control.seen] == ["/getSignalingChannelEndpoint"]
    assert control.seen[0].body["SingleMasterChannelEndpointConfiguration"] == {
        "Protocols": ["WEBRTC"],
        "Role": "MASTER",
    }
    assert a.seen[0].body == {"channelArn": CHANNEL_ARN}


# -- streaming payloads --------------------------------------------------------------------------


def test_a_live_payload_is_read_as_it_arrives(servers: tuple[Server, Server, Server]) -> None:
    control, a, _ = servers
    released = threading.Event()

    def live(h: Handler, body: dict[str, Any]) -> None:
        def chunks() -> Iterator[bytes]:
            yield b"first-fragment;"
            released.wait(10)  # the rest only once the caller has read the first
            yield b"second-fragment;"

        h.stream(chunks())

    a.routes["/getMedia"] = live
    media = KinesisVideoMedia.for_stream(kinesis_video(control), stream_arn=STREAM_ARN)
    response = media.get_media(sm.GetMediaRequest(start_selector=sm.StartSelector(start_selector_type="NOW")))
    try:
        assert response.payload.read(15) == b"first-fragment;"  # while the server still holds the rest
    finally:
        released.set()
    with response.payload as payload:
        assert list(payload.iter_chunks(8)) == [b"second-f", b"ragment;"]
        assert payload.read(1) == b""
    assert payload.closed
    with pytest.raises(ValueError, match="closed"):
        payload.read(1)


def test_a_payload_cut_mid_stream_raises_transport_error_and_is_not_retried(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, _ = servers

    def cut(h: Handler, body: dict[str, Any]) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.send_header("x-amzn-RequestId", "req-cut")
        h.end_headers()
        h.wfile.write(b"x" * 100)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(2)

    a.routes["/getMediaForFragmentList"] = cut
    archived = KinesisVideoArchivedMedia.for_stream(kinesis_video(control), stream_arn=STREAM_ARN)
    response = archived.get_media_for_fragment_list(am.GetMediaForFragmentListRequest(fragments=[FRAGMENT]))
    with response.payload as payload, pytest.raises(TransportError) as caught:
        while payload.read(64):
            pass
    assert caught.value.operation == "GetMediaForFragmentList"
    assert caught.value.request_id == "req-cut"
    assert caught.value.__cause__ is not None
    assert a.paths() == ["/getMediaForFragmentList"]  # one request: nothing retried


def test_a_payload_feeds_the_mkv_reader_in_chunks() -> None:
    # The typed stream satisfies the reader's Readable protocol (checked statically too).
    stream = PayloadStream(io.BytesIO(b""), operation="GetMedia")
    assert list(read_fragments(stream)) == []
    stream.close()
    stream.close()  # idempotent
    with pytest.raises(ValueError, match="positive"):
        list(PayloadStream(io.BytesIO(b"x")).iter_chunks(0))
    with pytest.raises(TypeError, match="readable"):
        PayloadStream(b"bytes")


def test_a_streamed_response_that_cannot_be_read_closes_its_stream_and_pickles() -> None:
    import pickle

    from botocore.response import StreamingBody

    from kvs_chime import ResponseParseError
    from kvs_chime._response import read_response
    from kvs_chime.stream_media._operations import _GET_MEDIA  # pyright: ignore[reportPrivateUsage]

    body = io.BytesIO(b"mkv")
    raw = {
        "ResponseMetadata": {"RequestId": "req-9"},
        "ContentType": 5,  # a wrapped client's hook could put anything here
        "Payload": StreamingBody(body, 3),
    }
    with pytest.raises(ResponseParseError) as caught:
        read_response(_GET_MEDIA, raw)
    assert body.closed  # no connection leaks from a response the caller never got
    note = caught.value.raw["Payload"]
    assert isinstance(note, str) and "closed unread" in note  # a note in its place: the error pickles
    assert pickle.loads(pickle.dumps(caught.value)).raw == caught.value.raw
    assert "$.content_type" in str(caught.value)


def test_bound_facades_go_with_their_kinesis_video_facade(servers: tuple[Server, Server, Server]) -> None:
    import gc
    import weakref

    kv = kinesis_video(servers[0])
    media = weakref.ref(KinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN))
    gone = weakref.ref(kv)
    assert media() is not None
    del kv
    # No process-wide cache keeps them alive. Collected within a second: another test's thread
    # still winding down may hold a frame for a moment (seen once in a full run on loaded CI
    # cores); a cache would hold them for good. The referrers are named if it fails.
    for _ in range(50):
        gc.collect()
        if gone() is None and media() is None:
            break
        time.sleep(0.02)
    alive = [o for o in (gone(), media()) if o is not None]
    assert not alive, [type(r).__name__ for o in alive for r in gc.get_referrers(o)]
