"""The Kinesis Video Streams archived media facade, each operation on its API's data endpoint."""

from __future__ import annotations

from .._data_plane import DataPlaneFacade
from ._operations import KinesisVideoArchivedMediaOperations

__all__ = ["KinesisVideoArchivedMedia"]


class KinesisVideoArchivedMedia(DataPlaneFacade, KinesisVideoArchivedMediaOperations):
    """Typed access to a stream's stored media: fragments, clips, HLS/DASH session URLs, images.

    Each operation answers only on the endpoint `GetDataEndpoint` names for its own API
    (LIST_FRAGMENTS, GET_MEDIA_FOR_FRAGMENT_LIST, GET_CLIP, GET_HLS_STREAMING_SESSION_URL,
    GET_DASH_STREAMING_SESSION_URL, GET_IMAGES). Bound to a stream with `for_stream`, the facade
    sends each operation to its API's endpoint (asked for once per stream and API, cached by
    `kv`)::

        archived = KinesisVideoArchivedMedia.for_stream(kv, stream_arn=arn)
        numbers = [f.fragment_number for f in archived.iter_fragments(ListFragmentsRequest())]
        response = archived.get_media_for_fragment_list(
            GetMediaForFragmentListRequest(fragments=numbers[:1000])
        )
        with response.payload as payload:
            ...

    `ListFragments` returns fragments in no particular order, even across pages: sort them by
    number or timestamp. Built with `endpoint_url=` instead, every operation goes to that one
    endpoint.
    """

    _api_names = {
        "ListFragments": "LIST_FRAGMENTS",
        "GetMediaForFragmentList": "GET_MEDIA_FOR_FRAGMENT_LIST",
        "GetClip": "GET_CLIP",
        "GetHLSStreamingSessionURL": "GET_HLS_STREAMING_SESSION_URL",
        "GetDASHStreamingSessionURL": "GET_DASH_STREAMING_SESSION_URL",
        "GetImages": "GET_IMAGES",
    }
    _how_to_build = (
        "use KinesisVideoArchivedMedia.for_stream(kv, stream_arn=...), or pass endpoint_url= from "
        "KinesisVideo.data_endpoint(APIName.LIST_FRAGMENTS, stream_arn=...) (each API has its own)"
    )
