"""Messages from workers to screens: the only way data reaches widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from knot_tui.knot.errors import KnotError
from knot_tui.state import Change, FeedStatus

if TYPE_CHECKING:
    from knot_tui.monitor import MonitorItem


class SpacesChanged(Message):
    """The space store changed (see `change` for which rows)."""

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change


class NomadChanged(Message):
    """Nomad's job list changed (allocation summaries of some spaces' jobs)."""


class FeedStateChanged(Message):
    def __init__(self, status: FeedStatus) -> None:
        super().__init__()
        self.status = status


class ServiceError(Message):
    """A background failure to show (the status bar keeps the last one)."""

    def __init__(self, error: KnotError, context: str = "") -> None:
        super().__init__()
        self.error = error
        self.context = context


class MonitorUpdate(Message):
    """One item from a space's Nomad/Consul monitor (worker → screen)."""

    def __init__(self, item: MonitorItem) -> None:
        super().__init__()
        self.item = item
