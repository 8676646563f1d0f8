"""A marked block of `Host knot.<space>` entries in ~/.ssh/config, like `knot ssh-config update`.

knot writes its block between `#===KNOT-START===` and `#===KNOT-END===` (with ` (<alias>)`
for other aliases) and uses `knot forward ssh` as the ProxyCommand. knot-tui writes the
same entries between its own markers (`#===KNOT-TUI-START===` ...), so both tools can keep
their blocks side by side, with `knot-tui forward ssh` as the ProxyCommand (no Go binary
needed) and a `User` line (knot's agent accepts any user; an external sshd wants yours).

Everything outside our markers is kept byte for byte; the previous file is kept as a backup.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

BACKUP_SUFFIX = ".knot-tui.bak"


def markers(alias: str = "default") -> tuple[str, str]:
    suffix = f" ({alias})" if alias != "default" else ""
    return f"#===KNOT-TUI-START{suffix}===", f"#===KNOT-TUI-END{suffix}==="


@dataclass(frozen=True, slots=True)
class HostEntry:
    host: str
    proxy: str
    user: str = ""
    forward_agent: bool = True


def render_block(entries: Iterable[HostEntry], alias: str = "default", newline: str = "\n") -> str:
    start, end = markers(alias)
    lines = [start]
    for entry in entries:
        lines += [
            f"Host {entry.host}",
            f"  HostName {entry.host}",
            "  StrictHostKeyChecking=no",
            "  LogLevel ERROR",
            "  UserKnownHostsFile=/dev/null",
        ]
        if entry.user:
            lines.append(f"  User {entry.user}")
        lines.append(f"  ForwardAgent {'yes' if entry.forward_agent else 'no'}")
        lines.append(f"  ProxyCommand {entry.proxy}")
    lines.append(end)
    return newline.join(lines) + newline


def _find(text: str, alias: str) -> tuple[int, int] | None:
    """The [start, end) span of our block, end including the end marker's line break."""
    start_marker, end_marker = markers(alias)
    pos = 0
    while True:
        start = text.find(start_marker, pos)
        if start == -1:
            return None
        if (start == 0 or text[start - 1] == "\n") and text[
            start + len(start_marker) : start + len(start_marker) + 1
        ] in ("", "\n", "\r"):
            break
        pos = start + 1
    end = text.find(end_marker, start)
    if end == -1:
        raise ValueError(f"{start_marker} has no matching {end_marker}: fix the file by hand")
    end += len(end_marker)
    if text.startswith("\r\n", end):
        end += 2
    elif text.startswith("\n", end):
        end += 1
    return start, end


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def with_block(text: str, block: str, alias: str = "default") -> str:
    """`text` with our block for `alias` replaced by `block` (or appended)."""
    span = _find(text, alias)
    if span is not None:
        return text[: span[0]] + block + text[span[1] :]
    if text and not text.endswith("\n"):
        text += newline_of(text)
    return text + block


def without_block(text: str, alias: str = "default") -> str:
    span = _find(text, alias)
    if span is None:
        return text
    return text[: span[0]] + text[span[1] :]


def current_block(text: str, alias: str = "default") -> str:
    span = _find(text, alias)
    return text[span[0] : span[1]] if span else ""


def read(path: Path) -> str:
    if not path.exists():
        return ""
    # newline="" keeps CRLF as it is: what is not ours must come back byte for byte.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        return handle.read()


def write(path: Path, text: str) -> Path | None:
    """Replace `path` with `text` atomically; returns the backup of the old file, if any."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    backup: Path | None = None
    mode = 0o600
    if path.exists():
        mode = path.stat().st_mode & 0o777
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        backup.write_bytes(path.read_bytes())
        backup.chmod(0o600)
    fd, tmp = tempfile.mkstemp(prefix=".config.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="") as handle:
            handle.write(text)
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return backup
