"""What generated shape modules are built from: open-enum base, member specs, field metadata keys.

Each generated field carries its wire name and a `Spec` (the model's type and constraints for
that member) in its attrs metadata. The converter reads the wire names, request validation reads
the specs; neither needs the botocore model at run time.
"""

from __future__ import annotations

import enum
import sys
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import attrs

__all__ = ["SPEC", "WIRE", "Kind", "Spec", "StrEnum", "frozen", "redacted", "shape"]

#: attrs metadata key holding a member's name in the botocore model (`ChannelARN`).
WIRE: Final = "kvs_chime.wire"
#: attrs metadata key holding a member's `Spec`.
SPEC: Final = "kvs_chime.spec"

Kind = Literal[
    "string", "integer", "long", "float", "double", "boolean", "timestamp", "blob", "list", "map", "structure"
]

if sys.version_info >= (3, 11):  # pragma: no cover - version dependent
    from enum import StrEnum
else:  # pragma: no cover - version dependent

    class StrEnum(str, enum.Enum):
        """Backport of 3.11's `enum.StrEnum`: `str()` and f-strings give the value on every Python."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, format_spec: str) -> str:
            return str(self.value).__format__(format_spec)


def redacted(value: object) -> str:
    """attrs `repr` for sensitive members (passwords, user names): never shows the value."""
    return "'***'" if value is not None else "None"


if TYPE_CHECKING:
    # To type checkers both are exactly `attrs.frozen`.
    from attrs import frozen as frozen
    from attrs import frozen as shape
else:
    _C = TypeVar("_C", bound=type)

    def frozen(maybe_cls: _C | None = None, /, *, kw_only: bool = False) -> Any:
        """`attrs.frozen`, with `__repr__`, `__eq__` and `__hash__` shared by every class.

        attrs writes and compiles these three per class: a third of defining the 100-200
        shapes a service's facade needs on first use, and half of building the package's own
        value classes at import. Shared versions reading `__attrs_attrs__` behave the same (off
        the hot path: only `__init__`, which conversion calls per object, stays attrs' compiled
        code). Used as `@frozen` or `@frozen(kw_only=True)`.
        """

        def build(cls: _C) -> _C:
            cls.__repr__ = _shape_repr
            cls.__eq__ = _shape_eq
            cls.__hash__ = _shape_hash
            return attrs.frozen(cls, kw_only=kw_only)

        return build if maybe_cls is None else build(maybe_cls)

    #: What generated shape modules decorate their classes with.
    shape = frozen

    def _shape_repr(self: Any) -> str:
        # As attrs writes it: `Tag(key='a', value='b')`, a field's own `repr=` callable honoured.
        parts = []
        for f in self.__attrs_attrs__:
            if f.repr is False:
                continue
            value = getattr(self, f.name)
            parts.append(f"{f.name}={repr(value) if f.repr is True else f.repr(value)}")
        return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({', '.join(parts)})"

    def _shape_eq(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # Member by member with ==, as attrs compares (no identity shortcut, so NaN != NaN).
        return all(getattr(self, f.name) == getattr(other, f.name) for f in self.__attrs_attrs__ if f.eq)

    def _shape_hash(self: Any) -> int:
        hashed = (f for f in self.__attrs_attrs__ if f.hash is True or (f.hash is None and f.eq))
        return hash((self.__class__, *(getattr(self, f.name) for f in hashed)))


@frozen
class Spec:
    """One member's type and constraints as the botocore model declares them.

    `min`/`max` bound a string's length, a list's or map's size, or a number's value, as the
    model's `min`/`max` do for the shape's type.
    """

    kind: Kind
    shape: str
    min: int | float | None = None
    max: int | float | None = None
    pattern: str | None = None
    enum: type[StrEnum] | None = None
    member: Spec | None = None
    key: Spec | None = None
    cls: type | None = None
    sensitive: bool = False
