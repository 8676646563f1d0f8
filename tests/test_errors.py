"""Error bodies in every shape knot produces, and remedies that say what to do."""

from __future__ import annotations

import pytest

from knot_tui.knot.errors import (
    KnotBadRequest,
    KnotLocked,
    KnotQuotaExceeded,
    KnotUnauthorized,
    error_from_response,
    remedy_for,
    server_message,
)


@pytest.mark.parametrize(
    ("body", "ctype", "expected"),
    [
        (b'{"error":"space cannot be started"}\n', "application/json", "space cannot be started"),
        # Go's http.Error text followed by the handler's JSON (DecodeRequestBody)
        (b'invalid JSON format\n{"error":"unexpected EOF"}\n', "text/plain", "unexpected EOF"),
        # GetBearerToken and ApiAuth both write a 401 body
        (
            b'{"error":"Authentication token is not valid"}\n{"error":"Authentication token is not valid"}\n',
            "application/json",
            "Authentication token is not valid",
        ),
        (b"Unauthorized\n", "text/plain", "Unauthorized"),
        (b"", "", ""),
        (
            b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
            "text/html",
            "502 Bad Gateway",
        ),
        (
            b"\x85\x01binary",
            "application/msgpack",
            "the server answered in msgpack, which knot-tui does not read",
        ),
        (b'{"error": "\\u001b[2Jgotcha"}', "application/json", "gotcha"),
        (b"x" * 5000, "text/plain", "x" * 299 + "…"),
    ],
)
def test_server_message(body: bytes, ctype: str, expected: str) -> None:
    assert server_message(body, ctype) == expected


def test_error_types_and_remedies() -> None:
    locked = error_from_response(423, b'{"error":"space cannot be deleted"}', "application/json", "delete")
    assert isinstance(locked, KnotLocked)
    assert "Stop it first" in locked.remedy
    assert locked.message == "space cannot be deleted"

    quota = error_from_response(507, b'{"error":"compute unit quota exceeded"}', "application/json", "start")
    assert isinstance(quota, KnotQuotaExceeded) and "stop another space" in quota.remedy

    bad = error_from_response(400, b'{"error":"failed to save space: space name already used"}', "", "create")
    assert isinstance(bad, KnotBadRequest) and "choose another name" in bad.remedy

    unauthorized = error_from_response(401, b"", "", "list")
    assert isinstance(unauthorized, KnotUnauthorized)
    assert unauthorized.message == "401 Unauthorized"
    assert "sign in again" in unauthorized.remedy


@pytest.mark.parametrize("status", [400, 401, 403, 404, 406, 423, 429, 500, 503, 507])
def test_every_status_has_a_remedy(status: int) -> None:
    assert remedy_for(status, "", "start")


def test_schedule_503() -> None:
    assert "schedule" in remedy_for(503, "outside of schedule", "start")
