"""The journal is a bounded ring whose size can be set (issue 25)."""

from __future__ import annotations

import subprocess

import pytest

from kvs_chime.testing import LocalEndpoint
from kvs_chime.testing._journal import DEFAULT_JOURNAL_SIZE

from ._process import command, environment


def test_the_journal_keeps_the_latest_entries_and_counts_the_rest() -> None:
    with LocalEndpoint(activation_delay=0, journal_size=3) as ep:
        kv = ep.client("kinesisvideo")
        for index in range(5):
            kv.create_stream(StreamName=f"s{index}")
        kv.list_streams()
        journal = ep.journal
        assert (len(journal), journal.size, journal.forgotten) == (3, 3, 3)
        assert journal.operations() == ["CreateStream", "CreateStream", "ListStreams"]
        assert [e.params["StreamName"] for e in journal.entries("CreateStream")] == ["s3", "s4"]
        journal.clear()
        assert (len(journal), journal.forgotten) == (0, 0)


def test_the_default_size_is_documented_and_bad_sizes_are_refused() -> None:
    with LocalEndpoint() as ep:
        assert ep.journal.size == DEFAULT_JOURNAL_SIZE == 10_000
    for size in (0, -1):
        with pytest.raises(ValueError, match="journal size"):
            LocalEndpoint(journal_size=size)
    result = subprocess.run(
        command("--port", "0", "--journal-size", "0"),
        capture_output=True,
        text=True,
        env=environment(),
        timeout=60,
    )
    assert result.returncode == 2 and "journal size" in result.stderr
