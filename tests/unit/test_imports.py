"""Every module of the package imports on its own, quickly, and does nothing when imported (no
server started, nothing printed): doc generators, coverage checks and IDEs walk packages so."""

from __future__ import annotations

import subprocess
import sys

WALK = """
import importlib, pkgutil, kvs_chime
names = [i.name for i in pkgutil.walk_packages(kvs_chime.__path__, "kvs_chime.")]
for name in names:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # an optional extra that is not installed here (aiobotocore, av)
print(len(names), "modules")
"""


def test_importing_every_module_starts_nothing_and_returns() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WALK], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].endswith("modules"), result.stdout[-2000:]
