"""The async data-plane facades through aiobotocore and real HTTP: never the control-plane host,
data endpoints asked once per stream and API, streamed payloads read incrementally with `await`,
a payload cut mid-stream a `TransportError` that is not retried."""

from __future__ import annotations

import datetime
import io
from importlib import resources
from typing import Any

import pytest
from aiobotocore.session import get_session

from kvs_chime import PayloadStream, RetryPolicy, TransportError
from kvs_chime import archived_media as am
from kvs_chime.aio import (
    AsyncKinesisVideo,
    AsyncKinesisVideoArchivedMedia,
    AsyncKinesisVideoMedia,
    AsyncKinesisVideoWebRtcStorage,
)
from kvs_chime.archived_media import GetMediaForFragmentListRequest
from kvs_chime.errors import InvalidEndpointError
from kvs_chime.kinesisvideo import APIName
from kvs_chime.media import aiter_fragments, read_fragments
from kvs_chime.stream_media import GetMediaRequest, StartSelector, StartSelectorType

from ..unit.test_data_plane import FRAGMENT, REGION, STREAM_ARN, Handler, Server, asked, servers
from .conftest import run

__all__ = ["servers"]  # the fixture, used by name

GETMEDIA = resources.files("kvs_chime.testing").joinpath("_audio/attendee-440hz.getmedia.mkv").read_bytes()


def aio_session() -> Any:
    session = get_session()
    session.set_credentials("testing", "testing")
    return session


def stream_bytes(h: Handler, _: dict[str, Any]) -> None:
    """A GetMedia answer: the MKV sent chunked, as the service streams it."""
    h.send_response(200)
    h.send_header("Content-Type", "video/webm")
    h.send_header("Transfer-Encoding", "chunked")
    h.send_header("x-amzn-RequestId", "req-media")
    h.end_headers()
    for at in range(0, len(GETMEDIA), 1000):
        piece = GETMEDIA[at : at + 1000]
        h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    h.wfile.write(b"0\r\n\r\n")


@pytest.mark.parametrize(
    "facade", [AsyncKinesisVideoMedia, AsyncKinesisVideoArchivedMedia, AsyncKinesisVideoWebRtcStorage]
)
def test_an_async_data_plane_facade_without_its_endpoint_is_refused(facade: type[Any]) -> None:
    with pytest.raises(TypeError, match=r"needs the endpoint.*control-plane host.*endpoint_url="):
        facade(session=aio_session(), region_name=REGION)
    with pytest.raises(TypeError, match="is the Kinesis Video control-plane host"):
        facade(session=aio_session(), endpoint_url=f"https://kinesisvideo.{REGION}.amazonaws.com")


def test_get_media_streams_fragments_read_with_await(servers: tuple[Server, Server, Server]) -> None:
    control, a, _ = servers
    a.routes["/getMedia"] = stream_bytes
    expected = [
        (f.fragment_number, len(f.frames)) for f in read_fragments(PayloadStream(io.BytesIO(GETMEDIA)))
    ]
    assert expected and all(count for _, count in expected)

    async def main() -> list[tuple[str | None, int]]:
        session = aio_session()
        async with AsyncKinesisVideo(session=session, region_name=REGION, endpoint_url=control.url) as kv:
            endpoint = await kv.data_endpoint(APIName.GET_MEDIA, stream_arn=STREAM_ARN)
            assert await kv.data_endpoint(APIName.GET_MEDIA, stream_arn=STREAM_ARN) == endpoint  # cached
        async with AsyncKinesisVideoMedia(
            session=session, region_name=REGION, endpoint_url=endpoint
        ) as media:
            selector = StartSelector(start_selector_type=StartSelectorType.EARLIEST)
            response = await media.get_media(GetMediaRequest(stream_arn=STREAM_ARN, start_selector=selector))
            async with response.payload as payload:
                with pytest.raises(TypeError, match="async call: use await aread"):
                    payload.read(1)
                got = [
                    (f.fragment_number, len(f.frames))
                    async for f in aiter_fragments(payload.aiter_chunks(512))
                ]
            assert payload.closed and payload.request_id == "req-media"
            return got

    assert run(main) == expected
    assert asked(control) == ["GET_MEDIA"]
    assert a.paths() == ["/getMedia"]


