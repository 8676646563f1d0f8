"""The bottom status line: where we are connected, as whom, and the truth about each feed."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.widgets import Static

from knot_tui.text import plain, shorten

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

_FEED_STYLE = {
    "live": ("green", "live"),
    "connecting": ("yellow", "connecting"),
    "down": ("red", "down"),
    "auth": ("red", "signed out"),
    "off": ("dim", "not configured"),
}


def connection_state(label: str, state: str, detail: str = "") -> Text:
    style, word = _FEED_STYLE.get(state, ("dim", state))
    text = Text()
    text.append(f"{label} ", style="dim")
    text.append("● ", style=style)
    text.append(word, style=style)
    if detail:
        text.append(f" ({detail})", style="dim")
    return text


class StatusBar(Static):
    """Reads the app's connection state; redraws whenever it changes."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    def on_mount(self) -> None:
        app = cast("KnotApp", self.app)
        self.watch(app, "feed_status", self._changed, init=False)
        self.watch(app, "last_error", self._changed, init=False)
        self.watch(app, "nomad_status", self._changed, init=False)
        self.watch(app, "identity", self._changed, init=True)

    def _changed(self, _value: object = None) -> None:
        self.update(self.build())

    def build(self) -> Text:
        app = cast("KnotApp", self.app)
        settings = app.settings
        parts: list[Text] = []
        where = Text()
        if settings.demo:
            where.append("demo", style="bold")
            where.append(" · embedded simulator", style="dim")
        else:
            where.append(settings.alias, style="bold")
            if settings.server:
                where.append(f" {settings.server}", style="dim")
        if app.identity:
            where.append(f" · {plain(app.identity)}")
        if settings.read_only:
            where.append(" · read-only", style="bold yellow")
        if settings.tls_skip_verify:
            where.append(" · TLS NOT VERIFIED", style="bold red")
        parts.append(where)
        status = app.feed_status
        detail = ""
        if status.state == "down":
            detail = f"retry in {status.retry_in:.0f}s"
        parts.append(connection_state("events", status.state, detail))
        for label, state in app.extra_feeds():
            parts.append(connection_state(label, state))
        if app.last_error:
            parts.append(Text(shorten(plain(app.last_error), 80), style="red"))
        return Text("  ").join(parts)
