"""Type-checked user code for the failure-path surface: families, call facts, budgets."""

from __future__ import annotations

import math

from typing_extensions import assert_type

from kvs_chime import (
    AccessDeniedError,
    CallError,
    CallInfo,
    ConflictError,
    DeadlineExceededError,
    KvsChimeError,
    NotFoundError,
    RetryBudget,
    RetryPolicy,
    ServerError,
    ServiceError,
    ThrottlingError,
    TransportError,
    call_info,
    last_call,
)
from kvs_chime.kinesisvideo import CreateSignalingChannelRequest, KinesisVideo


def handle(kv: KinesisVideo) -> str:
    try:
        created = kv.create_signaling_channel(CreateSignalingChannelRequest(channel_name="door"))
    except ThrottlingError as error:
        assert_type(error.attempts, int)
        assert_type(error.call_info, CallInfo)
        return "slow down"
    except (NotFoundError, ConflictError, AccessDeniedError) as error:
        assert_type(error.code, str)
        assert_type(error.request_id, str | None)
        return error.code
    except ServerError as error:
        assert_type(error.body, str | None)
        return "retry later"
    except DeadlineExceededError as error:
        assert_type(error.outcome_unknown, bool)
        return "late"
    except TransportError as error:
        assert_type(error.idempotency_token, str | None)
        return "no answer"
    except CallError as error:
        assert_type(error.operation, str)
        assert_type(error.http_status, int | None)
        return "failed"
    except KvsChimeError:
        return "other"
    info = call_info(created)
    assert_type(info, CallInfo | None)
    assert_type(last_call(), CallInfo | None)
    return "ok"


def budgets() -> None:
    budget = RetryBudget(capacity=math.inf)
    assert_type(budget.available, float)
    assert_type(budget.try_acquire(timeout=True), float | None)
    kv = KinesisVideo(region_name="us-east-1", retry=RetryPolicy(deadline=5.0), retry_budget=budget)
    assert_type(kv.retry_budget, RetryBudget)


def families(error: ServiceError) -> bool:
    return isinstance(error, (ThrottlingError, ServerError))
