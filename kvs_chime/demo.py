"""End-to-end demo: `python -m kvs_chime.demo`.

Against the bundled local endpoint (started in this process, no AWS account needed) it ensures a
signaling channel, gets its WebRTC connection info, streams a meeting's audio into a Kinesis Video
Stream pool, lists what exists, then stops and cleans up, printing the typed results on the way.

`--endpoint-url`/`--region` point it at a real endpoint instead (with your default AWS
credentials and a real `--meeting-arn`); that mode creates and deletes real resources.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Generator, Sequence

import boto3

from . import KinesisVideo, MediaPipelines, Poll
from .kinesisvideo import ChannelRole, DeleteSignalingChannelRequest
from .media_pipelines import KinesisVideoStreamConfiguration
from .workflows import WebRtcConnector, ensure_signaling_channel, stream_meeting_audio

__all__ = ["main"]

_DEMO_MEETING = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"


def _step(title: str) -> None:
    print(f"\n== {title}")


def _row(label: str, value: object) -> None:
    print(f"   {label:<22} {value}")


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Generator[tuple[boto3.Session, str | None, str], None, None]:
    """The session, endpoint URL and region to use: a local endpoint unless told otherwise."""
    if args.endpoint_url or args.real:
        yield boto3.Session(region_name=args.region), args.endpoint_url, args.region
        return
    from .testing import LocalEndpoint

    # A short activation delay so the waiters have something to wait for.
    with LocalEndpoint(region=args.region, activation_delay=0.3) as endpoint:
        print(f"local endpoint listening at {endpoint.url} (region {endpoint.region})")
        yield endpoint.boto3_session(), endpoint.url, endpoint.region


def _run(args: argparse.Namespace) -> None:
    poll = Poll(timeout=120.0, interval=0.1 if not (args.endpoint_url or args.real) else 2.0)
    with _target(args) as (session, endpoint_url, region):
        kv = KinesisVideo(session=session, endpoint_url=endpoint_url, region_name=region)
        media = MediaPipelines(session=session, endpoint_url=endpoint_url, region_name=region)

        _step("1. ensure a signaling channel (twice: the second call finds the first's channel)")
        channel = ensure_signaling_channel(
            kv, args.channel, message_ttl_seconds=60, tags={"app": "kvs-chime-demo"}, poll=poll
        )
        again = ensure_signaling_channel(
            kv, args.channel, message_ttl_seconds=60, tags={"app": "kvs-chime-demo"}, poll=poll
        )
        _row("name", channel.channel_name)
        _row("arn", channel.channel_arn)
        _row("type / status", f"{channel.channel_type} / {channel.channel_status}")
        _row("same channel again", again.channel_arn == channel.channel_arn)
        assert channel.channel_arn is not None

        _step("2. WebRTC connection info (viewer)")
        connector = WebRtcConnector(kv)
        info = connector.connection_info(channel.channel_arn, ChannelRole.VIEWER, client_id="demo-viewer")
        _row("wss", info.wss_url)
        _row("https", info.https_url)
        for server in info.ice_servers:
            _row(
                "ice server",
                f"{', '.join(server.uris or [])} (ttl {server.ttl}s, password hidden: {server!r:.0}***)",
            )

        _step("3. stream the meeting's audio into a Kinesis Video Stream pool")
        stream = stream_meeting_audio(
            media,
            args.meeting_arn,
            args.pool,
            KinesisVideoStreamConfiguration(region=region, data_retention_in_hours=24),
            reserved_stream_capacity=1,
            pool_tags={"app": "kvs-chime-demo"},
            poll=poll,
        )
        with stream:
            _row(
                "pool",
                f"{stream.pool.pool_name} ({stream.pool.pool_status}, created now: {stream.created_pool})",
            )
            _row("pipeline", stream.pipeline.media_pipeline_arn)
            _row("pipeline status", stream.pipeline.status)

            _step("4. what exists now")
            for c in kv.iter_signaling_channels():
                _row("signaling channel", f"{c.channel_name}  {c.channel_status}")
            for pool in media.iter_media_pipeline_kinesis_video_stream_pools():
                _row("stream pool", pool.pool_name)
            for p in media.iter_media_pipelines():
                _row("media pipeline", p.media_pipeline_id)

            _step("5. stop and clean up")
        pool_deleted = stream.stop(delete_pool=True)
        _row("pipeline deleted", stream.stopped)
        _row("pool deleted", pool_deleted)
        kv.delete_signaling_channel(DeleteSignalingChannelRequest(channel_arn=channel.channel_arn))
        kv.wait_until_signaling_channel_deleted(channel_arn=channel.channel_arn, poll=poll)
        _row("channel deleted", channel.channel_name)
        print("\ndone.")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m kvs_chime.demo", description="End-to-end demo of kvs_chime."
    )
    parser.add_argument("--endpoint-url", help="use this endpoint instead of the local one")
    parser.add_argument(
        "--real", action="store_true", help="use AWS itself (default credentials); creates real resources"
    )
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--channel", default="kvs-chime-demo")
    parser.add_argument("--pool", default="kvs-chime-demo-pool")
    parser.add_argument(
        "--meeting-arn", default=_DEMO_MEETING, help="the Chime SDK meeting to stream (real mode)"
    )
    _run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
