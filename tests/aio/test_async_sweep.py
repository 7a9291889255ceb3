"""Every operation of every async facade, through aiobotocore and real HTTP, against the sync
facade making the same call from the same emulator state: the same outcome either way.

Each operation gets the request the stubbed sweep uses (every member filled, valid by the model),
so creates create, and look-ups of what does not exist fail with the service's error. The outcome
compared is what a caller branches on: the response class, or the error class and code.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiobotocore.session import get_session
from botocore import xform_name

from kvs_chime import KinesisVideo, KinesisVideoSignaling, KvsChimeError, MediaPipelines, Meetings
from kvs_chime.aio import (
    AsyncKinesisVideo,
    AsyncKinesisVideoArchivedMedia,
    AsyncKinesisVideoMedia,
    AsyncKinesisVideoSignaling,
    AsyncKinesisVideoWebRtcStorage,
    AsyncMediaPipelines,
    AsyncMeetings,
)
from kvs_chime.errors import CallError
from kvs_chime.testing import LocalEndpoint

from ..unit.test_operations import (
    ARCHIVED,
    GET_MEDIA,
    KVS,
    MEDIA,
    MEETINGS,
    SERVICES,
    SIGNALING,
    STORAGE,
    service_model,
    typed_from_wire,
    wire_value,
)
from .conftest import run

FACADES: dict[str, tuple[type[Any], type[Any]]] = {
    KVS: (KinesisVideo, AsyncKinesisVideo),
    SIGNALING: (KinesisVideoSignaling, AsyncKinesisVideoSignaling),
    MEDIA: (MediaPipelines, AsyncMediaPipelines),
    MEETINGS: (Meetings, AsyncMeetings),
}
CASES = [(service, op) for service in FACADES for op in sorted(service_model(service).operation_names)]


def outcome(result: object) -> tuple[object, ...]:
    if isinstance(result, CallError):
        return ("error", type(result).__name__, result.code)
    if isinstance(result, KvsChimeError):
        return ("error", type(result).__name__)
    assert not isinstance(result, BaseException), f"not a kvs_chime error: {result!r}"
    return ("ok", type(result).__name__)


def request_for(service: str, operation: str) -> Any:
    op_model = service_model(service).operation_model(operation)
    params = wire_value(service, op_model.input_shape) if op_model.input_shape else {}
    return typed_from_wire(getattr(SERVICES[service].shapes, f"{operation}Request"), params)


@pytest.mark.parametrize("service", list(FACADES))
def test_every_async_operation_answers_as_the_sync_one(ep: LocalEndpoint, service: str) -> None:
    # One client of each kind per service (building one costs more than a hundred calls).
    sync_class, async_class = FACADES[service]
    # Signaling answers on a channel's endpoint; the emulator serves it on its own URL too.
    where = {"endpoint_url": ep.url, "region_name": ep.region}
    sync_facade = sync_class(session=ep.boto3_session(), **where)
    operations = [op for s, op in CASES if s == service]

    def sent(operation: str) -> int:
        return len(ep.journal.entries(operation))

    expected: dict[str, tuple[object, ...]] = {}
    for operation in operations:
        ep.reset()
        try:
            result = outcome(getattr(sync_facade, xform_name(operation))(request_for(service, operation)))
        except Exception as exc:  # compared below: any exception is an outcome here
            result = outcome(exc)
        expected[operation] = (*result, sent(operation))

    async def main() -> dict[str, tuple[object, ...]]:
        session = get_session()
        session.set_credentials("testing", "testing", "testing")
        got: dict[str, tuple[object, ...]] = {}
        async with async_class(session=session, **where) as facade:
            for operation in operations:
                ep.reset()
                try:
                    result = outcome(
                        await getattr(facade, xform_name(operation))(request_for(service, operation))
                    )
                except Exception as exc:  # compared below: any exception is an outcome here
                    result = outcome(exc)
                # With the requests the emulator received: the async call is answered the same way.
                got[operation] = (*result, sent(operation))
        return got

    got = run(main)
    assert {op: got[op] for op in operations if got[op] != expected[op]} == {}, expected
    # Not a sweep of refusals: creates create, look-ups of what is missing fail as the service says.
    if service in (KVS, MEDIA):  # the services with creates the emulator answers from empty
        assert sum(result[0] == "ok" for result in expected.values()) >= 5, expected


def test_the_sweep_covers_every_async_method() -> None:
    # The data planes' own tests (test_async_data_plane.py) call them on their endpoints.
    data_planes = {
        GET_MEDIA: AsyncKinesisVideoMedia,
        ARCHIVED: AsyncKinesisVideoArchivedMedia,
        STORAGE: AsyncKinesisVideoWebRtcStorage,
    }
    for service, async_class in data_planes.items():
        model_ops = {xform_name(op) for op in service_model(service).operation_names}
        assert model_ops <= set(dir(async_class)), model_ops - set(dir(async_class))
    for service, (_, async_class) in FACADES.items():
        model_ops = {xform_name(op) for op in service_model(service).operation_names}
        methods = {name for name in dir(async_class) if not name.startswith("_")}
        assert model_ops <= methods, model_ops - methods
        assert {op for s, op in CASES if s == service} == set(service_model(service).operation_names)
