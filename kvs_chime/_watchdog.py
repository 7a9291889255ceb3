"""Cuts an HTTP attempt short when its call's deadline passes.

botocore's timeouts are per socket operation: a server that drips one byte every 0.7 s never
trips a 1 s read timeout, so a call could run far past its deadline. One daemon thread holds
the deadlines of the attempts in flight; when one passes, it shuts down that attempt's sockets,
and the blocked read returns at once. Attempts register only once they open or use a socket, so
a call that never reaches the network (a stubbed client) costs nothing here.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time

__all__ = ["Watch", "watchdog"]

_COMPACT_AT = 256
"""Ended entries the heap may hold before they are dropped at the next add."""


class Watch:
    """One attempt's deadline and the sockets it used."""

    __slots__ = ("_dog", "_sockets", "deadline", "fired", "registered", "sent")

    def __init__(self, dog: _Watchdog, deadline: float) -> None:
        self._dog = dog
        self.deadline = deadline
        """`time.monotonic()` value at which the attempt is cut."""
        self._sockets: list[socket.socket] = []
        self.fired = False
        """True once the deadline passed with the attempt in flight."""
        self.registered = False
        self.sent = False
        """True once any request bytes were handed to a socket (the outcome may be unknown)."""

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (at once if it has)."""
        if any(s is sock for s in self._sockets):
            return
        self._sockets.append(sock)
        if self.fired or self.remaining() <= 0:
            self.cut()
        elif not self.registered:
            self.registered = True
            self._dog.add(self)

    def cut(self) -> None:
        self.fired = True
        for sock in self._sockets:
            # socket.socket's own shutdown, not SSLSocket's (which drops its SSL object under the
            # reading thread's feet): the read sees end-of-stream and returns. Closed: nothing to cut.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._ended = 0  # entries in the heap whose attempt has ended

    def add(self, watch: Watch) -> None:
        with self._wake:
            if self._ended > _COMPACT_AT and self._ended * 2 > len(self._heap):
                # Ended attempts wait in the heap until their deadline comes up: at a high call
                # rate and a long deadline, most of it. Drop them, so memory follows the
                # attempts in flight, not the call rate times the deadline.
                self._heap = [entry for entry in self._heap if entry[2]._sockets]  # pyright: ignore[reportPrivateUsage]  # the watchdog owns Watch
                heapq.heapify(self._heap)
                self._ended = 0
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kvs_chime-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][2] is watch:
                self._wake.notify()

    def done(self, watch: Watch) -> None:
        """The attempt ended: forget its sockets (its heap entry is dropped when it comes up, or
        when ended entries fill the heap)."""
        watch._sockets.clear()  # pyright: ignore[reportPrivateUsage]  # the watchdog owns Watch
        if watch.registered:
            with self._wake:
                self._ended += 1

    def _run(self) -> None:
        with self._wake:
            while True:
                if not self._heap:
                    self._wake.wait()
                    continue
                deadline, _, watch = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
                if watch._sockets:  # pyright: ignore[reportPrivateUsage]  # the watchdog owns Watch
                    watch.cut()
                elif self._ended:
                    self._ended -= 1

    def start(self, deadline: float) -> Watch:
        return Watch(self, deadline)


watchdog = _Watchdog()
"""The process's one watchdog."""
