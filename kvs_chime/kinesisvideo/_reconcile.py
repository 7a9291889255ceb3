"""What "the same channel / stream as was asked" means, for retried creates and ensure helpers.

A field the request leaves unset is compared against the service's documented default
(channel type SINGLE_MASTER, message TTL 60 s, data retention 0 h), or not at all where the
service picks something account-specific (the KMS key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._shapes import ChannelType, Status

if TYPE_CHECKING:
    from ._shapes import ChannelInfo, CreateSignalingChannelRequest, CreateStreamRequest, StreamInfo

__all__ = ["channel_differences", "stream_differences"]

DEFAULT_MESSAGE_TTL_SECONDS = 60


def _tags_differ(asked: Mapping[str, str] | None, found: Mapping[str, str] | None) -> bool:
    # Tags the service or other tools added are not a difference; a missing or changed one is.
    return asked is not None and any((found or {}).get(k) != v for k, v in asked.items())


def channel_differences(
    request: CreateSignalingChannelRequest, info: ChannelInfo, tags: Mapping[str, str] | None = None
) -> dict[str, tuple[object, object]]:
    """Fields where `info` (and its `tags`, when given) differs from what `request` asks for."""
    differences: dict[str, tuple[object, object]] = {}
    asked_type = request.channel_type or ChannelType.SINGLE_MASTER
    if info.channel_type != asked_type:
        differences["channel_type"] = (str(asked_type), info.channel_type)
    asked_ttl = (
        request.single_master_configuration.message_ttl_seconds
        if request.single_master_configuration is not None
        and request.single_master_configuration.message_ttl_seconds is not None
        else DEFAULT_MESSAGE_TTL_SECONDS
    )
    found_ttl = (
        info.single_master_configuration.message_ttl_seconds if info.single_master_configuration else None
    )
    if found_ttl is not None and found_ttl != asked_ttl:
        differences["message_ttl_seconds"] = (asked_ttl, found_ttl)
    if info.channel_status == Status.DELETING:
        differences["channel_status"] = ("ACTIVE", info.channel_status)
    asked_tags = {t.key: t.value for t in request.tags} if request.tags else None
    if tags is not None and _tags_differ(asked_tags, tags):
        differences["tags"] = (asked_tags, dict(tags))
    return differences


def stream_differences(
    request: CreateStreamRequest, info: StreamInfo, tags: Mapping[str, str] | None = None
) -> dict[str, tuple[object, object]]:
    """Fields where `info` (and its `tags`, when given) differs from what `request` asks for."""
    differences: dict[str, tuple[object, object]] = {}
    for field, asked, found in (
        ("device_name", request.device_name, info.device_name),
        ("media_type", request.media_type, info.media_type),
        ("kms_key_id", request.kms_key_id, info.kms_key_id),
    ):
        if asked is not None and asked != found:
            differences[field] = (asked, found)
    asked_retention = request.data_retention_in_hours or 0
    if (info.data_retention_in_hours or 0) != asked_retention:
        differences["data_retention_in_hours"] = (asked_retention, info.data_retention_in_hours)
    if info.status == Status.DELETING:
        differences["status"] = ("ACTIVE", info.status)
    if tags is not None and _tags_differ(request.tags, tags):
        differences["tags"] = (request.tags, dict(tags))
    return differences