def test_a_payload_cut_mid_stream_is_a_transport_error_not_retried(
    servers: tuple[Server, Server, Server],
) -> None:
    _, a, _ = servers

    def cut(h: Handler, _: dict[str, Any]) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.send_header("x-amzn-RequestId", "req-cut")
        h.end_headers()
        h.wfile.write(b"x" * 100)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(2)

    a.routes["/getMediaForFragmentList"] = cut

    async def main() -> TransportError:
        request = GetMediaForFragmentListRequest(stream_arn=STREAM_ARN, fragments=[FRAGMENT])
        async with AsyncKinesisVideoArchivedMedia(
            session=aio_session(), region_name=REGION, endpoint_url=a.url, retry=RetryPolicy(max_attempts=3)
        ) as archived:
            response = await archived.get_media_for_fragment_list(request)
            with pytest.raises(TransportError) as caught:
                async with response.payload as payload:
                    while await payload.aread(64):
                        pass
            return caught.value

    error = run(main)
    assert error.operation == "GetMediaForFragmentList" and error.request_id == "req-cut"
    assert error.__cause__ is not None
    assert a.paths() == ["/getMediaForFragmentList"]  # one request: nothing retried


def _async_kv(control: Server) -> AsyncKinesisVideo:
    async def no_sleep(_: float) -> None:
        return None

    return AsyncKinesisVideo(
        session=aio_session(),
        region_name=REGION,
        endpoint_url=control.url,
        retry=RetryPolicy(max_attempts=2),
        sleep=no_sleep,
        clock=lambda: 0.0,
    )


def test_for_stream_routes_each_operation_to_its_apis_endpoint_as_the_sync_one(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, b = servers
    a.routes["/listFragments"] = lambda h, body: h.json(200, {"Fragments": []})
    b.routes["/getClip"] = lambda h, body: h.stream(iter([b"clip"]))

    async def main() -> None:
        async with _async_kv(control) as kv:
            archived = await AsyncKinesisVideoArchivedMedia.for_stream(kv, stream_arn=STREAM_ARN)
            async with archived:
                assert asked(control) == ["LIST_FRAGMENTS"]  # an unknown stream fails at once
                assert [f async for f in archived.iter_fragments(am.ListFragmentsRequest())] == []
                clip = await archived.get_clip(
                    am.GetClipRequest(
                        clip_fragment_selector=am.ClipFragmentSelector(
                            fragment_selector_type=am.ClipFragmentSelectorType.SERVER_TIMESTAMP,
                            timestamp_range=am.ClipTimestampRange(
                                start_timestamp=datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
                                end_timestamp=datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc),
                            ),
                        )
                    )
                )
                async with clip.payload as payload:
                    assert await payload.aread() == b"clip"
                with pytest.raises(ValueError, match="bound to one stream"):
                    await archived.get_clip(
                        am.GetClipRequest(stream_name="another", clip_fragment_selector=None)
                    )  # type: ignore[arg-type]  # refused before the type matters

    run(main)
    assert a.paths() == ["/listFragments"] and a.seen[0].body["StreamARN"] == STREAM_ARN
    assert b.paths() == ["/getClip"]  # GET_CLIP's endpoint, not LIST_FRAGMENTS'


def test_invalid_endpoint_forgets_the_cached_endpoint_as_the_sync_one(
    servers: tuple[Server, Server, Server],
) -> None:
    control, a, _ = servers
    answers = iter([False, True])

    def get_media(h: Handler, body: dict[str, Any]) -> None:
        if next(answers):
            h.stream(iter([b"ok"]))
        else:
            h.json(400, {"message": "wrong endpoint"}, error="InvalidEndpointException")

    a.routes["/getMedia"] = get_media
    request = GetMediaRequest(start_selector=StartSelector(start_selector_type=StartSelectorType.EARLIEST))

    async def main() -> None:
        async with _async_kv(control) as kv:
            media = await AsyncKinesisVideoMedia.for_stream(kv, stream_arn=STREAM_ARN)
            async with media:
                with pytest.raises(InvalidEndpointError):
                    await media.get_media(request)
                assert asked(control) == ["GET_MEDIA"]
                async with (await media.get_media(request)).payload as payload:
                    assert await payload.aread() == b"ok"
                assert asked(control) == ["GET_MEDIA", "GET_MEDIA"]  # asked again after the refusal

    run(main)
