"""Logic that calls facades, written once as a generator of steps, run by a sync or async runner.

A waiter, a reconciler or a workflow is a generator: it yields an `Invoke` (call this method of
this facade with these arguments) or a `Sleep`, and receives the method's result, or has its
exception thrown in. `run` performs the steps on sync facades, `arun` awaits them on async
facades (whose methods have the same names and arguments). The decisions live in the generator
and are written once; the runners do only the I/O (the sans-I/O pattern):

    def describe(kv: object, name: str) -> Steps[ChannelInfo | None]:
        response = yield from invoke(kv, KinesisVideo.describe_signaling_channel, Request(...))
        return response.channel_info

`invoke` takes the sync facade's method for its signature only: arguments are type-checked
against it and the result is typed as what it returns.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, Concatenate, Generic, ParamSpec, TypeAlias, TypeVar, cast

import attrs

__all__ = [
    "Invoke",
    "Sleep",
    "Step",
    "Steps",
    "arun",
    "asynchronous",
    "invoke",
    "pause",
    "returned",
    "run",
    "synchronous",
]

R = TypeVar("R")
P = ParamSpec("P")


@attrs.frozen
class Invoke:
    """Call `target.<method>(*args, **kwargs)`: awaited when the target is an async facade."""

    target: object
    method: str
    args: tuple[object, ...]
    kwargs: dict[str, object]


@attrs.frozen
class Sleep:
    """Wait `seconds` on the runner's sleep (the facade's injected one)."""

    seconds: float


Step: TypeAlias = "Invoke | Sleep"
Steps: TypeAlias = Generator[Step, Any, R]


def invoke(
    target: object, method: Callable[Concatenate[Any, P], R], /, *args: P.args, **kwargs: P.kwargs
) -> Generator[Step, Any, R]:
    """The step calling `method` (by name) on `target`; `yield from` it for the result."""
    return cast(R, (yield Invoke(target, method.__name__, args, kwargs)))


def pause(seconds: float) -> Generator[Step, Any, None]:
    yield Sleep(seconds)


class _Drive(Generic[R]):
    """Advances a generator of steps: what both runners share."""

    def __init__(self, steps: Steps[R]) -> None:
        self._steps = steps
        self.value: object = None
        self.error: BaseException | None = None
        self.result: R | None = None

    def next(self) -> Step | None:
        """The next step to perform, or None once the generator returned (see `result`)."""
        error, self.error = self.error, None
        try:
            return self._steps.send(self.value) if error is None else self._steps.throw(error)
        except StopIteration as stop:
            self.result = cast(R, stop.value)
            return None


def _perform(step: Step, sleep: Callable[[float], Any]) -> Any:
    """The step's call (a coroutine, for an async facade or sleep: the async runner awaits it)."""
    if isinstance(step, Sleep):
        return sleep(step.seconds)
    return getattr(step.target, step.method)(*step.args, **step.kwargs)


def run(steps: Steps[R], sleep: Callable[[float], None] = time.sleep) -> R:
    """Perform `steps` on sync facades and return what the generator returns."""
    drive = _Drive(steps)
    while (step := drive.next()) is not None:
        try:
            drive.value = _perform(step, sleep)
        except BaseException as exc:  # the generator decides, KeyboardInterrupt included
            drive.error = exc
    return cast(R, drive.result)


async def arun(steps: Steps[R], sleep: Callable[[float], Awaitable[None]] | None = None) -> R:
    """Perform `steps` on async facades and return what the generator returns (pauses with
    `sleep`, by default `asyncio.sleep`).

    A cancellation is thrown into the generator like any exception, so it can clean up (its
    cleanup steps are awaited; the generator re-raises `CancelledError` when done).
    """
    if sleep is None:
        # Imported here, not at the top: `import kvs_chime` (whose waiters use this module)
        # does not pay ~20 ms for asyncio when the program is not asynchronous.
        import asyncio

        sleep = asyncio.sleep
    drive = _Drive(steps)
    while (step := drive.next()) is not None:
        try:
            drive.value = await _perform(step, sleep)
        except BaseException as exc:  # CancelledError too: the generator decides
            drive.error = exc
    return cast(R, drive.result)


F = TypeVar("F")
T = TypeVar("T")


def _check(facade: type, target: object, name: str) -> None:
    if not isinstance(target, facade):
        raise TypeError(f"{name}() takes a kvs_chime {facade.__name__}, got {type(target).__name__}")


def returned(target: object, result: R) -> R:
    """The `then` of a function whose result is what its steps return."""
    return result


def _named(
    perform: Callable[..., Any],
    steps: Callable[..., Any],
    named: Callable[..., Any],
    facade: type,
    then: Callable[..., Any],
    awaited: bool,
) -> None:
    """Give `perform` the stub's name and the steps' docstring and signature, as `help()` and
    the docs show it: the facade's type first, and what `then` returns."""
    functools.update_wrapper(perform, steps)
    perform.__name__, perform.__qualname__ = named.__name__, named.__qualname__
    perform.__module__ = named.__module__
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
    setattr(perform, "__signature__", shown)  # noqa: B010  # not a declared attribute of functions


def synchronous(
    facade: type[F], steps: Callable[Concatenate[Any, P], Steps[R]], then: Callable[[F, R], T]
) -> Callable[[Callable[..., object]], Callable[Concatenate[F, P], T]]:
    """Decorates a stub `def name(): ...` into `steps` as a function of a sync `facade` that
    performs them (`run`); `then(facade, result)` makes what it returns. The stub gives only
    the public name: the signature is the steps', so it is written once for sync and async."""

    def decorate(named: Callable[..., object]) -> Callable[Concatenate[F, P], T]:
        def perform(target: F, /, *args: P.args, **kwargs: P.kwargs) -> T:
            _check(facade, target, named.__name__)
            return then(target, run(steps(target, *args, **kwargs)))

        _named(perform, steps, named, facade, then, awaited=False)
        return perform

    return decorate


def asynchronous(
    facade: type[F], steps: Callable[Concatenate[Any, P], Steps[R]], then: Callable[[F, R], T]
) -> Callable[[Callable[..., object]], Callable[Concatenate[F, P], Coroutine[Any, Any, T]]]:
    """As `synchronous`, for an async `facade`: a coroutine function that awaits the steps (`arun`)."""

    def decorate(named: Callable[..., object]) -> Callable[Concatenate[F, P], Coroutine[Any, Any, T]]:
        async def perform(target: F, /, *args: P.args, **kwargs: P.kwargs) -> T:
            _check(facade, target, named.__name__)
            return then(target, await arun(steps(target, *args, **kwargs)))

        _named(perform, steps, named, facade, then, awaited=True)
        return perform

    return decorate
