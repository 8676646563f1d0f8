"""`knot-tui ssh-config update|remove`: `Host knot.<space>` entries in ~/.ssh/config.

`update` lists your spaces (and those shared with you) whose template has SSH and writes one
block for the alias between knot-tui's markers; `remove` deletes that block. Nothing outside
the markers changes; the previous file is kept next to it (`config.knot-tui.bak`).
`--dry-run` prints what would be written and touches nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from knot_tui import sshconfig
from knot_tui.commands.common import EXIT_FAILED, EXIT_OK, configured, say
from knot_tui.config import Settings
from knot_tui.knot.client import KnotClient
from knot_tui.knot.errors import KnotError
from knot_tui.services import knot_connection
from knot_tui.ssh import host_alias, proxy_command


async def _entries(settings: Settings, forward_agent: bool) -> list[sshconfig.HostEntry]:
    async with KnotClient(knot_connection(settings)) as client:
        me, spaces = await client.my_spaces()
    user = settings.ssh_user or me.username
    config = settings.knot_config if settings.source == "knot.toml" and settings.knot_config else None
    entries = []
    seen: set[str] = set()
    # Own spaces first: knot's proxy resolves a name to your own space before a shared one.
    for space in sorted(spaces, key=lambda s: (s.name.lower(), s.user_id != me.user_id)):
        if not (space.template_has_ssh or space.has_ssh) or space.name.lower() in seen:
            continue
        seen.add(space.name.lower())
        entries.append(
            sshconfig.HostEntry(
                host=host_alias(space.name, settings.alias),
                proxy=proxy_command(space.name, alias=settings.alias, config=config),
                user=user,
                forward_agent=forward_agent,
            )
        )
    return entries


def run(settings: Settings, args: argparse.Namespace) -> int:
    path: Path = (args.file or Path.home() / ".ssh" / "config").expanduser()
    if path.is_symlink():
        path = path.resolve()  # dotfile managers: change the file, keep the link
    try:
        text = sshconfig.read(path)
    except OSError as exc:
        say(f"cannot read {path}: {exc.strerror or exc}")
        return EXIT_FAILED
    newline = sshconfig.newline_of(text)
    try:
        if args.ssh_config_action == "update":
            if not configured(settings):
                return EXIT_FAILED
            try:
                entries = asyncio.run(_entries(settings, not args.no_agent_forwarding))
            except KnotError as exc:
                say(f"{exc.message}. {exc.remedy}".rstrip(". ") + ".")
                return EXIT_FAILED
            block = sshconfig.render_block(entries, settings.alias, newline)
            if args.dry_run:
                sys.stdout.write(block)
                return EXIT_OK
            new = sshconfig.with_block(text, block, settings.alias)
            summary = f"{len(entries)} host{'s' if len(entries) != 1 else ''}: " + (
                ", ".join(e.host for e in entries) or "none (no space with SSH)"
            )
        else:
            current = sshconfig.current_block(text, settings.alias)
            if args.dry_run:
                sys.stdout.write(current)
                return EXIT_OK
            if not current:
                say(f"{path} has no knot-tui block for alias {settings.alias!r}: nothing to remove")
                return EXIT_OK
            new = sshconfig.without_block(text, settings.alias)
            summary = "removed the knot-tui block"
    except ValueError as exc:
        say(f"{path}: {exc}")
        return EXIT_FAILED
    if new == text:
        say(f"{path} is already up to date ({summary})")
        return EXIT_OK
    if settings.read_only:
        say("refused: --read-only (use --dry-run to see the block)")
        return EXIT_FAILED
    try:
        backup = sshconfig.write(path, new)
    except OSError as exc:
        say(f"cannot write {path}: {exc.strerror or exc}")
        return EXIT_FAILED
    say(f"{path}: {summary}" + (f" (previous file kept as {backup})" if backup else ""))
    return EXIT_OK
