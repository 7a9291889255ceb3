"""The fixes proposed for the missed targets, applied by monkeypatching this process only.

Nothing in `kvs_chime/` is edited: each fix is a patch of the installed package's objects (or a
fresh copy of `kvs_chime/_convert.py` loaded under another name, with the change applied), and
`measure_fixes` re-runs the affected benchmarks before/after in the same process.

1. `fast_first_attempt` (kvs_chime/_pipeline.py, `Pipeline.call`): make the first attempt
   directly and enter tenacity's `Retrying` only once it has failed, replaying that failure as
   tenacity's attempt 1 so retry/stop/wait/log decisions and attempt counts are unchanged. On
   the success path tenacity's per-call machinery (RetryCallState, a Future, the action list,
   threading.local statistics) is never built.
2. `fast_converter` (kvs_chime/_convert.py): (a) resolve the hook of `X | None` members once
   (cattrs' built-in optional hook re-dispatches on every value); (b) register cattrs' own
   `identity` for scalars and open enums, so generated unstructure code reads the attribute
   inline instead of calling a hook per field; (c) cache each class's top-level hook instead of
   dispatching per call; (d) unstructure lists with a list comprehension over the element hook;
   (e) structure responses with a converter built without detailed validation and, only when
   that fails, again with the detailed one to build the same ResponseParseError; (f) test
   `type(value) is dict` before the abstract `Mapping` check in `_structure_shape`.
3. `stdlib_patterns` (kvs_chime/_validate.py, `_search`): compile a pattern with the standard `re`
   when it compiles there (28 of the 30 patterns in the three models; `re` is already imported
   by botocore) and import `regex` only for the two that need it (`\\p{L}` in tag keys/values),
   so the first call no longer pays `import regex` (~50 ms); `re` also searches these short
   patterns ~4x faster than `regex`.
4. `fast_validation` (kvs_chime/_validate.py, `validate_request`): decide validity with closures
   compiled once per member spec, building no path strings on the way (today every member's
   path is formatted, `f"{path}[{index}]"` per list item, even when nothing is wrong); only a
   request found invalid is walked again by today's code, which collects every violation.
"""

from __future__ import annotations

import contextlib
import cProfile
import importlib.util
import io
import pstats
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import tenacity
from bench_harness import CPU, Batch, Comparison, compare, timed
from cattrs.fns import identity

import kvs_chime._convert
import kvs_chime._pipeline
import kvs_chime._validate
from kvs_chime.errors import KvsChimeError

T = TypeVar("T")


# -- 1. the retry loop only after a failure --------------------------------------------------------


class _FirstAttemptOutside:
    """Callable like `tenacity.Retrying`: the first attempt runs outside it."""

    def __init__(self, retrying: tenacity.Retrying) -> None:
        self._retrying = retrying

    def __call__(self, attempt: Callable[[Any], T], call: Any) -> T:
        try:
            return attempt(call)
        except KvsChimeError as exc:  # what the pipeline's retry predicate may retry
            failed: list[BaseException] = [exc]

        def replay_then_attempt(state: Any) -> T:
            if failed:
                raise failed.pop()  # tenacity's attempt 1: the failure that already happened
            return attempt(state)

        return self._retrying(replay_then_attempt, call)


@contextlib.contextmanager
def fast_first_attempt() -> Iterator[None]:
    pipeline = kvs_chime._pipeline.Pipeline
    original = pipeline._retrying_for
    wrapped: dict[int, _FirstAttemptOutside] = {}

    def retrying_for(self: Any, policy: Any) -> Any:
        retrying = original(self, policy)
        outside = wrapped.get(id(retrying))
        if outside is None:
            outside = wrapped[id(retrying)] = _FirstAttemptOutside(retrying)
        return outside

    pipeline._retrying_for = retrying_for  # type: ignore[method-assign]
    try:
        yield
    finally:
        pipeline._retrying_for = original  # type: ignore[method-assign]


