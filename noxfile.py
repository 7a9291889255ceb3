"""The one way checks run: `nox` runs the default sessions, `nox -s NAME` any other."""

from __future__ import annotations

import glob
import os
import shutil
import tarfile

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = [
    "tests",
    "aio",
    "lowest",
    "audio",
    "webrtc",
    "interop",
    "lint",
    "typecheck",
    "generate",
    "docs",
    "awscli",
]
nox.options.reuse_existing_virtualenvs = True

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
CONSTRAINTS = ("-c", "constraints.txt")
# The property tests draw their full count of examples on this Python and a third of it elsewhere
# (tests/depth.py): the default run stays within its time while every Python is still exercised.
FULL_DEPTH_PYTHON = "3.12"
# The suite spends much of its time waiting on servers, subprocesses and sockets: two workers
# (pytest-xdist) on the 2 cores CI has roughly halve a session. A file's tests stay on one worker
# (a docs page's blocks share one namespace; a module's fixtures its servers).
PARALLEL = ("-n", "2", "--dist", "loadfile")


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
    depth = "1" if session.python == FULL_DEPTH_PYTHON else "0.3"
    session.run("pytest", *PARALLEL, *session.posargs, env={"KVS_CHIME_TEST_DEPTH": depth})


@nox.session(python=PYTHONS)
def aio(session: nox.Session) -> None:
    """The async facades' tests and example with the `aio` extra (aiobotocore), resolved on their own.

    aiobotocore pins the botocore it runs on (3.10: <1.43.118), so constraints.txt (botocore 1.44.5,
    for the generator's drift check) is left out here; the covered models are the same in both.
    """
    groups = nox.project.dependency_groups(nox.project.load_toml("pyproject.toml"), "test")
    session.install(".[aio]", *groups)
    session.run(
        "python", "-c", "import aiobotocore, botocore; print(aiobotocore.__version__, botocore.__version__)"
    )
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/aio",
        "docs/howto/async.md",
        *session.posargs,
    )


def _floors() -> list[str]:
    """Each runtime dependency pinned to the lowest version pyproject.toml allows."""
    pins = []
    for requirement in nox.project.load_toml("pyproject.toml")["project"]["dependencies"]:
        name, _, rest = requirement.partition(">=")
        if rest:
            pins.append(f"{name.strip()}=={rest.split(',')[0].strip()}")
    return pins


@nox.session(python="3.11")
def lowest(session: nox.Session) -> None:
    """The tests against the lowest version of every runtime dependency pyproject.toml allows."""
    floors = session.create_tmp() + "/floors.txt"
    with open(floors, "w") as out:
        out.write("\n".join(_floors()) + "\n")
    groups = nox.project.dependency_groups(nox.project.load_toml("pyproject.toml"), "test")
    session.install(".", "-c", floors, *groups)
    session.run(
        "python",
        "-c",
        "from importlib.metadata import version as v; "
        "print(*(f'{n}=={v(n)}' for n in ('boto3', 'botocore', 'attrs', 'cattrs', 'tenacity', 'regex', 'websockets')))",
    )
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *PARALLEL,
        *session.posargs,
        env={"KVS_CHIME_TEST_DEPTH": "0.3"},
    )


@nox.session(python="3.12")
def audio(session: nox.Session) -> None:
    """The media tests with the `audio` extra (PyAV) installed: decoding, ADTS played back.

    One Python in the default run (the decoder is PyAV's, the same wheel family on each);
    `nox -s audio --force-python 3.10` and the like check the others."""
    session.install(".[audio]", *CONSTRAINTS)
    _install(session, "test")
    session.run(
        "pytest",
        "tests/unit/test_aac.py",
        "tests/unit/test_mkv_reader.py",
        "tests/unit/test_mkv_by_others.py",
        "tests/unit/test_media_fuzz.py",
        "tests/e2e/test_read_media.py",
        "tests/docs",
        "-k",
        "aac or mkv or read_audio",
        *session.posargs,
    )


