"""The User-Agent header of a client the facades use, built once per feature set, not per request.

botocore rebuilds the whole header for every request, twice over HTTP (when it serialises the
request, and again in its `request-created` handler), sanitising each of its ~16 parts character
by character: about 60 µs each time, a third of a stubbed call and several percent of a call over
loopback. Everything the header says is fixed when the client is made except the feature codes
(`m/...`), which come from the client and from the request's context; so the header is kept per
set of feature codes and is the string botocore would build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["memoize_user_agent"]

#: Distinct feature sets kept per client before the memo starts over (a client sees a handful).
_MEMO_LIMIT = 64


def memoize_user_agent(client: Any) -> None:
    """Make `client`'s User-Agent builder remember its strings by feature set (once per client).

    Leaves the client as it is where the builder is not botocore's `UserAgentString` as this
    knows it (its private attributes are read): the header is then built per request, as before.
    """
    creator: Any = getattr(client, "_user_agent_creator", None)
    if creator is None or "to_string" in getattr(creator, "__dict__", {"to_string": None}):
        return  # not botocore's builder, or already memoized
    if not hasattr(creator, "_client_features") or not callable(getattr(creator, "to_string", None)):
        return
    try:
        from botocore import context as request_context
    except ImportError:  # pragma: no cover - botocore before request contexts
        return
    get_context: Callable[[], Any] = request_context.get_context  # botocore is untyped
    build: Callable[[], str] = creator.to_string
    memo: dict[frozenset[str], str] = {}

    def to_string() -> str:
        context = get_context()
        features: frozenset[str] = frozenset(creator._client_features or ())
        if context is not None and context.features:
            features = features.union(context.features)
        header = memo.get(features)
        if header is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            header = memo[features] = build()
        return header

    # An instance attribute: both of botocore's callers (`_convert_to_request_dict` and the
    # `request-created` handler, a bound method of this same builder) look `to_string` up on it.
    creator.to_string = to_string
