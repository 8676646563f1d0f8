"""`python -m bench [--quick] [--json] [--only startup,scale,live,logs,idle]`

Drives the real app in a pseudo-terminal against the simulator (in its own process) and
prints a table of figures with their targets; `--json` prints one JSON object instead.
Nothing here asserts: the figures are for reading (and for bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench import idle, live, logs, scale, startup
from bench.stats import Result

SUITES: dict[str, Callable[[bool], list[Result]]] = {
    "startup": startup.run,
    "scale": scale.run,
    "live": live.run,
    "logs": logs.run,
    "idle": idle.run,
}


def machine() -> dict[str, object]:
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "textual": metadata.version("textual"),
        "os": f"{platform.system()} {platform.release()}",
    }


def _fmt(value: float, unit: str) -> str:
    if unit in ("lines/s",):
        return f"{value:,.0f} {unit}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.1f} {unit}"


def table(results: list[Result]) -> str:
    rows = [("group", "measure", "value", "target", "")]
    for r in results:
        target = ""
        if r.target is not None:
            target = ("≤ " if r.better == "lower" else "≥ ") + _fmt(r.target, r.unit)
        mark = {True: "ok", False: "MISS", None: ""}[r.ok]
        rows.append((r.group, r.name, _fmt(r.value, r.unit), target, mark))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs, for a smoke test")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated: " + ", ".join(SUITES))
    parser.add_argument("--save", type=Path, help="also write the JSON object to this file")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(unknown)}")
    results: list[Result] = []
    timings: dict[str, float] = {}
    for name in chosen:
        if not args.json:
            print(f"running {name}…", file=sys.stderr, flush=True)
        began = time.monotonic()
        results += SUITES[name](args.quick)
        timings[name] = round(time.monotonic() - began, 1)
    report = {
        "machine": machine(),
        "quick": args.quick,
        "seconds": timings,
        "results": [r.as_dict() for r in results],
        "missed": [f"{r.group}: {r.name}" for r in results if r.ok is False],
    }
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2) + "\n")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(results))
        m = report["machine"]
        print(
            f"\n{m['date']} · {m['cpu']} · {m['cores']} cores · Python {m['python']} · Textual {m['textual']}"
        )
        if report["missed"]:
            print("missed: " + "; ".join(report["missed"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
