"""What the emulated services share: settings, per-request context, lifecycles, ids and pagination."""

from __future__ import annotations

import base64
import binascii
import math
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias, TypeVar

import attrs

from ._clock import Clock
from ._errors import ServiceError
from ._hub import MediaHub
from ._ice import TurnServer
from ._types import Params

T = TypeVar("T")


DEFAULT_REGION = "us-east-1"
"""The region of requests that carry no SigV4 credential scope."""
DEFAULT_ACCOUNT = "123456789012"
"""The account of access keys that are neither 12 digits nor mapped to an account."""
DEFAULT_ACTIVATION_DELAY = 0.5
"""Seconds a new resource stays CREATING (and a deleted one DELETING) unless told otherwise."""


@attrs.define
class Settings:
    """The endpoint's configuration, read by the handlers on every call (so tests may change it)."""

    region: str
    account_id: str
    activation_delay: float
    deletion_delay: float | None
    channel_limit: int
    stream_limit: int
    clock: Clock
    base_url: str = ""
    accounts: dict[str, str] = attrs.field(factory=dict[str, str])
    """Access key id -> account id, for keys that do not spell their account (12 digits)."""
    credentials: dict[str, str] | None = None
    """Access key id -> secret key: when set, every signature is verified (strict mode)."""
    clock_offset: float = 0.0
    """Seconds added to `clock` (the admin API's clock advance moves it)."""
    hub: MediaHub = attrs.field(factory=MediaHub)
    """The media pipelines' event sink and the media faults, shared by every region and account."""
    turn: TurnServer | None = None
    """The TURN server GetIceServerConfig mints credentials for (None: none)."""
    stun_uri: str | None = None
    """The endpoint's own STUN responder, listed when there is no TURN server (set at start)."""
    storage_offers: Callable[[str, str | None], None] | None = None
    """Where a joined storage session's offer goes (channel ARN, viewer client id or None for the
    master): the endpoint's signaling hub. Called after the request is applied, with no lock held."""
    region_scope: Callable[[str, str], Any] | None = None  # Any: a Scope (a circular import here)
    """The state of another region and account (region, account), made on first use; called with
    the state lock held. Media stream pipelines make their streams in their pool's region."""
    alexa_offers: Callable[[str, str, str, float], str] | None = None
    """Where SendAlexaOfferToMaster's offer goes (channel ARN, sender client id, base64 payload,
    seconds it may wait): the signaling hub, which returns the master's base64 answer. Called
    after the request is applied, with no lock held; it blocks until the answer or the expiry."""
    # Wall-clock times derive from the (possibly manual) clock, so CreationTime moves with it.
    _epoch_origin: float = attrs.field(init=False, factory=time.time)
    _clock_origin: float = attrs.field(init=False, default=0.0)

    def __attrs_post_init__(self) -> None:
        self._clock_origin = self.clock()

    def now(self) -> float:
        """The emulator's time: the clock plus any advance made through the admin API."""
        return self.clock() + self.clock_offset

    def account_of(self, access_key: str | None) -> str:
        """The account an access key belongs to: mapped, spelled as 12 digits, or the default."""
        if access_key is None:
            return self.account_id
        mapped = self.accounts.get(access_key)
        if mapped is not None:
            return mapped
        return access_key if len(access_key) == 12 and access_key.isdigit() else self.account_id

    @property
    def effective_deletion_delay(self) -> float:
        """How long DELETING (or Stopping) lasts."""
        return self.activation_delay if self.deletion_delay is None else self.deletion_delay

    def wall(self, now: float) -> float:
        """Epoch seconds for a reading of the clock."""
        return self._epoch_origin + (now - self._clock_origin)

    def monotonic(self, wall: float) -> float:
        """The reading of the clock at epoch seconds `wall` (the inverse of `wall`)."""
        return wall - self._epoch_origin + self._clock_origin


@attrs.frozen
class Context:
    """One request as the handlers see it."""

    now: float
    """The clock's reading when the request was applied."""
    signaling_endpoint: str | None
    """The endpoint id when the request arrived on a channel's own signaling endpoint."""
    request_id: str
    region: str = DEFAULT_REGION
    """The region of the request's SigV4 credential scope."""
    account: str = DEFAULT_ACCOUNT
    """The account its access key maps to."""
    data_endpoint: str | None = None
    """The endpoint id (`g-<id>`, ...) when the request arrived on a stream's data endpoint."""
    after: list[Callable[[], None]] = attrs.field(factory=list[Callable[[], None]], eq=False)
    """What the handler left to do once the state lock is released (a frozen class, but this list
    is filled): work that takes other locks, such as sending over a signaling WebSocket."""


Handler: TypeAlias = Callable[[Context, Params], Params]


@attrs.define
class Lifecycle:
    """The asynchronous status of a resource: created, possibly updating, possibly being deleted."""

    ready_at: float
    busy_until: float = -math.inf
    gone_at: float | None = None
    unseen: bool = False
    """True until a read has reported the resource CREATING: the first describe after a create
    sees CREATING however slowly it comes, as a client polling the real service would."""

    @classmethod
    def created(cls, now: float, delay: float) -> Lifecycle:
        """A resource created at `now`, ACTIVE after `delay` seconds (at once when it is zero)."""
        return cls(ready_at=now + delay, unseen=delay > 0)

    def status(
        self,
        now: float,
        *,
        creating: str = "CREATING",
        active: str = "ACTIVE",
        updating: str = "UPDATING",
        deleting: str = "DELETING",
    ) -> str:
        """The status name at `now`, spelled as the resource's model spells it."""
        if self.gone_at is not None:
            return deleting
        if now < self.ready_at:
            return creating
        if now < self.busy_until:
            return updating
        return active

    def changed(self) -> None:
        """An update was applied: it needed the resource ACTIVE, so the first-read rule is spent."""
        self.unseen = False

    def observe(self, now: float, **names: str) -> str:
        """The status a describe or list reports: `status`, but CREATING to the first reader."""
        if self.unseen and self.gone_at is None:
            self.unseen = False
            return names.get("creating", "CREATING")
        return self.status(now, **names)

    def gone(self, now: float) -> bool:
        """Whether a deletion has completed."""
        return self.gone_at is not None and now >= self.gone_at


class Ids:
    """Identifiers in the services' formats."""

    def __init__(self) -> None:
        self._last_millis = 0

    def arn_millis(self, wall: float) -> int:
        """The 13-digit creation timestamp ending Kinesis Video ARNs, unique within the endpoint."""
        self._last_millis = max(self._last_millis + 1, int(wall * 1000))
        return self._last_millis

    @staticmethod
    def version() -> str:
        """A resource version token (alphanumeric, as the model's pattern requires)."""
        return uuid.uuid4().hex[:20]

    @staticmethod
    def short() -> str:
        """A short random id for per-resource endpoints."""
        return uuid.uuid4().hex[:8]


def page(
    items: Sequence[T],
    key: Callable[[T], str],
    max_results: int,
    token: str | None,
    error_code: str,
) -> tuple[list[T], str | None]:
    """One page of `items` (sorted by `key`) after the position `token` encodes, and the next token.

    Tokens encode the last key returned, so deleting items between calls skips nothing else.
    """
    start = 0
    if token:
        try:
            after = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise ServiceError(error_code, "The NextToken is not valid") from None
        start = next((i for i, item in enumerate(items) if key(item) > after), len(items))
    chunk = list(items[start : start + max_results])
    more = start + max_results < len(items)
    next_token = base64.b64encode(key(chunk[-1]).encode("utf-8")).decode("ascii") if more and chunk else None
    return chunk, next_token
