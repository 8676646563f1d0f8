"""One line of text that changes often: redraws itself without a layout of the screen.

`Static.update` asks for a layout (its size may change); a status line that changes with
every batch of log lines must not, or a busy log relayouts the screen 20 times a second.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TextLine(Widget):
    DEFAULT_CSS = """
    TextLine { height: 1; width: 1fr; }
    """

    def __init__(self, text: Text | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = text or Text()

    def render(self) -> Text:
        return self._text

    def update(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()
