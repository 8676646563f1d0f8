"""Pick one of a space's browser links: enter opens it in the browser, c copies it."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from knot_tui import browser
from knot_tui.knot.links import Link
from knot_tui.text import plain
from knot_tui.ui.widgets.key_bar import KeyBar


class LinksScreen(ModalScreen[None]):
    BINDING_GROUP_TITLE = "Links"
    BINDINGS = [
        Binding("escape", "dismiss_links", "Close", id="links.close", tooltip="Close"),
        Binding("c", "copy", "Copy", id="links.copy", tooltip="Copy the link (OSC 52 clipboard)"),
    ]

    def __init__(self, title: str, links: list[Link]) -> None:
        super().__init__()
        self.title_text = title
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(plain(self.title_text), style="bold"), id="dialog-title")
            options = []
            for i, link in enumerate(self.links):
                prompt = Text(link.label, style="bold")
                prompt.append(f"\n{link.url}", style="dim")
                options.append(Option(prompt, id=str(i)))
            yield OptionList(*options, id="links")
            yield Static(
                Text(
                    "enter opens it in your browser · c copies it · esc closes. Browser pages need a "
                    "knot web session: sign in to knot's web UI in that browser first.",
                    style="dim",
                ),
                id="dialog-message",
            )
        yield KeyBar()

    def _link(self) -> Link | None:
        index = self.query_one("#links", OptionList).highlighted
        return self.links[index] if index is not None and 0 <= index < len(self.links) else None

    @on(OptionList.OptionSelected, "#links")
    def open_link(self) -> None:
        link = self._link()
        if link is not None:
            self.open_in_browser(link)

    def open_in_browser(self, link: Link) -> None:
        from knot_tui.ui import handover

        handover.open_link(self.app, link, note=browser.SESSION_NOTE if link.label == "VNC desktop" else "")  # type: ignore[arg-type]

    def action_copy(self) -> None:
        link = self._link()
        if link is not None:
            self.app.copy_to_clipboard(link.url)
            self.notify(f"Copied {link.url}", title=link.label)

    def action_dismiss_links(self) -> None:
        self.dismiss()
