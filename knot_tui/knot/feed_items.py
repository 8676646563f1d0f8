"""What knot's event feed yields: the feed's own state and the events (no network code here).

Kept apart from `knot_tui.knot.events` so the store can be imported without httpx.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FeedConnected:
    """The feed is (re)connected. `reconnect` is False only for the very first time."""

    reconnect: bool


@dataclass(frozen=True, slots=True)
class FeedDown:
    """The feed dropped or could not connect; the next attempt is in `retry_in` seconds."""

    reason: str
    retry_in: float
    attempt: int


@dataclass(frozen=True, slots=True)
class FeedAuthRequired:
    """The server refused the token (401) or invalidated it (`auth:required`): stop."""

    reason: str


@dataclass(frozen=True, slots=True)
class SpaceChanged:
    space_id: str
    user_id: str = ""
    shared_with: tuple[str, ...] = ()
    previous_users: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpaceDeleted:
    """knot also sends this for a space it has just *created*: refetch before removing."""

    space_id: str
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class TemplatesChanged:
    template_id: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class OtherEvent:
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


FeedItem = (
    FeedConnected | FeedDown | FeedAuthRequired | SpaceChanged | SpaceDeleted | TemplatesChanged | OtherEvent
)


def parse_message(data: str) -> FeedItem | None:
    """One `event: message` data line -> a feed item (None for anything unreadable)."""
    try:
        event = json.loads(data)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return None
    kind = event["type"]
    payload = event.get("payload")
    payload = payload if isinstance(payload, dict) else {}
    ident = payload.get("id")
    ident = ident if isinstance(ident, str) else ""
    user = payload.get("user_id")
    user = user if isinstance(user, str) else ""

    def ids(key: str) -> tuple[str, ...]:
        value = payload.get(key)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    if kind == "auth:required":
        return FeedAuthRequired("the server ended this session")
    if kind == "space:changed" and ident:
        return SpaceChanged(ident, user, ids("shared_with_user_ids"), ids("previous_user_ids"))
    if kind == "space:deleted" and ident:
        return SpaceDeleted(ident, user)
    if kind in ("templates:changed", "templates:deleted"):
        return TemplatesChanged(ident, deleted=kind.endswith("deleted"))
    return OtherEvent(kind, payload)
