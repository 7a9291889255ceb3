"""Code a user writes with boto3 and kvs_chime, checked as the user's project checks it.

`nox -s typecheck` runs mypy --strict and pyright strict on this folder with plain settings (no
overrides for boto3: `mypy --strict --config-file=` and this folder's pyrightconfig.json), with the
`typing` extra installed. Without the extra's stubs both fail on `import boto3` (mypy:
import-untyped; pyright: reportMissingTypeStubs), as docs/quickstart.md says.
"""

from __future__ import annotations

import boto3

from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import ListSignalingChannelsRequest


def facade(profile: str, region: str) -> KinesisVideo:
    """A facade on a named profile's credentials."""
    session = boto3.Session(profile_name=profile, region_name=region)
    return KinesisVideo(session=session)


def channel_names(kv: KinesisVideo) -> list[str]:
    return [
        c.channel_name
        for c in kv.list_signaling_channels(ListSignalingChannelsRequest()).channel_info_list or []
    ]


def raw_client_region(profile: str) -> str | None:
    """Raw boto3 next to kvs_chime: typed too, with the stubs."""
    session = boto3.Session(profile_name=profile)
    region: str | None = session.region_name
    return region
