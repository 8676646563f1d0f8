"""RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as knot's `internal/totp` verifies codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import datetime

STEP = 30
DIGITS = 6


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def code_at(secret: str, when: datetime) -> str:
    counter = int(when.timestamp()) // STEP
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**DIGITS
    return f"{value:0{DIGITS}d}"


def verify_code(secret: str, code: str, when: datetime, window: int = 1) -> bool:
    """True when `code` matches the step of `when` or one within `window` steps of it."""
    code = code.strip()
    if len(code) != DIGITS or not code.isdigit():
        return False
    base = int(when.timestamp())
    for delta in range(-window, window + 1):
        candidate = code_at(secret, datetime.fromtimestamp(base + delta * STEP, tz=when.tzinfo))
        if hmac.compare_digest(candidate, code):
            return True
    return False
