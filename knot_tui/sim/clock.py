"""Simulated time: real wall-clock timestamps, durations scaled by `time_scale`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class SimClock:
    """Scales every simulated duration; optionally pins "now" for reproducible output.

    `time_scale` multiplies durations: 1.0 is realistic, 0.1 runs ten times faster.
    """

    def __init__(self, time_scale: float = 1.0, frozen_at: datetime | None = None) -> None:
        if time_scale < 0:
            raise ValueError("time_scale must be >= 0")
        self.time_scale = time_scale
        self.frozen_at = frozen_at

    def now(self) -> datetime:
        return self.frozen_at if self.frozen_at is not None else datetime.now(UTC)

    def ago(self, seconds: float) -> datetime:
        return self.now() - timedelta(seconds=seconds)

    def scaled(self, seconds: float) -> float:
        return seconds * self.time_scale

    async def sleep(self, seconds: float) -> None:
        """Sleep a simulated duration (at least one loop turn, so order is kept)."""
        await asyncio.sleep(max(0.0, seconds * self.time_scale))
