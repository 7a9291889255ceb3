"""Copy every ```python block of README.md into tests/typing/readme/, where the typecheck session
checks it with the same strictness as tests/typing/ (mypy --strict, pyright strict).

    python tools/readme_blocks.py --write   # rewrite the copies
    python tools/readme_blocks.py --check   # exit 1 if they differ from README.md

The blocks are checked, never run (they would call AWS). A block that imports boto3 shows raw,
untyped boto3 on purpose: pyright's reports about unknown types are switched off for it alone.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TARGET = ROOT / "tests" / "typing" / "readme"
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_UNTYPED = (
    "# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, "
    "reportUnknownArgumentType=false\n"
)


def copies() -> dict[Path, str]:
    files: dict[Path, str] = {TARGET / "__init__.py": ""}
    for number, match in enumerate(_BLOCK.finditer(README.read_text()), 1):
        code = match.group(1)
        header = f'"""README.md, python block {number}: copied by tools/readme_blocks.py, do not edit."""\n\n'
        if re.search(r"^import boto3$", code, re.MULTILINE):
            header = _UNTYPED + header
        files[TARGET / f"block_{number}.py"] = header + code
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args()
    wanted = copies()
    existing = set(TARGET.glob("*.py"))
    stale = sorted(
        {p for p, text in wanted.items() if not p.exists() or p.read_text() != text}
        | (existing - set(wanted))
    )
    if args.write:
        TARGET.mkdir(parents=True, exist_ok=True)
        for path in existing - set(wanted):
            path.unlink()
        for path, text in wanted.items():
            path.write_text(text)
    elif stale:
        print("README.md's code blocks differ from tests/typing/readme (run tools/readme_blocks.py --write):")
        print("\n".join(f"  {p.relative_to(ROOT)}" for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
