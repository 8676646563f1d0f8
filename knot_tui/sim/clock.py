"""Simulated time: real wall-clock timestamps, durations scaled by `time_scale`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class SimClock:
    """Scales every simulated duration; optionally pins "now" for reproducible output.

    `time_scale` multiplies durations: 1.0 is realistic, 0.1 runs ten times faster.
    Named steps of a timeline ("setup", "first-check", ...) can be held: a sleep for a held
    step does not end until it is released, so a test or a demo can stop the world at an
    exact point (an allocation still pending, a check not yet run) and let it go on cue.
    """

    def __init__(self, time_scale: float = 1.0, frozen_at: datetime | None = None) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self.frozen_at = frozen_at
        self._holds: dict[str, asyncio.Event] = {}

    def hold(self, *steps: str) -> None:
        """Sleeps for these steps wait (after their duration) until `release`."""
        for step in steps:
            self._holds.setdefault(step, asyncio.Event())

    def release(self, *steps: str) -> None:
        for step in steps:
            gate = self._holds.pop(step, None)
            if gate is not None:
                gate.set()

    @property
    def held(self) -> frozenset[str]:
        return frozenset(self._holds)

    def now(self) -> datetime:
        return self.frozen_at if self.frozen_at is not None else datetime.now(UTC)

    def ago(self, seconds: float) -> datetime:
        return self.now() - timedelta(seconds=seconds)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    async def sleep(self, seconds: float, step: str = "") -> None:
        """Sleep a simulated duration (at least one loop turn, so order is kept); a held
        `step` then waits for its release."""
        await asyncio.sleep(max(0.0, seconds * self.time_scale))
        gate = self._holds.get(step) if step else None
        if gate is not None:
            await gate.wait()
