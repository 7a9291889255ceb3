"""The base every service facade shares: building or wrapping a boto3 client, and the two
entry points generated methods use (`_call`, `_paginate`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from botocore.config import Config

from ._call import Calls
from ._operation import Operation, Pages
from ._pipeline import Pipeline, Reconciler, run
from ._retry import RetryBudget, RetryPolicy
from ._steps import Steps
from ._waiter import Poll

if TYPE_CHECKING:
    import boto3

__all__ = ["FacadeBase", "ServiceFacade"]

T = TypeVar("T")
S = TypeVar("S", bound="ServiceFacade")
Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")

# The pipeline is the one retry layer: botocore's own would multiply attempts (and, in legacy
# mode, resend a 429 with the same token behind our back). One HTTP attempt per pipeline attempt.
# botocore's parameter validation is off: every request is validated before it reaches the client
# by the package's own checks, which reject whatever botocore's would (a property test holds them
# to that: tests/unit/test_validation_superset.py), so botocore's walk would only repeat them.
CLIENT_DEFAULTS = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    parameter_validation=False,
    connect_timeout=10,
    read_timeout=30,
    # Named in the User-Agent's free-form tail, verbatim: the app id slot is the application's
    # own (and botocore re-sanitises an app id character by character on every request).
    user_agent_extra="kvs-chime",
)


def check_type(name: str, value: object, cls: type) -> None:
    if value is not None and not isinstance(value, cls):
        raise TypeError(f"{name}= must be a kvs_chime.{cls.__name__}, got {type(value).__name__}")


class FacadeBase:
    """What the sync and async facades share: their retry policy and budget, their reconcilers."""

    _calls: Calls

    @property
    def retry(self) -> RetryPolicy:
        """The facade's default retry policy (each method also takes `retry=` for one call)."""
        return self._calls.retry

    @property
    def retry_budget(self) -> RetryBudget:
        """The retry budget this facade's calls share (across threads and tasks)."""
        return self._calls.budget

    def _reconcilers(self) -> Mapping[str, Reconciler]:
        """Creates this facade can reconcile after an outcome-unknown failure (none by default)."""
        return {}


class ServiceFacade(FacadeBase):
    """Common construction for the facades (`KinesisVideo`, `KinesisVideoSignaling`, `MediaPipelines`).

    Build one from a boto3 `Session` (or the default session), optionally with a region, an
    endpoint URL and a botocore `Config`; or wrap a boto3 client you already have with `client=`.

    `retry` alone decides how a call is retried: one call makes at most `retry.max_attempts`
    HTTP attempts, within `retry.deadline`. botocore's own retries never run for the facade's
    calls, whatever the client's retry mode (a client the facade builds has them off; on a
    wrapped client they are vetoed for the facade's calls only, so your own calls on that client
    keep them). `retry_budget` bounds retries across all of this facade's calls and threads (a
    fresh `RetryBudget()` by default).

    `sleep` and `clock` are injectable for tests (defaults: `time.sleep`, `time.monotonic`).
    """

    _service_name: ClassVar[str]

    def __init__(
        self,
        *,
        client: object | None = None,
        session: boto3.Session | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        config: Config | None = None,
        retry: RetryPolicy | None = None,
        retry_budget: RetryBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Build the facade's boto3 client, or wrap one you already have.

        On AWS, as you would build the client::

            kv = KinesisVideo()                                  # default session and region
            kv = KinesisVideo(region_name="eu-west-1")
            kv = KinesisVideo(session=boto3.Session(profile_name="video"))
            kv = KinesisVideo(config=Config(read_timeout=10))    # merged over the defaults
            kv = KinesisVideo(client=existing_boto3_client)      # keeps that client's config

        Against the bundled local endpoint (no AWS account)::

            from kvs_chime.testing import LocalEndpoint

            with LocalEndpoint() as endpoint:
                kv = KinesisVideo(
                    session=endpoint.boto3_session(),
                    endpoint_url=endpoint.url,
                    region_name=endpoint.region,
                )

        `retry` is the default `RetryPolicy` of every call (each method also takes `retry=`).
        `client=` excludes `session`, `region_name`, `endpoint_url` and `config` (`TypeError`).
        """
        self._session = session
        if client is None:
            if session is None:
                import boto3

                session = self._session = boto3.Session()
            merged: Config = (
                CLIENT_DEFAULTS.merge(config)  # pyright: ignore[reportUnknownMemberType]  # botocore is untyped
                if config is not None
                else CLIENT_DEFAULTS
            )
            client = cast(
                object,
                session.client(  # pyright: ignore[reportUnknownMemberType]  # boto3 is untyped
                    self._service_name, region_name=region_name, endpoint_url=endpoint_url, config=merged
                ),
            )
        elif session is not None or region_name is not None or endpoint_url is not None or config is not None:
            raise TypeError("pass either client= or session/region_name/endpoint_url/config, not both")
        check_type("retry", retry, RetryPolicy)
        check_type("retry_budget", retry_budget, RetryBudget)
        self._owns_client = self._session is not None  # a client= is never given with a session
        self._pipeline = Pipeline(
            client,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            clock=clock,
            budget=retry_budget,
            reconcilers=self._reconcilers(),
        )
        self._calls = self._pipeline

    @property
    def client(self) -> object:
        """The underlying boto3 client, for what the facade does not cover."""
        return self._pipeline.client

    def close(self) -> None:
        """Close the facade: every call after this raises `RuntimeError` and sends nothing. The
        client it built is closed (its connections released); a wrapped client stays open."""
        self._pipeline.close(type(self).__name__)
        if self._owns_client:
            close: Any = getattr(self._pipeline.client, "close", None)
            if close is not None:
                close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def session(self) -> boto3.Session | None:
        """The boto3 session the client was built from (None for a wrapped client)."""
        return self._session

    def _wait(self, waiter: Callable[[Callable[[], float]], Steps[T]], poll: Poll | None) -> T:
        """Run a waiter's polling loop (`_waiter.wait`, given this facade's clock) on this
        facade's sleep; the polls run under the waiter's timeout as their deadline."""
        with self._pipeline.within((poll or Poll()).timeout):
            return run(waiter(self._pipeline.clock), self._pipeline.sleep)

    def _call(self, operation: Operation[Req, Resp], request: Req | None, retry: RetryPolicy | None) -> Resp:
        return self._pipeline.call(operation, request, retry)

    def _paginate(
        self,
        operation: Operation[Req, Resp],
        pages: Pages[Req, Resp, Item],
        request: Req | None,
        page_size: int | None,
        max_items: int | None,
        retry: RetryPolicy | None,
    ) -> Iterator[Item]:
        pipeline = self._pipeline
        return pipeline.pages(pipeline.pager(operation, pages, request, page_size, max_items, retry), retry)
