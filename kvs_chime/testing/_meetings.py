"""Amazon Chime SDK meetings: meetings, attendees, their capabilities, transcription flags and tags.

What a media pipeline reads from: a `MediaStreamPipeline` whose source meeting exists here writes
its attendees' audio into the pool's streams (`_pipeline_audio`).
"""

from __future__ import annotations

import base64
import json
import uuid

import attrs

from ._backend import Context, Handler, Settings, page
from ._errors import ServiceError
from ._params import opt_int, opt_str, opt_struct, req_str, str_list, struct_list, tag_list
from ._types import Params

_BAD_REQUEST = "BadRequestException"
_NOT_FOUND = "NotFoundException"
_LIMIT = "LimitExceededException"
_DEFAULT_PAGE = 100
_MAX_TAGS = 50
MEETING_LIMIT = 250
"""Active meetings an account may have in a region (the service's default quota)."""
ATTENDEE_LIMIT = 250
"""Attendees a meeting may have (the service's default quota)."""
# The media regions the API reference lists for CreateMeeting.
MEDIA_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "us-gov-east-1",
        "us-gov-west-1",
    }
)
_DEFAULT_CAPABILITIES = {"Audio": "SendReceive", "Video": "SendReceive", "Content": "SendReceive"}


@attrs.define
class Attendee:
    attendee_id: str
    external_user_id: str
    join_token: str
    capabilities: dict[str, str]
    joined: float
    """Clock reading at creation: a pipeline's stream for this attendee starts no earlier."""

    def view(self) -> Params:
        return {
            "ExternalUserId": self.external_user_id,
            "AttendeeId": self.attendee_id,
            "JoinToken": self.join_token,
            "Capabilities": dict(self.capabilities),
        }


@attrs.define
class Meeting:
    meeting_id: str
    arn: str
    media_region: str
    external_meeting_id: str | None
    spec: Params
    created: float
    attendees: dict[str, Attendee] = attrs.field(factory=dict[str, Attendee])
    tags: dict[str, str] = attrs.field(factory=dict[str, str])
    transcribing: bool = False

    def view(self) -> Params:
        host = f"{self.meeting_id[:8]}.meetings.invalid"
        # Hosts under .invalid (RFC 2606): the placement is well-formed and can never reach anything.
        placement = {
            "AudioHostUrl": f"{host}:3478",
            "AudioFallbackUrl": f"wss://{host}:443/calls/{self.meeting_id}",
            "SignalingUrl": f"wss://signal.{host}/control/{self.meeting_id}",
            "TurnControlUrl": f"https://turn.{host}/v2/turn_sessions",
            "ScreenDataUrl": f"wss://{host}/v2/screen/{self.meeting_id}",
            "ScreenViewingUrl": f"wss://{host}/ws/connect?passcode=null&viewer_uuid=null&X-BitHub-Call-Id={self.meeting_id}",
            "ScreenSharingUrl": f"wss://{host}/v2/screen/{self.meeting_id}",
            "EventIngestionUrl": f"https://data.{host}/v1/client-events",
        }
        view: Params = {
            "MeetingId": self.meeting_id,
            "MediaRegion": self.media_region,
            "MediaPlacement": placement,
            "MeetingArn": self.arn,
        }
        for key in ("MeetingHostId", "ExternalMeetingId", "MeetingFeatures", "PrimaryMeetingId", "TenantIds"):
            if self.spec.get(key) is not None:
                view[key] = self.spec[key]
        return view


def _fingerprint(params: Params) -> str:
    return json.dumps(
        {k: v for k, v in params.items() if k != "ClientRequestToken"}, sort_keys=True, default=str
    )


