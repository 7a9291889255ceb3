"""The Kinesis Video Streams media facade (`GetMedia`), on the stream's GET_MEDIA endpoint."""

from __future__ import annotations

from .._data_plane import DataPlaneFacade
from ._operations import KinesisVideoMediaOperations

__all__ = ["KinesisVideoMedia"]


class KinesisVideoMedia(DataPlaneFacade, KinesisVideoMediaOperations):
    """Typed access to a stream's media as it is ingested (`GetMedia`, MKV fragments).

    `GetMedia` answers only on the stream's GET_MEDIA data endpoint: bind a facade to the stream
    with `for_stream`, which asks `GetDataEndpoint` (once per stream, cached by `kv`)::

        media = KinesisVideoMedia.for_stream(kv, stream_arn=arn)
        response = media.get_media(
            GetMediaRequest(start_selector=StartSelector(start_selector_type=StartSelectorType.NOW))
        )
        with response.payload as payload:          # a PayloadStream: read it, then close it
            for fragment in read_fragments(payload):
                ...

    or build it on an endpoint you already have: `KinesisVideoMedia(endpoint_url=...)`. The
    payload is never read into memory whole; the call's retries and deadline end when it is
    handed over (nothing is repeated once you hold it).
    """

    _api_names = {"GetMedia": "GET_MEDIA"}
    _how_to_build = (
        "use KinesisVideoMedia.for_stream(kv, stream_arn=...), or pass endpoint_url= from "
        "KinesisVideo.data_endpoint(APIName.GET_MEDIA, stream_arn=...)"
    )
