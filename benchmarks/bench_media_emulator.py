"""The emulator's media data plane over loopback: PutMedia ingest and GetMedia read, in MB/s.

    python benchmarks/bench_media_emulator.py            # from the repository root

One LocalEndpoint in process on 127.0.0.1. PutMedia: one chunked upload of N fragments (64 KiB
chunks, http.client), until the last ack. GetMedia: EARLIEST to the end through a boto3
kinesis-video-media client, payload read in 64 KiB chunks (bytes only, no MKV parsing, so the
figure is the emulator's, not a reader's). Median of 3 rounds; MB is 10**6 bytes.
"""

from __future__ import annotations

import http.client
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kvs_chime.media._writer import AudioTrackSpec, FrameSpec, kvs_fragment
from kvs_chime.testing import LocalEndpoint

FRAGMENTS = 400
FRAME = bytes(range(256)) * 16  # 4 KiB frames
FRAMES_PER_FRAGMENT = 64  # 256 KiB fragments: ~100 MB an upload


def _upload() -> bytes:
    track = AudioTrackSpec(codec_private=b"\x11\x88")
    return b"".join(
        kvs_fragment(
            track=track,
            cluster_timecode=i * 1000,
            frames=[FrameSpec(k * 15, FRAME) for k in range(FRAMES_PER_FRAGMENT)],
        )
        for i in range(FRAGMENTS)
    )


def _put(ep: LocalEndpoint, arn: str, body: bytes) -> float:
    kv = ep.client("kinesisvideo")
    url = kv.get_data_endpoint(StreamARN=arn, APIName="PUT_MEDIA")["DataEndpoint"]
    connection = http.client.HTTPConnection("127.0.0.1", ep.port, timeout=60)
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    started = time.perf_counter()
    connection.request(
        "POST",
        url.removeprefix(ep.url) + "/putMedia",
        body=chunks,
        encode_chunked=True,
        headers={
            "x-amzn-stream-arn": arn,
            "x-amzn-fragment-timecode-type": "RELATIVE",
            "x-amzn-producer-start-timestamp": "1700000000.000",
        },
    )
    acks = connection.getresponse().read()
    elapsed = time.perf_counter() - started
    connection.close()
    assert acks.count(b"PERSISTED") == FRAGMENTS, acks[-200:]
    return elapsed


def _get(ep: LocalEndpoint, arn: str) -> tuple[float, int]:
    kv = ep.client("kinesisvideo")
    url = kv.get_data_endpoint(StreamARN=arn, APIName="GET_MEDIA")["DataEndpoint"]
    media = ep.client("kinesis-video-media", endpoint_url=url)
    started = time.perf_counter()
    payload = media.get_media(StreamARN=arn, StartSelector={"StartSelectorType": "EARLIEST"})["Payload"]
    size = sum(len(chunk) for chunk in payload.iter_chunks(65536))
    return time.perf_counter() - started, size


def main() -> int:
    body = _upload()
    puts: list[float] = []
    gets: list[float] = []
    served = 0
    with LocalEndpoint(activation_delay=0) as ep:
        kv = ep.client("kinesisvideo")
        for round_ in range(3):
            arn = kv.create_stream(StreamName=f"bench-{round_}", DataRetentionInHours=1)["StreamARN"]
            elapsed = _put(ep, arn, body)
            puts.append(len(body) / elapsed / 1e6)
            elapsed, served = _get(ep, arn)
            gets.append(served / elapsed / 1e6)
    print(
        f"PutMedia ingest: {statistics.median(puts):7.1f} MB/s  ({len(body) / 1e6:.1f} MB upload, {FRAGMENTS} fragments)"
    )
    print(
        f"GetMedia read:   {statistics.median(gets):7.1f} MB/s  ({served / 1e6:.1f} MB served, EARLIEST to the end)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