# -- 2. a converter that resolves hooks once ------------------------------------------------------


def _load_convert_copy() -> Any:
    """A fresh copy of kvs_chime/_convert.py (its own Converter, no hooks built yet)."""
    path = Path(kvs_chime._convert.__file__)
    spec = importlib.util.spec_from_file_location("kvs_chime._convert_bench_copy", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _optional_member(tp: Any) -> Any | None:
    """X of `X | None` (a two-member union), else None; open enums keep their own hook."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _resolve_hooks_once(module: Any) -> None:
    """Fix 2 (a, b, d, f) on a fresh copy's converter, before any hook is built."""
    converter = module.converter

    # (a) `X | None`: look X's hook up once, not per value (cattrs' own optional hook dispatches
    # on every call); for a checked scalar, one closure does the None test and the check.
    scalars: dict[Any, tuple[type | tuple[type, ...], str]] = {
        str: (str, "string"),
        int: (int, "integer"),
        bool: (bool, "boolean"),
        module.datetime.datetime: (module.datetime.datetime, "timestamp"),
        bytes: ((bytes, bytearray), "blob"),
    }

    def structure_optional(tp: Any) -> Callable[[object, object], object]:
        member = _optional_member(tp)
        if member in scalars:
            kind, label = scalars[member]
            not_bool = label != "boolean"

            def check(value: object, _: object) -> object:
                if value is None:
                    return None
                # Exactly `_expect`'s test and message.
                if not isinstance(value, kind) or (not_bool and isinstance(value, bool)):
                    raise TypeError(f"expected {label}, got {type(value).__name__} {value!r:.40}")
                return value

            return check
        inner = converter.get_structure_hook(member)

        def structure(value: object, _: object) -> object:
            return None if value is None else inner(value, member)

        return structure

    def unstructure_optional(tp: Any) -> Callable[[object], object]:
        inner: Callable[[object], object] = converter.get_unstructure_hook(_optional_member(tp))
        if inner is identity:
            return inner
        return lambda value: None if value is None else inner(value)

    converter.register_structure_hook_factory(lambda t: _optional_member(t) is not None, structure_optional)
    converter.register_unstructure_hook_factory(
        lambda t: _optional_member(t) is not None, unstructure_optional
    )

    # (b) cattrs inlines `instance.field` in generated code only for its own `identity`.
    for scalar in (str, int, bool, float, module.datetime.datetime, bytes):
        converter.register_unstructure_hook(scalar, identity)
    converter.register_unstructure_hook_factory(
        lambda t: module._open_enum(t) is not None, lambda _: identity
    )

    # (f) the "is it an object" test of `_structure_shape`: an exact-dict fast path before the
    # abstract Mapping check (botocore always parses objects into dicts).
    def structure_shape(cls: Any) -> Callable[[Any, Any], Any]:
        fields = module.make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=False, **module._renames(cls)
        )

        def structure(value: object, tp: Any) -> Any:
            if type(value) is not dict and not isinstance(value, Mapping):
                raise TypeError(f"expected an object, got {type(value).__name__}")
            return fields(value, tp)

        return structure

    converter.register_structure_hook_factory(module._is_shape, structure_shape)

    # (d) lists of shapes: a list comprehension over the element hook, resolved once (cattrs'
    # iterable hook feeds a generator to the list constructor).
    def unstructure_list(tp: Any) -> Callable[[list[Any]], list[Any]]:
        (member,) = typing.get_args(tp) or (Any,)
        inner = converter.get_unstructure_hook(member)
        if inner is identity:
            return list
        return lambda values: [inner(v) for v in values]

    converter.register_unstructure_hook_factory(module._is_list, unstructure_list)


