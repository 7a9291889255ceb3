"""Running `python -m kvs_chime.testing` as a child process for the tests of the standalone server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import attrs

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@attrs.define
class Server:
    """A running server: its process and the URL it printed."""

    process: subprocess.Popen[str]
    url: str

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        """Send `sig`, wait for the exit; returns the exit status and what it wrote on stderr."""
        self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=15)
        return self.process.returncode, err


def command(*args: str) -> list[str]:
    """The command line of the server with `args`."""
    return [sys.executable, "-m", "kvs_chime.testing", *args]


def environment() -> dict[str, str]:
    """The child's environment: this checkout importable (when kvs_chime is not installed)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_ROOT, env.get("PYTHONPATH")]))
    return env


@contextmanager
def running(args: Sequence[str] = ("--port", "0")) -> Iterator[Server]:
    """Start the server, wait for its URL line, stop it (SIGTERM) afterwards."""
    process = subprocess.Popen(
        command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment()
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("kvs-chime-local listening on "):
            _, err = process.communicate(timeout=15)
            raise AssertionError(f"the server did not start: {line!r} {err!r}")
        server = Server(process, line.rsplit(" ", 1)[1].strip())
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.communicate(timeout=15)
