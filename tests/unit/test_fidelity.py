"""Model fidelity: the generated shapes, enums and facade methods say exactly what botocore's
models say, member by member. Every check is parametrized by shape so a failure names it."""

from __future__ import annotations

import datetime
import enum
import importlib
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import botocore.session
import pytest
from botocore import xform_name
from botocore.model import ServiceModel, Shape, StructureShape

from kvs_chime import PayloadStream
from kvs_chime._model import SPEC, WIRE, Spec

SERVICES = {
    "kinesisvideo": ("kvs_chime.kinesisvideo", "KinesisVideo"),
    "kinesis-video-signaling": ("kvs_chime.signaling", "KinesisVideoSignaling"),
    "chime-sdk-media-pipelines": ("kvs_chime.media_pipelines", "MediaPipelines"),
    "chime-sdk-meetings": ("kvs_chime.meetings", "Meetings"),
    "kinesis-video-media": ("kvs_chime.stream_media", "KinesisVideoMedia"),
    "kinesis-video-archived-media": ("kvs_chime.archived_media", "KinesisVideoArchivedMedia"),
    "kinesis-video-webrtc-storage": ("kvs_chime.webrtc_storage", "KinesisVideoWebRtcStorage"),
}

_SESSION = botocore.session.get_session()
MODELS: dict[str, ServiceModel] = {name: _SESSION.get_service_model(name) for name in SERVICES}


def _present() -> frozenset[tuple[str, str, str]]:
    """(service, shape, member) of tools/present_members.txt: typed as if the model required them."""
    found = set()
    for line in (
        (Path(__file__).resolve().parents[2] / "tools" / "present_members.txt").read_text().splitlines()
    ):
        if line.strip() and not line.startswith("#"):
            service, rest = line.split(" ", 1)
            shape, member = rest.split(":", 1)[0].split(".")
            found.add((service, shape, member))
    return frozenset(found)


PRESENT = _present()


def required_members(service: str, shape: StructureShape) -> set[str]:
    return set(shape.required_members) | {m for s, n, m in PRESENT if (s, n) == (service, shape.name)}


SCALARS: dict[str, type] = {
    "string": str,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": bool,
    "timestamp": datetime.datetime,
    "blob": bytes,
}


def package(service: str) -> types.ModuleType:
    return importlib.import_module(SERVICES[service][0])


def expected_class_names(model: ServiceModel) -> dict[str, str]:
    """Model structure name -> the class name the package must use (computed independently)."""
    names = {n: n for n in model.shape_names if model.shape_for(n).type_name == "structure"}
    for op in map(model.operation_model, model.operation_names):
        if op.input_shape is not None:
            names[op.input_shape.name] = f"{op.name}Request"
        if op.output_shape is not None:
            names[op.output_shape.name] = f"{op.name}Response"
    return names


CLASS_NAMES = {service: expected_class_names(model) for service, model in MODELS.items()}


def is_error(shape: Shape) -> bool:
    return bool(shape.metadata.get("exception"))


def structures() -> Iterator[Any]:
    for service, model in MODELS.items():
        for name in sorted(model.shape_names):
            shape = model.shape_for(name)
            if shape.type_name == "structure" and not is_error(shape):
                yield pytest.param(service, name, id=f"{service}:{name}")


def members() -> Iterator[Any]:
    for service, model in MODELS.items():
        for name in sorted(model.shape_names):
            shape = model.shape_for(name)
            if shape.type_name == "structure" and not is_error(shape):
                assert isinstance(shape, StructureShape)
                for member in shape.members:
                    yield pytest.param(service, name, member, id=f"{service}:{name}.{member}")


def enums() -> Iterator[Any]:
    for service, model in MODELS.items():
        for name in sorted(model.shape_names):
            shape = model.shape_for(name)
            if shape.type_name == "string" and shape.enum:
                yield pytest.param(service, name, id=f"{service}:{name}")


def operations() -> Iterator[Any]:
    for service, model in MODELS.items():
        for op in model.operation_names:
            yield pytest.param(service, op, id=f"{service}:{op}")


def contains_sensitive(shape: Shape) -> bool:
    """A member whose value, or whose list items / map keys or values, the model marks sensitive."""
    if shape.metadata.get("sensitive"):
        return True
    if shape.type_name == "list":
        return contains_sensitive(shape.member)
    if shape.type_name == "map":
        return contains_sensitive(shape.key) or contains_sensitive(shape.value)
    return False


