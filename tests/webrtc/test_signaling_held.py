"""Viewer messages held for an absent master are bounded and never dropped silently (issue 25):
purged at the channel's MessageTtlSeconds, capped per channel, each drop journaled."""

from __future__ import annotations

from kvs_chime.webrtc import SdpOffer

from .conftest import Channel
from .test_signaling import next_of, run, until


def _drops(channel: Channel, reason: str) -> int:
    return sum(
        int(str(e.params["Count"]))
        for e in channel.endpoint.journal.entries("HeldMessagesDropped")
        if e.params.get("Reason") == reason and e.params.get("ChannelARN") == channel.arn
    )


def test_past_the_cap_the_oldest_held_messages_are_dropped_and_journaled(channel: Channel) -> None:
    channel.endpoint.signaling.max_held_messages = 5

    async def main() -> None:
        async with channel.viewer("early") as viewer:
            for index in range(8):
                await viewer.send_offer(f"v=0 offer {index}")
            await until(lambda: _drops(channel, "limit") == 3)
            async with channel.master() as master:
                got = [(await next_of(master, SdpOffer)).sdp for _ in range(5)]
                assert got == [f"v=0 offer {index}" for index in range(3, 8)]
                # Nothing else was held: the next one is the one sent now.
                await viewer.send_offer("v=0 live")
                assert (await next_of(master, SdpOffer)).sdp == "v=0 live"

    run(main)


def test_held_messages_are_purged_at_the_channels_ttl_without_any_other_message(channel: Channel) -> None:
    async def main() -> None:
        async with channel.viewer("early") as viewer:
            for index in range(3):
                await viewer.send_offer(f"v=0 stale {index}")
            await until(lambda: channel.endpoint.signaling.held_messages(channel.arn) == 3)
            channel.clock.advance(61)  # the channel's MessageTtlSeconds is 60
            # Swept as the server polls its connections: no new message is needed.
            await until(lambda: channel.endpoint.signaling.held_messages(channel.arn) == 0)
            assert _drops(channel, "expired") == 3
            await viewer.send_offer("v=0 fresh")
            async with channel.master() as master:
                assert (await next_of(master, SdpOffer)).sdp == "v=0 fresh"

    run(main)
