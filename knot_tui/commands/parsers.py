"""Argument parsers of the subcommands, kept apart from their code so `knot-tui` starts fast.

Building the parser must not import the clients, Nomad or the simulator: the TUI pays for
every import before its first frame.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

SHELLS = ("bash", "zsh", "fish", "sh")  # knot's list (knot_tui.knot.models.SHELLS; a test compares)


def add_create(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "create",
        parents=parents,
        help="create a space from a template (for scripts)",
        description=(
            "Create a space from a template and start it (unless --no-start). Prints the new "
            "space's id. With --wait, returns when it runs (exit 0) or fails (exit 1)."
        ),
    )
    parser.add_argument("name", help="the space's name (letters, digits and '-', starting with a letter)")
    parser.add_argument("--template", required=True, metavar="TEMPLATE", help="template name or id")
    parser.add_argument("--shell", choices=SHELLS, help="default: your preferred shell")
    parser.add_argument("--description", default="", help="at most 1024 bytes")
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        type=field,
        metavar="KEY=VALUE",
        help="a custom field (repeatable)",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--start", dest="start", action="store_true", default=True, help="start it (the default)"
    )
    start.add_argument("--no-start", dest="start", action="store_false", help="only create it")
    parser.add_argument("--wait", action="store_true", help="wait until it runs (or fails)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, metavar="S", help="give up waiting after S seconds"
    )


def field(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def add_forward(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    forward = commands.add_parser(
        "forward",
        help="forward a connection to a space (ssh ProxyCommand)",
        description="Forward a connection to a space through knot (for ssh's ProxyCommand).",
    )
    kinds = forward.add_subparsers(dest="forward_kind", metavar="KIND", required=True)
    ssh = kinds.add_parser(
        "ssh",
        parents=parents,
        help="bridge stdin/stdout to the space's SSH server",
        description=(
            "Bridge stdin/stdout to SPACE's SSH server through knot's SSH proxy, for ssh's "
            "ProxyCommand: ssh -o ProxyCommand='knot-tui forward ssh %%h' user@SPACE"
        ),
    )
    ssh.add_argument("space", metavar="SPACE", help="your space's name (or one shared with you)")


def add_ssh_config(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "ssh-config",
        help="add or remove Host entries for your spaces in ~/.ssh/config",
        description=(
            "Write (update) or delete (remove) a marked block of `Host knot.<space>` entries in "
            "~/.ssh/config, with knot-tui as the ProxyCommand, so `ssh knot.<space>` works."
        ),
    )
    actions = parser.add_subparsers(dest="ssh_config_action", metavar="ACTION", required=True)
    for name, text in (
        ("update", "write the block for every space with SSH"),
        ("remove", "delete the block"),
    ):
        action = actions.add_parser(name, parents=parents, help=text, description=text)
        action.add_argument(
            "--file",
            type=Path,
            default=None,
            metavar="PATH",
            help="the ssh config to change (default ~/.ssh/config)",
        )
        action.add_argument("--dry-run", action="store_true", help="print the block; change nothing")
        if name == "update":
            action.add_argument("--no-agent-forwarding", action="store_true", help="write ForwardAgent no")


def add_vnc(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "vnc",
        parents=parents,
        help="open (or --print) a space's VNC desktop URL",
        description="Open SPACE's desktop (KasmVNC) in a browser, or print its URL with --print.",
    )
    parser.add_argument("space", metavar="SPACE", help="your space's name (or one shared with you)")
    parser.add_argument("--print", action="store_true", help="only print the URL")
