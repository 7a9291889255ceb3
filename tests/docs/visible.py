"""The code a reader sees on a page, as the reader would run it.

A page's visible ```python blocks (not those after `<!-- skip: next -->`), in order, joined into
one script: copied block by block into a file and run from an empty folder, they must run. The
invisible blocks (`<!-- invisible-code-block: python ... -->`) run only in the suite and hold only
assertions, so nothing a reader needs is hidden there.

    python -m tests.docs.visible PAGE.md > page.py
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

_FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_INVISIBLE = re.compile(r"^<!-- invisible-code-block: python\n(.*?)^-->$", re.MULTILINE | re.DOTALL)
# `<!-- skip: next -->`, maybe a project file's name and its caption, then the block.
_SHOWN_ONLY = re.compile(
    r"<!-- skip: next -->\n(?:<!-- project-file: [\w.]+ -->\n)?\s*(?:\*\*[^\n]*\*\*\n\s*)?\Z"
)


def visible_blocks(page: Path) -> list[str]:
    """The page's visible python blocks that run, in page order."""
    text = page.read_text(encoding="utf-8")
    return [m.group(1) for m in _FENCE.finditer(text) if not _SHOWN_ONLY.search(text[: m.start()])]


def script(page: Path) -> str:
    """The visible blocks joined as a reader pastes them into one file."""
    return "\n".join(visible_blocks(page))


def invisible_blocks(page: Path) -> list[str]:
    return [m.group(1) for m in _INVISIBLE.finditer(page.read_text(encoding="utf-8"))]


def non_assertions(code: str) -> list[str]:
    """The top-level statements of an invisible block that are not `assert`: setup a reader
    would miss."""
    return [ast.unparse(node) for node in ast.parse(code).body if not isinstance(node, ast.Assert)]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(script(Path(sys.argv[1])))
