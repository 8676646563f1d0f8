"""knot's event feed (`GET /api/events`, SSE) as an async iterator that never gives up.

It yields what happened, including the feed's own state, so consumers get recovery for
free: `FeedConnected` after every (re)connect (refetch everything then: events may have
been missed), `FeedDown` with the delay before the next try, the space events, and
`FeedAuthRequired` when the token is refused (the feed stops: sign in again).

Reconnects back off from 1 s to 30 s; more than 20 s without a byte (knot sends a
keep-alive comment every 5 s) counts as a dead connection, as knot's web UI does.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from httpx_sse import SSEError, aconnect_sse

from knot_tui.knot.client import KnotClient, transport_error
from knot_tui.knot.errors import KnotError, error_from_response
from knot_tui.knot.feed_items import (
    FeedAuthRequired,
    FeedConnected,
    FeedDown,
    FeedItem,
    parse_message,
)


@dataclass
class Backoff:
    """Exponential backoff with jitter: 1, 2, 4 ... capped at 30 seconds."""

    first: float = 1.0
    cap: float = 30.0
    attempt: int = 0

    def next(self) -> float:
        self.attempt += 1
        delay = min(self.cap, self.first * 2 ** (self.attempt - 1))
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.attempt = 0


async def event_feed(
    client: KnotClient,
    *,
    silence: float = 20.0,
    backoff: Backoff | None = None,
) -> AsyncIterator[FeedItem]:
    """Follow `/api/events` forever (until auth fails or the caller stops iterating)."""
    backoff = backoff or Backoff()
    connected_before = False
    timeout = httpx.Timeout(10.0, read=silence)
    while True:
        reason = ""
        try:
            async with aconnect_sse(client.http, "GET", "/api/events", timeout=timeout) as source:
                response = source.response
                if response.status_code == 401:
                    await response.aread()
                    yield FeedAuthRequired("the server refused the API token (401)")
                    return
                if response.status_code != 200:
                    await response.aread()
                    error = error_from_response(
                        response.status_code,
                        response.content,
                        response.headers.get("content-type", ""),
                    )
                    reason = f"{response.status_code}: {error.message}"
                else:
                    async for sse in source.aiter_sse():
                        if sse.event == "connected":
                            backoff.reset()
                            yield FeedConnected(reconnect=connected_before)
                            connected_before = True
                            continue
                        item = parse_message(sse.data)
                        if item is None:
                            continue
                        yield item
                        if isinstance(item, FeedAuthRequired):
                            return
                    reason = "the server closed the event stream"
        except httpx.ReadTimeout:
            reason = f"no data for {silence:.0f} s"
        except httpx.HTTPError as exc:
            reason = transport_error(exc, client.connection.server).message
        except SSEError:
            reason = "the server did not answer with an event stream"
        except KnotError as exc:
            reason = exc.message
        delay = backoff.next()
        yield FeedDown(reason=reason, retry_in=delay, attempt=backoff.attempt)
        await asyncio.sleep(delay)
