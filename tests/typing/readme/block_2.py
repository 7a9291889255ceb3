"""README.md, python block 2: copied by tools/readme_blocks.py, do not edit."""

# kvs_chime: typed request and response, validated locally, retried with backoff, and after a
# timeout the retried create is reconciled instead of failing with ResourceInUse.
from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, SingleMasterConfiguration

kv = KinesisVideo()
created = kv.create_signaling_channel(
    CreateSignalingChannelRequest(
        channel_name="door",
        single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=60),
    )
)
arn: str = created.channel_arn  # always returned: a str, no None check (mypy, pyright)
print(arn)
