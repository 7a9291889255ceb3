"""The curated present members (tools/present_members.txt): each entry has its reason, names a
member of a response-only shape, and is typed non-optional by the generator."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import attrs
import botocore.session
import pytest
from botocore import xform_name

from .test_patterns import load_generator

ROOT = Path(__file__).resolve().parents[2]
LIST = ROOT / "tools" / "present_members.txt"
PACKAGES = {
    "kinesisvideo": "kvs_chime.kinesisvideo",
    "kinesis-video-signaling": "kvs_chime.signaling",
    "chime-sdk-media-pipelines": "kvs_chime.media_pipelines",
    "chime-sdk-meetings": "kvs_chime.meetings",
    "kinesis-video-media": "kvs_chime.stream_media",
    "kinesis-video-archived-media": "kvs_chime.archived_media",
    "kinesis-video-webrtc-storage": "kvs_chime.webrtc_storage",
}


def entries() -> list[tuple[str, str, str, str]]:
    found = []
    for line in LIST.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            head, reason = line.split(": ", 1)
            service, member = head.split(" ")
            shape, name = member.split(".")
            found.append((service, shape, name, reason))
    return found


def test_every_entry_has_a_reason_and_is_unique() -> None:
    found = entries()
    assert len(found) == 93  # 92, then Meeting.MeetingArn (issue 27)
    assert all(len(reason.split()) >= 4 for *_, reason in found)
    assert len({e[:3] for e in found}) == len(found)


@pytest.mark.parametrize(("service", "shape", "member", "reason"), entries(), ids=lambda v: str(v)[:40])
def test_a_present_member_is_typed_non_optional(service: str, shape: str, member: str, reason: str) -> None:
    model = botocore.session.get_session().get_service_model(service)
    package = importlib.import_module(PACKAGES[service])
    names = {
        op.output_shape.name: f"{op.name}Response"
        for op in map(model.operation_model, model.operation_names)
        if op.output_shape
    }
    cls = getattr(package, names.get(shape, shape))
    field = attrs.fields_dict(cls)[xform_name(member)]
    assert field.default is attrs.NOTHING
    hint = typing.get_type_hints(cls)[field.name]
    assert type(None) not in typing.get_args(hint)


def test_every_service_of_the_generator_is_checked() -> None:
    assert set(PACKAGES) == {s.name for s in load_generator().SERVICES}
    assert {f"kvs_chime.{s.package}" for s in load_generator().SERVICES} == set(PACKAGES.values())


def test_a_streaming_payload_is_present_and_typed_as_a_stream() -> None:
    from kvs_chime import PayloadStream
    from kvs_chime.archived_media import GetClipResponse, GetMediaForFragmentListResponse
    from kvs_chime.stream_media import GetMediaResponse

    for cls in (GetMediaResponse, GetMediaForFragmentListResponse, GetClipResponse):
        assert typing.get_type_hints(cls)["payload"] is PayloadStream
        assert attrs.fields_dict(cls)["payload"].default is attrs.NOTHING


def test_the_generator_refuses_a_member_of_a_request_shape(tmp_path: Path) -> None:
    generate = load_generator()
    bad = tmp_path / "present_members.txt"
    bad.write_text("kinesisvideo SingleMasterConfiguration.MessageTtlSeconds: part of a create request\n")
    generate.PRESENT_MEMBERS = bad
    model = botocore.session.get_session().get_service_model("kinesisvideo")
    with pytest.raises(SystemExit, match="SingleMasterConfiguration is part of a request"):
        generate.ShapesModule(model)
    bad.write_text("kinesisvideo ChannelInfo.NoSuchMember: a typo\n")
    with pytest.raises(SystemExit, match=r"has no ChannelInfo\.NoSuchMember"):
        generate.ShapesModule(model)
    bad.write_text("kinesisvideo ChannelInfo.ChannelName\n")
    with pytest.raises(SystemExit, match="expected"):
        generate.ShapesModule(model)
