"""README.md's python blocks are type-checked (mypy --strict, pyright strict) from their copies in
tests/typing/readme: the copies must be exactly the README's blocks, so the check is of what the
README shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_blocks", ROOT / "tools" / "readme_blocks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_copies_are_the_readme_blocks() -> None:
    wanted: dict[Path, str] = tool().copies()
    assert len(wanted) >= 3  # __init__.py and at least two blocks
    on_disk = {p: p.read_text() for p in (ROOT / "tests" / "typing" / "readme").glob("*.py")}
    assert on_disk == wanted, "run `python tools/readme_blocks.py --write`"


def test_every_python_block_of_the_readme_is_copied() -> None:
    readme = (ROOT / "README.md").read_text()
    blocks = readme.count("```python\n")
    assert len(tool().copies()) == blocks + 1
