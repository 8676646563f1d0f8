"""The screen's keys on one line, drawn as text.

Textual's `Footer` builds one widget per key and recomposes all of them whenever focus or
bindings change (about 25 ms on the spaces screen, paid before the first frame and on every
screen switch). `KeyBar` shows the same active bindings (with the keymap applied, disabled
ones dimmed, the palette key on the right) as a single rendered line; a click presses the key.
While a text box has focus, keys it would type (`/`, letters) are left out: they no longer
do what the bar would say.
"""

from __future__ import annotations

import string
from functools import cache

from rich.style import Style
from rich.text import Text
from textual import events
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyBar > .key-bar--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyBar > .key-bar--description { color: $footer-description-foreground; }
    KeyBar > .key-bar--disabled { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: (first cell, end cell, key) of each key drawn, for clicks.
        self._hits: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def _keys(self) -> tuple[list[tuple[str, str, bool, str]], tuple[str, str, bool, str] | None]:
        """[(key shown, description, enabled, key)], and the command palette's."""
        app = self.app
        seen: set[str] = set()
        keys: list[tuple[str, str, bool, str]] = []
        palette = None
        focused = self.screen.focused
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            typed = _typed_characters().get(binding.key)
            if focused is not None and typed is not None and focused.check_consume_key(binding.key, typed):
                continue
            item = (app.get_key_display(binding), binding.description, enabled, binding.key)
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = item
            elif binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append(item)
        return keys, palette

    def render(self) -> Text:
        keys, palette = self._keys()
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text_style = self.get_component_rich_style("key-bar--description", partial=True)
        dim = self.get_component_rich_style("key-bar--disabled", partial=True)

        def entry(shown: str, description: str, enabled: bool) -> Text:
            extra = Style() if enabled else dim
            piece = Text(f" {shown} ", key_style + extra, end="")
            piece.append(f"{description} ", text_style + extra)
            return piece

        width = self.size.width
        tail = entry(*palette[:3]) if palette is not None else Text()
        room = width - tail.cell_len
        line = Text(no_wrap=True, end="")
        hits: list[tuple[int, int, str]] = []
        for shown, description, enabled, key in keys:
            piece = entry(shown, description, enabled)
            if line.cell_len + piece.cell_len > room - 1:
                line.append("…", text_style)
                break
            hits.append((line.cell_len, line.cell_len + piece.cell_len, key))
            line.append_text(piece)
        if palette is not None:
            hits.append((width - tail.cell_len, width, palette[3]))
        line.append(" " * max(0, width - line.cell_len - tail.cell_len))
        line.append_text(tail)
        self._hits = hits
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._hits:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return


@cache
def _typed_characters() -> dict[str, str]:
    """Key name → the printable character it types ("slash" → "/", "n" → "n")."""
    return {_character_to_key(char): char for char in string.printable if char.isprintable()}
