"""The space's CSI volumes (the home volume): plugin, schedulable, modes, claims."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from knot_tui.nomad.errors import NomadError
from knot_tui.nomad.models import CSIVolume
from knot_tui.text import plain
from knot_tui.ui.format import size
from knot_tui.ui.panes.styles import status
from knot_tui.ui.widgets.pane import LIVE, Pane


def volume_text(volume: CSIVolume, statuses: dict[str, str] | None = None) -> Text:
    """`statuses`: the live client status of the job's allocations (a volume read carries a
    copy of each claiming allocation that its blocking query does not refresh)."""
    statuses = statuses or {}
    text = Text()
    text.append(plain(volume.id), style="bold")
    if volume.name and volume.name != volume.id:
        text.append(f" ({plain(volume.name)})", style="dim")
    text.append(f"\nplugin {plain(volume.plugin_id) or '?'}")
    if volume.provider:
        text.append(f" · {plain(volume.provider)}", style="dim")
    text.append(" · ")
    text.append(
        "✓ schedulable" if volume.schedulable else "✗ not schedulable",
        style="green" if volume.schedulable else "bold red",
    )
    if volume.nodes_expected:
        text.append(f" · nodes {volume.nodes_healthy}/{volume.nodes_expected} healthy", style="dim")
    requested = ", ".join(
        f"{plain(c.access_mode)}/{plain(c.attachment_mode)}" for c in volume.requested_capabilities
    )
    current = f"{plain(volume.access_mode) or '—'}/{plain(volume.attachment_mode) or '—'}"
    text.append(f"\naccess {current}")
    if requested:
        text.append(f"  (requested {requested})", style="dim")
    if volume.capacity:
        text.append(f"\ncapacity {size(volume.capacity)}")
    text.append(f"\n{volume.current_writers} writer(s) · {volume.current_readers} reader(s)", style="dim")
    if volume.allocations:
        text.append("\nused by ")
        for i, alloc in enumerate(volume.allocations):
            if i:
                text.append(", ")
            text.append(f"{alloc.short_id} ")
            text.append_text(status(statuses.get(alloc.id, alloc.client_status)))
    else:
        text.append("\nnot used by any allocation", style="dim")
    return text


def problem_text(volume_id: str, error: NomadError) -> Text:
    text = Text(plain(volume_id), style="bold")
    text.append(f"\n⚠ {plain(error.message)}", style="yellow")
    return text


class VolumePane(Pane):
    def __init__(self) -> None:
        super().__init__("CSI volume", mode=LIVE, id="pane-volume")
        self.volumes: dict[str, CSIVolume | Text] = {}
        self.statuses: dict[str, str] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(Text("Waiting for the job…", style="dim"), id="volume-body")

    def show(self, volume_id: str, volume: CSIVolume, at: float | None = None) -> None:
        self.volumes[volume_id] = volume
        self._render_all()
        self.fresh(at)

    def set_statuses(self, statuses: dict[str, str]) -> None:
        if statuses != self.statuses:
            self.statuses = statuses
            self._render_all()

    def show_problem(self, volume_id: str, error: NomadError, retry_in: float) -> None:
        self.volumes[volume_id] = problem_text(volume_id, error)
        self._render_all()
        self.fail(error, retry_in)

    def show_message(self, text: Text) -> None:
        if not self.volumes:
            self.query_one("#volume-body", Static).update(text)

    def _render_all(self) -> None:
        if not self.volumes:
            return
        out = Text()
        for i, volume_id in enumerate(sorted(self.volumes)):
            if i:
                out.append("\n\n")
            item = self.volumes[volume_id]
            out.append_text(item if isinstance(item, Text) else volume_text(item, self.statuses))
        self.query_one("#volume-body", Static).update(out)
