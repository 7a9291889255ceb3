"""Section 1b: in process, botocore making the whole call but the socket.

Stubber answers at botocore's `before-call`: the raw call it times never signs the request, nor
reads an HTTP answer, nor parses JSON, which every real call does. Here a `before-send` handler
(botocore's documented hook to answer a request without sending it) returns the service's answer
as HTTP bytes, so botocore signs, "sends" and parses, and the facade's client hooks see the
answer as they see a real one. Both variants run on the facade's own client, against the same
bytes: the raw call made on it, and the facade's method.

The bytes are what the services send: JSON, with Kinesis Video's timestamps as epoch seconds and
the media pipelines' as ISO 8601 (botocore reads either).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from typing import Any

from bench_harness import CPU, Comparison, compare, timed
from bench_workloads import (
    CREATE_CHANNEL_KWARGS,
    CREATE_CHANNEL_REQUEST,
    CREATE_CHANNEL_RESPONSE,
    NOWHERE,
    REGION,
    channel_pages,
    create_pipeline_kwargs,
    create_pipeline_request,
    create_pipeline_response,
    session,
)
from botocore.awsrequest import AWSResponse

from kvs_chime.kinesisvideo import KinesisVideo
from kvs_chime.media_pipelines import MediaPipelines

REQUEST_ID = "5f0c3e0a-6a8b-4a53-9d0e-0c1d2e3f4a5b"


def _body(parsed: dict[str, Any], when: Callable[[datetime.datetime], object]) -> bytes:
    """The JSON a service sends for `parsed` (botocore's parse of it, less ResponseMetadata)."""
    document = {key: value for key, value in parsed.items() if key != "ResponseMetadata"}
    return json.dumps(document, default=when).encode()


def _epoch(value: datetime.datetime) -> float:
    return value.timestamp()


def _iso(value: datetime.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


class _Raw:
    """What botocore reads an answer's body from (`AWSResponse.content` joins `stream()`)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._body


class Answer:
    """A `before-send` handler: the HTTP answer for each request, never a socket."""

    def __init__(self, body_for: Callable[[Any], bytes]) -> None:
        self._body_for = body_for

    def __call__(self, request: Any, **_: object) -> AWSResponse:
        headers = {"content-type": "application/json", "x-amzn-requestid": REQUEST_ID}
        return AWSResponse(request.url, 200, headers, _Raw(self._body_for(request)))


def _answered(facade_class: Callable[..., Any], body_for: Callable[[Any], bytes]) -> Any:
    facade = facade_class(session=session(), region_name=REGION, endpoint_url=NOWHERE)
    facade.client.meta.events.register("before-send", Answer(body_for))
    return facade


def calls(n: int, rounds: int) -> dict[str, Comparison]:
    """Both seed calls: raw on the facade's own client against the facade's method."""
    channel_body = _body(CREATE_CHANNEL_RESPONSE, _epoch)
    pipeline_body = _body(create_pipeline_response(), _iso)
    kv = _answered(KinesisVideo, lambda _: channel_body)
    mp = _answered(MediaPipelines, lambda _: pipeline_body)
    pipeline_kwargs, pipeline_request = create_pipeline_kwargs(), create_pipeline_request()
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "create_channel": (
            lambda: kv.client.create_signaling_channel(**CREATE_CHANNEL_KWARGS),
            lambda: kv.create_signaling_channel(CREATE_CHANNEL_REQUEST),
        ),
        "create_pipeline": (
            lambda: mp.client.create_media_stream_pipeline(**pipeline_kwargs),
            lambda: mp.create_media_stream_pipeline(pipeline_request),
        ),
    }
    return {key: _compare(raw, fac, n, rounds) for key, (raw, fac) in pairs.items()}


def _compare(raw: Callable[[], object], fac: Callable[[], object], n: int, rounds: int) -> Comparison:
    return compare(lambda k: timed(raw, k, CPU), lambda k: timed(fac, k, CPU), n=n, rounds=rounds)


def walk(items: int, rounds: int) -> Comparison:
    """Every channel of `items`, 100 a page: the raw paginator on the facade's own client against
    `iter_signaling_channels`. Each answer is the page its request's NextToken names."""
    pages = channel_pages(items)
    bodies = [_body(page, _epoch) for page in pages]
    by_token = {page["NextToken"]: bodies[index + 1] for index, page in enumerate(pages[:-1])}

    def page_for(request: Any) -> bytes:
        token = json.loads(request.body or b"{}").get("NextToken")
        return bodies[0] if token is None else by_token[token]

    kv = _answered(KinesisVideo, page_for)
    client: Any = kv.client

    def raw(_: int) -> float:
        start = CPU()
        count = 0
        for page in client.get_paginator("list_signaling_channels").paginate():
            for _ in page.get("ChannelInfoList", ()):
                count += 1
        elapsed = (CPU() - start) / 1e9
        assert count == items, count
        return elapsed

    def fac(_: int) -> float:
        start = CPU()
        count = 0
        for _ in kv.iter_signaling_channels():
            count += 1
        elapsed = (CPU() - start) / 1e9
        assert count == items, count
        return elapsed

    return compare(raw, fac, n=1, rounds=rounds)
