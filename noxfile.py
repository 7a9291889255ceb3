"""The one way checks run: `nox` runs the default sessions, `nox -s NAME` any other."""

from __future__ import annotations

import glob
import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck", "generate", "awscli"]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
CONSTRAINTS = ("-c", "constraints.txt")


def _expose_pyenv_pythons() -> None:
    """Put every pyenv-installed CPython on PATH, so `python3.10` ... `python3.13` resolve.

    pyenv's shims only expose the versions selected for the shell; nox looks interpreters up
    by name on PATH. Machines without pyenv are left alone.
    """
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    dirs = []
    for version in PYTHONS:
        found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin")))
        dirs.extend(found[-1:])
    if dirs:
        os.environ["PATH"] = os.pathsep.join([*dirs, os.environ.get("PATH", "")])


_expose_pyenv_pythons()


def _install(session: nox.Session, *groups: str, editable: bool = False) -> None:
    target = ("-e", ".") if editable else (".",)
    args = [*target, *CONSTRAINTS]
    for group in groups:
        args += nox.project.dependency_groups(nox.project.load_toml("pyproject.toml"), group)
    session.install(*args)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Unit, fidelity, round-trip and end-to-end tests."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.12")
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright strict over kvs_chime/ and tests/typing/, and verifytypes."""
    _install(session, "typecheck")
    session.run("mypy")
    session.run("pyright")
    # Run from the venv so pyright resolves the installed package (with its py.typed).
    session.run("pyright", "--verifytypes", "kvs_chime", "--ignoreexternal")


@nox.session(python="3.12")
def generate(session: nox.Session) -> None:
    """Check the generated modules match a fresh generation; `nox -s generate -- --write` rewrites."""
    session.install("botocore", "ruff", *CONSTRAINTS)
    mode = "--write" if "--write" in session.posargs else "--check"
    session.run("python", "tools/generate.py", mode)


@nox.session(python="3.12")
def awscli(session: nox.Session) -> None:
    """The real AWS CLI against the standalone local endpoint (channel, stream, pool and pipeline
    life cycles and error cases).

    awscli bundles a botocore of its own (older than the one kvs_chime pins), so it lives in a
    virtual environment of its own; the test finds its `aws` through KVS_CHIME_AWS_CLI.
    """
    _install(session, "test")
    cli_venv = os.path.join(session.create_tmp(), "awscli-venv")
    session.run("python", "-m", "venv", "--clear", cli_venv)
    cli_bin = os.path.join(cli_venv, "bin")
    session.run(
        os.path.join(cli_bin, "python"), "-m", "pip", "install", "--quiet", "awscli>=1.46,<2", external=True
    )
    session.run(
        "pytest",
        "tests/testing/test_aws_cli.py",
        *session.posargs,
        env={"KVS_CHIME_AWS_CLI": os.path.join(cli_bin, "aws")},
    )


@nox.session(python="3.12", default=False)
def demo(session: nox.Session) -> None:
    """The end-to-end demo against the bundled local endpoint (`-- --help` for options)."""
    session.install(".", *CONSTRAINTS)
    session.run("python", "-m", "kvs_chime.demo", *session.posargs)


@nox.session(python="3.12", default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: raw boto3 against kvs_chime side by side, one table (`-- --quick`, `-- --profile`)."""
    session.install(".", *CONSTRAINTS)
    # A script, not `-m`: the working directory stays off sys.path, so the installed package is measured.
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python="3.12", default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site into docs/_build/html (Sphinx; every warning is an error).

    Every code example in it runs in the `tests` session (tests/docs), so the pages cannot drift
    from the code. Extra arguments go to sphinx-build (e.g. `-- -q`).
    """
    session.install(".", *CONSTRAINTS, "-r", "docs/requirements.txt")
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-E",
        "-b",
        "html",
        "docs",
        "docs/_build/html",
        *session.posargs,
    )
