"""knot's SSE hub (`internal/sse/hub.go`): broadcast to every client, 500-event buffers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

#: Per-client buffer; knot drops events for a client whose buffer is full.
CLIENT_BUFFER = 500

#: Sentinel telling a client's stream to end (server shutdown, or a chaos "drop").
CLOSE = b""


class EventHub:
    def __init__(self) -> None:
        self._clients: dict[asyncio.Queue[bytes], str] = {}
        self.dropped = 0

    def subscribe(self, session_id: str) -> asyncio.Queue[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=CLIENT_BUFFER)
        self._clients[queue] = session_id
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes]) -> None:
        self._clients.pop(queue, None)

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def broadcast(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":")).encode()
        for queue in list(self._clients):
            try:
                queue.put_nowait(data)
            except asyncio.QueueFull:
                self.dropped += 1

    def invalidate_session(self, session_id: str) -> None:
        """Send `auth:required` to the clients of one token or session (`InvalidateSession`)."""
        data = json.dumps({"type": "auth:required"}, separators=(",", ":")).encode()
        for queue, owner in list(self._clients.items()):
            if owner == session_id:
                try:
                    queue.put_nowait(data)
                except asyncio.QueueFull:
                    self.dropped += 1

    def close_all(self) -> None:
        """End every open stream (used on shutdown and by the chaos knob that drops feeds)."""
        for queue in list(self._clients):
            try:
                queue.put_nowait(CLOSE)
            except asyncio.QueueFull:
                # Make room for the close marker: the client is going away anyway.
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(CLOSE)
