"""The standalone server: `python -m kvs_chime.testing`, its options, signals and state file."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from kvs_chime.testing import LocalEndpoint, StateFileError

from ._process import command, environment, running


def _client(url: str, service: str, region: str = "eu-west-1", key: str = "111122223333") -> object:
    return boto3.session.Session(
        aws_access_key_id=key, aws_secret_access_key="secret", region_name=region
    ).client(service, endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))


def test_serves_any_client_and_stops_cleanly_on_sigterm_and_sigint() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        with running(["--port", "0", "--activation-delay", "0"]) as server:
            assert server.url.startswith("http://127.0.0.1:")
            kvs = boto3.session.Session(
                aws_access_key_id="111122223333", aws_secret_access_key="x", region_name="ap-northeast-1"
            ).client("kinesisvideo", endpoint_url=server.url)
            arn = kvs.create_signaling_channel(ChannelName="door")["ChannelARN"]
            assert arn.startswith("arn:aws:kinesisvideo:ap-northeast-1:111122223333:channel/door/")
            status, err = server.stop(sig)
            assert status == 0, err
            assert "Traceback" not in err


def test_a_taken_port_is_one_clear_line_and_a_non_zero_exit() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            command("--port", str(port)), capture_output=True, text=True, env=environment(), timeout=60
        )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"kvs-chime-local: cannot listen on 127.0.0.1:{port}: the port is already in use"]


def test_the_default_port_is_fixed_and_documented() -> None:
    from kvs_chime.testing._cli import DEFAULT_PORT

    assert DEFAULT_PORT == 4599
    result = subprocess.run(command("--help"), capture_output=True, text=True, env=environment(), timeout=60)
    assert result.returncode == 0 and "default: 4599" in result.stdout
    docs = Path(__file__).parents[2] / "docs" / "howto" / "testing.md"
    assert "4599" in docs.read_text(encoding="utf-8")


def _written(state: Path, done: Callable[[Any], bool]) -> Any:  # Any: the file's JSON
    """The state file once `done` holds for it: written behind the requests (within 0.05 s on an
    idle machine; this waits up to 10 s)."""
    deadline = time.monotonic() + 10.0
    while True:
        with contextlib.suppress(FileNotFoundError, ValueError):
            saved = json.loads(state.read_text(encoding="utf-8"))
            if done(saved) or time.monotonic() > deadline:
                return saved
        if time.monotonic() > deadline:
            raise AssertionError("the state file was not written")
        time.sleep(0.02)


def test_state_survives_a_restart_and_is_written_atomically(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    args = ["--port", "0", "--state", str(state), "--activation-delay", "30"]
    with running(args) as server:
        kvs = _client(server.url, "kinesisvideo")
        arn = kvs.create_signaling_channel(ChannelName="door", Tags=[{"Key": "k", "Value": "v"}])[
            "ChannelARN"
        ]
        media = _client(server.url, "chime-sdk-media-pipelines")
        media.create_media_pipeline_kinesis_video_stream_pool(
            PoolName="pool", StreamConfiguration={"Region": "eu-west-1", "DataRetentionInHours": 1}
        )
        # Written behind the requests, whole: the file is valid JSON while the server runs.
        saved = _written(state, lambda saved: len(saved["scopes"]) == 2)
        assert saved["format"] == "kvs-chime-local-state"
        # No temporary left behind; the lock file stays (see docs/howto/testing.md).
        assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.lock"]
        assert server.stop()[0] == 0
    with running(["--port", "0", "--state", str(state)]) as server:
        kvs = _client(server.url, "kinesisvideo")
        info = kvs.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"]
        # CREATING with its 30 s still to run: the clock resumes where it stopped.
        assert (info["ChannelName"], info["ChannelStatus"]) == ("door", "CREATING")
        assert kvs.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"k": "v"}
        media = _client(server.url, "chime-sdk-media-pipelines")
        pool = media.get_media_pipeline_kinesis_video_stream_pool(Identifier="pool")
        assert pool["KinesisVideoStreamPoolConfiguration"]["PoolName"] == "pool"
        # Another region of the same account does not see them.
        assert (
            _client(server.url, "kinesisvideo", region="us-east-1").list_signaling_channels()[
                "ChannelInfoList"
            ]
            == []
        )


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"format": "something-else", "version": 1, "scopes": []}', "not a kvs-chime-local state file"),
        (b"\x00\x01binary", "not valid JSON"),
        (b'{"format": "kvs-chime-local-state", "version": 99, "scopes": []}', "version 99"),
        (
            b'{"format": "kvs-chime-local-state", "version": 1, "scopes": [{"region": "r", "account": "a",'
            b' "kinesis_video": {"channels": {"x": {"name": 5}}}}]}',
            "content is not valid",
        ),
    ],
)
def test_a_corrupt_or_foreign_state_file_is_refused_and_left_alone(
    tmp_path: Path, content: bytes, why: str
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content)
    with pytest.raises(StateFileError, match=why):
        LocalEndpoint(state_file=state)
    assert state.read_bytes() == content


def test_the_server_refuses_a_foreign_state_file_in_one_line(tmp_path: Path) -> None:
    state = tmp_path / "notes.json"
    state.write_bytes(b'{"notes": ["mine"]}')
    result = subprocess.run(
        command("--port", "0", "--state", str(state)),
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kvs-chime-local: refusing state file")
    assert "not a kvs-chime-local state file" in lines[0]
    assert state.read_bytes() == b'{"notes": ["mine"]}'


def test_in_process_endpoint_keeps_state_too(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    with LocalEndpoint(state_file=state, activation_delay=0) as ep:
        ep.client("kinesisvideo").create_stream(StreamName="cam", DataRetentionInHours=2)
    with LocalEndpoint(state_file=os.fspath(state)) as ep:
        info = ep.client("kinesisvideo").describe_stream(StreamName="cam")["StreamInfo"]
        assert (info["Status"], info["DataRetentionInHours"]) == ("ACTIVE", 2)


def test_listens_only_where_told() -> None:
    with LocalEndpoint(host="127.0.0.1") as ep, socket.socket() as probe:
        probe.settimeout(2)
        # Bound to loopback: the port is not open on another local address of this machine.
        others = {
            info[4][0]
            for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            if not info[4][0].startswith("127.")
        }
        for address in others:
            assert probe.connect_ex((address, ep.port)) != 0


def test_the_server_serves_meetings_the_media_data_plane_and_events() -> None:
    with running(["--port", "0", "--activation-delay", "0"]) as server:
        chime = _client(server.url, "chime-sdk-meetings")
        meeting = chime.create_meeting(  # type: ignore[attr-defined]  # a boto3 client
            ClientRequestToken="server-1", MediaRegion="eu-west-1", ExternalMeetingId="standup"
        )["Meeting"]
        pipelines = _client(server.url, "chime-sdk-media-pipelines")
        pool = pipelines.create_media_pipeline_kinesis_video_stream_pool(  # type: ignore[attr-defined]  # as above
            PoolName="audio", StreamConfiguration={"Region": "eu-west-1"}
        )["KinesisVideoStreamPoolConfiguration"]
        chime.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="alice")  # type: ignore[attr-defined]  # as above
        pipelines.create_media_stream_pipeline(  # type: ignore[attr-defined]  # as above
            Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": meeting["MeetingArn"]}],
            Sinks=[
                {
                    "SinkArn": pool["PoolArn"],
                    "SinkType": "KinesisVideoStreamPool",
                    "ReservedStreamCapacity": 1,
                    "MediaStreamType": "IndividualAudio",
                }
            ],
        )
        admin = f"{server.url}/_kvs_chime/"
        advance = urllib.request.Request(admin + "clock", data=b'{"advance": 2}', method="POST")
        urllib.request.urlopen(advance, timeout=5).close()
        with urllib.request.urlopen(
            admin + "events?type=MediaPipelineKinesisVideoStreamStart", timeout=5
        ) as got:
            [event] = json.loads(got.read())["events"]
        arn = event["detail"]["kinesisVideoStreamArn"]
        assert event["account"] == "111122223333" and event["region"] == "eu-west-1"
        kvs = _client(server.url, "kinesisvideo")
        url = kvs.get_data_endpoint(StreamARN=arn, APIName="LIST_FRAGMENTS")["DataEndpoint"]  # type: ignore[attr-defined]  # as above
        fragments = _client(url, "kinesis-video-archived-media").list_fragments(StreamARN=arn)["Fragments"]  # type: ignore[attr-defined]  # as above
        # The server's clock is real: at least the two seconds skipped, maybe a little more.
        assert event["detail"]["startFragmentNumber"] in [f["FragmentNumber"] for f in fragments]
        assert len(fragments) >= 2
