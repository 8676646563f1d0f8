"""Idle cost: the details screen of a running space left open; requests and CPU."""

from __future__ import annotations

import re
import time
from collections import Counter

from bench.session import RUNNING_SPACE, Session, show_only
from bench.stats import Result
from bench.term import Terminal, cpu_seconds

SPACE = RUNNING_SPACE  # its Nomad-native check is polled while the pane is visible


def kind(server: str, path: str) -> str:
    """What a request was: a long-poll, a stream, the visible checks pane, or other."""
    bare, _, query = path.partition("?")
    if server == "knot" and bare == "/api/events":
        return "stream"
    if bare.startswith(("/v1/event/stream", "/v1/client/fs/logs")):
        return "stream"
    if re.search(r"(^|&)index=\d+", query):
        return "long-poll"
    if bare.startswith("/v1/client/allocation/") and bare.endswith("/checks"):
        return "checks pane"
    return "other"


def _open_details(term: Terminal) -> None:
    show_only(term, SPACE)
    term.press("enter")
    term.wait_for("Deployment", 20)
    term.wait_for(re.compile(r"read just now"), 20)


def run(quick: bool) -> list[Result]:
    seconds = 20.0 if quick else 60.0
    with Session(spaces=50) as session, session.launch(cols=160, rows=48) as term:
        _open_details(term)
        time.sleep(3.0)  # the panes' first reads are done
        start, cpu0 = time.monotonic(), cpu_seconds(term.pid)
        time.sleep(seconds)
        cpu = cpu_seconds(term.pid) - cpu0
        requests = session.journal(start)
    per_min = 60.0 / seconds
    counts = Counter(kind(server, path) for _t, server, _m, path in requests)
    others = sorted(
        {
            f"{server} {path.partition('?')[0]}"
            for _t, server, _m, path in requests
            if kind(server, path) == "other"
        }
    )
    return [
        Result(
            "idle",
            "requests/min (all)",
            len(requests) * per_min,
            "req/min",
            detail={"seconds": seconds, **{k: v for k, v in counts.items()}},
        ),
        Result("idle", "long-polls re-issued/min", counts["long-poll"] * per_min, "req/min"),
        Result("idle", "visible checks pane polls/min", counts["checks pane"] * per_min, "req/min"),
        Result(
            "idle",
            "other periodic requests/min",
            counts["other"] * per_min,
            "req/min",
            target=0.0,
            detail={"paths": others},
        ),
        Result("idle", "CPU (details open)", cpu / seconds * 100, "%", target=2.0),
    ]
