"""End to end: the system ssh, `knot-tui forward ssh` as its ProxyCommand, the simulator's sshd.

The simulator runs in its own thread (ssh and the ProxyCommand are separate processes that
reach it over sockets, like a real server); keys are made with ssh-keygen.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.thread import SimulatorThread

SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
pytestmark = pytest.mark.skipif(
    SSH is None or KEYGEN is None, reason="OpenSSH client missing (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def thread() -> Iterator[SimulatorThread]:
    sim_thread = SimulatorThread(SimulatorOptions(time_scale=0.05, seed=3))
    with sim_thread:
        yield sim_thread


@pytest.fixture
def running(thread: SimulatorThread) -> Simulator:
    return thread.sim


def _key(directory: Path, name: str) -> Path:
    path = directory / name
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path


def _ssh(sim: Simulator, who: str, key: Path, space: str, command: str) -> subprocess.CompletedProcess[str]:
    assert SSH is not None and sim.seeded is not None
    proxy = shlex.join([sys.executable, "-m", "knot_tui", "forward", "ssh", "%h"])
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(key.parent),
        "KNOT_SERVER": sim.knot_url,
        "KNOT_TOKEN": getattr(sim.seeded, f"{who}_token"),
        "KNOT_TUI_CONFIG": str(key.parent / "knot-tui.toml"),
    }
    argv = [
        SSH,
        "-F",
        "/dev/null",
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        f"ProxyCommand={proxy}",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        f"{who}@knot.{space}",
        command,
    ]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)


def _set_key(sim: Simulator, who: str, public: str) -> None:
    assert sim.seeded is not None
    response = httpx.put(
        f"{sim.knot_url}/api/users/whoami/ssh-public-key",
        headers={"Authorization": f"Bearer {getattr(sim.seeded, f'{who}_token')}"},
        json={"ssh_public_key": public, "github_username": ""},
    )
    assert response.status_code == 200, response.text


def test_a_command_runs_and_its_output_comes_back(running: Simulator, tmp_path: Path) -> None:
    key = _key(tmp_path, "alice")
    _set_key(running, "alice", key.with_suffix(".pub").read_text())
    done = _ssh(running, "alice", key, "desk", "echo hello from the space")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello from the space\n"
    done = _ssh(running, "alice", key, "desk", "hostname")
    assert done.stdout == "desk\n"


def test_a_wrong_key_is_refused(running: Simulator, tmp_path: Path) -> None:
    right = _key(tmp_path, "right")
    wrong = _key(tmp_path, "wrong")
    _set_key(running, "bob", right.with_suffix(".pub").read_text())
    done = _ssh(running, "bob", wrong, "desk", "hostname")
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr


def test_the_proxy_says_why_knot_refused(running: Simulator, tmp_path: Path) -> None:
    key = _key(tmp_path, "alice2")
    done = _ssh(running, "alice", key, "no-such-space", "hostname")
    assert done.returncode == 255
    assert "knot-tui: Space not found, or its SSH server is not running" in done.stderr
    done = _ssh(running, "alice", key, "scratch", "hostname")  # stopped: no SSH server
    assert "Space not found, or its SSH server is not running" in done.stderr


def test_a_dropped_connection_is_reported(thread: SimulatorThread, tmp_path: Path) -> None:
    """The ProxyCommand alone: knot cuts the proxy socket; it says so and exits 1."""
    sim = thread.sim
    assert sim.seeded is not None
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "KNOT_SERVER": sim.knot_url,
        "KNOT_TOKEN": sim.seeded.alice_token,
        "KNOT_TUI_CONFIG": str(tmp_path / "knot-tui.toml"),
    }
    proxy = subprocess.Popen(
        [sys.executable, "-m", "knot_tui", "forward", "ssh", "desk"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proxy.stdout is not None
    banner = proxy.stdout.readline()  # the space's sshd speaks first: the bridge is up
    assert banner.startswith(b"SSH-2.0-")
    thread.run_sync(sim.drop_streams)
    assert proxy.wait(timeout=30) == 1  # stdin stays open: the server side ended it
    assert proxy.stderr is not None
    err = proxy.stderr.read()
    proxy.stdin.close()  # type: ignore[union-attr]
    proxy.stdout.close()
    assert b"the connection to desk through knot was closed by the server" in err
