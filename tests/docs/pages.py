"""The Python programs the docs' Markdown pages hold, for the type checkers.

Each page is one program: the blocks Sybil runs (docs/conftest.py), in order, each at its own
line, so that line N of `<page>.py` is line N of the page and a type error points at the page.
Blocks shown with `<!-- skip: next -->` do not run in the page; those marked
`<!-- project-file: NAME -->` are the files of an example project, written out under
`<page>_project/`.

    python -m tests.docs.pages OUTDIR     # then: mypy OUTDIR; pyright -p OUTDIR (nox -s typecheck)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser
from sybil.region import Lexeme

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The README's script is checked like a page (it runs in tests/docs/test_pages.py).
README = ROOT / "README.md"
# A block may import a name only to show where it lives: not an error in a page.
_PRAGMA = "# pyright: reportUnusedImport=false"

_PROJECT_FILE = re.compile(
    r"<!-- project-file: (?P<name>[\w.]+) -->\n(?:\s*\*\*[^\n]*\*\*\n)?\s*```python\n(?P<code>.*?)^```$",
    re.MULTILINE | re.DOTALL,
)


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts)


def program(page: Path) -> str:
    """The code Sybil runs for this page, each block at its own line numbers, blank elsewhere."""
    sybil = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()], path=str(DOCS), patterns=["*.md"])
    lines = [""] * len(page.read_text(encoding="utf-8").splitlines())
    skip_next = False
    for example in sybil.parse(page):
        parsed = example.region.parsed
        if not isinstance(parsed, Lexeme):
            # A skip directive: (action, condition); only `next` is used in these pages.
            skip_next = parsed[0] == "next"
            continue
        if skip_next:
            skip_next = False
            continue
        first = example.line + parsed.line_offset  # 0-based index of the block's first line
        for offset, line in enumerate(str(parsed).splitlines()):
            lines[first + offset] = line
    if lines and not lines[0]:
        lines[0] = _PRAGMA
    return "\n".join(lines) + "\n"


def project_files(page: Path) -> dict[str, str]:
    """The example project's files shown on a page, parts of one file joined in page order."""
    files: dict[str, str] = {}
    for match in _PROJECT_FILE.finditer(page.read_text(encoding="utf-8")):
        name = match["name"]
        files[name] = files.get(name, "") + ("\n\n" if name in files else "") + match["code"]
    return files


_README_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# A README block showing raw boto3 is untyped on purpose: pyright's unknown-type reports are off
# for that block alone.
_UNTYPED = (
    "# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, "
    "reportUnknownArgumentType=false\n"
)


def readme_blocks() -> list[str]:
    """Every python block of the README, each a program of its own (those for AWS too: they are
    checked, never run), at the README's own line numbers."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in _README_BLOCK.finditer(text):
        first = text.count("\n", 0, match.start(1))
        code = match.group(1)
        header = _UNTYPED if "import boto3" in code else _PRAGMA + "\n"
        lines = [""] * first
        lines[0] = header.rstrip("\n")
        blocks.append("\n".join(lines) + "\n" + code)
    return blocks


def module_name(page: Path) -> str:
    if page == README:
        return "readme"
    return "_".join(page.relative_to(DOCS).with_suffix("").parts).replace("-", "_")


def write(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, block in enumerate(readme_blocks(), 1):
        target = out / f"readme_block_{number}.py"
        target.write_text(block, encoding="utf-8")
        written.append(target)
    for page in pages():
        code = program(page)
        if code.strip():
            target = out / f"{module_name(page)}.py"
            target.write_text(code, encoding="utf-8")
            written.append(target)
        project = project_files(page)
        if project:
            folder = out / f"{module_name(page)}_project"
            folder.mkdir(exist_ok=True)
            for name, text in project.items():
                (folder / name).write_text(text, encoding="utf-8")
                written.append(folder / name)
    # pyright resolves a project's own imports (`from camera import ...`) from its execution
    # root: one per example project; the checkout's kvs_chime is what is checked.
    roots = [str(f.relative_to(out)) for f in sorted(out.glob("*_project"))]
    config = {
        "typeCheckingMode": "strict",
        "pythonVersion": "3.10",
        "reportMissingTypeStubs": False,
        "executionEnvironments": [{"root": r, "extraPaths": [str(ROOT)]} for r in [*roots, "."]],
    }
    (out / "pyrightconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for path in write(Path(sys.argv[1])):
        print(path)
