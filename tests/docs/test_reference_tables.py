"""The Markdown tables of the API reference (docs/reference/tables, what GitHub shows) match the
code: tools/reference.py writes them, this fails when they drift (python tools/reference.py --write)."""

from __future__ import annotations

import importlib.util
import sys

from tests.docs.pages import ROOT

_spec = importlib.util.spec_from_file_location("reference_tool", ROOT / "tools" / "reference.py")
assert _spec is not None and _spec.loader is not None
reference = importlib.util.module_from_spec(_spec)
sys.modules["reference_tool"] = reference
_spec.loader.exec_module(reference)


def test_the_tables_match_the_code() -> None:
    for path, text in reference.expected().items():
        assert path.is_file(), f"{path.name}: python tools/reference.py --write"
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: python tools/reference.py --write"


def test_every_operation_and_shape_has_a_row() -> None:
    from kvs_chime.kinesisvideo import ChannelInfo

    table = reference.table(*reference.SERVICES[0])
    assert table.startswith(reference.GENERATED)
    assert (
        "| `create_signaling_channel` | CreateSignalingChannelRequest | CreateSignalingChannelResponse |"
        in table
    )
    assert f"| `{ChannelInfo.__name__}` | `channel_name: str`<br>" in table
    assert "_shapes" not in table  # no private module path
    for name in ("iter_signaling_channels", "wait_until_signaling_channel_active", "data_endpoint"):
        assert f"| `{name}` |" in table, name  # paginators, waiters and helpers too
