"""A media stream pipeline makes its streams in its pool's region (StreamConfiguration.Region),
not in the region of the request that created the pipeline (issue 25)."""

from __future__ import annotations

from typing import Any

from kvs_chime.testing import LocalEndpoint, ManualClock


def _kinesis_video(ep: LocalEndpoint, region: str) -> Any:  # Any: a boto3 client
    return ep.boto3_session().client("kinesisvideo", region_name=region, endpoint_url=ep.url)


def test_pool_streams_are_made_in_the_pools_region() -> None:
    with LocalEndpoint(activation_delay=0, clock=ManualClock(1000.0), region="us-east-1") as ep:
        chime = ep.client("chime-sdk-meetings")
        meeting = chime.create_meeting(
            ClientRequestToken="mtg", MediaRegion="us-east-1", ExternalMeetingId="standup"
        )["Meeting"]
        chime.create_attendee(MeetingId=meeting["MeetingId"], ExternalUserId="alice")
        pipelines = ep.client("chime-sdk-media-pipelines")  # signed for us-east-1
        pool = pipelines.create_media_pipeline_kinesis_video_stream_pool(
            PoolName="audio", StreamConfiguration={"Region": "eu-west-1", "DataRetentionInHours": 24}
        )["KinesisVideoStreamPoolConfiguration"]
        pipelines.create_media_stream_pipeline(
            Sources=[{"SourceType": "ChimeSdkMeeting", "SourceArn": meeting["MeetingArn"]}],
            Sinks=[
                {
                    "SinkArn": pool["PoolArn"],
                    "SinkType": "KinesisVideoStreamPool",
                    "ReservedStreamCapacity": 1,
                    "MediaStreamType": "MixedAudio",
                }
            ],
        )
        ep.fast_forward(2)
        start = ep.events.events("MediaPipelineKinesisVideoStreamStart")[0]["detail"]
        arn = start["kinesisVideoStreamArn"]
        assert arn.startswith("arn:aws:kinesisvideo:eu-west-1:")
        assert (
            _kinesis_video(ep, "eu-west-1").describe_stream(StreamARN=arn)["StreamInfo"]["StreamARN"] == arn
        )
        names = [s["StreamName"] for s in _kinesis_video(ep, "us-east-1").list_streams()["StreamInfoList"]]
        assert names == []
