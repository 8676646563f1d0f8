"""Encode responses the way Go's `encoding/json` does, so the simulator's bytes match knot's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def go_time(value: datetime | None) -> str:
    """RFC 3339 with nanosecond precision and trailing zeros trimmed (Go's RFC3339Nano)."""
    if value is None:
        return GO_ZERO_TIME
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def go_json(value: Any) -> bytes:
    """`json.NewEncoder(w).Encode(v)`: compact, HTML-escaped, newline-terminated."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return (text + "\n").encode()
