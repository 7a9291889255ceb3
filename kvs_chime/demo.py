"""End-to-end demo: `python -m kvs_chime.demo` (`--help` for the options).

By default it runs against the bundled local endpoint, started in this process: no AWS account,
no credentials, nothing leaves the machine. It ensures a signaling channel, gets its WebRTC
connection info, connects a master and a viewer to its signaling WebSocket (an SDP offer one
way, the answer back), streams a meeting's audio into a Kinesis Video Stream pool, lists what exists,
then stops and cleans up, printing the typed results and each step's time on the way, and at the
end what it deleted.

`--region` alone still runs locally, with ARNs in that region. AWS itself needs `--real` (your
default credentials, a live `--meeting-arn`; it creates, then deletes, real resources), and
`--endpoint-url` points the demo at another endpoint, such as a local endpoint run as a server.
Without credentials for either, the demo says so in one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import TYPE_CHECKING, cast

import boto3
from botocore.exceptions import BotoCoreError

from . import KinesisVideo, KvsChimeError, MediaPipelines, Meetings, Poll
from ._demo_audio import ATTENDEES, local_meeting, read_back
from .errors import ResourceNotFoundError
from .events import KinesisVideoStreamEnd, parse_event
from .kinesisvideo import ChannelRole, DeleteSignalingChannelRequest, DescribeSignalingChannelRequest
from .media_pipelines import KinesisVideoStreamConfiguration, MediaStreamType
from .webrtc import SdpAnswer, SdpOffer, SignalingClient, SigningCredentials, session_credentials
from .workflows import MeetingAudioStream, WebRtcConnector, ensure_signaling_channel, stream_meeting_audio

if TYPE_CHECKING:
    from .testing import LocalEndpoint

__all__ = ["main"]

_DEMO_MEETING = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"
_LOCAL_REGION = "us-east-1"
_SECONDS = 3.0
"""Seconds of the local meeting's audio the demo reads back."""

# Exit statuses: 2 for a command line that cannot run (argparse's own convention), 1 for a run
# that failed midway (after cleaning up).
_USAGE = 2
_FAILED = 1


class _UsageError(Exception):
    """The command line cannot run as given; the message is the one line shown."""


class _Cleanup:
    """What the run created, so that it deletes exactly that, even after a failure."""

    def __init__(self, kv: KinesisVideo, poll: Poll) -> None:
        self.kv = kv
        self.poll = poll
        self.channel_arn: str | None = None
        self.channel_name: str | None = None
        self.stream: MeetingAudioStream | None = None
        self.done: list[str] = []
        self.kept: list[str] = []

    def run(self) -> None:
        if self.stream is not None:
            pool_deleted = self.stream.stop(delete_pool=self.stream.created_pool)
            self.done.append(f"media pipeline {self.stream.pipeline_id}")
            pool = self.stream.pool.pool_name
            if pool_deleted:
                self.done.append(f"stream pool {pool}")
            else:
                self.kept.append(f"stream pool {pool} ({_why_kept(self.stream)})")
        if self.channel_arn is not None:
            with contextlib.suppress(ResourceNotFoundError):  # gone already: nothing to clean
                self.kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=self.channel_arn))
                self.kv.wait_until_signaling_channel_deleted(channel_arn=self.channel_arn, poll=self.poll)
            self.done.append(f"signaling channel {self.channel_name}")


def _why_kept(stream: MeetingAudioStream) -> str:
    return "it existed before the demo" if not stream.created_pool else "still in use"


def _step(title: str) -> float:
    print(f"\n== {title}", flush=True)
    return time.perf_counter()


def _took(started: float) -> None:
    _row("took", f"{time.perf_counter() - started:.2f} s")


def _row(label: str, value: object) -> None:
    print(f"   {label:<22} {value}", flush=True)


def _credentials_problem(session: boto3.Session) -> str | None:
    """What is wrong with the credentials, checked before any request (rather than botocore's
    traceback on the first call); None if they are there."""
    try:
        credentials = cast(object, session.get_credentials())  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
    except BotoCoreError as error:  # a configured source that fails (a broken profile, a metadata service)
        return f"AWS credentials, which could not be read ({error})"
    if credentials is None:
        return (
            "AWS credentials (none were found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run `aws configure`)"
        )
    return None


def _missing_inputs(args: argparse.Namespace, session: boto3.Session, region: str | None) -> list[str]:
    """Every input a run against AWS (or another endpoint) lacks, so one error names them all."""
    missing: list[str] = []
    if region is None:
        missing.append("a region (pass --region, or set AWS_REGION or a profile's region)")
    credentials = _credentials_problem(session)
    if credentials is not None:
        missing.append(credentials)
    if args.real and args.meeting_arn is None:
        missing.append("--meeting-arn (the ARN of a live Chime SDK meeting to stream)")
    return missing


