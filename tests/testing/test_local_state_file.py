"""A durable `--state` (issue 25): one server per file, nothing unknown read as empty, only
changes written, leftovers removed, clear refusals at start and a clean exit on SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from kvs_chime.testing import LocalEndpoint, ManualClock, StateFileError

from ._process import command, environment, running


def _client(url: str, service: str = "kinesisvideo") -> Any:  # Any: a boto3 client
    return boto3.session.Session(
        aws_access_key_id="111122223333", aws_secret_access_key="secret", region_name="eu-west-1"
    ).client(service, endpoint_url=url, config=Config(retries={"total_max_attempts": 1}))


def _written(state: Path, done: Callable[[Any], bool]) -> Any:  # Any: the file's JSON
    """The state file once `done` holds for it (written behind the requests; waits up to 10 s)."""
    deadline = time.monotonic() + 10.0
    while True:
        with contextlib.suppress(FileNotFoundError, ValueError, LookupError):
            saved = json.loads(state.read_text(encoding="utf-8"))
            if done(saved):
                return saved
        if time.monotonic() > deadline:
            raise AssertionError("the state file was not written")
        time.sleep(0.02)


def _streams(saved: Any) -> list[str]:  # Any: the file's JSON
    return sorted(name for scope in saved["scopes"] for name in scope["kinesis_video"]["streams"])


def test_a_second_server_on_the_same_file_refuses_and_names_the_holder(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running(["--port", "0", "--state", str(state), "--activation-delay", "0"]) as first:
        _client(first.url).create_stream(StreamName="mine")
        second = subprocess.run(
            command("--port", "0", "--state", str(state)),
            capture_output=True,
            text=True,
            env=environment(),
            timeout=60,
        )
        assert second.returncode != 0
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert "another server uses it" in lines[0] and f"process {first.process.pid}" in lines[0]
        # The first one goes on, and its data is what the file keeps.
        _client(first.url).create_stream(StreamName="also-mine")
        assert first.stop()[0] == 0
    assert _streams(json.loads(state.read_text(encoding="utf-8"))) == ["also-mine", "mine"]


def test_in_process_endpoints_lock_the_file_too(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalEndpoint(state_file=state, activation_delay=0) as first:
        with pytest.raises(StateFileError, match=f"process {os.getpid()}"):
            LocalEndpoint(state_file=state)
        first.client("kinesisvideo").create_stream(StreamName="cam")
    # Stopped: the lock is free again.
    with LocalEndpoint(state_file=state) as again:
        assert (
            again.client("kinesisvideo").describe_stream(StreamName="cam")["StreamInfo"]["StreamName"]
            == "cam"
        )


_VALID: dict[str, Any] = {"format": "kvs-chime-local-state", "version": 1, "scopes": []}  # Any: JSON


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({**_VALID, "Streams": {"cam": {}}}, "'Streams' at the top level"),
        (
            {**_VALID, "scopes": [{"region": "eu-west-1", "account": "111122223333", "kinesisVideo": {}}]},
            "'kinesisVideo' in a scope",
        ),
        (
            {
                **_VALID,
                "scopes": [
                    {"region": "eu-west-1", "account": "111122223333", "kinesis_video": {"Streams": {}}}
                ],
            },
            "'Streams' in kinesis_video",
        ),
    ],
)
def test_unknown_keys_are_refused_and_the_file_left_untouched(
    tmp_path: Path, document: dict[str, Any], named: str
) -> None:
    state = tmp_path / "state.json"
    content = json.dumps(document).encode()
    state.write_bytes(content)
    with pytest.raises(StateFileError, match=f"unknown key {named}"):
        LocalEndpoint(state_file=state)
    result = subprocess.run(
        command("--port", "0", "--state", str(state)),
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "unknown key" in result.stderr
    assert state.read_bytes() == content


def test_reads_never_write(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with LocalEndpoint(state_file=state, activation_delay=0) as ep:
        kv = ep.client("kinesisvideo")
        for name in ("a", "b", "c"):
            kv.create_stream(StreamName=name)
        kv.create_signaling_channel(ChannelName="door")
    before = state.stat()
    with LocalEndpoint(state_file=state, activation_delay=0) as ep:
        kv = ep.client("kinesisvideo")
        for _ in range(20):
            kv.describe_stream(StreamName="a")
            kv.list_streams()
            kv.list_signaling_channels()
            kv.get_data_endpoint(StreamName="b", APIName="GET_MEDIA")
    after = state.stat()
    # Every write replaces the file (a new inode): the same inode and time mean no write at all.
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_changes_are_on_disk_soon_and_survive_kill_9(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running(["--port", "0", "--state", str(state), "--activation-delay", "0"]) as server:
        _client(server.url).create_stream(StreamName="kept")
        _written(state, lambda saved: _streams(saved) == ["kept"])
        assert server.stop(signal.SIGKILL)[0] == -signal.SIGKILL
    # The kernel let go of the lock with the process: a new server takes the file.
    with running(["--port", "0", "--state", str(state)]) as server:
        assert _client(server.url).describe_stream(StreamName="kept")["StreamInfo"]["Status"] == "ACTIVE"


def test_temporary_copies_left_by_a_crash_are_removed_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    leftovers = [tmp_path / ".state.json.tmp-k1ll9x", tmp_path / ".state.json.tmp-abcdef"]
    for leftover in leftovers:
        leftover.write_bytes(b'{"format": "kvs-chime-local-st')  # cut off mid-write
    someone_elses = tmp_path / ".other.json.tmp-abcdef"
    someone_elses.write_bytes(b"{}")
    with LocalEndpoint(state_file=state):
        assert not any(leftover.exists() for leftover in leftovers)
    assert someone_elses.exists()


def _unwritable_folders(tmp_path: Path) -> list[Path]:
    folders = [tmp_path / "missing" / "state.json"]
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    folders.append(blocker / "state.json")
    if os.geteuid() != 0:  # root writes anywhere: the permission case needs another user
        locked = tmp_path / "read-only"
        locked.mkdir()
        locked.chmod(0o500)
        folders.append(locked / "state.json")
    return folders


def test_an_unwritable_folder_is_refused_at_start(tmp_path: Path) -> None:
    for state in _unwritable_folders(tmp_path):
        with pytest.raises(StateFileError, match="cannot"):
            LocalEndpoint(state_file=state)
        result = subprocess.run(
            command("--port", "0", "--state", str(state)),
            capture_output=True,
            text=True,
            env=environment(),
            timeout=60,
        )
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(state.parent) in lines[0], result.stderr


def test_a_write_failing_later_is_logged_requests_go_on_and_sigterm_exits_0(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with running(["--port", "0", "--state", str(state), "--activation-delay", "0"]) as server:
        kv = _client(server.url)
        kv.create_stream(StreamName="first")
        _written(state, lambda saved: _streams(saved) == ["first"])
        # Something takes the file's place: a folder with content cannot be replaced by a file.
        state.unlink()
        state.mkdir()
        (state / "in-the-way").write_bytes(b"")
        kv.create_stream(StreamName="second")
        assert kv.describe_stream(StreamName="second")["StreamInfo"]["StreamName"] == "second"
        status, err = server.stop()
    assert status == 0
    assert "Traceback" not in err
    assert "cannot write state file" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".state.json.tmp-")]


def test_meetings_and_attendees_are_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    clock = ManualClock(1000.0)
    with LocalEndpoint(state_file=state, activation_delay=0, clock=clock) as ep:
        chime = ep.client("chime-sdk-meetings")
        meeting = chime.create_meeting(
            ClientRequestToken="token-1", MediaRegion="us-east-1", ExternalMeetingId="standup"
        )["Meeting"]
        attendee = chime.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="alice")["Attendee"]
    # Another run, whose clock reads something else entirely.
    with LocalEndpoint(state_file=state, activation_delay=0, clock=ManualClock(5.0)) as ep:
        chime = ep.client("chime-sdk-meetings")
        assert chime.get_meeting(MeetingId=meeting["MeetingId"])["Meeting"]["ExternalMeetingId"] == "standup"
        got = chime.get_attendee(MeetingId=meeting["MeetingId"], AttendeeId=attendee["AttendeeId"])[
            "Attendee"
        ]
        assert (got["ExternalUserId"], got["JoinToken"]) == ("alice", attendee["JoinToken"])
        # The create's idempotency token is kept too: the same request is the same meeting.
        again = chime.create_meeting(
            ClientRequestToken="token-1", MediaRegion="us-east-1", ExternalMeetingId="standup"
        )["Meeting"]
        assert again["MeetingId"] == meeting["MeetingId"]
