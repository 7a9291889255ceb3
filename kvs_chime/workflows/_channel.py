"""ensure_signaling_channel: get-or-create a signaling channel, idempotently and race-safely."""

from __future__ import annotations

import logging

from .._waiter import Poll
from ..errors import (
    ReconciliationConflictError,
    ResourceInUseError,
    ResourceNotFoundError,
    VersionMismatchError,
)
from ..kinesisvideo import (
    ChannelInfo,
    ChannelType,
    CreateSignalingChannelRequest,
    DescribeSignalingChannelRequest,
    KinesisVideo,
    ListTagsForResourceRequest,
    SingleMasterConfiguration,
    Tag,
    TagResourceRequest,
    UpdateSignalingChannelRequest,
)
from ..kinesisvideo._reconcile import channel_differences
from ._tags import TagsLike, as_mapping, as_tag_list

__all__ = ["ensure_signaling_channel"]

logger = logging.getLogger("kvs_chime")

_UPDATABLE = frozenset({"message_ttl_seconds", "tags"})
# How often a channel changed by concurrent callers is read and updated again before giving up.
_UPDATE_ROUNDS = 4


def _describe(kv: KinesisVideo, name: str) -> ChannelInfo | None:
    try:
        return kv.describe_signaling_channel(DescribeSignalingChannelRequest(channel_name=name)).channel_info
    except ResourceNotFoundError:
        return None


def ensure_signaling_channel(
    kv: KinesisVideo,
    name: str,
    *,
    channel_type: ChannelType | str = ChannelType.SINGLE_MASTER,
    message_ttl_seconds: int = 60,
    tags: TagsLike | None = None,
    update: bool = False,
    poll: Poll | None = None,
) -> ChannelInfo:
    """Return the ACTIVE signaling channel `name` with this configuration, creating it if needed.

    Safe to call again and again, and from several processes at once: the loser of a create
    race gets the winner's channel (when its configuration matches). When a channel of that
    name exists with another configuration, `update=True` changes the message TTL and adds
    missing tags (the channel type cannot be changed); otherwise `ReconciliationConflictError`
    names the fields that differ (both values are on its `differences`). Waits (with `poll`)
    until the channel is ACTIVE.

    The channel returned always has the configuration asked: when concurrent callers keep
    changing it to something else, this raises `ReconciliationConflictError` rather than return
    a channel that differs.

    >>> info = ensure_signaling_channel(kv, "front-door", message_ttl_seconds=60, tags={"team": "video"})  # doctest: +SKIP
    >>> info.channel_status  # doctest: +SKIP
    <Status.ACTIVE: 'ACTIVE'>
    """
    wanted = CreateSignalingChannelRequest(
        channel_name=name,
        channel_type=channel_type,
        single_master_configuration=SingleMasterConfiguration(message_ttl_seconds=message_ttl_seconds),
        tags=as_tag_list(tags, Tag),
    )
    info = _describe(kv, name)
    if info is None:
        try:
            kv.create_signaling_channel(wanted)
        except ResourceInUseError:
            logger.info("ensure_signaling_channel: another caller created the channel first; using theirs")
        info = _describe(kv, name)
    differences: dict[str, tuple[object, object]] = {}
    # Concurrent callers asking other settings can change the channel under us: after each update
    # the channel is read again, and what is returned is always checked against what was asked.
    for _ in range(_UPDATE_ROUNDS):
        if info is None:
            raise ReconciliationConflictError("EnsureSignalingChannel", name, {"exists": (True, False)})
        found_tags = None
        if tags is not None:
            found_tags = (
                kv.list_tags_for_resource(ListTagsForResourceRequest(resource_arn=info.channel_arn)).tags
                or {}
            )
        differences = channel_differences(wanted, info, found_tags)
        if not differences:
            active = kv.wait_until_signaling_channel_active(channel_arn=info.channel_arn, poll=poll)
            differences = channel_differences(wanted, active)
            if not differences:
                return active
        elif not update or not set(differences) <= _UPDATABLE:
            raise ReconciliationConflictError("EnsureSignalingChannel", name, differences)
        else:
            try:
                _update(kv, info, differences, message_ttl_seconds, as_mapping(tags) or {}, poll)
            except VersionMismatchError:
                logger.info(
                    "ensure_signaling_channel: the channel changed while updating it; reading it again"
                )
        info = _describe(kv, name)
    raise ReconciliationConflictError("EnsureSignalingChannel", name, differences)


def _update(
    kv: KinesisVideo,
    info: ChannelInfo,
    differences: dict[str, tuple[object, object]],
    message_ttl_seconds: int,
    tags: dict[str, str],
    poll: Poll | None,
) -> None:
    assert info.channel_arn is not None
    if "message_ttl_seconds" in differences:
        # An UPDATING channel cannot be updated again; wait for it to settle first.
        current = kv.wait_until_signaling_channel_active(channel_arn=info.channel_arn, poll=poll)
        kv.update_signaling_channel(
            UpdateSignalingChannelRequest(
                channel_arn=info.channel_arn,
                current_version=current.version or "",
                single_master_configuration=SingleMasterConfiguration(
                    message_ttl_seconds=message_ttl_seconds
                ),
            )
        )
    if "tags" in differences:
        kv.tag_resource(
            TagResourceRequest(
                resource_arn=info.channel_arn, tags=[Tag(key=k, value=v) for k, v in tags.items()]
            )
        )
