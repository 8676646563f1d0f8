"""Typed knot errors that say what happened and what to do about it.

Every failure the client meets becomes a `KnotError` with a `message` (what happened, in
the server's words where it gave any) and a `remedy` (what the user can do). Error bodies
are parsed defensively: knot answers `{"error": ...}` JSON, but also plain text, empty
bodies, two JSON objects in a row, or Go's `http.Error` text followed by JSON
(knot-api.md section 9).
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus

from knot_tui.text import plain, shorten

_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


class KnotError(Exception):
    """Base for every knot client failure."""

    status: int = 0

    def __init__(self, message: str, remedy: str = "", *, status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        if status:
            self.status = status

    def __str__(self) -> str:
        return f"{self.message}. {self.remedy}" if self.remedy else self.message


class KnotUnreachable(KnotError):
    """The server could not be reached (refused, DNS, reset, proxy)."""


class KnotTLSError(KnotUnreachable):
    """The server's TLS certificate was not accepted."""


class KnotTimeout(KnotUnreachable):
    """The server took too long to answer."""


class KnotProtocolError(KnotError):
    """The server answered, but not with anything knot would send."""


class KnotAPIError(KnotError):
    """The server refused: an HTTP status outside 2xx, with knot's own message."""

    def __init__(self, status: int, server_message: str, remedy: str, action: str = "") -> None:
        reason = server_message or _reason(status)
        super().__init__(reason, remedy, status=status)
        self.server_message = server_message
        self.action = action


class KnotBadRequest(KnotAPIError):
    status = 400


class KnotUnauthorized(KnotAPIError):
    status = 401


class KnotForbidden(KnotAPIError):
    status = 403


class KnotNotFound(KnotAPIError):
    status = 404


class KnotWrongZone(KnotAPIError):
    status = 406


class KnotConflict(KnotAPIError):
    status = 409


class KnotLocked(KnotAPIError):
    status = 423


class KnotRateLimited(KnotAPIError):
    status = 429


class KnotServerError(KnotAPIError):
    status = 500


class KnotUnavailable(KnotAPIError):
    status = 503


class KnotQuotaExceeded(KnotAPIError):
    status = 507


_BY_STATUS: dict[int, type[KnotAPIError]] = {
    400: KnotBadRequest,
    401: KnotUnauthorized,
    403: KnotForbidden,
    404: KnotNotFound,
    406: KnotWrongZone,
    409: KnotConflict,
    423: KnotLocked,
    429: KnotRateLimited,
    500: KnotServerError,
    503: KnotUnavailable,
    507: KnotQuotaExceeded,
}


def _reason(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _json_errors(text: str) -> list[str]:
    """Every `"error"` string in every JSON object found in `text`."""
    decoder = json.JSONDecoder()
    found: list[str] = []
    pos = text.find("{")
    while pos != -1:
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            pos = text.find("{", pos + 1)
            continue
        if isinstance(value, dict) and isinstance(value.get("error"), str):
            found.append(value["error"])
        pos = text.find("{", end)
    return found


def server_message(body: bytes, content_type: str = "") -> str:
    """The human message in an error body, whatever shape it came in (never raises)."""
    ctype = content_type.lower()
    if "msgpack" in ctype:
        return "the server answered in msgpack, which knot-tui does not read"
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    errors = _json_errors(text)
    if errors:
        return shorten(plain(errors[-1]), 500)
    if "html" in ctype or text.lstrip().lower().startswith(("<!doctype", "<html")):
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAGS.sub(" ", text)
    return shorten(plain(" ".join(text.split())), 300)


_KNOWN_400: list[tuple[str, str]] = [
    (
        "space quota exceeded",
        "Delete a space you no longer need, or ask an admin to raise your space quota.",
    ),
    (
        "storage unit quota exceeded",
        "Delete a space you no longer need, or ask an admin for more storage units.",
    ),
    ("invalid template given", "The template is inactive or deleted: pick another template."),
    ("template not found", "The template no longer exists: reload the template list."),
    ("name already used", "You already have a space with this name: choose another name."),
    (
        "invalid name given",
        "Use 2-64 letters, digits and '-', starting with a letter, without '--'.",
    ),
    ("description too long", "Shorten the description to 1024 characters."),
    ("invalid shell", "Choose bash, zsh, fish or sh."),
    (
        "no permission to use this template",
        "Ask an admin to add you to one of the template's groups.",
    ),
    ("space creation is disabled", "The server does not allow new spaces right now: ask an admin."),
    ("invalid credentials", "Check the email address and the password (at least 8 characters)."),
    ("invalid template name", "Template names must be 1-64 characters."),
]

_LOCKED = {
    "start": (
        "It is already running or changing state: wait for it to settle "
        "(a dependency may need starting first)."
    ),
    "stop": "It is not running: nothing to stop.",
    "restart": "Only a running space can be restarted: wait for it to settle or start it.",
    "delete": "Stop it first and wait until it has stopped, then delete it.",
}


def remedy_for(status: int, message: str, action: str = "") -> str:
    """What a user can do about `status` with `message`, knowing what they tried."""
    low = message.lower()
    if status == 400:
        for needle, remedy in _KNOWN_400:
            if needle in low:
                return remedy
        return "The server rejected the request as invalid."
    if status == 401:
        if action == "login":
            return "Check the email, password and TOTP code."
        return (
            "The API token is not valid (revoked, or unused for 14 days): "
            "sign in again or run `knot connect`."
        )
    if status == 403:
        return "Your knot role lacks this permission: ask an admin to grant it."
    if status == 404:
        return "It may have been deleted, or it belongs to another user: refresh the list."
    if status == 406:
        return "The space lives in another zone: use that zone's knot server."
    if status == 415:
        return "knot-tui sent a body the server did not accept: please report this."
    if status == 423:
        return _LOCKED.get(action, "The space is busy changing state: wait and try again.")
    if status == 429:
        return "Too many attempts: wait a minute, then try again."
    if status == 500:
        return "knot (or Nomad behind it) failed: the message above is its own; check the knot server log."
    if status == 503:
        if "schedule" in low:
            return "The template only allows starts inside its schedule window."
        return "The server is temporarily unavailable: retry in a moment."
    if status == 507:
        return "You are at your compute quota: stop another space first, or ask an admin for more units."
    if status >= 500:
        return "The server failed: retry, and check the knot server log if it persists."
    return ""


def error_from_response(status: int, body: bytes, content_type: str = "", action: str = "") -> KnotAPIError:
    message = server_message(body, content_type)
    cls = _BY_STATUS.get(status, KnotServerError if status >= 500 else KnotAPIError)
    return cls(status, message, remedy_for(status, message, action), action)