@nox.session(python="3.12")
def webrtc(session: nox.Session) -> None:
    """The signaling tests with the `webrtc` extra (aiortc): real aiortc peers open a data channel
    through the local endpoint's signaling; the WebRTC how-to runs with them too.

    One Python in the default run (aiortc and its media wheels are the same family on each);
    without the extra the `tests` sessions skip the aiortc tests and run the rest of tests/webrtc.
    """
    session.install(".[webrtc]", *CONSTRAINTS)
    _install(session, "test")
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/webrtc",
        "docs/howto/webrtc.md",
        # The page's visible blocks run alone, as a reader copies them (issue 27).
        "tests/docs/test_visible.py",
        "-k",
        "not test_visible or webrtc",
        *session.posargs,
    )


# The official KVS WebRTC SDK for JavaScript (the release measured in DESIGN.md) and the driver of
# Debian's chromium.
INTEROP_NPM = ("amazon-kinesis-video-streams-webrtc@2.9.0", "puppeteer-core@24")


@nox.session(python="3.12")
def interop(session: nox.Session) -> None:
    """The official KVS WebRTC SDK for JavaScript in headless Chromium against the local endpoint
    and the Python peers (tests/interop): a browser viewer decodes a Python master's video, a
    browser master's fake camera reaches a Python viewer. Then the SDK in Node, unchanged (its
    default signer), connects to the TLS endpoint over WSS (tests/testing/test_local_js_sdk.py).

    Needs node/npm and Debian's `chromium` (.ci/run installs it); without them, or when npm
    cannot install, the tests are skipped with the reason. puppeteer-core is installed into a
    temporary folder; the SDK's package only as its tarball (its browser bundle is all the page
    loads: its Node dependencies are hundreds of packages).
    """
    session.install(".[webrtc]", *CONSTRAINTS)
    _install(session, "test")
    packages = os.path.join(session.create_tmp(), "interop-npm")
    env = {}
    if shutil.which("npm") is None:
        session.log("npm is not on PATH: the interop tests will be skipped")
    else:
        os.makedirs(packages, exist_ok=True)
        sdk, driver = INTEROP_NPM
        try:
            session.run(
                "npm",
                "install",
                "--prefix",
                packages,
                "--no-audit",
                "--no-fund",
                driver,
                external=True,
                silent=True,
            )
            session.run("npm", "pack", sdk, "--pack-destination", packages, external=True, silent=True)
        except nox.command.CommandFailed:
            session.log("npm could not install the packages: the interop tests will be skipped")
        else:
            (tarball,) = glob.glob(os.path.join(packages, "amazon-kinesis-video-streams-webrtc-*.tgz"))
            target = os.path.join(packages, "node_modules", "amazon-kinesis-video-streams-webrtc")
            with tarfile.open(tarball) as archive:
                archive.extractall(target, filter=_strip_package)
            env["KVS_CHIME_INTEROP_DIR"] = packages
    # The SDK in Node, with its dependencies (a few hundred packages): its default signer against
    # the TLS endpoint (tests/testing/test_local_js_sdk.py); skipped when npm cannot install it.
    node_sdk = os.path.join(session.create_tmp(), "interop-node")
    if shutil.which("npm") is not None:
        try:
            session.run(
                "npm",
                "install",
                "--prefix",
                node_sdk,
                "--no-audit",
                "--no-fund",
                INTEROP_NPM[0],
                external=True,
                silent=True,
            )
        except nox.command.CommandFailed:
            session.log("npm could not install the SDK for Node: its test will be skipped")
        else:
            env["KVS_CHIME_JS_MODULES"] = os.path.join(node_sdk, "node_modules")
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-ra",
        "tests/interop",
        "tests/testing/test_local_js_sdk.py",
        *session.posargs,
        env=env,
    )


