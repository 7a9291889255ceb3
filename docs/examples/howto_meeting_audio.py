"""How-to: stream a Chime SDK meeting's audio into a Kinesis Video Stream pool."""

from kvs_chime import MediaPipelines, Poll, ServiceError
from kvs_chime.media_pipelines import (
    KinesisVideoStreamConfiguration,
    ListMediaPipelinesRequest,
    MediaPipelineStatus,
    MediaStreamType,
)
from kvs_chime.testing import LocalEndpoint
from kvs_chime.workflows import stream_meeting_audio

MEETING_ARN = "arn:aws:chime::123456789012:meeting/2f9d7c1e-3b5a-4c8e-9f10-1a2b3c4d5e6f"

with LocalEndpoint() as endpoint:
    media = MediaPipelines(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )
    poll = Poll(
        timeout=60, interval=0.05
    )  # real code: the default Poll() (2 s between polls)

    # [stream]
    with stream_meeting_audio(
        media,
        MEETING_ARN,
        "meetings",  # the pool: created if missing, reused if there
        KinesisVideoStreamConfiguration(region="us-east-1", data_retention_in_hours=24),
        media_stream_type=MediaStreamType.MIXED_AUDIO,  # or INDIVIDUAL_AUDIO
        reserved_stream_capacity=1,
        pool_tags={"app": "meetings"},
        poll=poll,
    ) as stream:
        print(stream.pipeline.media_pipeline_arn, stream.pipeline.status)
        # arn:aws:chime:... InProgress
        print(stream.pool.pool_name, stream.pool.pool_status, stream.created_pool)
        # meetings ACTIVE True
        assert stream.pipeline.status == MediaPipelineStatus.IN_PROGRESS
        # ... consumers read the audio from the pool's Kinesis video streams ...
    # Leaving the block deleted the pipeline; the pool stays for the next meeting.
    assert stream.stopped and not stream.pool_deleted
    # [/stream]

    # [stop]
    stream = stream_meeting_audio(
        media,
        MEETING_ARN,
        "meetings",
        KinesisVideoStreamConfiguration(region="us-east-1"),
        poll=poll,
    )
    assert not stream.created_pool  # the pool from before was reused
    pool_deleted = stream.stop(
        delete_pool=True
    )  # the pipeline, then the pool once nothing uses it
    assert pool_deleted and stream.stop(
        delete_pool=True
    )  # stopping again does nothing more
    # [/stop]

    # [failure]
    # The pipeline cannot be created: the pool this call made is deleted again.
    endpoint.faults.fail_next(
        "CreateMediaStreamPipeline", "ResourceLimitExceededException"
    )
    try:
        stream_meeting_audio(
            media,
            MEETING_ARN,
            "other-pool",
            KinesisVideoStreamConfiguration(region="us-east-1"),
            poll=poll,
        )
    except ServiceError as error:
        print(error.code)  # ResourceLimitExceededException
        # Python 3.11+, error.__notes__:
        # ['failed midway; deleted what this call created: pool other-pool']
    # [/failure]
    else:
        raise AssertionError("expected a ServiceError")
    for name in ("meetings", "other-pool"):  # deletes are asynchronous, as on AWS
        media.wait_until_stream_pool_deleted(name, poll=poll)
    assert list(media.iter_media_pipeline_kinesis_video_stream_pools()) == []
    assert media.list_media_pipelines(ListMediaPipelinesRequest()).media_pipelines == []
