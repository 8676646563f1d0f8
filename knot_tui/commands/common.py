"""What the command-line subcommands share: messages, exit codes, finding a space by name."""

from __future__ import annotations

import sys

from knot_tui.config import Settings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.models import Space, User
from knot_tui.text import plain

EXIT_OK, EXIT_FAILED = 0, 1

NOT_CONFIGURED = (
    "no knot server configured: run `knot connect`, set KNOT_SERVER and KNOT_TOKEN, or pass --server/--token"
)


class Refused(Exception):
    """Input knot would refuse, or a state that makes the command pointless: exit 1."""


def say(message: str) -> None:
    """Progress and refusals go to stderr; stdout is for results (and the SSH bytes)."""
    print(f"knot-tui: {plain(message)}", file=sys.stderr, flush=True)


def configured(settings: Settings) -> bool:
    if settings.server and settings.token:
        return True
    say(NOT_CONFIGURED)
    return False


async def find_space(client: KnotClient, name: str) -> tuple[Space, User]:
    """Your space called `name`, else one shared with you (knot's own lookup order)."""
    me, spaces = await client.my_spaces()
    lowered = name.lower()
    mine = [s for s in spaces if s.name.lower() == lowered and s.user_id == me.user_id]
    shared = [s for s in spaces if s.name.lower() == lowered and s.user_id != me.user_id]
    if mine:
        return mine[0], me
    if shared:
        return shared[0], me
    names = ", ".join(sorted(s.name for s in spaces)) or "none"
    raise Refused(f"you have no space named {name!r} (yours and shared with you: {names})")
