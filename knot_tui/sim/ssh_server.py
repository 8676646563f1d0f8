"""The SSH server inside each simulated space, reached through knot's SSH proxy WebSocket.

Like knot's internal agent sshd (`internal/sshd`): public-key auth against the owner's (and
sharees') knot `ssh_public_key`, any username accepted. `--demo` also accepts a documented
password. A tiny shell says which space it is in and runs `echo`, `hostname`, `whoami`,
`pwd`, `uname` and `exit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex

import asyncssh

from knot_tui.sim.world import SimSpace, World


def _authorized_keys(world: World, space: SimSpace) -> set[bytes]:
    """Public keys (blob form) of the owner and everyone the space is shared with."""
    keys: set[bytes] = set()
    for user_id in [space.user_id, *space.shares]:
        user = world.users.get(user_id)
        if user is None:
            continue
        for line in user.ssh_public_key.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            with contextlib.suppress(asyncssh.KeyImportError, ValueError):
                keys.add(asyncssh.import_public_key(line).public_data)
    return keys


class _Auth(asyncssh.SSHServer):
    def __init__(self, world: World, space: SimSpace, password: str | None) -> None:
        self._world = world
        self._space = space
        self._password = password

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return key.public_data in _authorized_keys(self._world, self._space)

    def password_auth_supported(self) -> bool:
        return self._password is not None

    def validate_password(self, username: str, password: str) -> bool:
        return self._password is not None and password == self._password


def run_command(space: SimSpace, username: str, line: str) -> tuple[str, bool]:
    """Output of one shell line (commands joined by `;` or `&&`) and whether the shell should exit."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        return "sh: syntax error\n", False
    output = []
    words: list[str] = []
    for part in [*tokens, ";"]:
        if part not in (";", "&&"):
            words.append(part)
            continue
        text, ok, leave = _one_command(space, username, words)
        output.append(text)
        words = []
        if leave:
            return "".join(output), True
        if part == "&&" and not ok:
            break
    return "".join(output), False


def _one_command(space: SimSpace, username: str, words: list[str]) -> tuple[str, bool, bool]:
    """(output, succeeded, exit the shell) of one simple command."""
    if not words:
        return "", True, False
    cmd, args = words[0], words[1:]
    if cmd == "exit":
        return "", True, True
    if cmd == "echo":
        return " ".join(args) + "\n", True, False
    if cmd == "hostname":
        return space.name + "\n", True, False
    if cmd == "whoami":
        return username + "\n", True, False
    if cmd == "pwd":
        return f"/home/{username}\n", True, False
    if cmd == "uname":
        return ("Linux " + space.name + " 6.1.0-knot x86_64\n") if args else "Linux\n", True, False
    return (
        f"{cmd}: command not found (this simulated space knows echo, hostname, whoami, pwd, uname, exit)\n",
        False,
        False,
    )


async def _session(process: asyncssh.SSHServerProcess, space: SimSpace) -> None:
    username = process.get_extra_info("username") or "knot"
    command = process.command
    if command:
        output, _ = run_command(space, username, command)
        process.stdout.write(output)
        process.exit(0 if "command not found" not in output else 127)
        return
    process.stdout.write(
        f"Welcome to space {space.name} (knot-tui simulator).\r\n"
        "Commands: echo, hostname, whoami, pwd, uname, exit.\r\n"
    )
    try:
        while True:
            process.stdout.write(f"{username}@{space.name}:~$ ")
            line = await process.stdin.readline()
            if not line:
                break
            output, leave = run_command(space, username, line.strip())
            if leave:
                break
            process.stdout.write(output.replace("\n", "\r\n") if process.get_terminal_type() else output)
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, asyncssh.SignalReceived):
        pass
    except (BrokenPipeError, ConnectionError):
        return
    process.exit(0)


class SpaceSSH:
    """One SSH listener per space, created when its proxy is first used."""

    def __init__(self, world: World, *, demo_password: str | None = None) -> None:
        self._world = world
        self._demo_password = demo_password
        self._servers: dict[str, tuple[asyncssh.SSHAcceptor, int]] = {}
        self._lock = asyncio.Lock()

    async def endpoint(self, space: SimSpace) -> tuple[str, int]:
        async with self._lock:
            found = self._servers.get(space.space_id)
            if found is not None:
                return "127.0.0.1", found[1]
            host_key = asyncssh.generate_private_key("ssh-ed25519")
            acceptor = await asyncssh.create_server(
                lambda: _Auth(self._world, space, self._demo_password),
                "127.0.0.1",
                0,
                server_host_keys=[host_key],
                process_factory=lambda process: _session(process, space),
                encoding="utf-8",
                line_editor=True,
            )
            port = acceptor.sockets[0].getsockname()[1]
            self._servers[space.space_id] = (acceptor, port)
            return "127.0.0.1", port

    async def close(self) -> None:
        for acceptor, _port in self._servers.values():
            acceptor.close()
            with contextlib.suppress(Exception):
                await acceptor.wait_closed()
        self._servers.clear()
