"""The knot agent's log of a space (`GET /logs/<space uuid>/stream`, a WebSocket).

The server sends its in-memory history (up to 1000 lines per agent session), one text frame
holding the single byte 0x00 to mark the end of history, then live lines until the agent
session ends. Every frame is one line, already ANSI-coloured, ending in CRLF.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed

from knot_tui.knot.connection import Connection
from knot_tui.knot.errors import KnotError
from knot_tui.knot.websocket import open_websocket

END_OF_HISTORY = "\x00"

_REFUSALS = {
    400: (
        "knot wants the space's id for logs, not its name",
        "This is a knot-tui bug: please report it.",
    ),
    403: ("Your knot role lacks the View Logs permission", "Ask an admin to grant View Logs."),
    404: (
        "Only the owner of a space (or a user it is shared with) can read its log",
        "Admins cannot read other users' agent logs; use the Nomad task logs instead.",
    ),
}


@dataclass(frozen=True, slots=True)
class LogLine:
    text: str  # without the trailing CRLF; may hold ANSI colour sequences
    history: bool


@dataclass(frozen=True, slots=True)
class HistoryEnd:
    """Everything before this was history; what follows is live."""


async def agent_log_stream(
    connection: Connection, space_id: str, *, follow: bool = True
) -> AsyncIterator[LogLine | HistoryEnd]:
    """Yield the history, `HistoryEnd`, then (with `follow`) live lines until the session ends.

    A stream that ends before `HistoryEnd` means the space's agent is not connected.
    """
    ws = await open_websocket(connection, f"/logs/{space_id}/stream", action="logs", refusals=_REFUSALS)
    in_history = True
    try:
        async for frame in ws:
            text = frame if isinstance(frame, str) else frame.decode("utf-8", errors="replace")
            if text == END_OF_HISTORY:
                in_history = False
                yield HistoryEnd()
                if not follow:
                    return
                continue
            if text.endswith("\r\n"):
                text = text[:-2]
            elif text.endswith("\n"):
                text = text[:-1]
            yield LogLine(text, in_history)
    except ConnectionClosed:
        return
    finally:
        await ws.close()


__all__ = ["HistoryEnd", "KnotError", "LogLine", "agent_log_stream"]
