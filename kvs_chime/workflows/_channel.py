"""ensure_signaling_channel: get-or-create a signaling channel, idempotently and race-safely.

Written once as steps (`_steps.py`): `ensure_signaling_channel` performs them on a
`KinesisVideo`, `kvs_chime.aio.ensure_signaling_channel` awaits them on an `AsyncKinesisVideo`."""

from __future__ import annotations

import logging

from .._pipeline import synchronous
from .._steps import Steps, invoke, returned
from .._waiter import Poll
from ..errors import (
    ReconciliationConflictError,
    ResourceInUseError,
    VersionMismatchError,
)
from ..kinesisvideo import (
    ChannelInfo,
    ChannelType,
    CreateSignalingChannelRequest,
    KinesisVideo,
    ListTagsForResourceRequest,
    SingleMasterConfiguration,
    Tag,
    TagResourceRequest,
    UpdateSignalingChannelRequest,
)
from ..kinesisvideo._logic import describe_channel
from ..kinesisvideo._reconcile import channel_differences
from ._tags import TagsLike, as_mapping, as_tag_list

__all__ = ["ensure_signaling_channel", "ensure_signaling_channel_steps"]

logger = logging.getLogger("kvs_chime")

_UPDATABLE = frozenset({"message_ttl_seconds", "tags"})
# How often a channel changed by concurrent callers is read and updated again before giving up.
_UPDATE_ROUNDS = 4


def ensure_signaling_channel_steps(
    kv: KinesisVideo,
    name: str,
    *,
    channel_type: ChannelType | str = ChannelType.SINGLE_MASTER,
    message_ttl_seconds: int = 60,
    tags: TagsLike | None = None,
    update: bool = False,
    poll: Poll | None = None,
) -> Steps[ChannelInfo]:
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
    info = yield from describe_channel(kv, name, None)
    if info is None:
        try:
            yield from invoke(kv, KinesisVideo.create_signaling_channel, wanted)
        except ResourceInUseError:
            logger.info("ensure_signaling_channel: another caller created the channel first; using theirs")
        info = yield from describe_channel(kv, name, None)
    differences: dict[str, tuple[object, object]] = {}
    # Concurrent callers asking other settings can change the channel under us: after each update
    # the channel is read again, and what is returned is always checked against what was asked.
    for _ in range(_UPDATE_ROUNDS):
        if info is None:
            raise ReconciliationConflictError("EnsureSignalingChannel", name, {"exists": (True, False)})
        found_tags = None
        if tags is not None:
            listed = yield from invoke(
                kv,
                KinesisVideo.list_tags_for_resource,
                ListTagsForResourceRequest(resource_arn=info.channel_arn),
            )
            found_tags = listed.tags or {}
        differences = channel_differences(wanted, info, found_tags)
        if not differences:
            active = yield from invoke(
                kv, KinesisVideo.wait_until_signaling_channel_active, channel_arn=info.channel_arn, poll=poll
            )
            differences = channel_differences(wanted, active)
            if not differences:
                return active
        elif not update or not set(differences) <= _UPDATABLE:
            raise ReconciliationConflictError("EnsureSignalingChannel", name, differences)
        else:
            try:
                yield from _update(kv, info, differences, message_ttl_seconds, as_mapping(tags) or {}, poll)
            except VersionMismatchError:
                logger.info(
                    "ensure_signaling_channel: the channel changed while updating it; reading it again"
                )
        info = yield from describe_channel(kv, name, None)
    raise ReconciliationConflictError("EnsureSignalingChannel", name, differences)


def _update(
    kv: KinesisVideo,
    info: ChannelInfo,
    differences: dict[str, tuple[object, object]],
    message_ttl_seconds: int,
    tags: dict[str, str],
    poll: Poll | None,
) -> Steps[None]:
    assert info.channel_arn is not None
    if "message_ttl_seconds" in differences:
        # An UPDATING channel cannot be updated again; wait for it to settle first.
        current = yield from invoke(
            kv, KinesisVideo.wait_until_signaling_channel_active, channel_arn=info.channel_arn, poll=poll
        )
        yield from invoke(
            kv,
            KinesisVideo.update_signaling_channel,
            UpdateSignalingChannelRequest(
                channel_arn=info.channel_arn,
                current_version=current.version or "",
                single_master_configuration=SingleMasterConfiguration(
                    message_ttl_seconds=message_ttl_seconds
                ),
            ),
        )
    if "tags" in differences:
        tagged = [Tag(key=k, value=v) for k, v in tags.items()]
        yield from invoke(
            kv, KinesisVideo.tag_resource, TagResourceRequest(resource_arn=info.channel_arn, tags=tagged)
        )


@synchronous(KinesisVideo, ensure_signaling_channel_steps, returned)
def ensure_signaling_channel() -> None:
    """Named stub: the function is `ensure_signaling_channel_steps` performed on a `KinesisVideo`."""
