"""Logic that calls facades, written once as a generator of steps, performed by one sync loop
(`_pipeline.run`) or one async loop (`aio/_pipeline.arun`).

A call, a waiter, a reconciler or a workflow is a generator: it yields a step (`Send` one attempt
of a call, `Invoke` this method of this facade with these arguments, `Sleep`) and receives what
the step returned, or has its exception thrown in. The decisions live in the generator and are
written once; the loops do only the I/O (the sans-I/O pattern):

    def describe(kv: object, name: str) -> Steps[ChannelInfo | None]:
        response = yield from invoke(kv, KinesisVideo.describe_signaling_channel, Request(...))
        return response.channel_info

`invoke` takes the sync facade's method for its signature only: arguments are type-checked
against it and the result is typed as what it returns. Async facades' methods have the same
names and arguments, so the same steps run on either.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Generator
from typing import Any, Concatenate, ParamSpec, TypeAlias, TypeVar, cast

from ._model import frozen

__all__ = [
    "Invoke",
    "Send",
    "Sleep",
    "Step",
    "Steps",
    "check_facade",
    "invoke",
    "pause",
    "perform",
    "returned",
    "signed_like",
]

R = TypeVar("R")
P = ParamSpec("P")


@frozen
class Invoke:
    """Call `target.<method>(*args, **kwargs)`: awaited when the target is an async facade."""

    target: object
    method: str
    args: tuple[object, ...]
    kwargs: dict[str, object]


@frozen
class Sleep:
    """Wait `seconds` on the loop's sleep (the facade's injected one)."""

    seconds: float


class Send:
    """Make one attempt of `call` (a `_call.Call`) on the loop's client: its typed response, or
    its classified error (a plain slotted class: every facade call makes one)."""

    __slots__ = ("call",)

    def __init__(self, call: object) -> None:
        self.call = call


Step: TypeAlias = "Send | Invoke | Sleep"
Steps: TypeAlias = Generator[Step, Any, R]


def invoke(
    target: object, method: Callable[Concatenate[Any, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> Generator[Step, Any, R]:
    """The step calling `method` (by name) on `target`; `yield from` it for the result."""
    return cast(R, (yield Invoke(target, method.__name__, args, kwargs)))


def pause(seconds: float) -> Generator[Step, Any, None]:
    yield Sleep(seconds)


def perform(step: Step, sleep: Callable[[float], Any], send: Callable[[Any], Any] | None) -> Any:
    """What `step` does: `send(call)` for an attempt, `sleep(seconds)`, or the facade method's
    call (for the async loop, an awaitable it awaits). What the loops share besides advancing the
    generator (`generator.send` what a step returned, `generator.throw` what it raised)."""
    if type(step) is Send:
        if send is None:
            raise RuntimeError("a call's attempt outside its pipeline's loop")
        return send(step.call)
    if type(step) is Sleep:
        return sleep(step.seconds)
    assert type(step) is Invoke
    return getattr(step.target, step.method)(*step.args, **step.kwargs)


def check_facade(facade: type, target: object, name: str) -> None:
    if not isinstance(target, facade):
        raise TypeError(f"{name}() takes a kvs_chime {facade.__name__}, got {type(target).__name__}")


def returned(target: object, result: R) -> R:
    """The `then` of a function whose result is what its steps return."""
    return result


def signed_like(
    performer: Callable[..., Any],
    steps: Callable[..., Any],
    named: Callable[..., Any],
    facade: type,
    then: Callable[..., Any],
    awaited: bool,
) -> None:
    """Give `performer` the stub's name and the steps' docstring and signature, as `help()` and
    the docs show it: the facade's type first, and what `then` returns (the loops' `synchronous`
    and `asynchronous` decorators use it)."""
    functools.update_wrapper(performer, steps)
    performer.__name__, performer.__qualname__ = named.__name__, named.__qualname__
    performer.__module__ = named.__module__
    signature = inspect.signature(steps)
    first, *rest = signature.parameters.values()
    returns = inspect.signature(then).return_annotation
    if then is returned:  # what the steps return: "Steps[X]" -> "X"
        returns = str(signature.return_annotation).removeprefix("Steps[").removesuffix("]")
    if awaited:
        returns = f"Coroutine[Any, Any, {returns}]"
    shown = signature.replace(
        parameters=[first.replace(annotation=facade.__name__), *rest], return_annotation=returns
    )
    setattr(performer, "__signature__", shown)  # noqa: B010  # not a declared attribute of functions
