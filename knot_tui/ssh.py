"""Running the system `ssh` into a space through knot's SSH proxy (no Textual here).

The ProxyCommand is `knot-tui forward ssh SPACE` (this very program, by absolute path, so
ssh finds it whatever its PATH). The knot server and token reach it through the
environment (`KNOT_SERVER`, `KNOT_TOKEN`), never on a command line `ps` could show.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from knot_tui.config import Settings
from knot_tui.knot.models import Space, SpaceState, User

HOST_PREFIX = "knot."


def knot_tui_command() -> list[str]:
    """How to run this knot-tui again: the installed script, else this interpreter."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "knot-tui" and script.exists():
        return [str(script.resolve())]
    found = shutil.which("knot-tui")
    if found:
        return [str(Path(found).resolve())]
    return [sys.executable, "-m", "knot_tui"]


def proxy_command(space_name: str, *, alias: str = "default", config: Path | None = None) -> str:
    """The ProxyCommand line (ssh runs it through the user's shell: every word quoted)."""
    argv = [*knot_tui_command(), "forward", "ssh"]
    if alias != "default":
        argv += ["--alias", alias]
    if config is not None:
        argv += ["--config", str(config)]
    argv.append(space_name)
    return shlex.join(argv)


def host_alias(space_name: str, alias: str = "default") -> str:
    return f"{HOST_PREFIX}{space_name}" + (f".{alias}" if alias != "default" else "")


def ssh_argv(ssh: str, space_name: str, user: str, proxy: str) -> list[str]:
    """The ssh command line: an argv list, never a shell string."""
    return [
        ssh,
        "-o",
        f"ProxyCommand={proxy}",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-l",
        user,
        host_alias(space_name),
    ]


def handover_env(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for ssh (and so for the ProxyCommand): the same server and token."""
    env = dict(os.environ if base is None else base)
    env["KNOT_SERVER"] = settings.server
    env["KNOT_TOKEN"] = settings.token
    if settings.tls_skip_verify:
        env["KNOT_TLS_SKIP_VERIFY"] = "1"
    return env


def ssh_problem(space: Space, me: User | None) -> str:
    """Why ssh into this space cannot work ("" when it can)."""
    if me is not None and space.user_id != me.user_id and me.user_id not in space.shares:
        return (
            f"knot's SSH proxy only reaches your own spaces and those shared with you; "
            f"{space.name} belongs to {space.username}."
        )
    if space.is_remote:
        return f"{space.name} runs in zone {space.zone}: use that zone's knot server."
    if space.state is not SpaceState.RUNNING:
        return f"{space.name} is {space.state_label.lower()}: start it first (u)."
    if not space.has_state:
        return f"{space.name}'s agent has not connected yet: wait a moment."
    if not space.has_ssh:
        if space.template_has_ssh:
            return f"{space.name}'s agent reports no SSH server (is KNOT_SSH_PORT set in the job?)."
        return f"{space.name}'s template does not enable SSH."
    return ""


def find_ssh() -> str | None:
    return shutil.which("ssh")
