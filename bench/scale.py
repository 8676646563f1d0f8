"""Scale: time until 100 and 10,000 spaces are listed, and filter keystroke -> redraw."""

from __future__ import annotations

import re

from bench.session import Session
from bench.stats import Result, latency, median

#: Typed one key at a time; each prefix is a filter the table must apply and redraw.
QUERIES = ["desktop", "eu-central", "running", "!stopped", "alice"]


def _listed(count: int) -> re.Pattern[str]:
    return re.compile(rf"\b{count} shown of {count}\b")


def load_time(spaces: int, runs: int) -> list[float]:
    times = []
    with Session(spaces=spaces) as session:
        for _ in range(runs):
            with session.launch("--all-users") as term:
                times.append(term.wait_for(_listed(spaces), 120) - term.started)
    return times


def filter_latency(spaces: int, rounds: int) -> list[float]:
    """Keystroke written -> the table redrawn with the new filter (the title names it)."""
    samples: list[float] = []
    with Session(spaces=spaces) as session, session.launch("--all-users") as term:
        term.wait_for(_listed(spaces), 120)
        for n in range(rounds):
            query = QUERIES[n % len(QUERIES)]
            term.press("/")
            term.wait_for("filter: words match", 10)
            for i in range(1, len(query) + 1):
                sent = term.press(query[i - 1])
                shown = term.wait_for_bytes(f"filter: {query[:i]!r}".encode(), 10)
                samples.append(shown - sent)
            term.press("escape")  # clears the filter and closes the box
            term.wait_for(_listed(spaces), 10)
    return samples


def run(quick: bool) -> list[Result]:
    runs = 2 if quick else 5
    small = load_time(100, runs)
    large = load_time(10_000, runs)
    typed = filter_latency(10_000, 2 if quick else 6)
    ratio = median(large) / median(small)
    detail = {"runs": runs}
    return [
        Result("scale", "100 spaces listed", median(small) * 1000, "ms", detail=detail),
        Result("scale", "10,000 spaces listed", median(large) * 1000, "ms", detail=detail),
        Result("scale", "load(10,000) / load(100)", ratio, "x", target=5.0, detail=detail),
        *latency("scale", "filter key -> redraw (10,000 spaces)", typed, 50.0, "keys"),
    ]
