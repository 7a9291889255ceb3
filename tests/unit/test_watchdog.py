"""The deadline watchdog: memory follows the attempts in flight, and a live attempt is still cut."""

from __future__ import annotations

import socket
import time

from kvs_chime._watchdog import _COMPACT_AT, watchdog  # pyright: ignore[reportPrivateUsage]


def test_ended_attempts_do_not_pile_up_until_their_deadline() -> None:
    ours, theirs = socket.socketpair()
    try:
        far = time.monotonic() + 3600.0  # an hour: without compaction every entry would stay
        for _ in range(_COMPACT_AT * 10):
            watch = watchdog.start(far)
            watch.watch(ours)
            watchdog.done(watch)
        held = len(watchdog._heap)  # pyright: ignore[reportPrivateUsage]
        assert held <= 2 * _COMPACT_AT + 1, held
    finally:
        ours.close()
        theirs.close()


def test_an_attempt_in_flight_is_still_cut_after_compaction() -> None:
    live_ours, live_theirs = socket.socketpair()
    ours, theirs = socket.socketpair()
    try:
        live = watchdog.start(time.monotonic() + 0.2)
        live.watch(live_ours)
        far = time.monotonic() + 3600.0
        for _ in range(_COMPACT_AT * 4):  # compacts several times while `live` is in flight
            watch = watchdog.start(far)
            watch.watch(ours)
            watchdog.done(watch)
        live_ours.settimeout(5.0)
        started = time.monotonic()
        assert live_ours.recv(1) == b""  # shut down by the watchdog: end of stream, not a timeout
        assert live.fired and time.monotonic() - started < 2.0
    finally:
        for sock in (live_ours, live_theirs, ours, theirs):
            sock.close()