def fixed_convert() -> Any:
    """A copy of `_convert` with fix 2 applied: exactly the changes proposed for `_convert.py`.

    (c) each class's top-level hook is looked up once, not dispatched per call; (e) responses
    are structured by a converter without cattrs' detailed validation, and only a response that
    fails is structured again by the detailed one, for the per-field error report.
    """
    module = _load_convert_copy()  # detailed_validation=True, as shipped: explains failures
    fast = _load_convert_copy()
    fast.converter.detailed_validation = False  # read by every hook factory when it builds a hook
    for copy in (module, fast):
        _resolve_hooks_once(copy)

    structure_hooks: dict[type, Callable[[Any, Any], Any]] = {}
    unstructure_hooks: dict[type, Callable[[Any], Any]] = {}
    explain = module.structure_response  # the shipped function: raises ResponseParseError

    def structure_response(operation: str, raw: Mapping[str, object], cls: type[T]) -> T:
        hook = structure_hooks.get(cls)
        if hook is None:
            hook = structure_hooks[cls] = fast.converter.get_structure_hook(cls)
        try:
            return typing.cast(T, hook(raw, cls))
        except Exception:
            return typing.cast(T, explain(operation, raw, cls))

    def unstructure_request(request: object) -> dict[str, object]:
        cls = type(request)
        hook = unstructure_hooks.get(cls)
        if hook is None:
            hook = unstructure_hooks[cls] = fast.converter.get_unstructure_hook(cls)
        return typing.cast("dict[str, object]", hook(request))

    module.structure_response = structure_response
    module.unstructure_request = unstructure_request
    return module


@contextlib.contextmanager
def fast_converter(module: Any = None) -> Iterator[Any]:
    """Route the pipeline's conversions through `fixed_convert()` (or the copy given)."""
    fixed = module or fixed_convert()
    pipeline: Any = kvs_chime._pipeline
    saved = pipeline.structure_response, pipeline.unstructure_request
    pipeline.structure_response = fixed.structure_response
    pipeline.unstructure_request = fixed.unstructure_request
    try:
        yield fixed
    finally:
        pipeline.structure_response, pipeline.unstructure_request = saved


# -- 3. the standard `re` where it can express the pattern ----------------------------------------


@contextlib.contextmanager
def stdlib_patterns() -> Iterator[None]:
    """Route `_validate._search` through the standard `re` where it can express the pattern."""
    validate: Any = kvs_chime._validate
    shipped = validate._search
    # The shipped `_search` rewrites Java's ASCII-only classes (\d, \w, \s) before compiling;
    # the same rewrite comes first here.
    translate: Callable[[str], str] = getattr(validate, "_java_classes", lambda pattern: pattern)
    cache: dict[str, Callable[[str], object]] = {}

    def search(pattern: str) -> Callable[[str], object]:
        found = cache.get(pattern)
        if found is None:
            try:
                found = re.compile(translate(pattern)).search
            except re.error:  # \p{L} and friends: only the third-party engine has them
                found = shipped(pattern)  # imports `regex` on first use, as today
            cache[pattern] = found
        return found

    validate._search = search
    try:
        yield
    finally:
        validate._search = shipped


# -- 4. validation compiled once per member, paths built only for a violation --------------------


def _bounds_ok(spec: Any, measure: float) -> bool:
    return not (
        (spec.min is not None and measure < spec.min) or (spec.max is not None and measure > spec.max)
    )


