"""The simulated space's shell: the few commands it knows, joined as a shell joins them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from knot_tui.sim.ssh_server import run_command


@dataclass
class Space:
    name: str = "desk"


@pytest.mark.parametrize(
    ("line", "output", "leave"),
    [
        ("whoami", "alice\n", False),
        ("uname -a; whoami", "Linux desk 6.1.0-knot x86_64\nalice\n", False),
        ('echo "a;b"', "a;b\n", False),
        ("true-ish && whoami", "true-ish: command not found", False),
        ("nope; hostname", "desk\n", False),
        ("whoami && exit", "alice\n", True),
        ("exit; whoami", "", True),
        ("", "", False),
        ('echo "open', "sh: syntax error\n", False),
    ],
)
def test_lines(line: str, output: str, leave: bool) -> None:
    text, left = run_command(Space(), "alice", line)  # type: ignore[arg-type]
    assert left is leave
    assert output in text if output else text == ""
    if "&&" in line and "not found" in text:
        assert "alice" not in text  # && stops at the first failure
