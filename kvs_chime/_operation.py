"""Descriptors of one operation and of its pagination, as the generated facades declare them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import attrs

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


@attrs.frozen
class Operation(Generic[Req, Resp]):
    """What the call pipeline needs to know about one operation."""

    name: str
    """The model's operation name, `CreateSignalingChannel`."""
    method: str
    """The boto3 client method, `create_signaling_channel`."""
    request: type[Req]
    response: type[Resp]
    """The response class; `type(None)` for operations whose model declares no output."""
    idempotency_token: str | None
    """The request field botocore would fill with a fresh token per attempt, if any."""
    read_only: bool
    """Describe/Get/List: safe to repeat after an outcome-unknown failure."""


@attrs.frozen
class Pages(Generic[Req, Resp, Item]):
    """How to walk a paginated operation: which request fields carry the token and page size,
    and how to read the next token and the items off a response."""

    input_token: str
    limit: str | None
    next_token: Callable[[Resp], str | None]
    items: Callable[[Resp], list[Item] | None]
