"""What generated shape modules are built from: open-enum base, member specs, field metadata keys.

Each generated field carries its wire name and a `Spec` (the model's type and constraints for
that member) in its attrs metadata. The converter reads the wire names, request validation reads
the specs; neither needs the botocore model at run time.
"""

from __future__ import annotations

import enum
import sys
from typing import Final, Literal

import attrs

__all__ = ["SPEC", "WIRE", "Kind", "Spec", "StrEnum", "redacted"]

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


@attrs.frozen
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


def redacted(value: object) -> str:
    """attrs `repr` for sensitive members (passwords, user names): never shows the value."""
    return "'***'" if value is not None else "None"
