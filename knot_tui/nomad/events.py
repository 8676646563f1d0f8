"""Nomad's event stream (`/v1/event/stream`, NDJSON) for the jobs we watch.

One connection for many resources: explicit `Topic:<key>` filters (a token without
management rights gets nothing with an empty topic list), `{}` heartbeats every 30 s,
batches de-duplicated by `Index` (Nomad re-sends on resume), and resumption from the last
index after a drop. On Nomad 2.x a refused subscription shows as 200 and an immediate
close with no data: that is reported as `EventStreamState("denied")` so callers can fall
back to blocking queries.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from knot_tui.knot.events import Backoff
from knot_tui.nomad.errors import NomadError, classify


@dataclass(frozen=True, slots=True)
class NomadEvent:
    topic: str
    type: str
    key: str
    namespace: str
    index: int
    filter_keys: tuple[str, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EventBatch:
    index: int
    events: tuple[NomadEvent, ...]


@dataclass(frozen=True, slots=True)
class EventStreamState:
    state: str  # "live" | "reconnecting" | "denied" | "failed"
    detail: str = ""
    retry_in: float = 0.0
    error: NomadError | None = None


def job_topics(job_ids: Iterable[str]) -> list[str]:
    """Everything Nomad publishes about these jobs (filter keys per nomad-api.md 1.8)."""
    topics = []
    for job_id in job_ids:
        topics += [
            f"Job:{job_id}",
            f"Allocation:{job_id}",
            f"Deployment:{job_id}",
            f"Evaluation:{job_id}",
        ]
    return topics


def parse_batch(line: str) -> EventBatch | None:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("Index"), int):
        return None  # the `{}` heartbeat, or junk
    events = []
    listed = data.get("Events")
    for raw in listed if isinstance(listed, list) else []:
        if not isinstance(raw, dict):
            continue
        keys = raw.get("FilterKeys")
        index = raw.get("Index")
        events.append(
            NomadEvent(
                topic=str(raw.get("Topic", "")),
                type=str(raw.get("Type", "")),
                key=str(raw.get("Key", "")),
                namespace=str(raw.get("Namespace", "")),
                index=index if isinstance(index, int) and index > 0 else data["Index"],
                filter_keys=tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else (),
                payload=raw.get("Payload") if isinstance(raw.get("Payload"), dict) else {},
            )
        )
    return EventBatch(data["Index"], tuple(events))


async def event_stream(
    http: httpx.AsyncClient,
    topics: list[str],
    *,
    namespace: str = "default",
    index: int = 0,
    backoff: Backoff | None = None,
    silence: float = 75.0,
    extensions: dict[str, Any] | None = None,
) -> AsyncIterator[EventBatch | EventStreamState]:
    """Follow the event stream from `index`; yields each batch once, in order."""
    backoff = backoff or Backoff()
    last = index - 1 if index > 0 else 0
    timeout = httpx.Timeout(10.0, read=silence)
    while True:
        params: list[tuple[str, str]] = [
            ("namespace", namespace),
            ("index", str(last + 1 if last else index)),
        ]
        params += [("topic", t) for t in topics]
        reason = ""
        got_data = False
        try:
            async with http.stream(
                "GET",
                "/v1/event/stream",
                params=params,
                timeout=timeout,
                extensions=extensions or {},
            ) as response:
                if response.status_code != 200:
                    body = (await response.aread()).decode("utf-8", "replace")
                    error = classify(
                        response.status_code,
                        body,
                        what="the event stream",
                        capability="read-job",
                        namespace=namespace,
                    )
                    state = "denied" if response.status_code == 403 else "failed"
                    if response.status_code in (400, 403):
                        yield EventStreamState(state, error.message, error=error)
                        return
                    reason = error.message
                else:
                    async for line in response.aiter_lines():
                        if not line.strip():
                            continue
                        if not got_data:
                            got_data = True
                            backoff.reset()
                            yield EventStreamState("live")
                        batch = parse_batch(line)
                        if batch is None or batch.index <= last:
                            continue  # heartbeat, junk or a batch we already have
                        last = batch.index
                        yield batch
                    if not got_data:
                        yield EventStreamState(
                            "denied",
                            "the event stream closed without data (probably not permitted)",
                        )
                        return
                    reason = "the event stream was closed by the server"
        except httpx.ReadTimeout:
            reason = f"no heartbeat for {silence:.0f} s"
        except httpx.HTTPError as exc:
            reason = f"cannot reach Nomad ({type(exc).__name__})"
        delay = backoff.next()
        yield EventStreamState("reconnecting", reason, delay)
        await asyncio.sleep(delay)
