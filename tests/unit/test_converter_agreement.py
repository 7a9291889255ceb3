"""The fast converter (every response) and the explaining one (detailed validation, a refused
response) give the same verdict on every body: the same value, or both refuse.

Bodies are drawn from each operation's output model, valid as botocore would parse them, and
then (most of the time) broken at one place (with every list of objects lengthened, half of
the time, so that long lists take the fast converter's member-by-member path): a member replaced by a value of another kind (a
string where a list belongs, a bool where an integer does, null where a value is required, a
list where an object is...).
"""

from __future__ import annotations

import copy
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given

from kvs_chime import _convert
from kvs_chime._explain import converter as explaining
from kvs_chime._stream import PayloadStream

from .test_roundtrip import EXAMPLES, MODELS, model_strategy, operations, response_class

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.binary(max_size=4),
    st.lists(st.text(max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _places(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a body, nested ones included."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            found += _places(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            found += _places(item)
    return found


def _widen(value: Any) -> None:
    """Lengthen every list of objects to 20 items (copies of its own items), so a list of shapes is
    long enough for the fast converter to read it member by member (`_shape_rules._columns`)."""
    if isinstance(value, dict):
        for item in value.values():
            _widen(item)
    elif isinstance(value, list):
        for item in value:
            _widen(item)
        if value and all(isinstance(item, dict) for item in value):
            value.extend(copy.deepcopy(value[i % len(value)]) for i in range(20 - len(value)))


def _verdict(structure: Any) -> tuple[str, object]:
    try:
        return ("value", structure())
    except Exception:  # the verdict is the point: any refusal
        return ("refused", None)


def _streaming(cls: type) -> bool:
    return any(
        f.type in (PayloadStream, "PayloadStream", "PayloadStream | None") for f in cls.__attrs_attrs__
    )  # type: ignore[attr-defined]  # attrs classes


@pytest.mark.parametrize(("service", "op_name"), list(operations(with_output=True)))
def test_both_converters_give_the_same_verdict(service: str, op_name: str) -> None:
    op = MODELS[service].operation_model(op_name)
    cls = response_class(service, op)
    if _streaming(cls):
        pytest.skip("a streaming payload is wrapped anew by each converter: compared elsewhere")
    fast = _convert._structure_hook(cls)  # pyright: ignore[reportPrivateUsage]  # the unit under test

    @EXAMPLES
    @given(model_strategy(op.output_shape), st.data())
    def check(raw: dict[str, Any], data: st.DataObject) -> None:
        body = copy.deepcopy(raw)
        if data.draw(st.booleans(), label="long lists"):
            _widen(body)
        places = _places(body)
        if places and data.draw(st.integers(0, 3), label="break") > 0:
            container, key = data.draw(st.sampled_from(places), label="where")
            container[key] = data.draw(JUNK, label="junk")
        if data.draw(st.booleans(), label="whole body junk") and not places:
            body = data.draw(JUNK, label="body")
        assert _verdict(lambda: fast(body)) == _verdict(lambda: explaining.structure(body, cls))

    check()