@contextlib.contextmanager
def _target(
    args: argparse.Namespace,
) -> Generator[tuple[boto3.Session, str | None, str, LocalEndpoint | None], None, None]:
    """The session, endpoint URL and region to use, and the in-process local endpoint if it is
    the target (unless told otherwise)."""
    if args.real or args.endpoint_url:
        target = "--real" if args.real else "--endpoint-url"
        session = boto3.Session(region_name=args.region)
        region = cast("str | None", session.region_name)  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
        missing = _missing_inputs(args, session, region)
        if missing or region is None:
            raise _UsageError(
                f"{target} is missing {len(missing)} input{'s' if len(missing) > 1 else ''}: "
                f"{'; '.join(missing)}. Without --real and --endpoint-url the demo runs locally "
                "and needs none of them"
            )
        where = f"endpoint {args.endpoint_url}" if args.endpoint_url else "AWS"
        print(f"{where}, region {region}: real resources are created, then deleted")
        yield session, args.endpoint_url, region, None
        return
    from .testing import LocalEndpoint

    # A short activation delay so the waiters have something to wait for.
    with LocalEndpoint(region=args.region or _LOCAL_REGION, activation_delay=0.3) as endpoint:
        print(f"local endpoint listening at {endpoint.url} (region {endpoint.region}; --real for AWS)")
        yield endpoint.boto3_session(), endpoint.url, endpoint.region, endpoint


def _run(args: argparse.Namespace) -> None:
    remote = bool(args.real or args.endpoint_url)
    poll = Poll(timeout=120.0, interval=2.0 if remote else 0.1)
    with _target(args) as (session, endpoint_url, region, local):
        kv = KinesisVideo(session=session, endpoint_url=endpoint_url, region_name=region)
        media = MediaPipelines(session=session, endpoint_url=endpoint_url, region_name=region)
        cleanup = _Cleanup(kv, poll)
        started = time.perf_counter()
        try:
            _steps(args, kv, media, region, poll, cleanup, local)
        finally:
            cleanup_started = _step("6. stop and clean up")
            try:
                cleanup.run()
            finally:
                for what in cleanup.done:
                    _row("deleted", what)
                for what in cleanup.kept:
                    _row("left in place", what)
                _took(cleanup_started)
        print(f"\ndone in {time.perf_counter() - started:.2f} s.")


def _steps(
    args: argparse.Namespace,
    kv: KinesisVideo,
    media: MediaPipelines,
    region: str,
    poll: Poll,
    cleanup: _Cleanup,
    local: LocalEndpoint | None,
) -> None:
    started = _step("1. ensure a signaling channel (twice: the second call finds the first's channel)")
    existed = _channel_exists(kv, args.channel)
    channel = ensure_signaling_channel(
        kv, args.channel, message_ttl_seconds=60, tags={"app": "kvs-chime-demo"}, poll=poll
    )
    assert channel.channel_arn is not None
    if not existed:
        cleanup.channel_arn, cleanup.channel_name = channel.channel_arn, channel.channel_name
    else:
        cleanup.kept.append(f"signaling channel {channel.channel_name} (it existed before the demo)")
    again = ensure_signaling_channel(
        kv, args.channel, message_ttl_seconds=60, tags={"app": "kvs-chime-demo"}, poll=poll
    )
    _row("name", channel.channel_name)
    _row("arn", channel.channel_arn)
    _row("type / status", f"{channel.channel_type} / {channel.channel_status}")
    _row("same channel again", again.channel_arn == channel.channel_arn)
    _took(started)

    started = _step("2. WebRTC connection info (viewer), then a master and a viewer signal each other")
    connector = WebRtcConnector(kv)
    info = connector.connection_info(channel.channel_arn, ChannelRole.VIEWER, client_id="demo-viewer")
    _row("wss", info.wss_url)
    _row("https", info.https_url)
    for server in info.ice_servers:
        _row("ice server", f"{', '.join(server.uris or [])} (ttl {server.ttl}s, password hidden)")
    asyncio.run(_signal(connector, channel.channel_arn, session_credentials(kv.session)))
    _took(started)

    started = _step("3. stream the meeting's audio into a Kinesis Video Stream pool")
    meeting_arn = args.meeting_arn or _DEMO_MEETING
    if local is not None:  # a meeting of the local endpoint, whose attendees each send a tone
        meetings = Meetings(session=kv.session, endpoint_url=local.url, region_name=region)
        meeting_arn = local_meeting(meetings, region)
        _row("meeting", f"{meeting_arn} (attendees {', '.join(ATTENDEES)})")
    stream = stream_meeting_audio(
        media,
        meeting_arn,
        args.pool,
        KinesisVideoStreamConfiguration(region=region, data_retention_in_hours=24),
        media_stream_type=MediaStreamType.INDIVIDUAL_AUDIO,  # a stream per attendee
        reserved_stream_capacity=len(ATTENDEES),
        pool_tags={"app": "kvs-chime-demo"},
        poll=poll,
    )
    cleanup.stream = stream
    _row("pool", f"{stream.pool.pool_name} ({stream.pool.pool_status}, created now: {stream.created_pool})")
    _row("pipeline", stream.pipeline.media_pipeline_arn)
    _row("pipeline status", stream.pipeline.status)
    _took(started)

    started = _step("4. what exists now")
    for c in kv.iter_signaling_channels():
        _row("signaling channel", f"{c.channel_name}  {c.channel_status}")
    for pool in media.iter_media_pipeline_kinesis_video_stream_pools():
        _row("stream pool", pool.pool_name)
    for p in media.iter_media_pipelines():
        _row("media pipeline", p.media_pipeline_id)
    _took(started)

    started = _step("5. read the meeting's audio back, per attendee, as the pipeline's events name it")
    if local is None:
        _row("skipped", "the events come from EventBridge on AWS: see docs/howto/read-meeting-audio.md")
    else:
        local.fast_forward(_SECONDS)  # the meeting's next seconds, written at once
        stream.stop()  # the streams end: the pipeline's StreamEnd events name their last fragments
        for who in ATTENDEES:
            local.events.wait_for(_stream_ended(who))
        for got in read_back(kv, local.events.events()):
            tone = (
                "decode with the audio extra: pip install '.[audio]'"
                if got.frequency is None
                else f"tone {got.frequency:.1f} Hz"
            )
            _row(got.who, f"{got.seconds:.1f} s, {got.sample_rate} Hz AAC, {got.fragments} fragments, {tone}")
    _took(started)