class _FastValidator:
    """Decides exactly what `_validate._check_fields` decides (valid or not), without building
    paths or violations: each member's `Spec` becomes a closure once, each class a tuple of
    (name, required, closure). A request it rejects goes to the shipped `validate_request`,
    which raises the same `ValidationError` as today."""

    def __init__(self) -> None:
        self._classes: dict[type, tuple[tuple[str, bool, Callable[[object], bool]], ...]] = {}
        self._scalars = kvs_chime._validate._SCALAR_TYPES

    def fields_ok(self, shape: object) -> bool:
        fields = self._classes.get(type(shape))
        if fields is None:
            fields = self._classes[type(shape)] = tuple(
                (name, required, self.compile(spec))
                for name, required, spec in kvs_chime._validate._fields(type(shape))
            )
        for name, required, check in fields:
            value = getattr(shape, name)
            if value is None:
                if required:
                    return False
                continue
            if not check(value):
                return False
        return True

    def compile(self, spec: Any) -> Callable[[object], bool]:
        kind = spec.kind
        if kind == "string":
            pattern = spec.pattern

            def check_string(value: object) -> bool:
                if not isinstance(value, str) or not _bounds_ok(spec, len(value)):
                    return False
                # _validate._search is looked up per call, as today (and patched by fix 3).
                return pattern is None or kvs_chime._validate._search(pattern)(value) is not None

            return check_string
        if kind == "structure":
            cls = spec.cls
            fields_ok = self.fields_ok

            def check_structure(value: object) -> bool:
                return (cls is None or isinstance(value, cls)) and fields_ok(value)

            return check_structure
        if kind == "list":
            member = self.compile(spec.member)

            def check_list(value: object) -> bool:
                if not isinstance(value, list):
                    return False
                items = typing.cast("list[object]", value)
                return _bounds_ok(spec, len(items)) and all(member(item) for item in items)

            return check_list
        if kind == "map":
            key, member = self.compile(spec.key), self.compile(spec.member)

            def check_map(value: object) -> bool:
                if not isinstance(value, dict):
                    return False
                entries = typing.cast("dict[object, object]", value)
                return _bounds_ok(spec, len(entries)) and all(
                    key(k) and member(v) for k, v in entries.items()
                )

            return check_map
        wanted = self._scalars[kind]
        boolean = kind == "boolean"

        def check_scalar(value: object) -> bool:
            if not isinstance(value, wanted) or (isinstance(value, bool) and not boolean):
                return False
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return _bounds_ok(spec, value)
            if isinstance(value, (bytes, bytearray)):
                return _bounds_ok(spec, len(value))
            return True

        return check_scalar


@contextlib.contextmanager
def fast_validation() -> Iterator[None]:
    pipeline: Any = kvs_chime._pipeline
    shipped = pipeline.validate_request
    fast = _FastValidator()

    def validate_request(request: object) -> None:
        if not fast.fields_ok(request):
            shipped(request)  # raises the ValidationError listing every violation, as today

    pipeline.validate_request = validate_request
    try:
        yield
    finally:
        pipeline.validate_request = shipped


# -- measuring -------------------------------------------------------------------------------------


@contextlib.contextmanager
def all_fixes(converter_copy: Any = None) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(fast_first_attempt())
        stack.enter_context(fast_converter(converter_copy))
        stack.enter_context(stdlib_patterns())
        stack.enter_context(fast_validation())
        yield


def floor_create_pipeline(n: int, rounds: int) -> Comparison:
    """Raw boto3 against the least a typed, validating facade can do per call: validate (fix 4
    with fix 3's patterns), hand-written unstructure, a token, the call, hand-written structure;
    no pipeline, retry wrapper or call record. Shows what the +10% target leaves room for."""
    import uuid

    import bench_floor
    from bench_workloads import (
        create_pipeline_kwargs,
        create_pipeline_request,
        create_pipeline_response,
        session,
        stubbed,
    )

    sess = session()
    raw_client, raw_stub = stubbed(sess, "chime-sdk-media-pipelines")
    floor_client, floor_stub = stubbed(sess, "chime-sdk-media-pipelines")
    kwargs, request, response = (
        create_pipeline_kwargs(),
        create_pipeline_request(),
        create_pipeline_response(),
    )
    validator = _FastValidator()
    method = "create_media_stream_pipeline"

    def raw() -> object:
        return raw_client.create_media_stream_pipeline(**kwargs)

    def floor() -> object:
        if not validator.fields_ok(request):
            raise AssertionError("the benchmark request is valid")
        params = bench_floor.unstructure_create_pipeline(request)
        params["ClientRequestToken"] = str(uuid.uuid4())
        return bench_floor.structure_create_pipeline(floor_client.create_media_stream_pipeline(**params))

    def batch(stubber: Any, call: Callable[[], object]) -> Batch:
        def run(calls: int) -> float:
            for _ in range(calls):
                stubber.add_response(method, response)
            return timed(call, calls, CPU)

        return run

    with stdlib_patterns():
        return compare(batch(raw_stub, raw), batch(floor_stub, floor), n=n, rounds=rounds)


