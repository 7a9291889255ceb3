"""The local endpoint for any client: the admin API over plain HTTP, regions and accounts from the
SigV4 credential scope, asynchronous states, and the standalone server."""

import json
import subprocess
import sys
import urllib.request

from kvs_chime import KinesisVideo, Poll, RetryPolicy
from kvs_chime.kinesisvideo import CreateStreamRequest, DescribeStreamRequest, Status
from kvs_chime.testing import LocalEndpoint

# [admin]
with LocalEndpoint(activation_delay=30) as endpoint:

    def admin(method: str, route: str, body: object = None) -> dict[str, object]:
        """What a test in any language does: plain HTTP with JSON, under /_kvs_chime/."""
        request = urllib.request.Request(
            f"{endpoint.url}/_kvs_chime/{route}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
        )
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name="ap-northeast-1",  # the region signed for is the region of the ARNs
        retry=RetryPolicy(initial_delay=0.001, max_delay=0.01),
    )
    arn = kv.create_stream(CreateStreamRequest(stream_name="cam")).stream_arn
    print(arn)  # arn:aws:kinesisvideo:ap-northeast-1:123456789012:stream/cam/...

    # Fail the next 2 describes with ClientLimitExceededException (HTTP 400 from the model).
    admin(
        "POST",
        "faults",
        {
            "kind": "fail",
            "operation": "DescribeStream",
            "code": "ClientLimitExceededException",
            "times": 2,
        },
    )
    info = kv.describe_stream(DescribeStreamRequest(stream_arn=arn)).stream_info
    assert (
        info is not None and info.status == Status.CREATING
    )  # asynchronous, as on AWS

    admin("POST", "clock", {"advance": 30})  # the emulator's clock, not a real wait
    info = kv.wait_until_stream_active(stream_arn=arn, poll=Poll(interval=0.01))
    print(info.status)  # ACTIVE

    journal = admin("GET", "journal?operation=DescribeStream")["entries"]
    assert isinstance(journal, list)
    print([entry["error_code"] for entry in journal])
    # ['ClientLimitExceededException', 'ClientLimitExceededException', None, None]
    # [/admin]
    assert [entry["error_code"] for entry in journal][:3] == [
        "ClientLimitExceededException",
        "ClientLimitExceededException",
        None,
    ]
    assert arn is not None and arn.startswith(
        "arn:aws:kinesisvideo:ap-northeast-1:123456789012:"
    )

# [server]
with subprocess.Popen(
    [
        sys.executable,
        "-m",
        "kvs_chime.testing",
        "--port",
        "0",
        "--activation-delay",
        "0",
    ],
    stdout=subprocess.PIPE,
    text=True,
) as server:  # the same as the `kvs-chime-local` command
    assert server.stdout is not None
    url = server.stdout.readline().split()[-1]  # "kvs-chime-local listening on URL"
    with urllib.request.urlopen(f"{url}/_kvs_chime/health") as answer:
        print(json.load(answer)["status"])  # ok
    server.terminate()  # SIGTERM: a clean stop, exit status 0
    assert server.wait(timeout=30) == 0
# [/server]