def sensitive_members() -> Iterator[Any]:
    for service, model in MODELS.items():
        for name in sorted(model.shape_names):
            shape = model.shape_for(name)
            if shape.type_name != "structure" or is_error(shape):
                continue
            for member, target in shape.members.items():
                if contains_sensitive(target):
                    yield pytest.param(service, name, member, id=f"{service}:{name}.{member}")


def shape_class(service: str, shape_name: str) -> type:
    cls = getattr(package(service), CLASS_NAMES[service][shape_name], None)
    assert cls is not None, f"{service}: no class {CLASS_NAMES[service][shape_name]} for shape {shape_name}"
    return typing.cast(type, cls)


def field_of(service: str, shape_name: str, member: str) -> attrs.Attribute[Any]:
    fields = attrs.fields_dict(shape_class(service, shape_name))
    assert xform_name(member) in fields, f"{shape_name}.{member}: no field {xform_name(member)}"
    return fields[xform_name(member)]


def expected_annotation(service: str, shape: Shape) -> Any:
    pkg = package(service)
    if shape.type_name == "structure":
        return getattr(pkg, CLASS_NAMES[service][shape.name])
    if shape.type_name == "list":
        return list[expected_annotation(service, shape.member)]  # type: ignore[misc]  # a type built at run time from the model
    if shape.type_name == "map":
        key = expected_annotation(service, shape.key)
        value = expected_annotation(service, shape.value)
        return dict[key, value]  # type: ignore[valid-type]  # a type built at run time from the model
    if shape.type_name == "string" and shape.enum:
        return typing.Union[getattr(pkg, shape.name), str]  # noqa: UP007  # a type built at run time from the model
    if shape.type_name == "blob" and shape.serialization.get("streaming"):
        return PayloadStream  # the HTTP body itself, read by the caller
    return SCALARS[shape.type_name]


def check_spec(service: str, spec: Spec | None, shape: Shape, where: str) -> None:
    assert isinstance(spec, Spec), f"{where}: no Spec"
    assert spec.kind == shape.type_name, where
    assert spec.shape == shape.name, where
    md = shape.metadata
    assert spec.min == md.get("min"), f"{where}: min {spec.min} != model {md.get('min')}"
    assert spec.max == md.get("max"), f"{where}: max {spec.max} != model {md.get('max')}"
    assert spec.pattern == md.get("pattern"), f"{where}: pattern"
    assert spec.sensitive == bool(md.get("sensitive")), f"{where}: sensitive"
    if shape.type_name == "string" and shape.enum:
        assert spec.enum is getattr(package(service), shape.name), f"{where}: enum class"
    else:
        assert spec.enum is None, where
    if shape.type_name == "structure":
        assert spec.cls is getattr(package(service), CLASS_NAMES[service][shape.name]), f"{where}: cls"
    else:
        assert spec.cls is None, where
    if shape.type_name == "list":
        check_spec(service, spec.member, shape.member, where + "[]")
        assert spec.key is None, where
    elif shape.type_name == "map":
        check_spec(service, spec.key, shape.key, where + "<key>")
        check_spec(service, spec.member, shape.value, where + "<value>")
    else:
        assert spec.member is None and spec.key is None, where


# -- structures -----------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "shape_name"), list(structures()))
def test_structure_has_a_frozen_keyword_only_class_with_exactly_the_model_members(
    service: str, shape_name: str
) -> None:
    shape = MODELS[service].shape_for(shape_name)
    assert isinstance(shape, StructureShape)
    cls = shape_class(service, shape_name)
    assert cls.__name__ == CLASS_NAMES[service][shape_name]
    assert attrs.has(cls)
    fields = attrs.fields(cls)
    assert {f.name for f in fields} == {xform_name(m) for m in shape.members}
    assert len(fields) == len(shape.members)
    assert all(f.kw_only for f in fields)
    assert cls.__setattr__ is not object.__setattr__  # attrs.frozen installs a guard


@pytest.mark.parametrize(("service", "shape_name", "member"), list(members()))
def test_member_field_matches_model(service: str, shape_name: str, member: str) -> None:
    shape = MODELS[service].shape_for(shape_name)
    assert isinstance(shape, StructureShape)
    target = shape.members[member]
    field = field_of(service, shape_name, member)
    required = member in required_members(service, shape)

    assert (field.default is attrs.NOTHING) == required
    if not required:
        assert field.default is None
    assert field.metadata[WIRE] == member
    check_spec(service, field.metadata[SPEC], target, f"{shape_name}.{member}")

    hints = typing.get_type_hints(shape_class(service, shape_name))
    expected = expected_annotation(service, target)
    if not required:
        expected = typing.Optional[expected]  # noqa: UP045  # a type built at run time from the model
    assert hints[field.name] == expected


