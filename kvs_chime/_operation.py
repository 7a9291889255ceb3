"""Descriptors of one operation and of its pagination, as the generated facades declare them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Generic, TypeVar, cast

from ._model import frozen

Req = TypeVar("Req")
Resp = TypeVar("Resp")
Item = TypeVar("Item")


class Operation(Generic[Req, Resp]):
    """What the call pipeline needs to know about one operation.

    The request and response classes are named, not held: they are imported from the service's
    shapes package when the operation is first used (`_lazy.py`), so declaring every operation
    of a service does not define every class of it.
    """

    __slots__ = ("_classes", "_names", "_shapes", "idempotency_token", "method", "name", "read_only")

    def __init__(
        self,
        name: str,
        method: str,
        shapes: str,
        request: str,
        response: str | None,
        *,
        idempotency_token: str | None,
        read_only: bool,
    ) -> None:
        self.name = name
        """The model's operation name, `CreateSignalingChannel`."""
        self.method = method
        """The boto3 client method, `create_signaling_channel`."""
        self.idempotency_token = idempotency_token
        """The request field botocore would fill with a fresh token per attempt, if any."""
        self.read_only = read_only
        """Describe/Get/List: safe to repeat after an outcome-unknown failure."""
        self._shapes = shapes
        self._names = (request, response)
        self._classes: tuple[type[Req], type[Resp]] | None = None

    @property
    def request(self) -> type[Req]:
        """The request class."""
        return (self._classes or self._resolve())[0]

    @property
    def response(self) -> type[Resp]:
        """The response class; `type(None)` for operations whose model declares no output."""
        return (self._classes or self._resolve())[1]

    def _resolve(self) -> tuple[type[Req], type[Resp]]:
        module = importlib.import_module(self._shapes)
        request, response = self._names
        classes = (
            cast("type[Req]", getattr(module, request)),
            cast("type[Resp]", type(None) if response is None else getattr(module, response)),
        )
        self._classes = classes
        return classes

    def __repr__(self) -> str:
        return f"Operation({self.name!r})"


@frozen
class Pages(Generic[Req, Resp, Item]):
    """How to walk a paginated operation: which request fields carry the token and page size,
    and how to read the next token and the items off a response."""

    input_token: str
    limit: str | None
    next_token: Callable[[Resp], str | None]
    items: Callable[[Resp], list[Item] | None]
