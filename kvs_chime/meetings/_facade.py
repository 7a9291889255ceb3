"""The Amazon Chime SDK meetings facade: meetings, attendees, tags, transcription."""

from __future__ import annotations

from ._operations import MeetingsOperations

__all__ = ["Meetings"]


class Meetings(MeetingsOperations):
    """Typed access to the Amazon Chime SDK meetings API: the meetings and attendees a media
    stream pipeline reads from.

    >>> meetings = Meetings(region_name="us-east-1")  # doctest: +SKIP
    >>> meeting = meetings.create_meeting(CreateMeetingRequest(
    ...     client_request_token=str(uuid.uuid4()), external_meeting_id="standup",
    ...     media_region="us-east-1")).meeting  # doctest: +SKIP
    >>> meeting.meeting_id  # doctest: +SKIP
    '...'

    `CreateMeeting` and `CreateMeetingWithAttendees` take a `client_request_token` (the model
    requires one): it is sent unchanged on every retry, so a retried create never makes a second
    meeting. Meetings are global resources; `media_region` says where the media is hosted.
    """
