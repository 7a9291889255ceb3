"""The endpoint itself: wire format, routing from the models, start/stop, speed."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from kvs_chime.testing import LocalEndpoint
from kvs_chime.testing._model import SERVICE_NAMES, load_services
from kvs_chime.testing._routing import Router


def _post(
    ep: LocalEndpoint, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=5)
    try:
        connection.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_every_operation_of_the_models_has_a_route() -> None:
    services = load_services()
    router = Router(services)
    for service in services.values():
        for operation in service.operations.values():
            path = operation.path_template
            for name in ("mediaPipelineId", "identifier", "speakerSearchTaskId", "voiceToneAnalysisTaskId"):
                path = path.replace("{" + name + "}", "arn%3Aaws%3Achime%3A%3A1%3Ax%2Fy")
            path = path.replace("{MeetingId}", "m-1").replace("{AttendeeId}", "a-1")
            assert "{" not in path, path
            query = {key: [value] for key, value in operation.static_query}
            match = router.match(operation.method, path, query, service.signing_name)
            assert match is not None, (service.name, operation.name)
            if service.name == "chime-sdk-meetings" and "/tags" in path:
                # The same wire form as the media pipelines' tag operations: the ARN tells them apart.
                assert match.operation.name == operation.name
                continue
            assert (match.operation.service, match.operation.name) == (service.name, operation.name)
            if "{MeetingId}" in operation.path_template:
                assert "m-1" in match.uri_params.values()
            elif "{" in operation.path_template:
                assert "arn:aws:chime::1:x/y" in match.uri_params.values()


def test_every_operation_of_the_seven_services_is_emulated() -> None:
    from kvs_chime.testing._backend import Ids, Settings
    from kvs_chime.testing._scope import Scope

    settings = Settings("us-east-1", "123456789012", 0.0, None, 10, 10, time.monotonic)
    scope = Scope(settings, Ids(), "us-east-1", "123456789012")
    expected = {(s.name, op) for s in load_services().values() for op in s.operations}
    assert set(scope.handlers) == expected
    # 65 control-plane operations, 16 of chime-sdk-meetings, 1 + 6 of the media data plane,
    # 2 of WebRTC storage.
    assert len(expected) == 90


def test_error_wire_format(local_endpoint: LocalEndpoint) -> None:
    status, headers, body = _post(local_endpoint, "/describeSignalingChannel", b'{"ChannelName": "nope"}')
    assert status == 404
    assert headers["x-amzn-errortype"] == "ResourceNotFoundException"
    assert headers["x-amzn-requestid"]
    assert json.loads(body) == {"Message": "The signaling channel does not exist"}


def test_unreadable_bodies_unknown_paths_and_the_data_plane(local_endpoint: LocalEndpoint) -> None:
    status, headers, _ = _post(local_endpoint, "/createSignalingChannel", b"{nope")
    assert (status, headers["x-amzn-errortype"]) == (400, "SerializationException")
    status, headers, _ = _post(local_endpoint, "/createSignalingChannel", b'{"ChannelName": 7}')
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidArgumentException")
    status, headers, _ = _post(local_endpoint, "/no-such-operation", b"{}")
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
    # The data plane answers only on a data endpoint, and the control plane not there.
    status, headers, _ = _post(local_endpoint, "/getMedia", b'{"StreamName": "s"}')
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
    status, headers, _ = _post(local_endpoint, "/data/g-123/describeStream", b'{"StreamName": "s"}')
    assert (status, headers["x-amzn-errortype"]) == (404, "UnknownOperationException")
    status, headers, _ = _post(local_endpoint, "/data/g-123/getMedia", b"{}")
    assert (status, headers["x-amzn-errortype"]) == (400, "InvalidArgumentException")


def test_request_id_header_becomes_the_botocore_request_id(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    response = kvs.list_streams()
    assert response["ResponseMetadata"]["RequestId"] == local_endpoint.journal.entries()[-1].request_id


def test_reset_forgets_state_faults_and_journal(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="door")
    local_endpoint.faults.fail_next("ListStreams", "ClientLimitExceededException")
    local_endpoint.reset()
    assert len(local_endpoint.journal) == 0
    assert local_endpoint.faults.pending() == 0
    assert kvs.list_signaling_channels()["ChannelInfoList"] == []


def test_client_refuses_urls_outside_the_endpoint(local_endpoint: LocalEndpoint) -> None:
    with pytest.raises(ValueError):
        local_endpoint.client(
            "kinesis-video-signaling", endpoint_url="https://kinesisvideo.us-east-1.amazonaws.com"
        )


def test_boto3_session_has_the_region_and_dummy_credentials(local_endpoint: LocalEndpoint) -> None:
    session = local_endpoint.boto3_session()
    assert session.region_name == "us-east-1"
    assert session.get_credentials().access_key == "testing"


def _serving_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("kvs-chime-local")]


def test_stop_is_clean() -> None:
    before = set(threading.enumerate())
    endpoint = LocalEndpoint().start()
    port = endpoint.port
    kvs = endpoint.client("kinesisvideo")
    for _ in range(3):
        kvs.list_streams()  # keep-alive: the connection stays open after each call
    # A client the endpoint does not know about, holding a connection open too.
    raw = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    raw.request("POST", "/listStreams", body=b"{}")
    raw.getresponse().read()
    assert _serving_threads()

    endpoint.stop()
    raw.close()
    assert _serving_threads() == []
    assert [t for t in set(threading.enumerate()) - before if not t.daemon] == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    endpoint.stop()  # idempotent
    with pytest.raises(RuntimeError):
        endpoint.start()


def test_stop_interrupts_injected_latency() -> None:
    endpoint = LocalEndpoint().start()
    endpoint.faults.add_latency("ListStreams", 10)
    kvs = endpoint.client("kinesisvideo")
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(kvs.list_streams())
        except Exception as error:
            outcome.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)  # let the request reach the server and start its injected sleep
    started = time.monotonic()
    endpoint.stop()
    caller.join(5)
    assert not caller.is_alive()
    assert len(outcome) == 1
    assert time.monotonic() - started < 5


def test_loopback_round_trip_is_fast(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    kvs.create_signaling_channel(ChannelName="door")
    kvs.describe_signaling_channel(ChannelName="door")  # warm the connection and botocore's caches
    calls = 200
    started = time.perf_counter()
    for _ in range(calls):
        kvs.describe_signaling_channel(ChannelName="door")
    mean = (time.perf_counter() - started) / calls
    print(f"mean DescribeSignalingChannel round trip: {mean * 1000:.2f} ms")
    # Generous on purpose: without TCP_NODELAY a keep-alive call costs ~40 ms.
    assert mean < 0.05


def test_the_pytest_fixture_serves_all_three_services(local_endpoint: LocalEndpoint) -> None:
    assert local_endpoint.url == f"http://127.0.0.1:{local_endpoint.port}"
    for service in SERVICE_NAMES:
        client = local_endpoint.client(service)
        assert client.meta.endpoint_url == local_endpoint.url


def test_timestamps_use_each_models_wire_format(local_endpoint: LocalEndpoint) -> None:
    _post(local_endpoint, "/createSignalingChannel", b'{"ChannelName": "door"}')
    _, _, body = _post(local_endpoint, "/describeSignalingChannel", b'{"ChannelName": "door"}')
    assert isinstance(json.loads(body)["ChannelInfo"]["CreationTime"], float)

    media = local_endpoint.client("chime-sdk-media-pipelines")
    media.create_media_pipeline_kinesis_video_stream_pool(
        PoolName="p", StreamConfiguration={"Region": "us-east-1"}
    )
    connection = http.client.HTTPConnection("127.0.0.1", local_endpoint.port, timeout=5)
    try:
        connection.request("GET", "/media-pipeline-kinesis-video-stream-pools/p")
        pool = json.loads(connection.getresponse().read())["KinesisVideoStreamPoolConfiguration"]
    finally:
        connection.close()
    # The media pipelines model marks these timestamps iso8601.
    assert pool["CreatedTimestamp"].endswith("Z") and "T" in pool["CreatedTimestamp"]


def test_concurrent_calls_are_serialised_safely(local_endpoint: LocalEndpoint) -> None:
    kvs = local_endpoint.client("kinesisvideo")
    errors: list[BaseException] = []

    def create(worker: int) -> None:
        try:
            for i in range(10):
                kvs.create_signaling_channel(ChannelName=f"w{worker}-{i}")
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=create, args=(w,)) for w in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert errors == []
    channels = kvs.list_signaling_channels()["ChannelInfoList"]
    assert len(channels) == 80
    assert len({c["ChannelARN"] for c in channels}) == 80
