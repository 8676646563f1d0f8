"""The yardstick: a minimal Textual app (one line of text). Run as `python -m bench.minimal_app`."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Minimal(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("minimal textual app")


if __name__ == "__main__":
    Minimal().run()
