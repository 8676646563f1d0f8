"""The two kinds of log a space has, as streams of raw lines that survive drops.

- knot's agent log (WebSocket): on every (re)connect knot sends the session's history (up to
  1000 lines) before the live lines. After a reconnect the history overlaps what we already
  have: `overlap()` finds how much, so each line is shown once. When nothing overlaps (the
  agent restarted, or more than 1000 lines were written while we were away) a marker says
  lines may be missing.
- A Nomad task's stdout or stderr: bytes resumed by offset (no gap, no duplicate) and cut
  into lines here; a partial first line of a tail is dropped, a partial last line waits for
  its end.

Both yield `SourceLines` and `SourceState`; no Textual here.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from knot_tui.knot.agent_logs import HistoryEnd, agent_log_stream
from knot_tui.knot.connection import Connection
from knot_tui.knot.errors import KnotAPIError, KnotError
from knot_tui.knot.events import Backoff
from knot_tui.nomad.logs import LogData, LogFileEvent, LogStreamState, follow_task_logs

AGENT_HISTORY = 1000  # lines knot keeps per agent session
AGENT_AWAY_RETRY = 5.0


@dataclass(frozen=True, slots=True)
class SourceLines:
    lines: list[str]
    marker: bool = False  # knot-tui's own note, drawn differently


@dataclass(frozen=True, slots=True)
class SourceState:
    state: str  # connecting | live | reconnecting | waiting | ended | failed
    detail: str = ""
    retry_in: float = 0.0


SourceItem = SourceLines | SourceState


def overlap(seen: Sequence[str], history: Sequence[str]) -> int:
    """How many leading lines of `history` we already have at the end of `seen`.

    The history is a window of the same log, ending at or after our last line: the largest
    `k` for which history[:k] lines up with the end of `seen` (seen may be shorter than k
    when we joined late). 0 when they do not overlap.
    """
    n, m = len(history), len(seen)
    if not n or not m:
        return 0
    last = seen[-1]
    for k in range(n, 0, -1):
        if history[k - 1] != last:
            continue
        length = min(k, m)
        if list(history[k - length : k]) == list(seen[m - length :]):
            return k
    return 0


def frame_lines(frames: list[str]) -> list[str]:
    """knot sends a multi-line message as one frame with CRLFs inside: one line each."""
    if not any("\n" in frame for frame in frames):
        return frames
    return [part.removesuffix("\r") for frame in frames for part in frame.split("\n")]


class LineSplitter:
    """Bytes in, complete lines out (UTF-8 decoded incrementally, CR before LF dropped)."""

    def __init__(self, *, skip_partial_first: bool = False) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._rest = ""
        self._skip_first = skip_partial_first

    def feed(self, data: bytes) -> list[str]:
        text = self._rest + self._decoder.decode(data)
        parts = text.split("\n")
        self._rest = parts.pop()
        if self._skip_first and parts:
            parts.pop(0)  # the tail began mid-line
            self._skip_first = False
        return [p[:-1] if p.endswith("\r") else p for p in parts]

    def pending(self) -> str:
        return self._rest


async def agent_log(
    connection: Connection, space_id: str, *, backoff: Backoff | None = None
) -> AsyncIterator[SourceItem]:
    """knot's agent log, history then live, reconnecting for as long as it is iterated."""
    backoff = backoff or Backoff()
    seen: deque[str] = deque(maxlen=AGENT_HISTORY)
    joined = False
    while True:
        yield SourceState("connecting")
        history: list[str] = []
        live = False
        try:
            async for item in agent_log_stream(connection, space_id):
                if isinstance(item, HistoryEnd):
                    live = True
                    backoff.reset()
                    skip = overlap(list(seen), history)
                    if joined and seen and history and skip == 0:
                        yield SourceLines(
                            ["── reconnected: lines written while the log was away may be missing ──"],
                            marker=True,
                        )
                    new = history[skip:]
                    seen.extend(new)
                    joined = True
                    yield SourceState("live")
                    if new:
                        yield SourceLines(frame_lines(new))
                elif item.history:
                    history.append(item.text)
                else:
                    seen.append(item.text)
                    yield SourceLines(frame_lines([item.text]))
        except KnotAPIError as exc:
            if exc.status in (400, 401, 403, 404):
                yield SourceState("failed", f"{exc.message}. {exc.remedy}".strip(". "))
                return
            reason = exc.message
        except KnotError as exc:
            reason = exc.message
        else:
            reason = "the log stream was closed"
        if not live:
            yield SourceState(
                "waiting",
                "the space's agent is not connected: knot has no log for it until it is",
                AGENT_AWAY_RETRY,
            )
            await asyncio.sleep(AGENT_AWAY_RETRY)
            continue
        delay = backoff.next()
        yield SourceState("reconnecting", reason, delay)
        await asyncio.sleep(delay)


async def task_log(
    http: httpx.AsyncClient,
    alloc_id: str,
    task: str,
    kind: str,
    *,
    namespace: str = "",
    tail_bytes: int = 50_000,
    extensions: dict[str, Any] | None = None,
    read_timeout: float = 10.0,
) -> AsyncIterator[SourceItem]:
    """A task's stdout or stderr from `tail_bytes` before the end, then live, lossless."""
    splitter: LineSplitter | None = None
    yield SourceState("connecting")
    async for item in follow_task_logs(
        http,
        alloc_id,
        task,
        kind,
        namespace=namespace,
        tail_bytes=tail_bytes,
        extensions=extensions,
        read_timeout=read_timeout,
    ):
        if isinstance(item, LogData):
            if splitter is None:
                starts_at = item.offset - len(item.data)
                splitter = LineSplitter(skip_partial_first=starts_at > 0)
            lines = splitter.feed(item.data)
            if lines:
                yield SourceLines(lines)
        elif isinstance(item, LogFileEvent):
            yield SourceLines([f"── {item.file or 'log file'}: {item.event} (log rotation) ──"], marker=True)
        elif isinstance(item, LogStreamState):
            if item.state == "failed":
                detail = item.error.message if item.error else item.detail
                remedy = item.error.remedy if item.error else ""
                yield SourceState("failed", f"{detail}. {remedy}".strip(". "))
                return
            yield SourceState(item.state, item.detail, item.retry_in)


async def batched(
    source: AsyncIterator[SourceItem], window: float = 0.05, limit: int = 1000
) -> AsyncIterator[SourceItem]:
    """Merge the lines that arrive within `window` seconds (or up to `limit`) into one item,
    so a burst costs the UI one update, not thousands. States pass through at once, in order."""
    end = object()
    queue: asyncio.Queue[Any] = asyncio.Queue(
        maxsize=64
    )  # bounded: a slow reader slows the stream, not memory

    failure: list[BaseException] = []

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put(item)
        except Exception as exc:  # re-raised in the consumer, not lost in this task
            failure.append(exc)
        finally:
            await queue.put(end)

    task = asyncio.ensure_future(pump())
    loop = asyncio.get_running_loop()
    try:
        item = await queue.get()
        while item is not end:
            if isinstance(item, SourceState) or item.marker:
                yield item
                item = await queue.get()
                continue
            lines = list(item.lines)
            deadline = loop.time() + window
            item = None
            while len(lines) < limit:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    break
                if isinstance(nxt, SourceLines) and not nxt.marker:
                    lines.extend(nxt.lines)
                    continue
                item = nxt  # a state, a marker or the end: after these lines
                break
            yield SourceLines(lines)
            if item is None:
                item = await queue.get()
        if failure:
            raise failure[0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
