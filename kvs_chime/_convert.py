"""Conversion between typed shapes and the dicts botocore takes and returns: one cattrs
configuration (`_shape_rules.configure`), on the success path too.

`unstructure_request` and `structure_response` use a cattrs converter without detailed
validation: its hooks are made once per class by cattrs' generators, except that a plain slotted
shape is structured by a hook the configuration's factory makes (`_shape_rules._slot_structure`:
scalars checked in line, values stored straight into the slots), and a long list of them (a page
of channels) member by member over the whole list (`_shape_rules._columns`), for speed. A response it
refuses is structured again by the converter of `_explain` (the same configuration with detailed
validation), which names every failing field path for the `ResponseParseError`.

Hooks are made under one lock, so each is made once however many threads make their first call
at once (cattrs makes the hooks of nested shapes while making the outer one, in the same thread,
under the same lock); a made hook is read without the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import cattrs

from ._shape_rules import configure
from .errors import ResponseParseError

if TYPE_CHECKING:
    #: The cattrs converter with detailed validation (`_explain`), loaded when first asked for.
    converter: cattrs.Converter

__all__ = ["converter", "structure_response", "unstructure_request"]

T = TypeVar("T")

_Structure = Callable[[Any], Any]
_Unstructure = Callable[[Any], Any]

#: Converts every request and response: no detailed validation (a refusal is explained by
#: `_explain`'s converter, which has it).
_fast = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)
configure(_fast, fast=True)

_structure_hooks: dict[type, _Structure] = {}
_unstructure_hooks: dict[type, _Unstructure] = {}
_build_lock = threading.Lock()


def _structure_hook(cls: type) -> _Structure:
    with _build_lock:
        hook = _structure_hooks.get(cls)
        if hook is None:
            structure = _fast.get_structure_hook(cls)
            hook = _structure_hooks[cls] = lambda value: structure(value, cls)
        return hook


def _unstructure_hook(cls: type) -> _Unstructure:
    with _build_lock:
        hook = _unstructure_hooks.get(cls)
        if hook is None:
            hook = _unstructure_hooks[cls] = _fast.get_unstructure_hook(cls)
        return hook


def unstructure_request(request: object) -> dict[str, object]:
    """A request shape as the keyword arguments its boto3 method takes."""
    hook = _unstructure_hooks.get(type(request)) or _unstructure_hook(type(request))
    params: dict[str, object] = hook(request)  # typed locals, not `cast`: on every call's path
    return params


def structure_response(operation: str, raw: Mapping[str, object], cls: type[T]) -> T:
    """Read a botocore response into its shape; on failure raise `ResponseParseError` naming
    each field path and carrying `raw` unchanged."""
    hook = _structure_hooks.get(cls) or _structure_hook(cls)
    try:
        typed: T = hook(raw)
        return typed
    except Exception:  # explained below, field by field
        pass
    from ._explain import structure_explained

    value, problems = structure_explained(raw, cls)
    if not problems:
        return cast(T, value)
    # Raised outside the `except` block and without a cause: the exceptions cattrs and the hooks
    # raised may quote a value, and no exception chained to this one may carry one.
    raise ResponseParseError(operation, problems, raw)


def __getattr__(name: str) -> object:
    # The explaining converter: only the error path and tests need it.
    if name == "converter":
        from ._explain import converter

        return converter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
