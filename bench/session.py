"""The simulator in its own process and knot-tui in a pseudo-terminal pointed at it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.term import Terminal

ROOT = Path(__file__).resolve().parent.parent
#: Variables a developer's shell may carry that would point the app somewhere else.
_CLEARED = ("KNOT_", "NOMAD_", "CONSUL_", "XDG_", "TEXTUAL")


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user with no config files: only PATH, locale and a terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    for key in ("NO_COLOR", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        env.pop(key, None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
    )
    env.update(extra or {})
    return env


class Session:
    """`with Session(spaces=50) as s:` — a simulator process, a home directory, `s.launch()`."""

    def __init__(self, *, spaces: int = 0, users: int = 0, time_scale: float = 1.0) -> None:
        self._home = tempfile.TemporaryDirectory(prefix="knot-tui-bench-")
        self.home = Path(self._home.name)
        self.args = ["--spaces", str(spaces), "--users", str(users), "--time-scale", str(time_scale)]
        self.process: subprocess.Popen[bytes] | None = None
        self.exports: dict[str, str] = {}
        self.control: httpx.Client | None = None
        self.terminals: list[Terminal] = []

    def __enter__(self) -> Session:
        env = clean_env(self.home, {"PYTHONPATH": str(ROOT)})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.simproc", *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator process did not start")
        ready = json.loads(line)
        self.exports = ready["exports"]
        self.control = httpx.Client(base_url=ready["control"], timeout=120)
        return self

    def __exit__(self, *exc: object) -> None:
        for term in self.terminals:
            term.close()
        if self.control is not None:
            self.control.close()
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._home.cleanup()

    def ask(self, method: str, path: str, **kw: Any) -> Any:
        """Call the simulator's bench control port."""
        assert self.control is not None
        response = self.control.request(method, path, **kw)
        response.raise_for_status()
        return response.json()

    def journal(self, since: float) -> list[tuple[float, str, str, str]]:
        """Requests the simulator served after `since` (monotonic time)."""
        response = httpx.get(
            f"{self.exports['KNOT_SERVER']}/_sim/requests",
            params={"since": since},
            headers={"Authorization": f"Bearer {self.exports['KNOT_TOKEN']}"},
        )
        response.raise_for_status()
        return [tuple(entry) for entry in response.json()]

    def launch(self, *args: str, cols: int = 120, rows: int = 36) -> Terminal:
        """Start `knot-tui ARGS` against the simulator as its admin."""
        term = Terminal(
            [sys.executable, "-m", "knot_tui", *args],
            clean_env(self.home, self.exports),
            cols=cols,
            rows=rows,
            cwd=self.home,
        )
        self.terminals.append(term)
        return term


#: The admin's running Nomad space in the seeded world (a Nomad-native check, task `dev`).
RUNNING_SPACE = "ops-console"


def show_only(term: Terminal, name: str) -> None:
    """Filter the spaces list down to `name` (the cursor is then on it)."""
    term.wait_for(name, 60)
    term.press("/")
    term.wait_for("filter: words match", 10)
    term.type(name)
    term.press("enter")
    term.wait_for(re.compile(r"\b1 shown of"), 10)


def run_plain(argv: Sequence[str], home: Path, *, cols: int = 120, rows: int = 36) -> Terminal:
    """Start any program in a terminal with the clean environment."""
    return Terminal(list(argv), clean_env(home), cols=cols, rows=rows, cwd=home)