class Meetings:
    """In-memory meetings of one account and region; callers hold the backend lock."""

    def __init__(self, settings: Settings, region: str, account: str) -> None:
        self._settings = settings
        self.region = region
        self.account = account
        self.meetings: dict[str, Meeting] = {}
        self._tokens: dict[str, tuple[str, str]] = {}

    def handlers(self) -> dict[str, Handler]:
        """The emulated chime-sdk-meetings operations."""
        return {
            "CreateMeeting": self.create_meeting,
            "CreateMeetingWithAttendees": self.create_meeting_with_attendees,
            "GetMeeting": self.get_meeting,
            "DeleteMeeting": self.delete_meeting,
            "CreateAttendee": self.create_attendee,
            "BatchCreateAttendee": self.batch_create_attendee,
            "GetAttendee": self.get_attendee,
            "ListAttendees": self.list_attendees,
            "DeleteAttendee": self.delete_attendee,
            "UpdateAttendeeCapabilities": self.update_attendee_capabilities,
            "BatchUpdateAttendeeCapabilitiesExcept": self.batch_update_attendee_capabilities_except,
            "StartMeetingTranscription": self.start_meeting_transcription,
            "StopMeetingTranscription": self.stop_meeting_transcription,
            "TagResource": self.tag_resource,
            "UntagResource": self.untag_resource,
            "ListTagsForResource": self.list_tags_for_resource,
        }

    def meeting(self, meeting_id: str) -> Meeting:
        """The meeting with this id, or NotFoundException."""
        found = self.meetings.get(meeting_id.lower())
        if found is None:
            raise ServiceError(_NOT_FOUND, "The meeting does not exist")
        return found

    def by_arn(self, arn: str) -> Meeting | None:
        """The meeting with this ARN, if it exists."""
        return next((m for m in self.meetings.values() if m.arn == arn), None)

    # -- meetings --------------------------------------------------------------------------------

    def _new_meeting(self, ctx: Context, params: Params) -> tuple[Meeting, bool]:
        token = opt_str(params, "ClientRequestToken")
        if token is not None:
            known = self._tokens.get(token)
            if known is not None:
                fingerprint, meeting_id = known
                if fingerprint != _fingerprint(params):
                    raise ServiceError(
                        _BAD_REQUEST, "ClientRequestToken was already used with different parameters"
                    )
                existing = self.meetings.get(meeting_id)
                if existing is not None:
                    return existing, False
        region = req_str(params, "MediaRegion")
        if region not in MEDIA_REGIONS:
            raise ServiceError(_BAD_REQUEST, "MediaRegion is not a supported media region")
        if len(self.meetings) >= MEETING_LIMIT:
            raise ServiceError(_LIMIT, "The account has reached its limit of active meetings")
        tags = tag_list(params, "Tags")
        if len(tags) > _MAX_TAGS:
            raise ServiceError(_BAD_REQUEST, f"A meeting can have at most {_MAX_TAGS} tags")
        meeting_id = str(uuid.uuid4())
        meeting = Meeting(
            meeting_id=meeting_id,
            arn=f"arn:aws:chime:{self.region}:{self.account}:meeting/{meeting_id}",
            media_region=region,
            external_meeting_id=opt_str(params, "ExternalMeetingId"),
            spec={k: v for k, v in params.items() if k not in ("ClientRequestToken", "Tags", "Attendees")},
            created=ctx.now,
            tags=tags,
        )
        self.meetings[meeting_id] = meeting
        if token is not None:
            self._tokens[token] = (_fingerprint(params), meeting_id)
        return meeting, True

    def create_meeting(self, ctx: Context, params: Params) -> Params:
        """CreateMeeting: a new meeting (the same one again for a repeated ClientRequestToken)."""
        meeting, _ = self._new_meeting(ctx, params)
        return {"Meeting": meeting.view()}

    def create_meeting_with_attendees(self, ctx: Context, params: Params) -> Params:
        """CreateMeetingWithAttendees: the meeting, then each attendee (failures listed in Errors)."""
        meeting, fresh = self._new_meeting(ctx, params)
        requests = struct_list(params, "Attendees")
        if not fresh:
            # A replay: the attendees were created by the first call.
            wanted = {req_str(r, "ExternalUserId") for r in requests}
            found = [a.view() for a in meeting.attendees.values() if a.external_user_id in wanted]
            return {"Meeting": meeting.view(), "Attendees": found, "Errors": []}
        attendees, errors = self._create_attendees(ctx, meeting, requests)
        return {"Meeting": meeting.view(), "Attendees": attendees, "Errors": errors}

    def get_meeting(self, ctx: Context, params: Params) -> Params:
        """GetMeeting, by id."""
        return {"Meeting": self.meeting(req_str(params, "MeetingId")).view()}

    def delete_meeting(self, ctx: Context, params: Params) -> Params:
        """DeleteMeeting: the meeting and its attendees end at once."""
        meeting = self.meeting(req_str(params, "MeetingId"))
        del self.meetings[meeting.meeting_id]
        return {}

    # -- attendees -------------------------------------------------------------------------------

    @staticmethod
    def _capabilities(params: Params) -> dict[str, str]:
        given = opt_struct(params, "Capabilities")
        if given is None:
            return dict(_DEFAULT_CAPABILITIES)
        return {key: str(given.get(key, "None")) for key in _DEFAULT_CAPABILITIES}

    def _attendee(self, ctx: Context, meeting: Meeting, request: Params) -> Attendee:
        external = req_str(request, "ExternalUserId")
        existing = next((a for a in meeting.attendees.values() if a.external_user_id == external), None)
        if existing is not None:
            # The service answers the same attendee for the same ExternalUserId.
            return existing
        if len(meeting.attendees) >= ATTENDEE_LIMIT:
            raise ServiceError(_LIMIT, "The meeting has reached its limit of attendees")
        attendee_id = str(uuid.uuid4())
        token = base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode("ascii")
        attendee = Attendee(attendee_id, external, token, self._capabilities(request), ctx.now)
        meeting.attendees[attendee_id] = attendee
        return attendee

    def _create_attendees(
        self, ctx: Context, meeting: Meeting, requests: list[Params]
    ) -> tuple[list[Params], list[Params]]:
        attendees: list[Params] = []
        errors: list[Params] = []
        for request in requests:
            try:
                attendees.append(self._attendee(ctx, meeting, request).view())
            except ServiceError as error:
                errors.append(
                    {
                        "ExternalUserId": req_str(request, "ExternalUserId"),
                        "ErrorCode": error.code.removesuffix("Exception"),
                        "ErrorMessage": error.message,
                    }
                )
        return attendees, errors

    def create_attendee(self, ctx: Context, params: Params) -> Params:
        """CreateAttendee: a new attendee, or the one that already has this ExternalUserId."""
        meeting = self.meeting(req_str(params, "MeetingId"))
        return {"Attendee": self._attendee(ctx, meeting, params).view()}

    def batch_create_attendee(self, ctx: Context, params: Params) -> Params:
        """BatchCreateAttendee: every attendee it can create; the others in Errors."""
        meeting = self.meeting(req_str(params, "MeetingId"))
        attendees, errors = self._create_attendees(ctx, meeting, struct_list(params, "Attendees"))
        return {"Attendees": attendees, "Errors": errors}

    def _find_attendee(self, params: Params) -> tuple[Meeting, Attendee]:
        meeting = self.meeting(req_str(params, "MeetingId"))
        attendee = meeting.attendees.get(req_str(params, "AttendeeId").lower())
        if attendee is None:
            raise ServiceError(_NOT_FOUND, "The attendee does not exist")
        return meeting, attendee

    def get_attendee(self, ctx: Context, params: Params) -> Params:
        """GetAttendee, by meeting and attendee id."""
        return {"Attendee": self._find_attendee(params)[1].view()}

    def list_attendees(self, ctx: Context, params: Params) -> Params:
        """ListAttendees, in creation order, with pagination."""
        meeting = self.meeting(req_str(params, "MeetingId"))
        ordered = [(f"{a.joined:020.6f}{a.attendee_id}", a) for a in meeting.attendees.values()]
        ordered.sort(key=lambda item: item[0])
        chunk, token = page(
            ordered,
            lambda item: item[0],
            opt_int(params, "MaxResults") or _DEFAULT_PAGE,
            opt_str(params, "NextToken"),
            _BAD_REQUEST,
        )
        return {"Attendees": [a.view() for _, a in chunk], "NextToken": token}

    def delete_attendee(self, ctx: Context, params: Params) -> Params:
        """DeleteAttendee: the attendee leaves (its join token stops working)."""
        meeting, attendee = self._find_attendee(params)
        del meeting.attendees[attendee.attendee_id]
        return {}

    def update_attendee_capabilities(self, ctx: Context, params: Params) -> Params:
        """UpdateAttendeeCapabilities: replace one attendee's capabilities."""
        _, attendee = self._find_attendee(params)
        attendee.capabilities = self._capabilities(params)
        return {"Attendee": attendee.view()}

    def batch_update_attendee_capabilities_except(self, ctx: Context, params: Params) -> Params:
        """BatchUpdateAttendeeCapabilitiesExcept: every attendee but the excluded ones."""
        meeting = self.meeting(req_str(params, "MeetingId"))
        excluded = {
            req_str(item, "AttendeeId").lower() for item in struct_list(params, "ExcludedAttendeeIds")
        }
        capabilities = self._capabilities(params)
        for attendee in meeting.attendees.values():
            if attendee.attendee_id not in excluded:
                attendee.capabilities = dict(capabilities)
        return {}

    def start_meeting_transcription(self, ctx: Context, params: Params) -> Params:
        """StartMeetingTranscription: recorded as a flag (no transcripts are produced)."""
        self.meeting(req_str(params, "MeetingId")).transcribing = True
        return {}

    def stop_meeting_transcription(self, ctx: Context, params: Params) -> Params:
        """StopMeetingTranscription: clears the flag."""
        self.meeting(req_str(params, "MeetingId")).transcribing = False
        return {}

    # -- tags ------------------------------------------------------------------------------------

    def _tagged(self, arn: str) -> dict[str, str]:
        meeting = self.by_arn(arn)
        if meeting is None:
            raise ServiceError("ResourceNotFoundException", "The resource does not exist")
        return meeting.tags

    def tag_resource(self, ctx: Context, params: Params) -> Params:
        """TagResource: add or overwrite tags (at most 50 per meeting)."""
        tags = self._tagged(req_str(params, "ResourceARN"))
        new = tag_list(params, "Tags")
        if len({**tags, **new}) > _MAX_TAGS:
            raise ServiceError("TooManyTagsException", f"A resource can have at most {_MAX_TAGS} tags")
        tags.update(new)
        return {}

    def untag_resource(self, ctx: Context, params: Params) -> Params:
        """UntagResource: remove tags by key; unknown keys are ignored."""
        tags = self._tagged(req_str(params, "ResourceARN"))
        for key in str_list(params, "TagKeys"):
            tags.pop(key, None)
        return {}

    def list_tags_for_resource(self, ctx: Context, params: Params) -> Params:
        """ListTagsForResource: the tags as Key/Value structures."""
        tags: list[Params] = [
            {"Key": k, "Value": v} for k, v in self._tagged(req_str(params, "ResourceARN")).items()
        ]
        return {"Tags": tags}
