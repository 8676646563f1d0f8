"""The `knot-tui` command line: exit codes, the simulator process, no tracebacks."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from knot_tui import __version__
from knot_tui.cli import main

KNOT_TUI = [sys.executable, "-m", "knot_tui"]


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KNOT_TUI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env or os.environ.copy(),
    )


def test_version_and_help() -> None:
    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"knot-tui {__version__}"
    helped = run("--help")
    assert helped.returncode == 0 and "--demo" in helped.stdout and "sim" in helped.stdout
    assert run("sim", "--help").returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-flag"],
        ["sim", "--knot-port", "70000"],
        ["sim", "--time-scale", "fast"],
        ["sim", "--spaces", "-1"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


def test_config_errors_exit_1_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "knot.toml"
    bad.write_text("[client\n")
    assert main(["--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "line 1" in err and "Traceback" not in err
    assert main(["--config", str(tmp_path / "missing.toml")]) == 1


def test_unexpected_errors_are_summarised_and_logged(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import knot_tui.cli as cli

    def boom(args):  # type: ignore[no-untyped-def]
        raise RuntimeError("token=SECRET-XYZ-123 went missing")

    from knot_tui import logsetup

    logsetup.add_secret("SECRET-XYZ-123")
    monkeypatch.setattr(cli, "dispatch", boom)
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError" in err and "Traceback" not in err
    assert "SECRET-XYZ-123" not in err
    log_text = logsetup.log_path().read_text()
    assert "Traceback" in log_text and "RuntimeError" in log_text and "SECRET-XYZ-123" not in log_text
    assert oct(logsetup.log_path().stat().st_mode & 0o777) == "0o600"


def _start_sim(*extra: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [*KNOT_TUI, "sim", "--time-scale", "0.05", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    exports: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:  # ends when the simulator closes stdout after the exports
        assert line.startswith("export ")
        key, _, value = line[len("export ") :].strip().partition("=")
        exports[key] = shlex.split(value)[0]
    return proc, exports


def test_sim_prints_exports_serves_and_stops_cleanly() -> None:
    proc, exports = _start_sim()
    try:
        assert set(exports) == {
            "KNOT_SERVER",
            "KNOT_TOKEN",
            "NOMAD_ADDR",
            "NOMAD_TOKEN",
            "CONSUL_HTTP_ADDR",
            "CONSUL_HTTP_TOKEN",
        }
        request = urllib.request.Request(
            exports["KNOT_SERVER"] + "/api/users/whoami",
            headers={"Authorization": "Bearer " + exports["KNOT_TOKEN"]},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["username"] == "admin"
        for key in ("KNOT_SERVER", "NOMAD_ADDR", "CONSUL_HTTP_ADDR"):
            assert exports[key].startswith("http://127.0.0.1:") and not exports[key].endswith(":0")
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_sim_exits_0_on_sigint_and_honours_ports() -> None:
    import socket

    for _attempt in range(5):  # a freed port can be taken by a parallel test before the sim binds it
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc, exports = _start_sim("--knot-port", str(port), "--seed", "3")
        if "KNOT_SERVER" in exports:
            break
        proc.communicate(timeout=10)
    try:
        assert exports["KNOT_SERVER"] == f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_eval_style_use_in_a_shell(tmp_path: Path) -> None:
    """`eval "$(knot-tui sim &)"` returns at once and leaves the simulator serving."""
    script = (
        f'eval "$({shlex.join(KNOT_TUI)} sim --time-scale 0.05 2>/dev/null &)"\n'
        "python3 - <<EOF\n"
        "import json, os, urllib.request\n"
        'r = urllib.request.Request(os.environ["KNOT_SERVER"] + "/api/users/whoami",'
        ' headers={"Authorization": "Bearer " + os.environ["KNOT_TOKEN"]})\n'
        'print(json.load(urllib.request.urlopen(r, timeout=5))["username"])\n'
        "EOF\n"
        'kill %1 2>/dev/null; pkill -TERM -f "knot_tui sim --time-scale 0.05" || true\n'
    )
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "admin", result.stderr


def test_sim_port_in_use_is_a_clean_failure() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = run("sim", "--knot-port", str(port), timeout=30)
    assert result.returncode == 1 and "cannot listen" in result.stderr and "Traceback" not in result.stderr
