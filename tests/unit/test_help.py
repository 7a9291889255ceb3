"""`help()` on a facade shows how to build one, on AWS and on the local endpoint."""

from __future__ import annotations

import pydoc

import pytest

from kvs_chime import KinesisVideo, KinesisVideoSignaling, MediaPipelines


@pytest.mark.parametrize("facade", [KinesisVideo, KinesisVideoSignaling, MediaPipelines])
def test_help_shows_construction(facade: type) -> None:
    text = pydoc.render_doc(facade, renderer=pydoc.plaintext)
    assert "Initialize self" not in text
    # Python 3.13 writes a long signature one parameter a line: find `__init__(` then `client`.
    start = text.index("__init__(")
    assert text.index("client", start) < text.index(")", start)
    init = text[start:]
    assert "Build the facade's boto3 client" in init
    assert 'KinesisVideo(region_name="eu-west-1")' in init
    assert "with LocalEndpoint() as endpoint:" in init
    assert "endpoint_url=endpoint.url" in init
