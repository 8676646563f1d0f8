"""Shown when no knot server and token are configured."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

HELP = """\
[b]No knot server is configured.[/b]

knot-tui uses the same settings as the knot CLI. Any of these works:

  • [b]knot connect https://knot.example.com[/b]   (saves ~/.config/knot/knot.toml)
  • [b]export KNOT_SERVER=... KNOT_TOKEN=...[/b]    (both are needed)
  • [b]knot-tui --server URL --token TOKEN[/b]

Just looking? Run [b]knot-tui --demo[/b] to try everything on a built-in simulator.
"""


class NotConfiguredScreen(Screen[None]):
    BINDINGS = [Binding("q", "app.quit", "Quit", id="app.quit")]

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="not-configured"):
            yield Static(HELP, markup=True)
        yield Footer()
