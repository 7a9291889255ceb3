"""Every code example of the documentation runs, against the local endpoint, so the docs cannot
drift from the code: each `docs/examples/*.py` is executed (its asserts check what the page
says), the example pytest project passes its own tests, and the demo runs end to end.

The pages include the examples by file and marker (`literalinclude` with `:start-after: [name]`
and `:end-before: [/name]`); the last tests check that every include points at an existing file
and markers, and that every example is shown on some page.
"""

from __future__ import annotations

import faulthandler
import os
import re
import runpy
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
PROJECT = EXAMPLES / "pytest_project"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)

# Generous: each example takes well under a second; a hang must not stall the whole run.
TIMEOUT = 120


def _env() -> dict[str, str]:
    # The subprocesses import kvs_chime from this checkout, as the in-process examples do.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


@pytest.fixture
def watchdog() -> Iterator[None]:
    """Dump the stacks and end the run if an in-process example hangs."""
    faulthandler.dump_traceback_later(TIMEOUT, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_there_are_examples() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_example_runs(script: Path, watchdog: None, capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert out.strip(), f"{script.name} printed nothing: examples show their results"


def test_example_pytest_project_passes(tmp_path: Path) -> None:
    # Copied out of the repository so it runs as a user's project would: its own rootdir and
    # conftest.py, no configuration of ours.
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
        cwd=project,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = len(
        re.findall(r"^def test_", (PROJECT / "test_camera.py").read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert f"{tests} passed" in result.stdout, result.stdout


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
    for step in steps:
        assert step in result.stdout.splitlines(), f"the demo no longer prints {step!r}"
    assert result.stdout.rstrip().endswith("done.")


_INLINE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
INLINE = [
    pytest.param(block, id=f"{page.relative_to(DOCS)}:{number}")
    for page in PAGES
    for number, block in enumerate(_INLINE.findall(page.read_text(encoding="utf-8")), 1)
]


@pytest.mark.parametrize("block", INLINE)
def test_inline_python_block_runs(block: str, watchdog: None) -> None:
    # The few snippets written in a page rather than included from docs/examples run too.
    exec(compile(block, "<docs>", "exec"), {"__name__": "__docs__"})


_INCLUDE = re.compile(r"```\{literalinclude\}\s+(\S+)\n((?::[^\n]*\n)*)")


def _includes() -> list[tuple[Path, Path, dict[str, str]]]:
    found = []
    for page in PAGES:
        for match in _INCLUDE.finditer(page.read_text(encoding="utf-8")):
            target = (page.parent / match.group(1)).resolve()
            options = {
                key: value.strip().strip('"')
                for key, value in re.findall(r"^:([a-z-]+):\s*(.*)$", match.group(2), re.MULTILINE)
            }
            found.append((page, target, options))
    return found


def test_every_include_names_an_existing_file_and_markers() -> None:
    includes = _includes()
    assert includes
    for page, target, options in includes:
        where = f"{page.relative_to(DOCS)} includes {target.relative_to(ROOT)}"
        assert target.is_file(), f"{where}: no such file"
        text = target.read_text(encoding="utf-8")
        for option in ("start-after", "end-before"):
            if option in options:
                assert options[option] in text, f"{where}: no marker {options[option]!r}"


def test_every_example_is_shown_on_a_page() -> None:
    shown = {target for _, target, _ in _includes()}
    examples = [*SCRIPTS, *sorted(PROJECT.glob("*.py"))]
    missing = [str(e.relative_to(DOCS)) for e in examples if e.resolve() not in shown]
    assert not missing, f"examples no page includes: {missing}"


def test_every_marker_pair_is_closed() -> None:
    for example in [*SCRIPTS, *sorted(PROJECT.glob("*.py"))]:
        text = example.read_text(encoding="utf-8")
        opened = re.findall(r"# \[([a-z-]+)\]$", text, re.MULTILINE)
        closed = re.findall(r"# \[/([a-z-]+)\]$", text, re.MULTILINE)
        assert sorted(opened) == sorted(closed), example.name
