"""Leaving the TUI for a moment: ssh in the terminal, or a URL in the browser.

`open_ssh` suspends the app, runs the system ssh (an argv list, never a shell) with knot-tui
itself as the ProxyCommand, and reports a failed exit when the app is back. `open_link` opens a
URL in a graphical browser when there is one, and otherwise shows it and copies it (OSC 52).
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from knot_tui import browser
from knot_tui.knot.links import Link, vnc_problem, vnc_url
from knot_tui.knot.models import Space
from knot_tui.ssh import find_ssh, handover_env, proxy_command, ssh_argv, ssh_problem

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

SSH_FAILED = 255  # ssh's own status when the connection (or the ProxyCommand) failed


def open_ssh(app: KnotApp, space: Space) -> None:
    me = app.store.me
    problem = ssh_problem(space, me)
    if problem:
        app.notify(problem, title="Cannot SSH", severity="warning")
        return
    ssh = find_ssh()
    if ssh is None:
        app.notify(
            "No ssh client on PATH: install OpenSSH (e.g. `apt install openssh-client`).",
            title="Cannot SSH",
            severity="error",
        )
        return
    settings = app.settings
    user = settings.ssh_user or (me.username if me else "") or "knot"
    argv = ssh_argv(ssh, space.name, user, proxy_command(space.name))
    env = handover_env(settings)
    banner = f"knot-tui: ssh {user}@{space.name} through knot's SSH proxy"
    if settings.demo:
        banner += " (demo: the password is 'demo')"
    try:
        with app.suspend():
            print(banner, flush=True)
            status = _run_in_terminal(argv, env)
    except SuspendNotSupported:
        # No terminal to lend (headless runs): run it without one.
        done = subprocess.run(argv, env=env, check=False, stdin=subprocess.DEVNULL, capture_output=True)  # noqa: S603
        status = done.returncode
    if status == 0:
        app.notify(f"Back from {space.name}.", title="SSH")
    else:
        app.notify(f"{_ended(status)} ({space.name}).", title="SSH", severity="warning")


def _ended(status: int) -> str:
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = str(-status)
        return f"ssh was stopped by {name}"
    if status == SSH_FAILED:
        return (
            "ssh exited with status 255: the connection failed "
            "(knot refused it, or the space's SSH server did)"
        )
    return f"ssh exited with status {status}"


def _run_in_terminal(argv: list[str], env: dict[str, str]) -> int:
    """Run ssh in the foreground. Ctrl-C belongs to ssh: knot-tui shares its process group,
    so it ignores SIGINT meanwhile (with a handler, which exec resets for the child; SIG_IGN
    would be inherited and make ssh deaf to Ctrl-C too)."""
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    try:
        status = subprocess.run(argv, env=env, check=False).returncode  # noqa: S603 - argv list
        if status != 0 and sys.stdin.isatty():
            with contextlib.suppress(EOFError):
                input(f"knot-tui: {_ended(status)}. Press Enter to return to knot-tui…")
        return status
    finally:
        signal.signal(signal.SIGINT, previous)


def open_vnc(app: KnotApp, space: Space) -> None:
    app.run_worker(_open_vnc(app, space), group="handover", exit_on_error=False)


async def _open_vnc(app: KnotApp, space: Space) -> None:
    await app.ensure_server_info()
    wildcard = app.server_info.wildcard_domain
    problem = vnc_problem(space, wildcard)
    if problem:
        app.notify(problem, title="No VNC desktop", severity="warning")
        return
    open_link(
        app, Link("VNC desktop", vnc_url(space, app.settings.server, wildcard)), note=browser.SESSION_NOTE
    )


def open_link(app: KnotApp, link: Link, *, note: str = "") -> None:
    """Open in a browser when one can be, else show and copy the URL."""

    def work() -> None:
        reason = browser.open_url(link.url)
        app.call_from_thread(_opened, app, link, reason, note)

    app.run_worker(work, thread=True, group="handover", exit_on_error=False)


def _opened(app: KnotApp, link: Link, reason: str, note: str) -> None:
    if not reason:
        app.notify(f"Opened {link.url}" + (f"\n{note}" if note else ""), title=link.label)
        return
    app.copy_to_clipboard(link.url)
    app.notify(
        f"{link.url}\nCopied to the clipboard (not opening a browser: {reason})."
        + (f"\n{note}" if note else ""),
        title=link.label,
        timeout=15,
    )
