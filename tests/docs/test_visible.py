"""Every page runs as shown (issue 27): a page's visible Python blocks, copied in order into one
file and run from an empty folder with no AWS credentials anywhere, run; the invisible blocks
hold only assertions, so nothing a reader needs is hidden from them.

The scripts run in subprocesses, a few seconds each, so only in the run at full depth (one Python
in `nox`; tests/depth.py): the other Pythons run the same code through Sybil (docs/conftest.py),
which with assertion-only invisible blocks is the visible code plus checks.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.depth import DEPTH
from tests.docs import pages
from tests.docs.visible import invisible_blocks, non_assertions, script

ROOT = pages.ROOT
DOCS = pages.DOCS
# The pages a newcomer follows: the README, the quick start, the concepts and the how-tos.
PAGES = [
    pages.README,
    DOCS / "quickstart.md",
    *sorted((DOCS / "concepts").glob("*.md")),
    *sorted((DOCS / "howto").glob("*.md")),
]
# Pages whose code needs an extra; without it installed their run is skipped here (the extra's
# nox session runs them: tests/aio/test_async_page.py).
# The WebRTC page's peers are aiortc's: `nox -s webrtc` runs it.
NEEDS = {DOCS / "howto" / "async.md": "aiobotocore", DOCS / "howto" / "webrtc.md": "aiortc"}
TIMEOUT = 120


def page_id(page: Path) -> str:
    return "README.md" if page == pages.README else page.relative_to(DOCS).as_posix()


def scrubbed_env(home: Path) -> dict[str, str]:
    """The environment of a newcomer without AWS set up: no AWS_* variable, an empty HOME (no
    ~/.aws), and the checkout importable as if installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_visible(page: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The page's visible blocks as one file, run from an empty folder."""
    folder, home = tmp_path / "work", tmp_path / "home"
    folder.mkdir()
    home.mkdir()
    (folder / "page.py").write_text(script(page), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "page.py"],
        cwd=folder,
        env=scrubbed_env(home),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_invisible_blocks_hold_only_assertions(page: Path) -> None:
    for block in invisible_blocks(page):
        hidden = non_assertions(block)
        assert not hidden, f"{page_id(page)}: show this to the reader: {hidden}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_the_visible_blocks_run_alone(page: Path, tmp_path: Path) -> None:
    if DEPTH < 1:
        pytest.skip("run at full depth only (tests/depth.py); Sybil runs the page here")
    needed = NEEDS.get(page)
    if needed is not None and importlib.util.find_spec(needed) is None:
        pytest.skip(f"needs {needed} (an extra)")
    result = run_visible(page, tmp_path)
    assert result.returncode == 0, f"{page_id(page)}:\n{result.stdout}\n{result.stderr}"


def test_a_hidden_setup_is_caught(tmp_path: Path) -> None:
    # The check itself: a page whose import sits in an invisible block fails both ways.
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- invisible-code-block: python\nimport json\n-->\n\n"
        '```python\nprint(json.dumps({"a": 1}))\n```\n',
        encoding="utf-8",
    )
    assert non_assertions(invisible_blocks(page)[0]) == ["import json"]
    result = run_visible(page, tmp_path)
    assert result.returncode != 0 and "NameError" in result.stderr


def test_skipped_blocks_are_not_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- skip: next -->\n\n```python\nraise SystemExit(3)\n```\n\n```python\nprint('ran')\n```\n",
        encoding="utf-8",
    )
    result = run_visible(page, tmp_path)
    assert result.returncode == 0 and result.stdout == "ran\n"
