"""`s` and `v` in the TUI: the ssh hand-over (a stand-in ssh on PATH) and VNC open-or-copy."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from textual.command import CommandList

from knot_tui.sim import Simulator
from knot_tui.ui.screens.links import LinksScreen

from .helpers import RecordingApp, ready, select, settings_for

SIZE = (140, 40)

STAND_IN = """#!/bin/sh
python3 - "$@" <<'EOF'
import json, os, sys
with open(os.environ["RECORD"], "w") as out:
    json.dump({"argv": sys.argv[1:], "server": os.environ.get("KNOT_SERVER"),
               "token": os.environ.get("KNOT_TOKEN")}, out)
EOF
exit "${SSH_STATUS:-0}"
"""


@pytest.fixture
def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ssh = bin_dir / "ssh"
    ssh.write_text(STAND_IN)
    ssh.chmod(0o755)
    record = tmp_path / "ssh.json"
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("RECORD", str(record))
    return record


async def test_s_hands_the_terminal_to_ssh_with_the_proxy(
    sim: Simulator, fake_ssh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sim.seeded is not None
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "desk")
        await pilot.press("s")
        await app.wait_until(lambda: app.noted("Back from desk"))
        call = json.loads(fake_ssh.read_text())  # noqa: ASYNC240
        argv = call["argv"]
        assert argv[-3:] == ["-l", "alice", "knot.desk"]
        options = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv[:-3]) if a == "-o")
        assert options["StrictHostKeyChecking"] == "no" and options["UserKnownHostsFile"] == "/dev/null"
        proxy = shlex.split(options["ProxyCommand"])
        assert proxy[-3:] == ["forward", "ssh", "desk"]
        assert (call["server"], call["token"]) == (sim.knot_url, sim.seeded.alice_token)  # env, not argv
        assert sim.seeded.alice_token not in " ".join(argv)

        monkeypatch.setenv("SSH_STATUS", "255")
        await pilot.press("s")
        await app.wait_until(lambda: app.noted("exited with status 255"))  # ssh: connection failed
        assert app.noted("the connection failed")


async def test_s_refuses_what_cannot_work(
    sim: Simulator, fake_ssh: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "scratch")
        await pilot.press("s")
        assert app.noted("scratch is stopped: start it first")
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
        await select(app, sim, "alice", "desk")
        await pilot.press("s")
        assert app.noted("No ssh client on PATH")
        assert not fake_ssh.exists()  # noqa: ASYNC240

    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: len(app.store.spaces) > 5)
        await select(app, sim, "alice", "desk")
        await pilot.press("s")
        assert app.noted("only reaches your own spaces and those shared with you")


async def test_v_copies_the_url_without_a_display_and_opens_a_browser_with_one(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    port = sim.knot_url.rsplit(":", 1)[1]
    url = f"http://alice--desk--vnc.knot.localhost:{port}"
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "desk")
        await pilot.press("v")
        await app.wait_until(lambda: app.noted("Copied to the clipboard"))
        assert app.clipboard == url and app.noted(url) and app.noted("0.30.1")

        seen = tmp_path / "opened"
        fake = tmp_path / "browser"
        fake.write_text(f'#!/bin/sh\necho "$1" > {seen}\n')
        fake.chmod(0o755)
        monkeypatch.setenv("BROWSER", f"{fake} %s")
        await pilot.press("v")
        await app.wait_until(lambda: app.noted(f"Opened {url}"))
        assert seen.read_text().strip() == url

        await select(app, sim, "alice", "api-dev")
        await pilot.press("v")
        await app.wait_until(lambda: app.noted("api-dev has no VNC desktop"))


async def test_links_from_the_palette_open_or_copy(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await select(app, sim, "alice", "desk")
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        palette.query_one("Input").value = "Links of desk"  # type: ignore[attr-defined]
        commands = palette.query_one(CommandList)
        await app.wait_until(
            lambda: (
                commands.option_count > 0
                and commands.highlighted == 0
                and "Links of desk" in str(commands.get_option_at_index(0).prompt)
            )
        )
        await pilot.press("enter")
        await app.wait_until(lambda: isinstance(app.screen, LinksScreen))
        labels = [link.label for link in app.screen.links]  # type: ignore[attr-defined]
        assert labels[:2] == ["VNC desktop", "code-server"] and "port 80" in labels
        await pilot.press("down", "down", "down", "enter")  # port 80
        await app.wait_until(lambda: app.noted("Copied to the clipboard"))
        assert app.clipboard.startswith("http://alice--desk--80.knot.localhost:")