# -- enums ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("service", "shape_name"), list(enums()))
def test_enum_has_exactly_the_model_values(service: str, shape_name: str) -> None:
    shape = MODELS[service].shape_for(shape_name)
    cls = getattr(package(service), shape_name, None)
    assert isinstance(cls, type) and issubclass(cls, enum.Enum), f"no enum class {shape_name}"
    assert issubclass(cls, str)
    # list(cls) hides aliases, __members__ does not: both must be exactly the model's values.
    assert [m.value for m in cls] == list(shape.enum)
    assert len(cls.__members__) == len(shape.enum)
    for member in cls:
        assert str(member) == member.value
        assert f"{member}" == member.value
        assert member == member.value


# -- sensitive members ----------------------------------------------------------------------

SECRET = "s3cr3t-VALUE-xyz"


def secret_value(shape: Shape) -> Any:
    if shape.type_name == "list":
        return [secret_value(shape.member)]
    if shape.type_name == "map":
        return {SECRET + "-key": secret_value(shape.value)}
    return SECRET


@pytest.mark.parametrize(("service", "shape_name", "member"), list(sensitive_members()))
def test_sensitive_member_is_hidden_from_repr(service: str, shape_name: str, member: str) -> None:
    shape = MODELS[service].shape_for(shape_name)
    assert isinstance(shape, StructureShape)
    cls = shape_class(service, shape_name)
    # attrs classes do not check types: placeholder values are enough to build one.
    kwargs: dict[str, Any] = {xform_name(m): "placeholder" for m in required_members(service, shape)}
    kwargs[xform_name(member)] = secret_value(shape.members[member])
    text = repr(cls(**kwargs))
    assert "s3cr3t" not in text, text
    assert xform_name(member) in text  # the field is still listed, only its value hidden


def test_ice_server_password_is_hidden_although_the_model_does_not_mark_it() -> None:
    from kvs_chime.signaling import GetIceServerConfigResponse, IceServer

    server = IceServer(uris=["turn:1.2.3.4:443"], username="user-1", password=SECRET, ttl=300)
    assert "s3cr3t" not in repr(server)
    assert "s3cr3t" not in repr(GetIceServerConfigResponse(ice_server_list=[server]))
    assert "password=" in repr(server)
    assert server.password == SECRET  # hidden from repr only


def test_sensitive_members_exist_in_the_models() -> None:
    # Guards the parametrization above against silently testing nothing.
    ids = {p.id for p in sensitive_members()}
    assert "chime-sdk-media-pipelines:MediaStreamSink.SinkArn" in ids
    assert "chime-sdk-media-pipelines:CreateMediaStreamPipelineRequest.ClientRequestToken" in ids
    assert "kinesisvideo:MediaSourceConfig.MediaUriSecretArn" in ids
    assert "chime-sdk-media-pipelines:SelectedVideoStreams.ExternalUserIds" in ids  # a list of them


# -- operations and facades -----------------------------------------------------------------


@pytest.mark.parametrize(("service", "op_name"), list(operations()))
def test_every_operation_has_a_typed_facade_method(service: str, op_name: str) -> None:
    module, facade_name = SERVICES[service]
    facade = getattr(importlib.import_module(module), facade_name)
    method = getattr(facade, xform_name(op_name), None)
    assert callable(method), f"{facade_name} has no method {xform_name(op_name)}"
    op = MODELS[service].operation_model(op_name)
    # The operations module imports the shapes for type checkers only (they are imported when
    # first used): their names come from the service's package.
    package = importlib.import_module(module)
    hints = typing.get_type_hints(method, localns={n: getattr(package, n) for n in package.__all__})
    request = shape_class(service, op.input_shape.name)
    assert request.__name__ == f"{op_name}Request"
    assert hints["request"] in (request, typing.Optional[request])  # noqa: UP045  # a type built at run time from the model
    if op.output_shape is None:
        assert hints["return"] is type(None)
    else:
        response = shape_class(service, op.output_shape.name)
        assert response.__name__ == f"{op_name}Response"
        assert hints["return"] is response


@pytest.mark.parametrize("service", list(SERVICES))
def test_facade_is_exported_from_the_top_level_package(service: str) -> None:
    import kvs_chime

    module, facade_name = SERVICES[service]
    assert getattr(kvs_chime, facade_name) is getattr(importlib.import_module(module), facade_name)


