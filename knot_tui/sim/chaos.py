"""Chaos knobs: latency, an error rate and dropped streams, settable at start and at run time."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from knot_tui.sim.gojson import go_json


@dataclass
class Chaos:
    """Faults applied to every simulated server (knot, Nomad, Consul).

    `latency` delays each response (seconds, real time); `error_rate` answers that fraction
    of requests with a 500; `unreachable` names servers ("knot", "nomad", "consul") that
    refuse every request with 503 as if a proxy had lost them.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    unreachable: set[str] = field(default_factory=set)
    #: Answer the next `count` requests whose path contains `path` (on `server`) with
    #: `status` and `body`: every status code a client must handle, on demand.
    failures: list[dict[str, Any]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    injected: int = 0
    #: Every request served, newest last: (time.monotonic(), server, method, path with query).
    #: Tests and benchmarks count what a client asked (`GET /_sim/requests`).
    journal: deque[tuple[float, str, str, str]] = field(default_factory=lambda: deque(maxlen=100_000))

    def update(self, settings: dict[str, object]) -> None:
        """Apply knobs from a control request (unknown keys are ignored)."""
        if "latency" in settings:
            self.latency = max(0.0, float(settings["latency"]))  # type: ignore[arg-type]
        if "error_rate" in settings:
            self.error_rate = min(1.0, max(0.0, float(settings["error_rate"])))  # type: ignore[arg-type]
        if "unreachable" in settings:
            value = settings["unreachable"]
            self.unreachable = {str(v) for v in value} if isinstance(value, list) else set()
        if "fail" in settings:
            value = settings["fail"]
            if isinstance(value, dict):
                self.fail(**value)  # type: ignore[arg-type]
            elif value is None:
                self.failures.clear()

    def fail(
        self,
        status: int,
        path: str = "",
        *,
        server: str = "knot",
        count: int = 1,
        body: str | None = None,
        content_type: str = "application/json",
    ) -> None:
        """Answer the next `count` matching requests with `status` (knot-style JSON error by default)."""
        text = body if body is not None else go_json({"error": f"simulated {status}"}).decode()
        self.failures.append(
            {
                "status": int(status),
                "path": path,
                "server": server,
                "count": int(count),
                "body": text,
                "content_type": content_type,
            }
        )

    def state(self) -> dict[str, object]:
        return {
            "latency": self.latency,
            "error_rate": self.error_rate,
            "unreachable": sorted(self.unreachable),
            "fail": [dict(f) for f in self.failures],
            "injected": self.injected,
        }

    def middleware(self, server: str) -> web.middleware:  # type: ignore[valid-type]
        @web.middleware
        async def chaos(request: web.Request, handler):  # type: ignore[no-untyped-def]
            if request.path.startswith("/_sim/"):
                return await handler(request)
            self.journal.append((time.monotonic(), server, request.method, request.path_qs))
            for failure in self.failures:
                if failure["server"] == server and failure["path"] in request.path and failure["count"] > 0:
                    failure["count"] -= 1
                    self.injected += 1
                    if failure["count"] == 0:
                        self.failures.remove(failure)
                    return web.Response(
                        status=failure["status"], text=failure["body"], content_type=failure["content_type"]
                    )
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            if server in self.unreachable:
                self.injected += 1
                return web.Response(status=503, text="Service Unavailable\n")
            if self.error_rate > 0 and self.rng.random() < self.error_rate:
                self.injected += 1
                if server == "knot":
                    return web.Response(
                        status=500,
                        body=go_json({"error": "simulated failure (chaos error_rate)"}),
                        content_type="application/json",
                    )
                return web.Response(status=500, text="simulated failure (chaos error_rate)")
            return await handler(request)

        return chaos
