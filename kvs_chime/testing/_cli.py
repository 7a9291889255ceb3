"""The standalone server's command line: `kvs-chime-local` and `python -m kvs_chime.testing`.

Prints its URL once it listens, stops cleanly on SIGINT and SIGTERM, and exits non-zero with one
line on standard error when it cannot start (port taken, state file refused).
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._backend import DEFAULT_ACCOUNT, DEFAULT_ACTIVATION_DELAY, DEFAULT_REGION
from ._endpoint import LocalEndpoint
from ._journal import DEFAULT_JOURNAL_SIZE
from ._persist import StateFileError

DEFAULT_PORT = 4599
"""The port `kvs-chime-local` listens on unless told otherwise (`--port 0` picks a free one)."""

_LOG = logging.getLogger("kvs_chime.testing")


def _pair(separator: str, what: str) -> type[str]:
    # argparse calls the type with the raw text; returning the text keeps mypy simple.
    def check(text: str) -> str:
        key, found, value = text.partition(separator)
        if not found or not key or not value:
            raise argparse.ArgumentTypeError(f"expected {what}")
        return text

    return check  # type: ignore[return-value]  # argparse accepts any callable as a type


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kvs-chime-local",
        description="Serve the kvs_chime local endpoint: Kinesis Video Streams (with its media data "
        "plane), its signaling API, Chime SDK meetings and media pipelines, for the AWS CLI and any "
        "SDK (pass --endpoint-url).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT}; 0 for a free one)"
    )
    parser.add_argument("--state", metavar="FILE", help="keep resources in FILE across restarts")
    parser.add_argument("--region", default=DEFAULT_REGION, help="region of unsigned requests")
    parser.add_argument("--account-id", default=DEFAULT_ACCOUNT, help="account of unmapped access keys")
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="KEY=ACCOUNT",
        type=_pair("=", "ACCESS_KEY_ID=ACCOUNT_ID"),
        help="map an access key id to an account id (repeatable)",
    )
    parser.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="KEY:SECRET",
        type=_pair(":", "ACCESS_KEY_ID:SECRET_KEY"),
        help="verify SigV4 signatures; only these credentials are accepted (repeatable)",
    )
    parser.add_argument(
        "--activation-delay",
        type=float,
        default=DEFAULT_ACTIVATION_DELAY,
        help=f"seconds a new resource stays CREATING (default: {DEFAULT_ACTIVATION_DELAY}; 0: at once)",
    )
    parser.add_argument(
        "--deletion-delay", type=float, help="seconds DELETING lasts (default: the activation delay)"
    )
    parser.add_argument(
        "--channel-limit", type=int, default=10_000, help="signaling channels per account and region"
    )
    parser.add_argument("--stream-limit", type=int, default=10_000, help="streams per account and region")
    parser.add_argument(
        "--journal-size",
        type=int,
        default=DEFAULT_JOURNAL_SIZE,
        metavar="N",
        help=f"journal entries kept, the latest (default: {DEFAULT_JOURNAL_SIZE})",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="DEBUG logs one line per request (operation and status, never parameters)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until SIGINT or SIGTERM; returns the process exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    _LOG.setLevel(args.log_level)
    if not 0 <= args.port <= 65535:
        print(f"kvs-chime-local: port {args.port} is not between 0 and 65535", file=sys.stderr)
        return 2
    accounts = dict(text.partition("=")[::2] for text in args.account)
    credentials = dict(text.partition(":")[::2] for text in args.credential) or None
    try:
        endpoint = LocalEndpoint(
            region=args.region,
            account_id=args.account_id,
            activation_delay=args.activation_delay,
            deletion_delay=args.deletion_delay,
            channel_limit=args.channel_limit,
            stream_limit=args.stream_limit,
            host=args.host,
            port=args.port,
            accounts=accounts,
            credentials=credentials,
            state_file=args.state,
            journal_size=args.journal_size,
        )
    except (StateFileError, ValueError) as error:
        print(f"kvs-chime-local: {error}", file=sys.stderr)
        return 2
    try:
        endpoint.start()
    except OSError as error:
        reason = (
            "the port is already in use"
            if error.errno == errno.EADDRINUSE
            else (error.strerror or str(error))
        )
        print(f"kvs-chime-local: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"kvs-chime-local listening on {endpoint.url}", flush=True)
        _LOG.info("admin API at %s/_kvs_chime/ (see docs/howto/admin-api.md)", endpoint.url)
        while not stop.wait(0.5):
            pass
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _LOG.info("stopped")
    return 0
