"""Small statistics and the result record every benchmark returns."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct` percentile (nearest rank on sorted values, as load testers report it)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Result:
    """One figure: `value` in `unit`, compared with `target` by `better` ("lower"/"higher")."""

    group: str
    name: str
    value: float
    unit: str
    target: float | None = None
    better: str = "lower"
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def latency(group: str, name: str, seconds: Sequence[float], target_ms: float, counted: str) -> list[Result]:
    """p50 and p95 of `seconds` in ms (the target applies to p95); `counted` names the samples."""
    detail = {counted: len(seconds)}
    return [
        Result(group, f"{name} p50", percentile(seconds, 50) * 1000, "ms", detail=detail),
        Result(group, f"{name} p95", percentile(seconds, 95) * 1000, "ms", target=target_ms, detail=detail),
    ]
