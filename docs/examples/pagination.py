"""Pagination: `iter_*` methods yield items across pages, fetching each page only when
the iteration needs it; `list_*` methods make one call and return one page."""

import itertools

from kvs_chime import KinesisVideo
from kvs_chime.kinesisvideo import (
    ChannelNameCondition,
    ComparisonOperator,
    CreateSignalingChannelRequest,
    ListSignalingChannelsRequest,
)
from kvs_chime.testing import LocalEndpoint

with LocalEndpoint() as endpoint:
    kv = KinesisVideo(
        session=endpoint.boto3_session(),
        endpoint_url=endpoint.url,
        region_name=endpoint.region,
    )
    for number in range(5):
        kv.create_signaling_channel(
            CreateSignalingChannelRequest(channel_name=f"door-{number}")
        )
    endpoint.journal.clear()

    # [iterate]
    names = [
        channel.channel_name for channel in kv.iter_signaling_channels(page_size=2)
    ]
    print(names)  # ['door-0', 'door-1', 'door-2', 'door-3', 'door-4']
    assert (
        len(endpoint.journal.entries("ListSignalingChannels")) == 3
    )  # pages of 2, 2 and 1
    # [/iterate]

    # [lazy]
    endpoint.journal.clear()
    first_three = list(itertools.islice(kv.iter_signaling_channels(page_size=2), 3))
    assert len(first_three) == 3
    assert (
        len(endpoint.journal.entries("ListSignalingChannels")) == 2
    )  # the third page was never fetched

    at_most = list(
        kv.iter_signaling_channels(max_items=4)
    )  # or let the iterator stop itself
    assert len(at_most) == 4
    # [/lazy]

    # [filter]
    request = ListSignalingChannelsRequest(
        channel_name_condition=ChannelNameCondition(
            comparison_operator=ComparisonOperator.BEGINS_WITH,
            comparison_value="door-1",
        )
    )
    assert [c.channel_name for c in kv.iter_signaling_channels(request)] == ["door-1"]
    # [/filter]

    # [one-page]
    page = kv.list_signaling_channels(ListSignalingChannelsRequest(max_results=2))
    print(len(page.channel_info_list or []), page.next_token is not None)  # 2 True
    following = kv.list_signaling_channels(
        ListSignalingChannelsRequest(max_results=2, next_token=page.next_token)
    )
    assert following.channel_info_list is not None
    # [/one-page]