def _stream_ended(who: str) -> Callable[[Mapping[str, object]], bool]:
    def ended(raw: Mapping[str, object]) -> bool:
        event = parse_event(raw)
        return isinstance(event, KinesisVideoStreamEnd) and event.external_user_id == who

    return ended


async def _signal(connector: WebRtcConnector, channel_arn: str, credentials: SigningCredentials) -> None:
    """A master and a viewer on the channel's signaling WebSocket: an offer one way, an answer back."""
    connect_started = time.perf_counter()
    async with (
        SignalingClient(connector, channel_arn, credentials=credentials) as master,
        SignalingClient(
            connector, channel_arn, credentials=credentials, role=ChannelRole.VIEWER, client_id="demo-viewer"
        ) as viewer,
    ):
        _row("connected", f"master and viewer in {time.perf_counter() - connect_started:.3f} s")
        exchange_started = time.perf_counter()
        await viewer.send_offer("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=kvs-chime-demo\r\n")
        offer = await master.receive(timeout=10)
        if not isinstance(offer, SdpOffer):
            raise RuntimeError(f"the master expected an offer, got {type(offer).__name__}")
        _row("master received", f"an SDP offer from {offer.sender_client_id}")
        await master.send_answer(
            "v=0\r\ns=kvs-chime-demo-answer\r\n", recipient_client_id=offer.sender_client_id
        )
        answer = await viewer.receive(timeout=10)
        if not isinstance(answer, SdpAnswer):
            raise RuntimeError(f"the viewer expected an answer, got {type(answer).__name__}")
        _row("viewer received", f"the SDP answer ({time.perf_counter() - exchange_started:.3f} s round trip)")


def _channel_exists(kv: KinesisVideo, name: str) -> bool:
    try:
        kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name=name))
    except ResourceNotFoundError:
        return False
    return True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kvs_chime.demo",
        description=(
            "End-to-end demo of kvs_chime: a signaling channel, its WebRTC connection info, a "
            "meeting's audio streamed into a Kinesis Video Stream pool, then clean-up. Runs "
            "against a local endpoint in this process unless --real or --endpoint-url is given."
        ),
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="run against AWS itself with your default credentials (needs --meeting-arn); "
        "creates real resources, and deletes them at the end",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="run against this endpoint instead (e.g. a local endpoint run as a server); "
        "needs credentials, which a local endpoint does not check",
    )
    parser.add_argument(
        "--region",
        help=f"the region: of AWS or --endpoint-url (default: your profile's), or of the "
        f"local endpoint's ARNs (default: {_LOCAL_REGION}); alone it does not leave the machine",
    )
    parser.add_argument(
        "--channel",
        default="kvs-chime-demo",
        metavar="NAME",
        help="the signaling channel to ensure (default: %(default)s); deleted at the end "
        "unless it existed before",
    )
    parser.add_argument(
        "--pool",
        default="kvs-chime-demo-pool",
        metavar="NAME",
        help="the Kinesis Video Stream pool to stream into (default: %(default)s); deleted at "
        "the end unless it existed before",
    )
    parser.add_argument(
        "--meeting-arn",
        metavar="ARN",
        help="the Chime SDK meeting whose audio to stream (required with --real; locally a made-up meeting)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code (2: the command line cannot run, 1: failed)."""
    args = _parser().parse_args(argv)
    try:
        _run(args)
    except _UsageError as error:
        print(f"python -m kvs_chime.demo: error: {error}", file=sys.stderr)
        return _USAGE
    except KvsChimeError as error:
        # The SDK's errors carry what the reader needs (operation, code, status, request id).
        print(f"python -m kvs_chime.demo: failed: {type(error).__name__}: {error}", file=sys.stderr)
        return _FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
