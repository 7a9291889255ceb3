"""The demo as a newcomer meets it: options explained, a wrong command line answered in one line
with exit status 2 before any request, `--region` alone kept local, each step timed, and in the
end exactly what it created deleted, even when a step fails.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kvs_chime import KinesisVideo
from kvs_chime.demo import main
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, ListSignalingChannelsRequest, Tag
from kvs_chime.testing import LocalEndpoint

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


def _no_aws_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS credentials anywhere, and no instance metadata to ask."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    return env


def _demo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kvs_chime.demo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in _no_aws_env(tmp_path).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")


def test_every_option_has_help(tmp_path: Path) -> None:
    result = _demo("--help", env=_no_aws_env(tmp_path))
    assert result.returncode == 0
    options = re.findall(r"^  (--[a-z-]+)(?: [A-Z]+)?(.*)$", result.stdout, re.MULTILINE)
    names = {name for name, _ in options}
    assert names >= {"--real", "--endpoint-url", "--region", "--channel", "--pool", "--meeting-arn"}
    for name, rest in options:
        # The help text follows on the same line, or on the next (indented) one.
        after = result.stdout.split(name, 1)[1].split("\n  -", 1)[0]
        assert rest.strip() or re.search(r"\n {10,}\S", after), f"{name} has no help text"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--real", "--region", "eu-west-1", "--meeting-arn", "arn:x"],
            "--real is missing 1 input: AWS credentials",
        ),
        (["--real", "--meeting-arn", "arn:x"], "--real is missing 2 inputs: a region"),
        (
            ["--endpoint-url", "http://127.0.0.1:9", "--region", "eu-west-1"],
            "--endpoint-url is missing 1 input: AWS credentials",
        ),
    ],
)
def test_a_command_line_that_cannot_run_says_why_in_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = _demo(*args, env=_no_aws_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no traceback
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "== 1." not in result.stdout  # nothing was attempted


def test_real_needs_a_meeting(fake_credentials: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--real", "--region", "eu-west-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--real is missing 1 input: --meeting-arn" in err


def test_real_names_every_missing_input_at_once(tmp_path: Path) -> None:
    # No region, no credentials, no meeting: one run, one line naming all three.
    result = _demo("--real", env=_no_aws_env(tmp_path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "--real is missing 3 inputs" in result.stderr
    for named in ("a region", "AWS credentials", "--meeting-arn"):
        assert named in result.stderr
    assert "== 1." not in result.stdout


def test_region_alone_stays_local_each_step_is_timed_and_the_clean_up_is_listed(tmp_path: Path) -> None:
    # No credentials at all: only a local run can succeed.
    result = _demo("--region", "eu-west-1", env=_no_aws_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("local endpoint listening at http://127.0.0.1:")
    assert "region eu-west-1" in first and "--real" in first
    assert "arn:aws:kinesisvideo:eu-west-1:" in result.stdout
    steps = re.split(r"^== ", result.stdout, flags=re.MULTILINE)[1:]
    assert [s.split(".", 1)[0] for s in steps] == ["1", "2", "3", "4", "5", "6"]
    for step in steps:
        assert re.search(r"^   took +\d+\.\d\d s$", step, re.MULTILINE), step
    # A master and a viewer met on the channel's signaling WebSocket.
    assert "master received        an SDP offer from demo-viewer" in steps[1]
    assert "viewer received        the SDP answer" in steps[1]
    # Each attendee's stream read back through the events: seconds of 48 kHz AAC.
    for who in ("alice", "bob"):
        read = re.search(rf"^   {who} +(\d+\.\d) s, 48000 Hz AAC, (\d+) fragments, ", steps[4], re.MULTILINE)
        assert read is not None, steps[4]
        assert float(read.group(1)) >= 2.5 and int(read.group(2)) >= 3
    # Each tone measured to within 0.5 Hz of what the pipeline writes (alice 440, bob 660): the
    # joins and the encoder's silence are not counted as time (it read ~434 and ~651 Hz).
    if importlib.util.find_spec("av") is not None:  # the audio extra decodes; without it, no tone
        for who, written in (("alice", 440.0), ("bob", 660.0)):
            tone = re.search(rf"^   {who} +.*, tone (\d+\.\d) Hz$", steps[4], re.MULTILINE)
            assert tone is not None, steps[4]
            assert abs(float(tone.group(1)) - written) < 0.5, tone.group(0)
    cleaned = re.findall(r"^   deleted +(.+)$", steps[-1], re.MULTILINE)
    assert [c.split(" ")[0:2] for c in cleaned] == [
        ["media", "pipeline"],
        ["stream", "pool"],
        ["signaling", "channel"],
    ]
    assert "left in place" not in result.stdout
    assert re.search(r"\ndone in \d+\.\d\d s\.$", result.stdout.rstrip())


def _facade(endpoint: LocalEndpoint) -> KinesisVideo:
    return KinesisVideo(
        session=endpoint.boto3_session(), endpoint_url=endpoint.url, region_name=endpoint.region
    )


def test_a_failed_step_still_cleans_up_what_the_demo_created(
    fake_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalEndpoint() as endpoint:
        endpoint.faults.fail_next("CreateMediaStreamPipeline", "ForbiddenException", times=1)
        code = main(["--endpoint-url", endpoint.url, "--region", endpoint.region])
        out, err = capsys.readouterr()
        assert code == 1
        assert err.count("\n") == 1 and "ForbiddenException" in err and "Traceback" not in err
        # The pool made for the failed pipeline is deleted by the workflow, the channel here.
        assert re.search(r"^   deleted +signaling channel kvs-chime-demo$", out, re.MULTILINE)
        assert (
            _facade(endpoint).list_signaling_channels(ListSignalingChannelsRequest()).channel_info_list == []
        )


def test_a_channel_that_existed_before_is_left_in_place(
    fake_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with LocalEndpoint() as endpoint:
        kv = _facade(endpoint)
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name="mine", tags=[Tag(key="app", value="kvs-chime-demo")])
        )
        code = main(["--endpoint-url", endpoint.url, "--region", endpoint.region, "--channel", "mine"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert re.search(
            r"^   left in place +signaling channel mine \(it existed before the demo\)$", out, re.M
        )
        assert "deleted                signaling channel" not in out
        channels = kv.list_signaling_channels(ListSignalingChannelsRequest()).channel_info_list or []
        assert [c.channel_name for c in channels] == ["mine"]
