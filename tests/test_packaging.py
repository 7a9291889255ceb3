"""What `pip install` gets: the sdist holds the whole project but its CI and caches (so unpacked,
its tests and `nox` run), the wheel holds the package alone, and both carry the one version and
the license. Built with hatchling, the build backend pyproject.toml names, as pip would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

import kvs_chime

ROOT = Path(__file__).resolve().parents[1]

# What the sdist's top level may hold: the project, its build and check configuration.
TOP_LEVEL = {
    "kvs_chime",
    "tests",
    "tools",
    "docs",
    "benchmarks",
    "README.md",
    "LICENSE",
    "noxfile.py",
    "constraints.txt",
    "pyproject.toml",
    "PKG-INFO",  # written by the build
    ".gitignore",  # hatchling keeps it: an sdist's own build honours it
}
# Files the sdist's tests and nox sessions open by path.
NEEDED = {
    "LICENSE",
    "README.md",
    "noxfile.py",
    "constraints.txt",
    "pyproject.toml",
    "kvs_chime/py.typed",
    "kvs_chime/demo.py",
    "tools/generate.py",
    "docs/conf.py",
    "docs/conftest.py",
    "docs/requirements.txt",
    "docs/ruff.toml",
    "docs/_ext/kvs_docs.py",
    "docs/_static/kvs.css",
    "docs/index.md",
    "docs/README.md",
    "tests/docs/pages.py",
    "tests/docs/site_check.py",
    "benchmarks/run.py",
    "benchmarks/README.md",
}
# Never shipped: what a checkout or a run leaves behind (.gitignore).
_LEFT_BEHIND = {"__pycache__", "_build", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".nox"}


def _build(kind: str, out: Path) -> Path:
    """Build like pip does: the PEP 517 hook of the backend, in a separate process."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, hatchling.build as b; print(b.build_{kind}(sys.argv[1]))",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out / result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = _build("sdist", tmp_path_factory.mktemp("sdist"))
    assert path.name == f"kvs_chime-{kvs_chime.__version__}.tar.gz"
    with tarfile.open(path) as archive:
        files = {}
        for member in archive.getmembers():
            if member.isfile():
                top, _, name = member.name.partition("/")
                assert top == f"kvs_chime-{kvs_chime.__version__}"
                extracted = archive.extractfile(member)
                assert extracted is not None
                files[name] = extracted.read()
    return files


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = _build("wheel", tmp_path_factory.mktemp("wheel"))
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _on_disk(folder: str) -> set[str]:
    found = set()
    for directory, subdirs, files in os.walk(ROOT / folder):
        subdirs[:] = [d for d in subdirs if d not in _LEFT_BEHIND and not d.endswith(".egg-info")]
        for name in files:
            if not name.endswith((".pyc", ".pyo")):
                found.add((Path(directory) / name).relative_to(ROOT).as_posix())
    return found


def test_the_sdist_holds_the_project_and_nothing_else(sdist: dict[str, bytes]) -> None:
    tops = {name.split("/", 1)[0] for name in sdist}
    assert tops <= TOP_LEVEL, f"unexpected in the sdist: {sorted(tops - TOP_LEVEL)}"
    missing = NEEDED - set(sdist)
    assert not missing, f"missing from the sdist: {sorted(missing)}"
    left_behind = [n for n in sdist if set(n.split("/")) & _LEFT_BEHIND or n.endswith(".pyc")]
    assert not left_behind


@pytest.mark.parametrize("folder", ["kvs_chime", "tests", "tools", "docs", "benchmarks"])
def test_every_file_of_an_included_folder_is_in_the_sdist(sdist: dict[str, bytes], folder: str) -> None:
    # A whole folder or none of it: no page, test or fixture silently left out.
    missing = _on_disk(folder) - set(sdist)
    assert not missing, f"missing from the sdist: {sorted(missing)}"


def test_the_sdist_metadata(sdist: dict[str, bytes]) -> None:
    info = Parser().parsestr(sdist["PKG-INFO"].decode())
    assert info["Name"] == "kvs-chime"
    assert info["Version"] == kvs_chime.__version__
    assert info["License-Expression"] == "Apache-2.0"
    assert sdist["LICENSE"] == (ROOT / "LICENSE").read_bytes()


def test_the_license_file_is_the_apache_license() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text


def test_the_wheel_holds_the_package_its_types_and_license(wheel: dict[str, bytes]) -> None:
    dist_info = f"kvs_chime-{kvs_chime.__version__}.dist-info"
    tops = {name.split("/", 1)[0] for name in wheel}
    assert tops == {"kvs_chime", dist_info}
    assert "kvs_chime/py.typed" in wheel
    package = {n for n in wheel if n.startswith("kvs_chime/")}
    assert package == _on_disk("kvs_chime")
    assert wheel[f"{dist_info}/licenses/LICENSE"] == (ROOT / "LICENSE").read_bytes()
    metadata = Parser().parsestr(wheel[f"{dist_info}/METADATA"].decode())
    assert metadata["Version"] == kvs_chime.__version__
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Requires-Python"] == ">=3.10"
    # The README is the project page of a package index: it starts with the two commands.
    body = metadata.get_payload()
    assert isinstance(body, str)
    assert "python -m pip install . && python -m kvs_chime.demo" in body
    assert "python -m pip install nox && python -m nox" in body


def test_the_version_is_written_once() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert kvs_chime.__version__ not in pyproject
    assert 'dynamic = ["version"]' in pyproject
