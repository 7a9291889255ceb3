"""Section 8: connections per minute against a signaling server that ends every connection at once.

    python benchmarks/bench_webrtc_flap.py [--quick]

Three flapping servers on 127.0.0.1 (websockets): GO_AWAY on connect, close 1011 on connect, a
TCP drop (abort) after the handshake. Raw column: a plain websockets loop that reconnects as soon
as its connection ends (what the client did before its backoff covered connections that die
young), connections per minute of wall time over `RAW_SECONDS`. kvs_chime column: a
`SignalingClient` under the default `ReconnectPolicy` with every duration divided by `SCALE`
(the same rules on a clock running `SCALE` times faster), connections per minute of policy
time; the bound beside it is `max_connects` per `connect_window`, the most the policy allows.
Endpoint look-ups (`connection_info`) are counted too: GO_AWAY reads the endpoint again at
each attempt, the other faults reuse the first answer.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable

import attrs
from bench_harness import Row
from botocore.credentials import Credentials
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from kvs_chime.kinesisvideo import ChannelRole
from kvs_chime.webrtc import ReconnectPolicy, SignalingClient
from kvs_chime.workflows import WebRtcConnectionInfo

ARN = "arn:aws:kinesisvideo:us-east-1:123456789012:channel/flap/1"
SCALE = 20.0
"""Policy durations are divided by this: 2 windows of the default 60 s take 6 s."""
RAW_SECONDS = 1.0
FAULTS = ("GO_AWAY on connect", "close 1011", "TCP drop")


class _Source:
    def __init__(self, url: str) -> None:
        self.url = url
        self.lookups = 0

    def connection_info(
        self, channel_arn: str, role: ChannelRole | str, *, client_id: str | None = None
    ) -> WebRtcConnectionInfo:
        self.lookups += 1
        return WebRtcConnectionInfo(channel_arn, role, self.url, "http://127.0.0.1:9/", [])


def _handler(fault: str, opened: list[float]) -> Callable[[ServerConnection], Awaitable[None]]:
    async def flapping(ws: ServerConnection) -> None:
        opened.append(time.monotonic())
        if fault == "GO_AWAY on connect":
            await ws.send('{"messageType": "GO_AWAY"}')
            await ws.wait_closed()
        elif fault == "close 1011":
            await ws.close(1011)
        else:
            ws.transport.abort()

    return flapping


def scaled_policy(policy: ReconnectPolicy, scale: float) -> ReconnectPolicy:
    return attrs.evolve(
        policy,
        base_delay=policy.base_delay / scale,
        max_delay=policy.max_delay / scale,
        stable_after=policy.stable_after / scale,
        connect_window=policy.connect_window / scale,
        deadline=policy.deadline / scale,
    )


async def _raw(fault: str, seconds: float) -> int:
    opened: list[float] = []
    async with serve(_handler(fault, opened), "127.0.0.1", 0) as server:
        url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            try:
                async with connect(url, compression=None) as ws:
                    async for _ in ws:
                        break  # GO_AWAY: leave, as the client did
            except Exception:  # the naive loop reconnects whatever happened
                pass
    return len(opened)


async def _kvs(fault: str, seconds: float, policy: ReconnectPolicy) -> tuple[int, int, int]:
    opened: list[float] = []
    async with serve(_handler(fault, opened), "127.0.0.1", 0) as server:
        source = _Source(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/")
        async with SignalingClient(source, ARN, credentials=Credentials("a", "b"), policy=policy):
            await asyncio.sleep(seconds + 0.5)
    # Connections in [first, first + seconds): whole windows, half-open as the policy counts them.
    return sum(1 for t in opened if t < opened[0] + seconds), source.lookups, len(opened)


@attrs.frozen
class Flap:
    fault: str
    raw_per_minute: float
    kvs_per_minute: float
    bound_per_minute: float
    lookups: int
    all_connects: int


def run(quick: bool = False) -> list[Flap]:
    default = ReconnectPolicy()
    policy = scaled_policy(default, SCALE)
    seconds = policy.connect_window * (1 if quick else 2)
    bound = default.max_connects * 60.0 / default.connect_window
    found: list[Flap] = []
    for fault in FAULTS:
        raw = asyncio.run(_raw(fault, RAW_SECONDS))
        connects, lookups, all_connects = asyncio.run(_kvs(fault, seconds, policy))
        policy_minutes = seconds * SCALE / 60.0
        found.append(
            Flap(fault, raw * 60.0 / RAW_SECONDS, connects / policy_minutes, bound, lookups, all_connects)
        )
    return found


def rows(flaps: list[Flap]) -> list[Row]:
    return [
        Row(
            f"{f.fault}: connects/min ({f.lookups} look-ups for {f.all_connects} connects)",
            f"{f.raw_per_minute:,.0f}/min",
            f"{f.kvs_per_minute:.1f}/min",
            f"{f.kvs_per_minute / f.raw_per_minute:.4f}x",
            "-",
            f"<= {f.bound_per_minute:.0f}/min (bound)",
            "yes" if f.kvs_per_minute <= f.bound_per_minute else "NO",
        )
        for f in flaps
    ]


if __name__ == "__main__":
    from bench_harness import print_table

    print_table(
        f"signaling against flapping servers (policy durations / {SCALE:.0f})",
        [("8. reconnects", rows(run(quick="--quick" in sys.argv)))],
    )
