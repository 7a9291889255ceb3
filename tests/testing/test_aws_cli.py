"""The real AWS CLI against the standalone server: life cycles and error cases as a user types them.

awscli bundles its own botocore, so it runs from a virtual environment of its own: the `awscli`
nox session makes one and points KVS_CHIME_AWS_CLI at its `aws`. Elsewhere the test is skipped
unless that variable is set.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ._process import Server, running

AWS = os.environ.get("KVS_CHIME_AWS_CLI")

pytestmark = pytest.mark.skipif(not AWS, reason="KVS_CHIME_AWS_CLI (the `aws` of awscli) is not set")

MEETING = "arn:aws:chime:ap-northeast-1:111122223333:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # Transitions take a minute of the emulator's clock, which the tests move through the admin
    # API: deterministic, however slowly each `aws` process starts.
    with running(["--port", "0", "--activation-delay", "60"]) as started:
        yield started


class Cli:
    def __init__(self, url: str) -> None:
        self._url = url
        config = tempfile.mkdtemp(prefix="kvs-chime-aws-")
        self._env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": config,
            # An access key of 12 digits is the account; the region is the credential scope's.
            "AWS_ACCESS_KEY_ID": "111122223333",
            "AWS_SECRET_ACCESS_KEY": "local-secret",
            "AWS_DEFAULT_REGION": "ap-northeast-1",
            "AWS_CONFIG_FILE": os.path.join(config, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(config, "credentials"),
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        assert AWS is not None
        command = [AWS, "--endpoint-url", self._url, "--output", "json", *args]
        return subprocess.run(command, capture_output=True, text=True, env=self._env, timeout=120)

    def ok(self, *args: str) -> Any:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else None

    def fails(self, code: str, *args: str) -> str:
        result = self.run(*args)
        # AWS CLI v1 exits 255 on a service error (v2: 254).
        assert result.returncode in (254, 255), (result.returncode, result.stdout, result.stderr)
        assert f"An error occurred ({code})" in result.stderr, result.stderr
        return result.stderr

    def advance(self) -> None:
        """Move the emulator's clock past every pending transition (admin API)."""
        request = urllib.request.Request(
            self._url + "/_kvs_chime/clock", data=json.dumps({"advance": 60}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200


@pytest.fixture(scope="module")
def aws(server: Server) -> Cli:
    return Cli(server.url)


def test_signaling_channel_life_cycle_and_errors(aws: Cli) -> None:
    arn = aws.ok("kinesisvideo", "create-signaling-channel", "--channel-name", "door")["ChannelARN"]
    assert arn.startswith("arn:aws:kinesisvideo:ap-northeast-1:111122223333:channel/door/")
    describe = ("kinesisvideo", "describe-signaling-channel", "--channel-arn", arn)
    assert aws.ok(*describe)["ChannelInfo"]["ChannelStatus"] == "CREATING"
    aws.advance()
    assert aws.ok(*describe)["ChannelInfo"]["ChannelStatus"] == "ACTIVE"
    endpoints = aws.ok(
        "kinesisvideo",
        "get-signaling-channel-endpoint",
        "--channel-arn",
        arn,
        "--single-master-channel-endpoint-configuration",
        "Protocols=WSS,HTTPS,Role=VIEWER",
    )["ResourceEndpointList"]
    assert {e["Protocol"] for e in endpoints} == {"WSS", "HTTPS"}
    https = next(e["ResourceEndpoint"] for e in endpoints if e["Protocol"] == "HTTPS")
    ice = aws.run(
        "--endpoint-url", https, "kinesis-video-signaling", "get-ice-server-config", "--channel-arn", arn
    )
    assert ice.returncode == 0 and json.loads(ice.stdout)["IceServerList"], ice.stderr
    message = aws.fails(
        "ResourceInUseException", "kinesisvideo", "create-signaling-channel", "--channel-name", "door"
    )
    assert "already exists" in message
    invalid = aws.fails(
        "InvalidArgumentException", "kinesisvideo", "create-signaling-channel", "--channel-name", "a b"
    )
    assert (
        "1 validation error detected: Value 'a b' at 'channelName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
    ) in invalid
    version = aws.ok(*describe)["ChannelInfo"]["Version"]
    aws.fails(
        "VersionMismatchException",
        "kinesisvideo",
        "delete-signaling-channel",
        "--channel-arn",
        arn,
        "--current-version",
        "0" * 20,
    )
    aws.ok("kinesisvideo", "delete-signaling-channel", "--channel-arn", arn, "--current-version", version)
    assert aws.ok(*describe)["ChannelInfo"]["ChannelStatus"] == "DELETING"
    aws.advance()
    aws.fails("ResourceNotFoundException", *describe)


def test_stream_life_cycle_tags_and_pagination(aws: Cli) -> None:
    arn = aws.ok(
        "kinesisvideo",
        "create-stream",
        "--stream-name",
        "cam",
        "--data-retention-in-hours",
        "24",
        "--tags",
        "team=video",
    )["StreamARN"]
    assert (
        aws.ok("kinesisvideo", "describe-stream", "--stream-arn", arn)["StreamInfo"]["Status"] == "CREATING"
    )
    aws.advance()
    aws.ok("kinesisvideo", "tag-stream", "--stream-arn", arn, "--tags", "env=dev")
    assert aws.ok("kinesisvideo", "list-tags-for-stream", "--stream-arn", arn)["Tags"] == {
        "team": "video",
        "env": "dev",
    }
    for name in ("cam2", "cam3"):
        aws.ok("kinesisvideo", "create-stream", "--stream-name", name)
    # The CLI follows NextToken itself: a page size of 1 still lists all three.
    listed = aws.ok("kinesisvideo", "list-streams", "--page-size", "1")["StreamInfoList"]
    assert sorted(s["StreamName"] for s in listed) == ["cam", "cam2", "cam3"]
    endpoint = aws.ok("kinesisvideo", "get-data-endpoint", "--stream-arn", arn, "--api-name", "GET_MEDIA")
    assert endpoint["DataEndpoint"].startswith("http://127.0.0.1:")
    aws.fails("ResourceNotFoundException", "kinesisvideo", "describe-stream", "--stream-name", "nope")
    aws.fails(
        "ResourceNotFoundException",
        "kinesisvideo",
        "describe-stream",
        "--stream-arn",
        arn,
        "--region",
        "us-east-1",
    )
    aws.ok("kinesisvideo", "delete-stream", "--stream-arn", arn)


def test_pool_and_pipeline_life_cycle_and_errors(aws: Cli) -> None:
    pool = aws.ok(
        "chime-sdk-media-pipelines",
        "create-media-pipeline-kinesis-video-stream-pool",
        "--pool-name",
        "meetings",
        "--stream-configuration",
        "Region=ap-northeast-1,DataRetentionInHours=24",
    )["KinesisVideoStreamPoolConfiguration"]
    assert pool["PoolArn"].startswith("arn:aws:chime:ap-northeast-1:111122223333:")
    get_pool = (
        "chime-sdk-media-pipelines",
        "get-media-pipeline-kinesis-video-stream-pool",
        "--identifier",
        "meetings",
    )
    assert aws.ok(*get_pool)["KinesisVideoStreamPoolConfiguration"]["PoolStatus"] == "CREATING"
    aws.advance()
    sinks = json.dumps(
        [
            {
                "SinkArn": pool["PoolArn"],
                "SinkType": "KinesisVideoStreamPool",
                "ReservedStreamCapacity": 1,
                "MediaStreamType": "MixedAudio",
            }
        ]
    )
    sources = json.dumps([{"SourceType": "ChimeSdkMeeting", "SourceArn": MEETING}])
    pipeline = aws.ok(
        "chime-sdk-media-pipelines", "create-media-stream-pipeline", "--sources", sources, "--sinks", sinks
    )["MediaStreamPipeline"]
    pipeline_id = pipeline["MediaPipelineId"]
    get_pipeline = ("chime-sdk-media-pipelines", "get-media-pipeline", "--media-pipeline-id", pipeline_id)
    assert aws.ok(*get_pipeline)["MediaPipeline"]["MediaStreamPipeline"]["Status"] == "Initializing"
    aws.advance()
    assert aws.ok(*get_pipeline)["MediaPipeline"]["MediaStreamPipeline"]["Status"] == "InProgress"
    aws.fails(
        "ConflictException",
        "chime-sdk-media-pipelines",
        "delete-media-pipeline-kinesis-video-stream-pool",
        "--identifier",
        "meetings",
    )
    aws.fails(
        "BadRequestException",
        "chime-sdk-media-pipelines",
        "create-media-pipeline-kinesis-video-stream-pool",
        "--pool-name",
        "bad name!",
        "--stream-configuration",
        "Region=ap-northeast-1",
    )
    aws.fails(
        "NotFoundException",
        "chime-sdk-media-pipelines",
        "get-media-pipeline",
        "--media-pipeline-id",
        "00000000-0000-0000-0000-000000000000",
    )
    aws.ok("chime-sdk-media-pipelines", "delete-media-pipeline", "--media-pipeline-id", pipeline_id)
    assert aws.ok(*get_pipeline)["MediaPipeline"]["MediaStreamPipeline"]["Status"] == "Stopping"
    aws.advance()
    aws.fails("NotFoundException", *get_pipeline)
    aws.ok(
        "chime-sdk-media-pipelines",
        "delete-media-pipeline-kinesis-video-stream-pool",
        "--identifier",
        "meetings",
    )
    assert aws.ok(*get_pool)["KinesisVideoStreamPoolConfiguration"]["PoolStatus"] == "DELETING"


def test_the_cli_over_https_trusting_the_local_ca_through_aws_ca_bundle() -> None:
    with running(["--port", "0", "--tls", "--activation-delay", "0"]) as server:
        assert server.url.startswith("https://")
        assert server.process.stdout is not None
        ca_file = server.process.stdout.readline().split(" at ", 1)[1].split(";", 1)[0]
        cli = Cli(server.url)
        # Without the CA the CLI refuses the certificate, as it would a forged one.
        result = cli.run("kinesisvideo", "list-streams")
        assert result.returncode != 0 and "SSL" in result.stderr
        cli._env["AWS_CA_BUNDLE"] = ca_file
        arn = cli.ok("kinesisvideo", "create-signaling-channel", "--channel-name", "tls-door")["ChannelARN"]
        endpoints = cli.ok(
            "kinesisvideo",
            "get-signaling-channel-endpoint",
            "--channel-arn",
            arn,
            "--single-master-channel-endpoint-configuration",
            "Protocols=WSS,HTTPS,Role=MASTER",
        )["ResourceEndpointList"]
        assert sorted(e["ResourceEndpoint"].split("://")[0] for e in endpoints) == ["https", "wss"]


PAGE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "testing.md"
_JOURNEY = re.compile(r"<!-- aws-cli-journey -->\s*```console\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_SHOWN_URL = "http://127.0.0.1:4599"


def journey() -> tuple[list[str], list[str]]:
    """The page's CLI journey: its commands (continuation lines joined) and the output it shows.
    The line starting the server and the line it prints are the test's own server's."""
    match = _JOURNEY.search(PAGE.read_text(encoding="utf-8"))
    assert match is not None, "the emulator page lost its AWS CLI journey"
    commands: list[str] = []
    shown: list[str] = []
    continued = False
    for line in match.group(1).splitlines():
        if continued:
            commands[-1] += "\n" + line
        elif line.startswith("$ "):
            commands.append(line[2:])
        elif line.strip() and not line.startswith("kvs-chime-local listening"):
            shown.append(line)
        continued = line.endswith("\\")
    assert commands[0].startswith("kvs-chime-local ")
    return commands[1:], shown


def test_the_journey_on_the_emulator_page_runs_as_shown(tmp_path: Path) -> None:
    commands, shown = journey()
    assert any("create-media-stream-pipeline" in c for c in commands)
    assert AWS is not None
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.pathsep.join([os.path.dirname(AWS), os.environ.get("PATH", "")]), "HOME": str(home)}
    with running(["--port", "0", "--activation-delay", "60"]) as started:
        script = "set -euo pipefail\n" + "\n".join(commands).replace(_SHOWN_URL, started.url) + "\n"
        result = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
    assert result.returncode == 0, result.stdout + result.stderr
    printed = result.stdout.splitlines()
    # Each output the page shows is printed, in the page's order ("..." ends a line's known part).
    at = 0
    for expected in shown:
        prefix = expected.removesuffix("...")
        while at < len(printed) and not (
            printed[at] == expected or (expected.endswith("...") and printed[at].startswith(prefix))
        ):
            at += 1
        assert at < len(printed), f"the page shows {expected!r}; printed:\n{result.stdout}"
        at += 1
    assert (tmp_path / "audio.mkv").stat().st_size > 1000  # the attendee's audio, read back
