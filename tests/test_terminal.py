"""knot-tui in a real pseudo-terminal (the benchmarks' harness): what only a real run shows."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.session import clean_env
from bench.term import Terminal
from knot_tui.sim import SimulatorOptions
from knot_tui.sim.server import Simulator
from knot_tui.sim.thread import SimulatorThread

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def threaded_sim() -> Iterator[Simulator]:
    with SimulatorThread(SimulatorOptions(time_scale=0.05)) as sim:
        yield sim


def test_q_quits_at_once_while_nomad_long_polls_are_open(threaded_sim: Simulator, tmp_path: Path) -> None:
    """Nomad blocking queries hold worker threads for up to a minute; quitting must not wait."""
    env = clean_env(tmp_path, threaded_sim.exports())
    with Terminal([sys.executable, "-m", "knot_tui"], env, cwd=ROOT) as term:
        term.wait_for(re.compile(r"[1-9]\d* shown of"), 60)
        term.wait_for("nomad ● live", 30)  # the job list's blocking query is now waiting
        pressed = time.monotonic()
        term.press("q")
        code = term.process.wait(20)
        waited = time.monotonic() - pressed
    assert code == 0
    assert waited < 10, f"quitting took {waited:.1f} s (a blocking query waits 60 s)"


def test_the_first_text_on_screen_is_the_spaces_screen(threaded_sim: Simulator, tmp_path: Path) -> None:
    """No splash and no blank wait: what is drawn first is the spaces screen (its keys), and
    the list follows."""
    env = clean_env(tmp_path, threaded_sim.exports())
    with Terminal([sys.executable, "-m", "knot_tui"], env, cwd=ROOT) as term:
        term.wait_for(lambda screen: screen.strip() != "", 60)
        assert re.search(r"Loading spaces|Name\s+State|n New", term.text())  # the spaces screen
        term.wait_for(re.compile(r"Spaces of admin\s+[1-9]\d* shown of"), 60)
        term.press("q")
        assert term.process.wait(20) == 0
