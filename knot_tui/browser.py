"""Opening a URL in a graphical browser, and only there (no Textual here).

A console browser (lynx, w3m, ...) would take over the terminal the TUI is drawing on, so
knot-tui opens a browser only when there is a display (or macOS/Windows) or `BROWSER` names a
graphical one, and Python's choice is not a console browser. Otherwise the caller shows the
URL and copies it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import webbrowser
from collections.abc import Mapping
from pathlib import Path

CONSOLE_BROWSERS = frozenset(
    {"lynx", "w3m", "links", "links2", "elinks", "www-browser", "browsh", "carbonyl", "netrik", "retawq"}
)

SESSION_NOTE = (
    "knot ≥ 0.30.1 serves the desktop only to a browser signed in to knot's web UI: "
    "sign in there first if the page answers 401."
)


def _program(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return Path(words[0]).name if words else ""


def why_not(env: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Why no browser should be opened here ("" when one may be)."""
    env = os.environ if env is None else env
    platform = platform or sys.platform
    chosen = env.get("BROWSER", "")
    if chosen:
        first = chosen.split(os.pathsep)[0]
        if _program(first) in CONSOLE_BROWSERS:
            return f"BROWSER is a console browser ({_program(first)}): it would take over this terminal"
        return ""
    if platform in ("darwin", "win32"):
        return ""
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return ""
    return "no display here (DISPLAY and WAYLAND_DISPLAY are unset, and BROWSER is not set)"


def open_url(url: str) -> str:
    """Open `url`; returns "" on success, else why not (blocking: call from a thread)."""
    reason = why_not()
    if reason:
        return reason
    chosen = os.environ.get("BROWSER", "")
    if chosen:
        # Run BROWSER ourselves: webbrowser reads it once per process and caches the result.
        words = shlex.split(chosen.split(os.pathsep)[0])
        argv = [w.replace("%s", url) for w in words] if "%s" in chosen else [*words, url]
        try:
            done = subprocess.run(argv, check=False, capture_output=True, timeout=30)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"the browser failed to start ({exc})"
        return "" if done.returncode == 0 else f"the browser exited with status {done.returncode}"
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return "Python found no browser to run"
    name = getattr(controller, "name", "") or ""
    if _program(name) in CONSOLE_BROWSERS:
        return f"the only browser found is a console browser ({name})"
    try:
        opened = controller.open(url)
    except Exception as exc:  # a broken browser command must not crash the caller
        return f"the browser failed to start ({exc})"
    return "" if opened else "the browser did not start"
