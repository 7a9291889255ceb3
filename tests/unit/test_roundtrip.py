"""Round trips through the converter, for every request and response shape of the three services.

Requests: a valid instance (built from the fields' Specs) -> unstructure -> botocore's own
ParamValidator accepts it -> structure -> equal to the original. The package's validator must
accept it too. Responses: a botocore-style dict (built from the model, independently of the
package) -> structure -> unstructure -> the same dict.
"""

from __future__ import annotations

import datetime
import functools
import importlib
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import botocore.session
import hypothesis.strategies as st
import pytest
from botocore.model import OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator
from dateutil.tz import tzutc
from hypothesis import HealthCheck, Phase, given, settings

from kvs_chime import PayloadStream
from kvs_chime._convert import converter, structure_response, unstructure_request
from kvs_chime._model import SPEC, Spec
from kvs_chime._validate import _matcher, validate_request

from ..depth import examples

PACKAGES = {
    "kinesisvideo": "kvs_chime.kinesisvideo",
    "kinesis-video-signaling": "kvs_chime.signaling",
    "chime-sdk-media-pipelines": "kvs_chime.media_pipelines",
    "chime-sdk-meetings": "kvs_chime.meetings",
    "kinesis-video-media": "kvs_chime.stream_media",
    "kinesis-video-archived-media": "kvs_chime.archived_media",
    "kinesis-video-webrtc-storage": "kvs_chime.webrtc_storage",
}
ROOT = Path(__file__).resolve().parents[2]
_SESSION = botocore.session.get_session()
MODELS: dict[str, ServiceModel] = {name: _SESSION.get_service_model(name) for name in PACKAGES}

# No shrink phase: one regression in the converter fails dozens of these tests at once, and
# shrinking nested shapes would take minutes each. The first falsifying example is reported as is.
EXAMPLES = settings(
    max_examples=examples(25),
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)

# -- strings from the models' Java patterns ---------------------------------------------------

# Inside a character class: Java's classes as a small, valid sample of what they match. Java's
# \d, \w, \s are ASCII-only; \p{L}, \p{Z}, \p{N} are Unicode (sampled: Latin-1, Cyrillic, CJK...).
_IN_CLASS = {
    r"\p{L}": "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0410-\u044f\u0451\u4e00-\u9fa5",
    r"\p{Z}": " \u00a0\u3000",
    r"\p{N}": "0-9\u0660-\u0669",
    r"\d": "0-9",
    r"\w": "a-zA-Z0-9_",
    r"\s": " \t",
}
_OUT_OF_CLASS = {
    r"\d": "[0-9]",
    r"\w": "[a-zA-Z0-9_]",
    r"\s": "[ \t]",
    r"\S": "[!-~]",
    # Java's `.` matches anything but its line terminators.
    ".": "[^\n\r\x85\u2028\u2029]",
}


