"""Names a package exports but imports only when first asked for (PEP 562 `__getattr__`).

The generated shape packages put each shape in the module of the operations that use it; their
`__init__` and the service package's re-export every shape through this, so a facade's first use
defines the classes its calls need instead of every class of the service (attrs builds each class
when its module runs: about 0.3 ms a class, 100-200 classes a service). Type checkers see the
same names as plain imports under `TYPE_CHECKING`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_names"]


def lazy_names(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package`, finding each name of `where` in the module
    (relative to `package`) it maps to; a name found is kept in the package's namespace, so it
    is looked up this way once."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return __getattr__, __dir__
