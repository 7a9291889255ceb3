"""The cattrs converter that explains why a response could not be read, field by field.

`_convert` reads responses with a cattrs converter without detailed validation (the fast one);
when it refuses one, `structure_response` structures it again with `converter` here: the same
configuration (`_shape_rules.configure`) with cattrs' detailed validation, which names every
failing field path for the `ResponseParseError`. Loaded when a response first fails to read.
A property test holds the two to the same verdict on valid and invalid bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import cattrs

from ._shape_rules import configure

__all__ = ["converter", "structure_explained"]

_Structure = Callable[[Any, Any], Any]
_Unstructure = Callable[[Any], Any]


#: Explains failures: cattrs' detailed validation gives every failing field its path.
converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
configure(converter)


def structure_explained(raw: object, cls: type) -> tuple[Any, list[str]]:
    """`raw` read as `cls` and no problems, or None and every problem that keeps it from reading
    (each with its field path, never quoting a value)."""
    try:
        return converter.structure(raw, cast("type[Any]", cls)), []
    except Exception as exc:  # cattrs raises ExceptionGroups and plain errors alike
        if not isinstance(exc, cattrs.BaseValidationError):
            return None, [f"$: {type(exc).__name__}"]
        problems = cattrs.transform_error(exc, path="$", format_exception=_problem)
        return None, [_MAP_KEY.sub("[<key>]", p) for p in problems]


# A map entry's path names its key (`$.tags['project-x']`): tag keys can be sensitive, so the key
# is left out, as validation leaves it out of request paths.
_MAP_KEY = re.compile(r"""\[(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]""")


def _problem(exc: BaseException, tp: type | None) -> str:
    """A problem in words that never quote the value (cattrs' default formats some of them)."""
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, TypeError):
        return str(exc)  # our hooks' messages: "expected string, got int"
    return f"invalid value ({type(exc).__name__})"
