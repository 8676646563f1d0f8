"""`knot-tui vnc SPACE [--print]`: the space's desktop URL, opened in a browser when possible.

The URL is built as knot's web UI builds it (`<owner>--<space>--vnc` on the server's wildcard
domain). It goes to stdout; a browser is opened only where one can be (see `browser.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from knot_tui import browser
from knot_tui.commands.common import EXIT_FAILED, EXIT_OK, Refused, configured, find_space, say
from knot_tui.config import Settings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.errors import KnotError
from knot_tui.knot.links import vnc_problem, vnc_url
from knot_tui.services import knot_connection


async def _url(settings: Settings, name: str) -> str:
    async with KnotClient(knot_connection(settings)) as client:
        space, _me = await find_space(client, name)
        info = await client.server_info()
    problem = vnc_problem(space, info.wildcard_domain)
    if problem:
        raise Refused(problem)
    return vnc_url(space, settings.server, info.wildcard_domain)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not configured(settings):
        return EXIT_FAILED
    try:
        url = asyncio.run(_url(settings, args.space))
    except Refused as exc:
        say(f"refused: {exc}")
        return EXIT_FAILED
    except KnotError as exc:
        say(f"{exc.message}. {exc.remedy}".rstrip(". ") + ".")
        return EXIT_FAILED
    print(url, flush=True)
    if args.print:
        return EXIT_OK
    reason = browser.open_url(url)
    if reason:
        say(f"not opening a browser: {reason}. Open the URL above yourself.")
    else:
        say("opened in your browser.")
    say(browser.SESSION_NOTE)
    sys.stdout.flush()
    return EXIT_OK