def _strip_package(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
    """npm tarballs hold their files under `package/`: unpacked without it (the `data` filter's
    checks applied), and nothing else."""
    if not member.name.startswith("package/"):
        return None
    return tarfile.data_filter(member.replace(name=member.name.removeprefix("package/")), path)


@nox.session(python="3.12")
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python="3.12")
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright strict over kvs_chime/, tests/typing/ and the docs' pages, and verifytypes."""
    # The `webrtc` extra: kvs_chime.webrtc.aiortc's types are aiortc's and PyAV's, and the WebRTC
    # how-to's blocks use them.
    session.install(".[webrtc]", *CONSTRAINTS)
    _install(session, "typecheck")
    session.run("mypy")
    session.run("pyright")
    # Each page's code blocks as one program, at the page's own line numbers.
    pages = os.path.join(session.create_tmp(), "docs-pages")
    session.run("python", "-m", "tests.docs.pages", pages, silent=True)
    session.run("mypy", pages)
    session.run("pyright", "-p", pages)
    # Run from the venv so pyright resolves the installed package (with its py.typed).
    session.run("pyright", "--verifytypes", "kvs_chime", "--ignoreexternal")
    # A user's code importing boto3 (tests/typing/boto3_user), checked as the user's project checks
    # it: plain strict settings, against kvs_chime installed with the `typing` extra (boto3's stubs)
    # in an environment of its own, from outside the checkout. ~20 s, mostly the install.
    tmp = os.path.abspath(session.create_tmp())  # the checks below run from another folder
    user_python = os.path.join(tmp, "typing-user-venv", "bin", "python")
    session.run("python", "-m", "venv", "--clear", os.path.dirname(os.path.dirname(user_python)))
    session.run(user_python, "-m", "pip", "install", "--quiet", ".[typing]", *CONSTRAINTS, external=True)
    user_code = os.path.join(tmp, "typing-user-code")
    shutil.copytree(os.path.join("tests", "typing", "boto3_user"), user_code, dirs_exist_ok=True)
    with session.chdir(user_code):
        session.run("mypy", "--strict", "--config-file=", "--python-executable", user_python, ".")
        session.run("pyright", "-p", ".", "--pythonpath", user_python)


@nox.session(python="3.12")
def generate(session: nox.Session) -> None:
    """Check the generated modules match a fresh generation; `nox -s generate -- --write` rewrites."""
    # regex: the generator translates and compiles every pattern of the models.
    session.install("botocore", "ruff", "regex", *CONSTRAINTS)
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
def sdist(session: nox.Session) -> None:
    """Build the sdist and the wheel as pip does; the installed wheel runs the demo, and the sdist,
    installed and unpacked, passes its own tests (tests/test_packaging.py checks its file list)."""
    session.install("build")
    tmp = session.create_tmp()
    dist = os.path.join(tmp, "dist")
    session.run("python", "-m", "build", "--outdir", dist, ".")
    (wheel,) = glob.glob(os.path.join(dist, "*.whl"))
    (sdist,) = glob.glob(os.path.join(dist, "*.tar.gz"))

    session.install("--force-reinstall", wheel, *CONSTRAINTS)
    with session.chdir(tmp):  # away from the checkout: the installed package runs
        session.run("python", "-m", "kvs_chime.demo")

    source = os.path.join(tmp, "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(source, filter="data")
    (root,) = glob.glob(os.path.join(source, "kvs_chime-*"))
    groups = nox.project.dependency_groups(
        nox.project.load_toml(os.path.join(root, "pyproject.toml")), "test"
    )
    session.install("--force-reinstall", sdist, "-c", os.path.join(root, "constraints.txt"), *groups)
    with session.chdir(root):
        session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session(python="3.12", default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: raw boto3 against kvs_chime side by side, one table (`-- --quick`, `-- --profile`)."""
    # ebmlite: the EBML parser of the MKV reader's baseline (the aws-samples consumer library's);
    # the audio extra (PyAV): FFmpeg's Matroska demuxer, the reader's speed target.
    session.install(".[audio]", "ebmlite", *CONSTRAINTS)
    # A script, not `-m`: the working directory stays off sys.path, so the installed package is measured.
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python="3.12", default=False)
def bench_aio(session: nox.Session) -> None:
    """The benchmarks with the `aio` extra: adds section 7, the async facades (`-- --quick`).

    aiobotocore pins its botocore, so constraints.txt (botocore 1.44.5) is left out here.
    """
    session.install(".[aio]", "ebmlite")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python="3.12")
def docs(session: nox.Session) -> None:
    """Build the documentation site into docs/_build/html (Sphinx; every warning is an error), then
    check it works offline: nothing loaded from another host, every diagram drawn (tests/docs/site_check.py).

    The pages' code blocks run in the `tests` session and are type-checked in `typecheck`
    (docs/README.md). Extra arguments go to sphinx-build (e.g. `-- -q`).
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
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/docs/site_check.py",
        env={"KVS_DOCS_SITE": os.path.join("docs", "_build", "html")},
    )
