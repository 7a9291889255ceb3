"""A signaling messagePayload's bytes, read as the service relays it: in either base64 alphabet.

The service relays payloads without interpreting them, and peers differ: the JS SDK sends the
standard alphabet, padded; the Android SDK URL-safe without padding (`Base64.URL_SAFE |
Base64.NO_PADDING | Base64.NO_WRAP` in its `signaling/model/Message.java`).
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["payload_bytes"]

_BASE64 = re.compile(r"[A-Za-z0-9+/_-]*={0,2}")
_URL_SAFE = str.maketrans("-_", "+/")


def payload_bytes(text: str) -> bytes | None:
    """The bytes `text` encodes in the standard or URL-safe alphabet, padded or not; None when it
    is not base64 in either."""
    if not _BASE64.fullmatch(text):
        return None
    unpadded = text.rstrip("=").translate(_URL_SAFE)
    try:
        return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