def python_pattern(java: str) -> str:
    """A Python `re` pattern matching a subset of what the Java pattern matches."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(java):
        c = java[i]
        if c == "\\":
            token = java[i : i + 5] if java[i + 1 : i + 2] == "p" else java[i : i + 2]
            table = _IN_CLASS if in_class else _OUT_OF_CLASS
            out.append(table.get(token, token))
            i += len(token)
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class:
            in_class = False
        elif c == "." and not in_class:
            c = _OUT_OF_CLASS["."]
        out.append(c)
        i += 1
    return "".join(out)


# Patterns whose length bounds make generation by regex impractical: known-valid samples.
SAMPLES: dict[str, list[str]] = {
    "^[a-z]+(-[a-z]+)?-[a-z]+-[0-9]$": ["us-east-1", "eu-west-2", "us-gov-west-1", "ap-southeast-1"],
}

_SINGLE_CLASS = re.compile(r"^\^?\(?(\[(?:\\.|[^\]])+\])([+*])\)?\$?$")


def pattern_strategy(spec: Spec) -> st.SearchStrategy[str]:
    assert spec.pattern is not None
    lo = int(spec.min or 0)
    hi = int(spec.max) if spec.max is not None else lo + 64
    if spec.pattern in SAMPLES:
        return st.sampled_from(SAMPLES[spec.pattern])
    translated = python_pattern(spec.pattern)
    single = _SINGLE_CLASS.match(translated)
    if single:
        alphabet = st.from_regex(single.group(1), fullmatch=True)
        lo = max(lo, 1 if single.group(2) == "+" else 0)
        sizes = [st.text(alphabet, min_size=lo, max_size=min(hi, lo + 24))]
        if hi <= 300:  # sometimes exactly at the upper bound
            sizes.append(st.text(alphabet, min_size=hi, max_size=hi))
        strategy = st.one_of(sizes)
    else:
        strategy = st.from_regex(translated, fullmatch=True).filter(lambda v: lo <= len(v) <= hi)
    # By construction these match; the filter only guards the translation itself. The whole value
    # must match, with Java's semantics, as the services (and the package) check it.
    whole = _matcher(spec.pattern)
    return strategy.filter(lambda v: whole(v) is not None)


def unknown_enum_value(known: set[str]) -> st.SearchStrategy[str]:
    return st.text(string.ascii_letters + "_-", min_size=1, max_size=16).filter(lambda v: v not in known)


TIMEZONES = st.sampled_from(
    [datetime.timezone.utc, tzutc(), datetime.timezone(datetime.timedelta(hours=5, minutes=30))]
)
DATETIMES = st.datetimes(
    min_value=datetime.datetime(1970, 1, 2), max_value=datetime.datetime(2200, 1, 1), timezones=TIMEZONES
)


def spec_strategy(spec: Spec) -> st.SearchStrategy[Any]:
    """Valid values for one member, from its Spec alone."""
    kind = spec.kind
    if kind == "string":
        if spec.enum is not None:
            known = [m.value for m in spec.enum]
            if spec.pattern is None and spec.min is None and spec.max is None:
                return st.one_of(st.sampled_from(list(spec.enum)), unknown_enum_value(set(known)))
            return st.sampled_from(list(spec.enum))
        if spec.pattern is not None:
            return pattern_strategy(spec)
        lo = int(spec.min or 0)
        hi = int(spec.max) if spec.max is not None else lo + 40
        return st.text(min_size=lo, max_size=min(hi, lo + 40))
    if kind in ("integer", "long"):
        bound = 2**31 if kind == "integer" else 2**63
        lo = int(spec.min) if spec.min is not None else -bound
        hi = int(spec.max) if spec.max is not None else bound - 1
        return st.integers(lo, hi)
    if kind in ("float", "double"):
        return st.floats(spec.min, spec.max, allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return DATETIMES
    if kind == "blob":
        lo = int(spec.min or 0)
        return st.binary(min_size=lo, max_size=int(spec.max) if spec.max is not None else lo + 32)
    if kind == "list":
        assert spec.member is not None
        lo = int(spec.min or 0)
        hi = int(spec.max) if spec.max is not None else lo + 3
        return st.lists(spec_strategy(spec.member), min_size=lo, max_size=min(hi, lo + 3))
    if kind == "map":
        assert spec.key is not None and spec.member is not None
        lo = int(spec.min or 0)
        hi = int(spec.max) if spec.max is not None else lo + 3
        return st.dictionaries(
            spec_strategy(spec.key), spec_strategy(spec.member), min_size=lo, max_size=min(hi, lo + 3)
        )
    if kind == "structure":
        assert spec.cls is not None
        return shape_strategy(spec.cls)
    raise AssertionError(f"no strategy for {spec}")


@functools.cache
def shape_strategy(cls: type) -> st.SearchStrategy[Any]:
    """Valid instances of a generated shape class: required fields always, optional ones sometimes."""
    kwargs: dict[str, st.SearchStrategy[Any]] = {}
    for field in attrs.fields(cls):
        values = spec_strategy(field.metadata[SPEC])
        kwargs[field.name] = values if field.default is attrs.NOTHING else st.none() | values
    return st.builds(cls, **kwargs)


# -- botocore-style dicts from the model (independent of the package) -----------------------


def present_members() -> set[tuple[str, str, str]]:
    """(service, shape, member) of the curated list: always returned, so always generated."""
    lines = (ROOT / "tools" / "present_members.txt").read_text().splitlines()
    found = set()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            service, rest = line.split(" ", 1)
            shape, member = rest.split(":", 1)[0].split(".")
            found.add((service, shape, member))
    return found


PRESENT = present_members()


def model_strategy(shape: Shape) -> st.SearchStrategy[Any]:
    """What botocore's parser hands back for `shape`: wire names, absent optional members,
    timestamps as aware datetimes (tzutc), lists and dicts."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        # The listed shape names are unique across the three models.
        present = {m for _, n, m in PRESENT if n == shape.name and m in shape.members}
        required = set(shape.required_members) | present
        return st.fixed_dictionaries(
            {k: model_strategy(v) for k, v in shape.members.items() if k in required},
            optional={k: model_strategy(v) for k, v in shape.members.items() if k not in required},
        )
    if kind == "list":
        return st.lists(model_strategy(shape.member), max_size=3)
    if kind == "map":
        return st.dictionaries(model_strategy(shape.key), model_strategy(shape.value), max_size=3)
    if kind == "string":
        if shape.enum:
            return st.one_of(st.sampled_from(shape.enum), unknown_enum_value(set(shape.enum)))
        return st.text(max_size=20)
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind in ("float", "double"):
        return st.floats(allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.datetimes(
            min_value=datetime.datetime(1970, 1, 2),
            max_value=datetime.datetime(2200, 1, 1),
            timezones=st.just(tzutc()),
        )
    if kind == "blob":
        return st.binary(max_size=16)
    raise AssertionError(f"no strategy for {shape.name} ({kind})")


def assert_same(actual: Any, expected: Any, path: str = "$") -> None:
    """Deep equality that also compares types (True == 1 and 1 == 1.0 are not the same value);
    an enum member and its plain string value count as the same."""
    if isinstance(expected, str):
        assert isinstance(actual, str) and actual == expected, f"{path}: {actual!r} != {expected!r}"
        return
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), f"{path}: keys {set(actual)} != {set(expected)}"
        for key, value in expected.items():
            assert_same(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: {len(actual)} items != {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# -- the shapes -----------------------------------------------------------------------------


def operations(*, with_output: bool = False) -> Iterator[Any]:
    for service, model in MODELS.items():
        for name in model.operation_names:
            op = model.operation_model(name)
            if with_output and op.output_shape is None:
                continue
            yield pytest.param(service, name, id=f"{service}:{name}")


def request_class(service: str, op: OperationModel) -> type:
    return getattr(importlib.import_module(PACKAGES[service]), f"{op.name}Request")  # type: ignore[no-any-return]  # classes looked up by name at run time


def response_class(service: str, op: OperationModel) -> type:
    return getattr(importlib.import_module(PACKAGES[service]), f"{op.name}Response")  # type: ignore[no-any-return]  # classes looked up by name at run time


@pytest.mark.parametrize(("service", "op_name"), list(operations()))
def test_request_round_trips_through_botocore_validation(service: str, op_name: str) -> None:
    op = MODELS[service].operation_model(op_name)
    cls = request_class(service, op)

    @EXAMPLES
    @given(shape_strategy(cls))
    def check(request: Any) -> None:
        validate_request(request)  # a valid request passes the package's own validation
        params = unstructure_request(request)
        report = ParamValidator().validate(params, op.input_shape)
        assert not report.has_errors(), report.generate_report()
        again: Any = converter.structure(params, cls)
        assert again == request
        assert_same(unstructure_request(again), params)

    check()


@pytest.mark.parametrize(("service", "op_name"), list(operations(with_output=True)))
def test_response_round_trips_to_the_same_dict(service: str, op_name: str) -> None:
    op = MODELS[service].operation_model(op_name)
    cls = response_class(service, op)

    @EXAMPLES
    @given(model_strategy(op.output_shape))
    def check(raw: dict[str, Any]) -> None:
        parsed: Any = structure_response(op_name, raw, cls)
        assert isinstance(parsed, cls)
        back = converter.unstructure(parsed)
        for key, value in back.items():
            if isinstance(value, PayloadStream):  # a streaming payload: its bytes, read through it
                with value:
                    back[key] = value.read()
        assert_same(back, raw)

    check()


def test_every_request_shape_gets_a_strategy_that_respects_the_model() -> None:
    # The translated patterns must compile and only produce strings the Java pattern accepts.
    patterns = set()
    for model in MODELS.values():
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern is not None:
                patterns.add(pattern)
    for pattern in patterns:
        re.compile(python_pattern(pattern))
    assert python_pattern(r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$").startswith("^([a-zA-Z")
    assert python_pattern(r".*\S.*") == "[^\n\r\x85\u2028\u2029]*[!-~][^\n\r\x85\u2028\u2029]*"
