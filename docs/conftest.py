"""Every Python block of the docs' Markdown pages runs as a test (Sybil), so the pages cannot
drift from the code.

Each page is one program: its ```python blocks run in order in one namespace, with the
`<!-- invisible-code-block: python ... -->` comments between them (setup and checks a reader
does not need to see; GitHub and the built site hide them). `<!-- skip: next -->` before a block
shows it without running it (code for AWS itself, or a file of the example pytest project, which
tests/docs runs as a project). The typecheck session checks the same programs with mypy and
pyright (tests/docs/pages.py extracts them).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

from kvs_chime.testing import LocalEndpoint

# Not tests: the build output, the Sphinx configuration and extension.
collect_ignore_glob = ["_build/*", "_ext/*", "conf.py"]
# The async page needs the `aio` extra (aiobotocore): `nox -s aio` runs it, as a reader with the
# extra would; without the extra it is not collected (a page's code has no `if installed:`).
if importlib.util.find_spec("aiobotocore") is None:
    collect_ignore_glob.append("howto/async.md")


def _stop_endpoints(namespace: dict[str, Any]) -> None:
    """A page starts its endpoint in a block (a `with` cannot span blocks): stop it after."""
    for value in namespace.values():
        if isinstance(value, LocalEndpoint):
            value.stop()


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(), SkipParser()],
    patterns=["*.md"],
    teardown=_stop_endpoints,
).pytest()
