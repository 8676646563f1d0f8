"""Blocking-query watchers: an async iterator per watched resource that never gives up.

`watch` does a plain GET, then loops `GET ?index=<last>&wait=<w>`; it yields a `Snapshot`
only when the answer changed (list endpoints wake on any change of their table), a
`WatchError` (with the delay before the retry) when a call fails, and starts over from
index 0 when the index goes backwards (a leader change or restore).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from knot_tui.knot.events import Backoff
from knot_tui.nomad.errors import NomadError
from knot_tui.nomad.models import Indexed

T = TypeVar("T")
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[T]):
    value: T
    index: int
    at: float  # time.monotonic() when it was read


@dataclass(frozen=True, slots=True)
class WatchError:
    error: NomadError
    retry_in: float


async def watch(
    fetch: Callable[[int, float], Awaitable[Indexed[T]]],
    *,
    wait: float = 60.0,
    backoff: Backoff | None = None,
) -> AsyncIterator[Snapshot[T] | WatchError]:
    """Follow one resource with blocking queries; `fetch(index, wait)` does one read."""
    backoff = backoff or Backoff()
    index = 0
    last: object = _UNSET
    while True:
        try:
            result = await fetch(index, wait if index else 0.0)
        except NomadError as exc:
            delay = backoff.next()
            yield WatchError(exc, delay)
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        index = result.index if result.index >= index else 0
        if result.value != last:
            last = result.value
            yield Snapshot(result.value, result.index, time.monotonic())
        if index == 0:
            # No index from the server (or it went back): do not spin on plain GETs.
            await asyncio.sleep(min(wait, 2.0))


async def poll(
    fetch: Callable[[], Awaitable[T]],
    *,
    period: float = 2.0,
    backoff: Backoff | None = None,
) -> AsyncIterator[Snapshot[T] | WatchError]:
    """For what Nomad cannot block on (Nomad-native checks): read every `period` seconds.

    Iterate only while the result is on screen: stop iterating and the polling stops.
    """
    backoff = backoff or Backoff(first=period)
    while True:
        try:
            value = await fetch()
        except NomadError as exc:
            delay = max(period, backoff.next())
            yield WatchError(exc, delay)
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        yield Snapshot(value, 0, time.monotonic())
        await asyncio.sleep(period)
