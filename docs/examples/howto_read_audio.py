"""How-to: from a pipeline's stream-start event to an attendee's audio as ADTS and WAV."""

import tempfile
from pathlib import Path

from kvs_chime.events import KinesisVideoStreamStart, UnknownEvent, parse_event
from kvs_chime.media import (
    AudioSpecificConfig,
    Frame,
    MissingExtraError,
    adts_frames,
    decode_aac,
    read_fragments,
    write_wav,
)

HERE = Path(__file__).parent
# A recorded GetMedia body: two fragments of one attendee's audio (a 440 Hz test tone).
RECORDED = HERE / "data" / "attendee-440hz.getmedia.mkv"
OUT = Path(tempfile.mkdtemp())

# [event]
# An EventBridge event as a Lambda gets it, or as an SQS message body carries it (JSON).
body = """{
  "version": "0", "id": "5ee6265a-0a40-104e-d8fd-a3b4bdd78483",
  "detail-type": "Chime Media Pipeline State Change", "source": "aws.chime",
  "account": "111122223333", "time": "2021-07-28T20:20:49Z", "region": "us-east-1",
  "resources": [],
  "detail": {
    "eventType": "chime:MediaPipelineKinesisVideoStreamStart",
    "timestamp": 1627503649251,
    "meetingId": "1e6bf4f5-f4b5-4917-b8c9-bda45c340706",
    "externalMeetingId": "standup",
    "mediaPipelineId": "e40ee45e-2ed1-408e-9156-f52b8208a491",
    "mediaRegion": "us-east-1",
    "attendeeId": "a1b2c3d4-0000-4000-8000-000000000440",
    "externalUserId": "alice",
    "kinesisVideoStreamArn": "arn:aws:kinesisvideo:us-east-1:111122223333:stream/ChimeMediaPipelines-meetings-1f2e/1627503649251",
    "startFragmentNumber": "91343852333181432392682062607743920146264118616",
    "startTime": "2021-07-28T20:20:49.251Z"
  }
}"""

event = parse_event(body)
match event:
    case KinesisVideoStreamStart():
        who = "mixed audio" if event.is_mixed_audio else event.external_user_id
        print(
            f"{who}: {event.kinesis_video_stream_arn} from {event.start_fragment_number}"
        )
        # alice: arn:aws:kinesisvideo:...:stream/ChimeMediaPipelines-meetings-... from 9134...
    case UnknownEvent():
        print("not for us:", event.detail_type)  # new types are kept, never an error
    case _:
        print("another pipeline event:", event.event_type)
# [/event]
assert isinstance(event, KinesisVideoStreamStart)

# [read]
# GetMedia on `event.kinesis_video_stream_arn`, starting at `event.start_fragment_number`,
# returns an MKV byte stream; any binary file-like works, here a recorded one.
frames: list[Frame] = []
codec_private = b""
with RECORDED.open("rb") as stream:
    for fragment in read_fragments(stream):  # one fragment at a time, constant memory
        assert fragment.attendee_id == event.attendee_id
        track = fragment.audio_track
        assert track is not None and track.codec_id == "A_AAC"
        codec_private = track.codec_private  # the AudioSpecificConfig
        frames.extend(fragment.frames_of(track.number))
        print(
            fragment.fragment_number,
            fragment.producer_timestamp,
            len(fragment.frames),
            "frames",
            "(truncated)" if fragment.truncated else "",
        )
        # 9134...8616 2021-07-28 20:20:49.251000+00:00 47 frames
config = AudioSpecificConfig.parse(codec_private)
seconds = len(frames) * config.frame_length / config.sampling_frequency
print(
    f"{seconds:.1f} s at {config.sampling_frequency} Hz, {config.channels} channel(s)"
)
# 2.0 s at 48000 Hz, 1 channel(s)
# [/read]
assert abs(seconds - 2.0) < 0.1

# [adts]
# Raw AAC frames play anywhere once each has an ADTS header: an .aac file.
aac = OUT / "alice.aac"
with aac.open("wb") as file:
    for framed in adts_frames(config, (f.data for f in frames)):
        file.write(framed)
print(aac.name, aac.stat().st_size, "bytes")
# [/adts]

# [wav]
# PCM needs a decoder: PyAV, with `pip install "kvs-chime[audio]"`.
try:
    pcm = decode_aac(codec_private, (f.data for f in frames))  # s16le at 48 kHz, mono
except MissingExtraError as missing:
    print(
        missing
    )  # decoding AAC to PCM needs the 'av' package: pip install "kvs-chime[audio]"
else:
    wav = OUT / "alice.wav"
    count = write_wav(wav, pcm, sample_rate=config.output_sample_rate, channels=1)
    print(f"{wav.name}: {count / config.output_sample_rate:.1f} s of PCM")
    # alice.wav: 2.0 s of PCM
# [/wav]
