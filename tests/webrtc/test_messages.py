"""The signaling messages: exact encoding, tolerant decoding, bad input refused naming its field."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvs_chime.webrtc import (
    GoAway,
    IceCandidate,
    ReconnectIceServer,
    SdpAnswer,
    SdpOffer,
    StatusResponse,
    UnknownMessage,
    decode_inbound,
    validate_client_id,
)
from kvs_chime.webrtc._messages import MAX_FRAME, encode_candidate, encode_sdp

from ..depth import examples


def _b64(document: object) -> str:
    return base64.b64encode(json.dumps(document).encode()).decode()


def test_an_offer_is_sent_as_the_service_reads_it() -> None:
    frame = json.loads(encode_sdp("offer", "v=0\r\n", recipient_client_id="viewer-1", correlation_id="c.1"))
    assert frame == {
        "action": "SDP_OFFER",
        "messagePayload": frame["messagePayload"],
        "recipientClientId": "viewer-1",
        "correlationId": "c.1",
    }
    # Standard base64 (with + and /, padded) of compact JSON {type, sdp}.
    assert json.loads(base64.b64decode(frame["messagePayload"], validate=True)) == {
        "type": "offer",
        "sdp": "v=0\r\n",
    }


def test_a_candidate_carries_its_media_id_and_line_index() -> None:
    frame = json.loads(encode_candidate("candidate:1 1 udp 1 10.0.0.1 5000 typ host", "0", 0))
    assert frame["action"] == "ICE_CANDIDATE"
    assert "recipientClientId" not in frame and "correlationId" not in frame
    assert json.loads(base64.b64decode(frame["messagePayload"])) == {
        "candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }


def test_a_payload_over_10_kb_is_refused_naming_the_limit() -> None:
    with pytest.raises(ValueError, match="payload must be at most 10240 bytes"):
        encode_sdp("offer", "a" * 8 * 1024)  # 8 KB of SDP is over 10 KB once base64-encoded
    encode_sdp("offer", "a" * 7 * 1024)  # under the limit


@pytest.mark.parametrize(
    ("client_id", "rule"),
    [
        ("", "1-256 characters"),
        ("x" * 257, "1-256 characters"),
        ("has space", "1-256 characters"),
        ("AWS_reserved", "must not start with 'AWS_'"),
    ],
)
def test_bad_client_ids_are_refused_naming_field_and_rule(client_id: str, rule: str) -> None:
    with pytest.raises(ValueError, match="recipient_client_id") as raised:
        encode_sdp("answer", "v=0", recipient_client_id=client_id)
    assert rule in str(raised.value)
    with pytest.raises(ValueError, match=f"client_id .*{rule[:6]}"):
        validate_client_id(client_id)


def test_a_bad_correlation_id_is_refused() -> None:
    with pytest.raises(ValueError, match="correlation_id must be 1-256 characters"):
        encode_sdp("offer", "v=0", correlation_id="no spaces")


def test_each_inbound_type_is_typed() -> None:
    offer = {
        "messageType": "SDP_OFFER",
        "senderClientId": "v1",
        "messagePayload": _b64({"type": "offer", "sdp": "o"}),
    }
    answer = {"messageType": "SDP_ANSWER", "messagePayload": _b64({"type": "answer", "sdp": "a"})}
    candidate = {
        "messageType": "ICE_CANDIDATE",
        "senderClientId": "v1",
        "messagePayload": _b64({"candidate": "candidate:x", "sdpMid": "0", "sdpMLineIndex": 1}),
    }
    status = {
        "messageType": "STATUS_RESPONSE",
        "statusResponse": {
            "correlationId": "c1",
            "errorType": "InvalidArgumentException",
            "statusCode": "400",
        },
    }
    assert decode_inbound(json.dumps(offer)) == SdpOffer("o", "v1")
    assert decode_inbound(json.dumps(answer)) == SdpAnswer("a", None)
    assert decode_inbound(json.dumps(candidate)) == IceCandidate("candidate:x", "0", 1, "v1")
    assert decode_inbound(json.dumps(status)) == StatusResponse("c1", "InvalidArgumentException", "400", None)
    # GO_AWAY may come without any payload (the aws-samples script crashes on it).
    assert decode_inbound('{"messageType": "GO_AWAY"}') == GoAway()
    assert (
        decode_inbound('{"messageType": "RECONNECT_ICE_SERVER", "messagePayload": ""}')
        == ReconnectIceServer()
    )


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "not JSON"),
        ("", "JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"messageType": "SOMETHING_NEW", "messagePayload": "e30="}', "unknown messageType"),
        ('{"hello": 1}', "no messageType"),
        ('{"messageType": "SDP_OFFER", "messagePayload": "%%%"}', "not base64 of JSON"),
        ('{"messageType": "SDP_OFFER"}', "messagePayload is missing"),
        ('{"messageType": "SDP_ANSWER", "messagePayload": "WzFd"}', "not a JSON object"),
        ('{"messageType": "SDP_ANSWER", "messagePayload": "e30="}', "no sdp"),
        ('{"messageType": "ICE_CANDIDATE", "messagePayload": "eyJjYW5kaWRhdGUiOiAxfQ=="}', "no candidate"),
        ('{"messageType": "STATUS_RESPONSE"}', "statusResponse is missing"),
    ],
)
def test_what_is_not_understood_is_kept_not_raised(frame: str, reason: str) -> None:
    message = decode_inbound(frame)
    assert isinstance(message, UnknownMessage)
    assert message.raw == frame
    assert reason in message.reason


def test_sdp_is_not_in_the_repr() -> None:
    assert "secret-ice-pwd" not in repr(SdpOffer("a=ice-pwd:secret-ice-pwd", "v1"))


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=3000), st.one_of(st.none(), st.from_regex(r"[a-zA-Z0-9_.-]{1,20}", fullmatch=True)))
def test_what_is_sent_is_read_back_as_sent(sdp: str, recipient: str | None) -> None:
    # The relay forwards messagePayload unchanged and renames action to messageType.
    frame = json.loads(encode_sdp("answer", sdp, recipient_client_id=recipient))
    relayed = json.dumps({"messageType": frame["action"], "messagePayload": frame["messagePayload"]})
    assert decode_inbound(relayed) == SdpAnswer(sdp, None)


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_no_frame_makes_decoding_raise(frame: str | bytes) -> None:
    decode_inbound(frame)


# An SDP whose base64 has "+" and "/" (standard) or "-" and "_" (URL-safe), and needs padding.
_SDP = "v=0\r\na=fingerprint:sha-256 FB:FF:?>\r\n"


@pytest.mark.parametrize(
    "encode",
    [
        lambda b: base64.b64encode(b).decode(),  # the JS SDK
        lambda b: base64.b64encode(b).decode().rstrip("="),
        lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="),  # the Android SDK
        lambda b: base64.urlsafe_b64encode(b).decode(),
    ],
    ids=["standard", "standard unpadded", "url-safe unpadded (Android)", "url-safe padded"],
)
def test_a_payload_is_read_in_either_base64_alphabet_padded_or_not(encode: Callable[[bytes], str]) -> None:
    payload = encode(json.dumps({"type": "answer", "sdp": _SDP}).encode())
    assert decode_inbound(json.dumps({"messageType": "SDP_ANSWER", "messagePayload": payload})) == SdpAnswer(
        _SDP, None
    )


@pytest.mark.parametrize("payload", ["e3=0", "e30===", "e3 0", "e", "=e30"])
def test_what_is_not_base64_in_either_alphabet_is_unknown(payload: str) -> None:
    message = decode_inbound(json.dumps({"messageType": "SDP_ANSWER", "messagePayload": payload}))
    assert isinstance(message, UnknownMessage) and "not base64" in message.reason


def test_deep_or_oversized_frames_are_unknown_messages_not_errors() -> None:
    deep_payload = base64.b64encode(b"[" * 7000).decode()  # RecursionError in json.loads
    deep = decode_inbound(json.dumps({"messageType": "SDP_OFFER", "messagePayload": deep_payload}))
    assert isinstance(deep, UnknownMessage) and "deeper than 16" in deep.reason
    envelope = decode_inbound('{"messageType": "GO_AWAY", "x": ' + "[" * 30000 + "}")
    assert isinstance(envelope, UnknownMessage) and "deeper than 16" in envelope.reason
    big = decode_inbound("x" * (MAX_FRAME + 1))
    assert isinstance(big, UnknownMessage) and len(big.raw) == MAX_FRAME
    # Brackets inside strings nest nothing: a real message full of them is read.
    sdp = "a=x:" + "[{" * 5000
    payload = base64.b64encode(json.dumps({"type": "offer", "sdp": sdp}).encode()).decode()
    assert decode_inbound(json.dumps({"messageType": "SDP_OFFER", "messagePayload": payload})) == SdpOffer(
        sdp, None
    )
