"""Task logs from `/v1/client/fs/logs/<alloc>` (httpx streaming), lossless across drops.

The body is concatenated JSON objects with no separator (`{...}{...}`): frames
`{"File", "Offset", "Data"}` with base64 data that is not line-aligned, `{"File",
"FileEvent"}` on rotation, and `{}` heartbeats every second (nomad-api.md section 1.7).
`FrameDecoder` accepts the bytes split anywhere. `follow_task_logs` keeps the last `Offset`
and, after a drop, resumes with `origin=start&offset=<last>`: no gap, no duplicate.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from knot_tui.knot.events import Backoff
from knot_tui.nomad.errors import NomadError, NomadPermissionDenied, NomadUnreachable, classify


@dataclass(frozen=True, slots=True)
class LogData:
    data: bytes
    offset: int  # the stream offset after this data (resume from here)
    file: str


@dataclass(frozen=True, slots=True)
class LogFileEvent:
    event: str  # "file deleted" | "file truncated"
    file: str


@dataclass(frozen=True, slots=True)
class LogStreamState:
    state: str  # "live" | "reconnecting" | "ended" | "failed"
    detail: str = ""
    retry_in: float = 0.0
    error: NomadError | None = None


LogItem = LogData | LogFileEvent | LogStreamState


class FrameDecoder:
    """Incremental parser for concatenated JSON frames; tolerant of garbage between them."""

    def __init__(self) -> None:
        self._buffer = ""
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._decoder = json.JSONDecoder()

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        self._buffer += self._text.decode(chunk)
        frames: list[dict[str, Any]] = []
        pos = 0
        buffer = self._buffer
        while True:
            start = buffer.find("{", pos)
            if start == -1:
                pos = len(buffer)
                break
            try:
                value, end = self._decoder.raw_decode(buffer, start)
            except json.JSONDecodeError as exc:
                if (
                    exc.pos >= len(buffer) - 1
                    or exc.msg.startswith("Unterminated string")  # a frame's Data, cut short
                    or _incomplete(buffer, start)
                ):
                    pos = start  # wait for the rest of this frame
                    break
                pos = start + 1  # not a frame: skip this brace
                continue
            if isinstance(value, dict):
                frames.append(value)
            pos = end
        self._buffer = buffer[pos:]
        return frames


_SPECIAL = re.compile(r'[{}"]')


def _incomplete(buffer: str, start: int) -> bool:
    """True when the text from `start` could still become a JSON object.

    Strings (a frame's base64 `Data` is ~87 KB of one) are skipped with `str.find`, not read
    character by character: this runs each time part of a frame arrives.
    """
    depth = 0
    i = start
    while (match := _SPECIAL.search(buffer, i)) is not None:
        ch, i = match.group(), match.end()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return False
        else:  # a string: find its closing quote (one not escaped)
            while True:
                close = buffer.find('"', i)
                if close == -1:
                    return True  # the rest of the string is still coming
                backslashes = close - i - len(buffer[i:close].rstrip("\\"))
                i = close + 1
                if backslashes % 2 == 0:
                    break
    return True


def decode_frame(frame: dict[str, Any], offset: int) -> LogData | LogFileEvent | None:
    """A frame as an item (None for heartbeats and junk)."""
    file = frame.get("File") if isinstance(frame.get("File"), str) else ""
    event = frame.get("FileEvent")
    if isinstance(event, str) and event:
        return LogFileEvent(event, file)
    data = frame.get("Data")
    if not isinstance(data, str) or not data:
        return None
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    new_offset = frame.get("Offset")
    if not isinstance(new_offset, int) or isinstance(new_offset, bool):
        new_offset = offset + len(raw)
    return LogData(raw, new_offset, file)


async def follow_task_logs(
    http: httpx.AsyncClient,
    alloc_id: str,
    task: str,
    kind: str,
    *,
    namespace: str = "",
    tail_bytes: int = 50_000,
    follow: bool = True,
    backoff: Backoff | None = None,
    extensions: dict[str, Any] | None = None,
    read_timeout: float = 10.0,
) -> AsyncIterator[LogItem]:
    """Follow stdout or stderr of `task`, starting `tail_bytes` before the end.

    Yields data and file events, and the stream's state: "live" once bytes flow,
    "reconnecting" after a drop (it then resumes at the last offset), "ended" when a
    non-following read is complete, "failed" with the error for refusals it cannot retry.
    """
    backoff = backoff or Backoff()
    offset: int | None = None
    params_base: dict[str, str] = {
        "task": task,
        "type": kind,
        "follow": "true" if follow else "false",
    }
    if namespace:
        params_base["namespace"] = namespace
    timeout = httpx.Timeout(10.0, read=read_timeout)
    while True:
        params = dict(params_base)
        if offset is None:
            params.update(origin="end", offset=str(max(0, tail_bytes)))
        else:
            params.update(origin="start", offset=str(offset))
        reason = ""
        delivered = False  # this connection brought lines: a drop after that retries at once
        try:
            async with http.stream(
                "GET",
                f"/v1/client/fs/logs/{alloc_id}",
                params=params,
                timeout=timeout,
                extensions=extensions or {},
            ) as response:
                if response.status_code != 200:
                    body = (await response.aread()).decode("utf-8", "replace")
                    error = classify(
                        response.status_code,
                        body,
                        what=f"the {kind} of task {task}",
                        capability="read-logs",
                        namespace=namespace,
                    )
                    refused = isinstance(error, NomadPermissionDenied) or "unknown allocation" in body.lower()
                    if response.status_code in (400, 403) or refused:
                        yield LogStreamState("failed", error.message, error=error)
                        return
                    reason = error.message
                    delay = backoff.next()
                    yield LogStreamState("reconnecting", reason, delay, error)
                    await asyncio.sleep(delay)
                    continue
                decoder = FrameDecoder()
                announced = False
                async for chunk in response.aiter_raw():
                    if not announced:
                        announced = True
                        backoff.reset()
                        yield LogStreamState("live")
                    for frame in decoder.feed(chunk):
                        item = decode_frame(frame, offset or 0)
                        if item is None:
                            continue
                        if isinstance(item, LogData):
                            offset = item.offset
                            delivered = True
                        yield item
                if not announced:
                    backoff.reset()
                if not follow:
                    yield LogStreamState("ended")
                    return
                reason = "the log stream was closed by the server"
        except httpx.ReadTimeout:
            reason = f"no data or heartbeat for {read_timeout:.0f} s"
        except httpx.HTTPError as exc:
            reason = NomadUnreachable(f"Cannot reach Nomad ({type(exc).__name__})").message
        # A stream that was flowing resumes at once (from its offset: nothing lost or repeated);
        # one that failed before any line backs off.
        delay = 0.0 if delivered else backoff.next()
        yield LogStreamState("reconnecting", reason, delay)
        await asyncio.sleep(delay)
