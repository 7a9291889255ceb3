"""The standalone server's command line: `kvs-chime-local` and `python -m kvs_chime.testing`.

Prints its URL once it listens (the line ends with it), stops cleanly on SIGINT and SIGTERM, and
exits non-zero with one line on standard error when it cannot start (port taken, state file
refused, TLS asked for without trustme). Bound beyond loopback it warns, names the address it
really listens on, and prints the admin token it made (unless one was given).
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
from ._browser import ADMIN_TOKEN_HEADER, is_loopback
from ._endpoint import LocalEndpoint
from ._journal import DEFAULT_JOURNAL_SIZE
from ._persist import StateFileError
from ._server import BODY_TIMEOUT, MAX_CONNECTIONS
from ._tls import TlsUnavailableError

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
        "--tls",
        action="store_true",
        help="serve HTTPS and WSS with a CA made on the spot (needs trustme: the tls extra); "
        "prints how each client trusts it",
    )
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        help=f"require TOKEN in the {ADMIN_TOKEN_HEADER} header of admin API requests "
        "(made and printed when bound beyond loopback and not given)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=MAX_CONNECTIONS,
        help=f"connections served at once; more are answered 503 (default: {MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=BODY_TIMEOUT,
        help=f"seconds a request body may take to arrive in full, else 408 (default: {BODY_TIMEOUT:g})",
    )
    parser.add_argument(
        "--turn-uri",
        action="append",
        default=[],
        metavar="URI",
        help="a TURN server's URI for GetIceServerConfig, e.g. turn:127.0.0.1:3478?transport=udp "
        "(repeatable; with --turn-secret)",
    )
    parser.add_argument(
        "--turn-secret",
        metavar="SECRET",
        help="that TURN server's shared secret (coturn --static-auth-secret): credentials are minted with it",
    )
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
            max_connections=args.max_connections,
            body_timeout=args.body_timeout,
            admin_token=args.admin_token,
            tls=args.tls,
            turn_uris=args.turn_uri,
            turn_secret=args.turn_secret,
            journal_size=args.journal_size,
        )
    except (StateFileError, ValueError, TlsUnavailableError) as error:
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
        if is_loopback(args.host):
            print(f"kvs-chime-local listening on {endpoint.url}", flush=True)
        else:
            where = f"[{args.host}]" if ":" in args.host else args.host or "0.0.0.0"
            # The last word stays the URL scripts read; the address really bound comes first.
            print(
                f"kvs-chime-local listening on {where}:{endpoint.port} (beyond loopback) as {endpoint.url}",
                flush=True,
            )
            print(
                f"kvs-chime-local: WARNING: listening on {where}, beyond loopback: other machines can "
                "reach the emulator, which accepts any credentials unless --credential is given",
                file=sys.stderr,
                flush=True,
            )
        if args.admin_token is None and endpoint.admin_token is not None:
            print(f"admin token (send it as {ADMIN_TOKEN_HEADER}): {endpoint.admin_token}", flush=True)
        if endpoint.tls is not None:
            print(f"TLS: local CA at {endpoint.tls.ca_file}; trust it with:", flush=True)
            for line in endpoint.tls.how_to_trust():
                print(f"  {line}", flush=True)
        _LOG.info("admin API at %s/_kvs_chime/ (see docs/howto/admin-api.md)", endpoint.url)
        while not stop.wait(0.5):
            pass
    finally:
        endpoint.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _LOG.info("stopped")
    return 0
