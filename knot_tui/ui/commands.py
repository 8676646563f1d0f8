"""The command palette (ctrl+p): what you can do here, found by typing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Provider

from knot_tui.text import plain

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

Command = tuple[str, str, Callable[[], object]]


class SpacesCommands(Provider):
    """Actions on the selected space, view toggles, alias switching, sign-in, help."""

    def _commands(self) -> list[Command]:
        from knot_tui.ui.screens.details import DetailsScreen
        from knot_tui.ui.screens.spaces import SpacesScreen

        app = cast("KnotApp", self.app)
        commands: list[Command] = []
        screen = self.screen
        if isinstance(screen, DetailsScreen):
            detail = app.store.spaces.get(screen.space_id)
            if detail is not None:
                name = plain(detail.name)
                commands += [
                    (
                        f"Links of {name}",
                        "code-server, web terminal, HTTP ports: open or copy",
                        screen.action_links,
                    ),
                    (f"Open VNC of {name}", "the desktop in a browser", screen.action_vnc),
                    (f"SSH into {name}", "open a shell in the space", screen.action_ssh),
                    (f"Logs of {name}", "agent log and Nomad task output", screen.action_logs),
                ]
        if isinstance(screen, SpacesScreen):
            space = screen.selected()
            if space is not None:
                name = plain(space.name)
                for verb, action, help_text in (
                    ("Details of", screen.action_details, "Nomad allocation, checks and volume"),
                    ("Start", screen.action_start, "start the selected space"),
                    ("Stop", screen.action_stop, "stop the selected (or marked) spaces"),
                    ("Restart", screen.action_restart, "restart the selected space"),
                    (
                        "Delete",
                        screen.action_delete,
                        "delete the selected space (asks for its name)",
                    ),
                    ("Logs of", screen.action_logs, "agent log and Nomad task output"),
                    ("SSH into", screen.action_ssh, "open a shell in the space"),
                    ("Open VNC of", screen.action_vnc, "the desktop in a browser"),
                    (
                        "Links of",
                        partial(app.open_links, space),
                        "code-server, web terminal, HTTP ports: open or copy",
                    ),
                ):
                    commands.append((f"{verb} {name}", help_text, action))
            commands += [
                (
                    "Toggle: everyone's spaces",
                    "the ops view (Manage Spaces)",
                    screen.action_all_users,
                ),
                (
                    "Toggle: needs attention",
                    "unhealthy, stuck, failed allocations, updates",
                    screen.action_attention,
                ),
                ("Cycle sort", "name, state, health, uptime, template, user", screen.action_sort),
                ("Cycle grouping", "none, user, state, health", screen.action_group),
                ("Filter spaces", "type to narrow the list", screen.action_filter),
            ]
        for alias in app.settings.aliases:
            if alias != app.settings.alias:
                commands.append(
                    (
                        f"Switch to alias {alias}",
                        "reconnect using knot.toml's connection",
                        partial(app.switch_alias, alias),
                    )
                )
        commands.append(("New space", "create a space from a template", app.open_new_space))
        commands.append(
            (
                "Install the bundled Ubuntu Desktop template",
                "admins: XFCE + KasmVNC, CSI home volume, a check that works on current knot",
                app.install_template,
            )
        )
        commands.append(
            (
                "Sign in (another server or user)",
                "email and password, or an API token",
                app.action_sign_in,
            )
        )
        commands.append(("Keys and help", "every key, from the bindings", app.action_help))
        return commands

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        for label, help_text, callback in self._commands():
            yield DiscoveryHit(label, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for label, help_text, callback in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
