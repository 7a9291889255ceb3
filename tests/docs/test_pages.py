"""The docs' code is in the Markdown pages, visible where they are read (GitHub, the built site),
and runs: docs/conftest.py runs every page's blocks with Sybil. These tests check what that
cannot: the example pytest project shown on a page passes its own tests, the demo prints the
steps the quick start shows, every Python block runs or is marked as shown only, and the
programs the type checkers see line up with the pages.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs import pages

ROOT = pages.ROOT
DOCS = pages.DOCS
PAGES = pages.pages()

# Generous: each run takes a few seconds; a hang must not stall the whole run.
TIMEOUT = 120

_FENCE = re.compile(r"^```(\S*)[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# `<!-- skip: next -->`, maybe a project file's name and its caption, then the block.
_SHOWN_ONLY = re.compile(
    r"<!-- skip: next -->\n(?:<!-- project-file: [\w.]+ -->\n)?\s*(?:\*\*[^\n]*\*\*\n\s*)?\Z"
)


def _env() -> dict[str, str]:
    # The subprocesses import kvs_chime from this checkout, as the in-process pages do.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _page_id(page: Path) -> str:
    return "README.md" if page == pages.README else str(page.relative_to(DOCS))


def test_the_pages_hold_their_code() -> None:
    # On GitHub an include shows nothing: code is written in the page.
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "literalinclude" not in text, _page_id(page)
    assert not (DOCS / "examples").exists()


@pytest.mark.parametrize("page", [*PAGES, pages.README], ids=_page_id)
def test_every_python_block_runs_or_is_marked_shown_only(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    fences = [m for m in _FENCE.finditer(text) if m.group(1) in ("python", "py", "python3")]
    assert all(m.group(1) == "python" for m in fences), f"{_page_id(page)}: spell the fence `python`"
    program = pages.program(page).splitlines()
    for fence in fences:
        first = text[: fence.start()].count("\n") + 1  # 0-based index of the code's first line
        code = fence.group(2).splitlines()
        ran = program[first : first + len(code)] == code
        shown_only = _SHOWN_ONLY.search(text[: fence.start()]) is not None
        assert ran or shown_only, f"{_page_id(page)}:{first}: block neither runs nor is marked"
        assert not (ran and shown_only)


@pytest.mark.parametrize("page", [*PAGES, pages.README], ids=_page_id)
def test_the_type_checked_program_lines_up_with_the_page(page: Path) -> None:
    text = page.read_text(encoding="utf-8").splitlines()
    program = pages.program(page).splitlines()
    assert len(program) == len(text)
    for number, (line, original) in enumerate(zip(program, text, strict=True), 1):
        if line and not line.startswith("# pyright:"):
            assert line == original, f"{_page_id(page)}:{number}"


def test_pages_written_for_the_type_checkers(tmp_path: Path) -> None:
    written = pages.write(tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    assert "quickstart.py" in names
    assert {"howto_testing_project/conftest.py", "howto_testing_project/test_camera.py"} <= names
    assert (tmp_path / "pyrightconfig.json").is_file()
    quickstart = (tmp_path / "quickstart.py").read_text(encoding="utf-8")
    compile(quickstart, "quickstart.py", "exec")  # one valid program
    assert "from kvs_chime import KinesisVideo" in quickstart


def test_the_example_pytest_project_passes(tmp_path: Path) -> None:
    # Written out from the page, then run as a user's project would be: its own rootdir and
    # conftest.py, no configuration of ours.
    files = pages.project_files(DOCS / "howto" / "testing.md")
    assert set(files) == {"conftest.py", "camera.py", "test_camera.py"}
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = len(re.findall(r"^def test_", files["test_camera.py"], re.MULTILINE))
    assert tests >= 5
    assert f"{tests} passed" in result.stdout, result.stdout


def test_the_readme_script_runs(tmp_path: Path) -> None:
    # As a newcomer runs it: saved as first.py, run from elsewhere.
    script = tmp_path / "first.py"
    script.write_text(pages.program(pages.README), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith("ws://127.0.0.1:")
    # The local endpoint's ICE servers: its own STUN responder (TURN only when it is given one).
    assert "stun:127.0.0.1:" in result.stdout


def test_the_demo_runs_as_the_quick_start_shows() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kvs_chime.demo"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    shown = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    steps = re.findall(r"^== .+$", shown, re.MULTILINE)
    assert steps, "the quick start shows the demo's steps"
    printed = result.stdout.splitlines()
    for step in steps:
        assert step in printed, f"the demo no longer prints {step!r}"
    for label in ("took", "deleted", "done in"):
        assert label in shown and label in result.stdout
