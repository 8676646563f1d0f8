"""Logs: following a task's stdout while it writes 1,000,000 lines (rate, memory, keys)."""

from __future__ import annotations

import re
import time

from bench.session import RUNNING_SPACE, Session, show_only
from bench.stats import Result, latency
from bench.term import Terminal, Timeout, rss_mb

SPACE = RUNNING_SPACE
PAUSED = "‖ paused".encode()
FOLLOWING = "↓ following".encode()


def _open_stdout(term: Terminal) -> None:
    show_only(term, SPACE)
    term.press("l")
    term.wait_for("agent log", 20)
    term.press("o")
    term.wait_for(re.compile(r"● live\s+↓ following\s+[1-9]\d* lines"), 20)


def run(quick: bool) -> list[Result]:
    lines = 200_000 if quick else 1_000_000
    last = f"bench line {lines:08d}".encode()
    keys: list[float] = []
    with Session(spaces=50) as session, session.launch(cols=160, rows=48) as term:
        _open_stdout(term)
        time.sleep(1.0)  # settle: the initial tail is drawn
        before = rss_mb(term.pid)
        peak = before
        started = session.ask("POST", "/flood", json={"name": SPACE, "lines": lines, "width": 60})["t"]
        # While the lines pour in: pause and resume following (p), each press timed until
        # the status line shows the new state. The view follows again after each pair, so
        # the last line shows once it has been read.
        done_at = None
        deadline = time.monotonic() + 600
        while done_at is None and time.monotonic() < deadline:
            for state in (PAUSED, FOLLOWING):
                sent = term.press("p", emulate=False)
                try:
                    keys.append(term.wait_for_bytes(state, 10) - sent)
                except Timeout:
                    keys.append(10.0)
            peak = max(peak, rss_mb(term.pid))
            try:
                done_at = term.wait_for_bytes(last, 0.2)
            except Timeout:
                continue
        if done_at is None:
            raise Timeout(f"the last of {lines} lines never showed")
        after = rss_mb(term.pid)
    seconds = done_at - started
    return [
        Result(
            "logs",
            f"ingest ({lines:,} lines)",
            lines / seconds,
            "lines/s",
            target=50_000,
            better="higher",
            detail={"seconds": round(seconds, 2)},
        ),
        Result("logs", "RSS before", before, "MB"),
        Result(
            "logs",
            f"RSS growth after {lines:,} lines",
            after - before,
            "MB",
            target=100.0,
            detail={"after_mb": round(after, 1), "peak_mb": round(peak, 1)},
        ),
        *latency("logs", "keypress while streaming", keys, 100.0, "keys"),
    ]
