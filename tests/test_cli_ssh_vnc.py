"""`knot-tui forward ssh` refusals, `knot-tui ssh-config`, `knot-tui vnc`, and the simulator's VNC pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from knot_tui.cli import main
from knot_tui.sim import Simulator, SimulatorOptions
from knot_tui.sim.thread import SimulatorThread
from knot_tui.sshconfig import BACKUP_SUFFIX

FOREIGN = (
    "# my own settings\r\n"
    "Host github.com\r\n"
    "  User git\r\n"
    "\r\n"
    "#===KNOT-START===\r\n"  # knot's own block: not ours, never touched
    "Host knot.desk\r\n"
    "  ProxyCommand knot forward ssh desk\r\n"
    "#===KNOT-END===\r\n"
    "Host *\r\n"
    "  ServerAliveInterval 30"  # no final newline
)


@pytest.fixture(scope="module")
def running() -> Iterator[Simulator]:
    with SimulatorThread(SimulatorOptions(time_scale=0.05, seed=5)) as sim:
        yield sim


@pytest.fixture
def as_alice(running: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    assert running.seeded is not None
    monkeypatch.setenv("KNOT_SERVER", running.knot_url)
    monkeypatch.setenv("KNOT_TOKEN", running.seeded.alice_token)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    return running


# ---- forward ssh -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "space", "message"),
    [
        ("alice", "no-such-space", "Space not found, or its SSH server is not running"),
        ("bogus", "desk", "No permission to use SSH: the token was refused"),
        ("alice", "Bad_Name", "is not a space name"),
    ],
)
def test_forward_refusals_exit_1_with_the_reason(
    as_alice: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    token: str,
    space: str,
    message: str,
) -> None:
    if token == "bogus":
        monkeypatch.setenv("KNOT_TOKEN", "not-a-token")
    assert main(["forward", "ssh", space]) == 1
    out, err = capsys.readouterr()
    assert out == ""  # stdout belongs to ssh
    assert message in err


def test_forward_needs_a_server(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forward", "ssh", "desk"]) == 1
    assert "no knot server configured" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["forward", "ssh"])
    assert usage.value.code == 2


# ---- ssh-config ------------------------------------------------------------------------


def test_ssh_config_round_trip_keeps_everything_else_byte_for_byte(
    as_alice: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config"
    config.write_bytes(FOREIGN.encode())
    config.chmod(0o640)
    assert main(["ssh-config", "update", "--file", str(config), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert config.read_bytes() == FOREIGN.encode()  # a dry run writes nothing
    assert dry.startswith("#===KNOT-TUI-START===\r\n") and "Host knot.desk\r\n" in dry

    assert main(["ssh-config", "update", "--file", str(config)]) == 0
    text = config.read_bytes().decode()
    assert text.startswith(FOREIGN.replace("30", "30\r\n", 1)[: len(FOREIGN) + 2])
    block = text[len(FOREIGN) + 2 :]
    assert block == dry
    assert "  ProxyCommand " in block and "forward ssh desk\r\n" in block and "  User alice\r\n" in block
    assert "Host knot.scratch\r\n" in block and "Host knot.lab\r\n" in block  # stopped and shared ones too
    assert "Host knot.sandbox" not in block  # bob's, not shared
    assert (config.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / f"config{BACKUP_SUFFIX}").read_bytes() == FOREIGN.encode()

    assert main(["ssh-config", "update", "--file", str(config)]) == 0  # idempotent
    assert "already up to date" in capsys.readouterr().err
    assert main(["ssh-config", "remove", "--file", str(config)]) == 0
    assert config.read_bytes() == (FOREIGN + "\r\n").encode()  # only the line break we added remains
    assert main(["ssh-config", "remove", "--file", str(config)]) == 0
    assert "nothing to remove" in capsys.readouterr().err


def test_ssh_config_creates_the_file_and_refuses_a_broken_block(
    as_alice: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "ssh" / "config"
    assert main(["ssh-config", "update", "--file", str(config)]) == 0
    assert (config.stat().st_mode & 0o777) == 0o600 and (config.parent.stat().st_mode & 0o777) == 0o700
    broken = "#===KNOT-TUI-START===\nHost knot.x\n"
    config.write_text(broken)
    assert main(["ssh-config", "update", "--file", str(config)]) == 1
    assert "has no matching #===KNOT-TUI-END===" in capsys.readouterr().err
    assert config.read_text() == broken


def test_ssh_config_alias_blocks(
    as_alice: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path.home()
    knot_toml = home / ".config" / "knot" / "knot.toml"
    knot_toml.parent.mkdir(parents=True)
    assert as_alice.seeded is not None
    knot_toml.write_text(
        f'[client.connection.work]\nserver = "{as_alice.knot_url}"\ntoken = "{as_alice.seeded.alice_token}"\n'
    )
    monkeypatch.delenv("KNOT_SERVER")
    monkeypatch.delenv("KNOT_TOKEN")
    config = tmp_path / "config"
    assert main(["ssh-config", "update", "--alias", "work", "--file", str(config)]) == 0
    text = config.read_text()
    assert text.startswith("#===KNOT-TUI-START (work)===\n") and text.endswith("#===KNOT-TUI-END (work)===\n")
    assert "Host knot.desk.work\n" in text and "forward ssh --alias work --config" in text


# ---- vnc -------------------------------------------------------------------------------


def test_vnc_print_and_refusals(as_alice: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    port = as_alice.knot_url.rsplit(":", 1)[1]
    assert main(["vnc", "desk", "--print"]) == 0
    assert capsys.readouterr().out == f"http://alice--desk--vnc.knot.localhost:{port}\n"
    assert main(["vnc", "desk"]) == 0  # no display here: the URL, and why no browser
    out, err = capsys.readouterr()
    assert out.startswith("http://alice--desk--vnc") and "no display here" in err and "0.30.1" in err
    for name, message in (
        ("scratch", "is stopped: start it first"),
        ("api-dev", "has no VNC desktop"),
        ("nope", "you have no space named 'nope'"),
    ):
        assert main(["vnc", name, "--print"]) == 1
        assert message in capsys.readouterr().err


def test_vnc_opens_a_graphical_browser(
    as_alice: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = tmp_path / "opened"
    fake = tmp_path / "firefox"
    fake.write_text(f'#!/bin/sh\necho "$1" > {seen}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER", f"{fake} %s")
    assert main(["vnc", "desk"]) == 0
    assert seen.read_text().strip().startswith("http://alice--desk--vnc.knot.localhost:")
    capsys.readouterr()
    seen.unlink()
    monkeypatch.setenv("BROWSER", "w3m")  # a console browser would take over the terminal
    assert main(["vnc", "desk"]) == 0
    assert "BROWSER is a console browser (w3m)" in capsys.readouterr().err
    assert not seen.exists()


def test_without_a_wildcard_domain_there_is_no_vnc(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with SimulatorThread(SimulatorOptions(time_scale=0.05, wildcard=False)) as sim:
        assert sim.seeded is not None
        monkeypatch.setenv("KNOT_SERVER", sim.knot_url)
        monkeypatch.setenv("KNOT_TOKEN", sim.seeded.alice_token)
        assert main(["vnc", "desk", "--print"]) == 1
    assert "has no wildcard domain" in capsys.readouterr().err


def test_the_simulator_serves_the_vnc_page_as_knot_does(running: Simulator) -> None:
    assert running.seeded is not None
    port = running.knot_url.rsplit(":", 1)[1]
    url = f"{running.knot_url}/"

    def get(host: str, token: str = "") -> httpx.Response:
        headers = {"Host": f"{host}.knot.localhost:{port}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.get(url, headers=headers)

    assert get("alice--desk--vnc").status_code == 401  # knot >= 0.30.1: a web session or token
    page = get("alice--desk--vnc", running.seeded.alice_token)
    assert page.status_code == 200 and "desk — KasmVNC (simulated)" in page.text
    # The username part is ignored: the space is resolved for the viewer.
    assert "desk — KasmVNC" in get("whoever--desk--vnc", running.seeded.bob_token).text
    assert get("alice--api-dev--vnc", running.seeded.alice_token).status_code == 404  # no VNC
    web_port = get("alice--desk--80")  # web ports: no knot auth
    assert web_port.status_code == 200 and "HTTP port <code>80</code>" in web_port.text
    assert get("alice--desk--81").status_code == 404