# -- the seed operations, spelled out -------------------------------------------------------


def fields_of(cls: type) -> dict[str, tuple[str, bool]]:
    """field name -> (wire name, required)"""
    return {f.name: (f.metadata[WIRE], f.default is attrs.NOTHING) for f in attrs.fields(cls)}


def test_create_signaling_channel_request_and_response_carry_every_model_member() -> None:
    from kvs_chime.kinesisvideo import (
        CreateSignalingChannelRequest,
        CreateSignalingChannelResponse,
        SingleMasterConfiguration,
        Tag,
    )

    assert fields_of(CreateSignalingChannelRequest) == {
        "channel_name": ("ChannelName", True),
        "channel_type": ("ChannelType", False),
        "single_master_configuration": ("SingleMasterConfiguration", False),
        "tags": ("Tags", False),
    }
    assert fields_of(SingleMasterConfiguration) == {"message_ttl_seconds": ("MessageTtlSeconds", False)}
    assert fields_of(Tag) == {"key": ("Key", True), "value": ("Value", True)}
    # Present (tools/present_members.txt): the ARN a create returns is typed non-optional.
    assert fields_of(CreateSignalingChannelResponse) == {"channel_arn": ("ChannelARN", True)}

    op = MODELS["kinesisvideo"].operation_model("CreateSignalingChannel")
    assert set(op.input_shape.members) == {"ChannelName", "ChannelType", "SingleMasterConfiguration", "Tags"}
    assert set(op.output_shape.members) == {"ChannelARN"}


def test_create_media_stream_pipeline_request_and_response_carry_every_model_member() -> None:
    from kvs_chime.media_pipelines import (
        CreateMediaStreamPipelineRequest,
        CreateMediaStreamPipelineResponse,
        MediaStreamPipeline,
        MediaStreamSink,
        MediaStreamSource,
        Tag,
    )

    assert fields_of(CreateMediaStreamPipelineRequest) == {
        "sources": ("Sources", True),
        "sinks": ("Sinks", True),
        "client_request_token": ("ClientRequestToken", False),
        "tags": ("Tags", False),
    }
    assert fields_of(MediaStreamSource) == {
        "source_type": ("SourceType", True),
        "source_arn": ("SourceArn", True),
    }
    assert fields_of(MediaStreamSink) == {
        "sink_arn": ("SinkArn", True),
        "sink_type": ("SinkType", True),
        "reserved_stream_capacity": ("ReservedStreamCapacity", True),
        "media_stream_type": ("MediaStreamType", True),
    }
    assert fields_of(Tag) == {"key": ("Key", True), "value": ("Value", True)}
    assert fields_of(CreateMediaStreamPipelineResponse) == {
        "media_stream_pipeline": ("MediaStreamPipeline", True)  # present
    }
    assert fields_of(MediaStreamPipeline) == {
        "media_pipeline_id": ("MediaPipelineId", True),  # present: its identity and status
        "media_pipeline_arn": ("MediaPipelineArn", True),
        "created_timestamp": ("CreatedTimestamp", True),
        "updated_timestamp": ("UpdatedTimestamp", False),
        "status": ("Status", True),
        "sources": ("Sources", False),
        "sinks": ("Sinks", False),
    }

    op = MODELS["chime-sdk-media-pipelines"].operation_model("CreateMediaStreamPipeline")
    assert set(op.input_shape.members) == {"Sources", "Sinks", "ClientRequestToken", "Tags"}
    assert set(op.output_shape.members) == {"MediaStreamPipeline"}


def test_seed_annotations_are_precise() -> None:
    from kvs_chime.media_pipelines import (
        MediaPipelineStatus,
        MediaStreamPipeline,
        MediaStreamPipelineSinkType,
        MediaStreamSink,
        MediaStreamSource,
        MediaStreamType,
    )

    sink = typing.get_type_hints(MediaStreamSink)
    assert sink == {
        "sink_arn": str,
        "sink_type": MediaStreamPipelineSinkType | str,
        "reserved_stream_capacity": int,
        "media_stream_type": MediaStreamType | str,
    }
    pipeline = typing.get_type_hints(MediaStreamPipeline)
    assert pipeline["created_timestamp"] == datetime.datetime  # present members
    assert pipeline["status"] == MediaPipelineStatus | str
    assert pipeline["updated_timestamp"] == datetime.datetime | None
    assert pipeline["sources"] == list[MediaStreamSource] | None
    assert pipeline["sinks"] == list[MediaStreamSink] | None
