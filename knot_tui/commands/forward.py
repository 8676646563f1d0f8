"""`knot-tui forward ssh SPACE`: an ssh ProxyCommand through knot's SSH WebSocket.

stdin/stdout carry the SSH connection, so every message goes to stderr. Exit 0 when ssh
closed the connection, 1 when knot refused it (401/403/404, with the reason) or dropped it.
"""

from __future__ import annotations

import argparse
import asyncio

from knot_tui.commands.common import EXIT_FAILED, EXIT_OK, configured, say
from knot_tui.config import Settings
from knot_tui.knot.errors import KnotError
from knot_tui.knot.models import name_problem
from knot_tui.knot.ssh_forward import forward_stdio
from knot_tui.services import knot_connection


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not configured(settings):
        return EXIT_FAILED
    name = args.space.removeprefix("knot.")  # ssh's %h is the host alias knot.<space>
    problem = name_problem(name.split(".")[0])
    if problem:
        say(f"{name!r} is not a space name: {problem}")
        return EXIT_FAILED
    name = name.split(".")[0]  # knot.<space>.<alias>
    try:
        ended = asyncio.run(forward_stdio(knot_connection(settings), name))
    except KnotError as exc:
        say(f"{exc.message}. {exc.remedy}".rstrip(". ") + ".")
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    if ended == "remote":
        say(f"the connection to {name} through knot was closed by the server")
        return EXIT_FAILED
    return EXIT_OK
