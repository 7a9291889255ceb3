"""The Amazon Chime SDK media pipelines facade."""

from __future__ import annotations

from ._operations import MediaPipelinesOperations

__all__ = ["MediaPipelines"]


class MediaPipelines(MediaPipelinesOperations):
    """Typed access to the Amazon Chime SDK media pipelines API.

    Creates carry an idempotency token (`client_request_token`): the facade makes one per call
    when you leave it unset and sends it on every retry, so a retried create never makes two
    pipelines. `kvs_chime.last_call().idempotency_token` shows the token used::

        media = MediaPipelines(region_name="us-east-1")
        created = media.create_media_stream_pipeline(request)
        print(created.media_stream_pipeline.media_pipeline_arn)
    """
