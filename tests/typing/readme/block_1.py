# pyright: reportUnknownMemberType=false, reportUnknownVariableType=false, reportUnknownArgumentType=false
"""README.md, python block 1: copied by tools/readme_blocks.py, do not edit."""

# raw boto3: dicts in, dicts out; a typo or an out-of-range value reaches the service,
# ClientLimitExceededException (HTTP 400) is not retried by botocore's default mode.
import boto3

kv = boto3.client("kinesisvideo")
arn = kv.create_signaling_channel(ChannelName="door", SingleMasterConfiguration={"MessageTtlSeconds": 60})[
    "ChannelARN"
]
