"""Startup: process start -> first paint, and -> spaces listed, against a minimal Textual app."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bench.session import Session, run_plain
from bench.stats import Result, median

MINIMAL = Path(__file__).with_name("minimal_app.py")
SPACES = 50


def _painted(screen: str) -> bool:
    return screen.strip() != ""


def run(quick: bool) -> list[Result]:
    runs = 5 if quick else 9
    minimal: list[float] = []
    first: list[float] = []
    listed: list[float] = []
    with Session(spaces=SPACES) as session:
        everyone = re.compile(rf"\b{SPACES} shown of {SPACES}\b")
        for attempt in range(runs + 1):  # the first round warms the disk cache and .pyc files
            with run_plain([sys.executable, str(MINIMAL)], session.home) as term:
                painted = term.wait_for(_painted, 30) - term.started
            with session.launch("--all-users") as term:
                app_painted = term.wait_for(_painted, 30) - term.started
                app_listed = term.wait_for(everyone, 60) - term.started
            if attempt:
                minimal.append(painted)
                first.append(app_painted)
                listed.append(app_listed)
    base = median(minimal)
    detail = {"runs": runs, "minimal_ms": round(base * 1000, 1)}
    return [
        Result("startup", "minimal Textual app: first paint", base * 1000, "ms", detail={"runs": runs}),
        Result(
            "startup",
            "first paint / minimal",
            median(first) / base,
            "x",
            target=1.5,
            detail={**detail, "app_ms": round(median(first) * 1000, 1)},
        ),
        Result(
            "startup",
            f"{SPACES} spaces listed / minimal",
            median(listed) / base,
            "x",
            target=2.5,
            detail={**detail, "app_ms": round(median(listed) * 1000, 1)},
        ),
    ]
