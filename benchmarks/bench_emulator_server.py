"""The emulator's HTTP server under concurrent clients: DescribeSignalingChannel per second and the
median latency, from 8 threads each with its own boto3 client (and so its own connection).

    python benchmarks/bench_emulator_server.py           # from the repository root
    python benchmarks/bench_emulator_server.py --quick

Two rows, measured in the same run, alternating:

- `emulator`: LocalEndpoint on 127.0.0.1, the whole request path (HTTP parsing, routing, SigV4
  scope, validation, state lock, journal, serialisation).
- `http.server floor`: the same standard-library server class (ThreadingHTTPServer, a thread per
  connection, keep-alive, Nagle off) answering the same bytes from a constant, nothing else. What
  no change of the emulator's own code can go below with this server, and a ceiling of what
  another server library could gain: the rest is the clients' (boto3 on the same 2 cores) and the
  emulator's own work.

Calls are spread over THREADS threads from one start (a barrier); each round times CALLS calls
in all. Median of the rounds for calls/s, median of every call's latency for p50.

`--raw` replaces the boto3 clients by http.client connections sending the same request bytes
(unsigned, so in the endpoint's default region and account): the clients then cost little, and
the rows show what the servers themselves can do on this machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3
from botocore.config import Config

from kvs_chime.testing import LocalEndpoint

THREADS = 8


def _clients(url: str, count: int, region: str) -> list[object]:
    session = boto3.session.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name=region)
    config = Config(retries={"total_max_attempts": 1}, max_pool_connections=2)
    return [session.client("kinesisvideo", endpoint_url=url, config=config) for _ in range(count)]


class _RawClient:
    """One keep-alive connection sending DescribeSignalingChannel's bytes, reading the answer."""

    def __init__(self, url: str) -> None:
        host, _, port = url.removeprefix("http://").partition(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=30)

    def describe_signaling_channel(self, ChannelARN: str) -> bytes:  # boto3's spelling
        body = json.dumps({"ChannelARN": ChannelARN}).encode()
        self._connection.request(
            "POST", "/describeSignalingChannel", body=body, headers={"Content-Type": "application/json"}
        )
        return self._connection.getresponse().read()


def _round(clients: list[object], arn: str, calls: int) -> tuple[float, list[float]]:
    per_thread = calls // len(clients)
    barrier = threading.Barrier(len(clients) + 1)
    latencies: list[list[float]] = [[] for _ in clients]

    def work(index: int) -> None:
        client = clients[index]
        describe = client.describe_signaling_channel  # type: ignore[attr-defined]  # boto3 client
        mine = latencies[index]
        barrier.wait()
        for _ in range(per_thread):
            started = time.perf_counter()
            describe(ChannelARN=arn)
            mine.append(time.perf_counter() - started)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return per_thread * len(clients) / elapsed, [x for mine in latencies for x in mine]


class _Constant(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    answer = b""

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)


def run(calls: int, rounds: int, raw: bool = False) -> dict[str, tuple[float, float]]:
    """{row: (calls per second, p50 seconds)}."""
    with LocalEndpoint(activation_delay=0) as ep:
        kv = ep.client("kinesisvideo")
        arn = kv.create_signaling_channel(ChannelName="bench")["ChannelARN"]
        answer = json.dumps(kv.describe_signaling_channel(ChannelARN=arn)["ChannelInfo"], default=str)
        _Constant.answer = json.dumps({"ChannelInfo": json.loads(answer)}).encode()
        floor = ThreadingHTTPServer(("127.0.0.1", 0), _Constant)
        floor.daemon_threads = True
        serving = threading.Thread(target=floor.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        try:
            targets = {
                "emulator": _clients(ep.url, THREADS, ep.region),
                "http.server floor": _clients(
                    f"http://127.0.0.1:{floor.server_address[1]}", THREADS, ep.region
                ),
            }
            for clients in targets.values():
                _round(clients, arn, THREADS * 20)  # warm: connections, models, caches
            rates: dict[str, list[float]] = {name: [] for name in targets}
            latencies: dict[str, list[float]] = {name: [] for name in targets}
            for _ in range(rounds):
                for name, clients in targets.items():
                    rate, each = _round(clients, arn, calls)
                    rates[name].append(rate)
                    latencies[name].extend(each)
        finally:
            floor.shutdown()
            floor.server_close()
    return {name: (statistics.median(rates[name]), statistics.median(latencies[name])) for name in rates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--raw", action="store_true", help="http.client connections instead of boto3")
    args = parser.parse_args()
    results = run(calls=800 if args.quick else 2400, rounds=3 if args.quick else 5, raw=args.raw)
    emulator_rate = results["emulator"][0]
    clients = "an http.client connection" if args.raw else "a boto3 client"
    print(f"DescribeSignalingChannel, {THREADS} threads, {clients} each")
    print(f"{'server':<20} {'calls/s':>9} {'p50 ms':>8} {'emulator/floor':>15}")
    for name, (rate, p50) in results.items():
        ratio = emulator_rate / rate
        print(f"{name:<20} {rate:>9.0f} {p50 * 1000:>8.2f} {ratio:>14.2f}x")


if __name__ == "__main__":
    main()