def _profile(
    call: Callable[[], object], stubber: Any, method: str, response: Any, calls: int
) -> pstats.Stats:
    for _ in range(calls + 50):
        stubber.add_response(method, response)
    for _ in range(50):
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    return pstats.Stats(profiler, stream=io.StringIO())


def _where(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    for marker in ("site-packages/", "lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({function})"


def profile_facade_calls(calls: int = 5000) -> str:
    """cProfile of `create_signaling_channel`, raw and through the facade, on identical stubbed
    clients: the facade's top entries by own time, and the functions whose own time grew most
    (facade minus raw, per call). Printed and returned."""
    from bench_workloads import (
        CREATE_CHANNEL_KWARGS,
        CREATE_CHANNEL_REQUEST,
        CREATE_CHANNEL_RESPONSE,
        session,
        stubbed,
    )

    from kvs_chime.kinesisvideo import KinesisVideo

    sess = session()
    raw_client, raw_stub = stubbed(sess, "kinesisvideo")
    fac_client, fac_stub = stubbed(sess, "kinesisvideo")
    facade = KinesisVideo(client=fac_client)
    method = "create_signaling_channel"
    raw = _profile(
        lambda: raw_client.create_signaling_channel(**CREATE_CHANNEL_KWARGS),
        raw_stub,
        method,
        CREATE_CHANNEL_RESPONSE,
        calls,
    )
    fac = _profile(
        lambda: facade.create_signaling_channel(CREATE_CHANNEL_REQUEST),
        fac_stub,
        method,
        CREATE_CHANNEL_RESPONSE,
        calls,
    )
    raw_stats: dict[Any, Any] = raw.stats  # type: ignore[attr-defined]
    fac_stats: dict[Any, Any] = fac.stats  # type: ignore[attr-defined]
    raw_total = sum(v[2] for v in raw_stats.values()) / calls
    fac_total = sum(v[2] for v in fac_stats.values()) / calls
    lines = [
        f"cProfile, create_signaling_channel x {calls} (times inflated by the profiler): "
        f"raw {raw_total * 1e6:.1f} us/call, facade {fac_total * 1e6:.1f} us/call",
        "",
        "facade minus raw, own time per call (the functions that grew most):",
    ]
    keys = set(raw_stats) | set(fac_stats)

    def own(stats: dict[Any, Any], key: Any) -> float:
        return float(stats[key][2]) / calls if key in stats else 0.0

    grew = sorted(keys, key=lambda k: own(raw_stats, k) - own(fac_stats, k))
    for key in grew[:20]:
        calls_per = (fac_stats[key][1] if key in fac_stats else 0) / calls
        delta = own(fac_stats, key) - own(raw_stats, key)
        lines.append(f"  {delta * 1e6:+7.2f} us  {calls_per:5.1f} calls  {_where(key)}")
    lines += ["", "facade, cumulative time per call of the pipeline's steps:"]
    steps = ("validate_request", "unstructure_request", "structure_response", "__call__", "_record")
    for key, value in sorted(fac_stats.items(), key=lambda kv: -kv[1][3]):
        if key[2] in steps and ("kvs_chime" in key[0] or "tenacity" in key[0]):
            lines.append(f"  {value[3] / calls * 1e6:7.2f} us  {_where(key)}")
    text = "\n".join(lines)
    print(text, flush=True)
    return text
