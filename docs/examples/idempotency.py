"""Idempotency tokens: a create that carries a token gets one per call, made once and
sent on every attempt, so a retry after a lost answer never makes a second resource."""

from kvs_chime import MediaPipelines, RetryPolicy, last_call
from kvs_chime.media_pipelines import (
    CreateMediaPipelineKinesisVideoStreamPoolRequest,
    KinesisVideoStreamConfiguration,
)
from kvs_chime.testing import LocalEndpoint

with LocalEndpoint() as endpoint:
    media = MediaPipelines(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
        retry=RetryPolicy(initial_delay=0.01, max_delay=0.05),
    )

    # [token]
    # The service creates the pool, then the connection drops before the answer arrives.
    endpoint.faults.drop_after_apply("CreateMediaPipelineKinesisVideoStreamPool")
    created = media.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            pool_name="meetings",
            stream_configuration=KinesisVideoStreamConfiguration(region="us-east-1"),
        )
    )
    call = last_call()
    assert call is not None
    print(call.attempts, call.idempotency_token)
    # 2 9b0c6c52-... (a uuid4 made for this call)

    sent = [
        e.client_request_token
        for e in endpoint.journal.entries("CreateMediaPipelineKinesisVideoStreamPool")
    ]
    assert sent == [call.idempotency_token] * 2  # the same token on both attempts
    pools = list(media.iter_media_pipeline_kinesis_video_stream_pools())
    assert len(pools) == 1  # and one pool, not two
    # [/token]

    # [own-token]
    # Your own token (e.g. stored before a crash) is sent as given, on every attempt.
    again = media.create_media_pipeline_kinesis_video_stream_pool(
        CreateMediaPipelineKinesisVideoStreamPoolRequest(
            pool_name="meetings",
            stream_configuration=KinesisVideoStreamConfiguration(region="us-east-1"),
            client_request_token=call.idempotency_token,
        )
    )
    assert created.kinesis_video_stream_pool_configuration is not None
    assert again.kinesis_video_stream_pool_configuration is not None
    assert (
        again.kinesis_video_stream_pool_configuration.pool_arn
        == created.kinesis_video_stream_pool_configuration.pool_arn
    )
    # [/own-token]
