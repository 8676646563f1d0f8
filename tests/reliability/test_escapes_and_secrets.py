"""Server strings cannot drive the terminal; the token is never shown, saved or logged;
files are private; TLS off is visible; subprocesses get argv lists."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from bench.session import clean_env
from bench.term import Terminal
from knot_tui import logsetup
from knot_tui.sim import SimulatorOptions
from knot_tui.sim.thread import SimulatorThread
from knot_tui.ui.screens.logs import LogsScreen
from knot_tui.ui.screens.save_log import SaveLogScreen
from knot_tui.ui.widgets.status_bar import StatusBar

from ..ui.helpers import RecordingApp, ready, settings_for
from ..ui.test_details import open_details

ROOT = Path(__file__).resolve().parents[2]
SIZE = (150, 40)
HOSTILE = "\x1b]0;PWNED-TITLE\x07\x1b[2J\x1b[31mRED\x1b[0m \x1b[5;10Hmoved \x9b31m"


def test_server_strings_reach_the_terminal_as_text_only(tmp_path: Path) -> None:
    """A description carrying escapes: the real terminal output never contains them (a
    title-setting OSC, a clear, cursor moves, a C1 CSI), only their text."""
    thread = SimulatorThread(SimulatorOptions(time_scale=0.05))
    sim = thread.start()
    try:
        alice = sim.seeded.alice

        def poison() -> None:
            desk = sim.world.space_by_name(alice.user_id, "desk")
            assert desk is not None
            desk.description = "desc " + HOSTILE
            sim.world.space_changed(desk)

        exports = {
            **sim.exports(),
            "KNOT_TOKEN": sim.seeded.alice_token,
            "NOMAD_TOKEN": sim.seeded.nomad_alice,
        }
        env = clean_env(tmp_path, exports)
        with Terminal(
            [sys.executable, "-m", "knot_tui"], env, cwd=ROOT, cols=150, rows=50, transcript=True
        ) as term:
            term.wait_for(re.compile(r"[1-9]\d* shown of"), 60)
            thread.run_sync(poison)
            term.press("/")
            term.wait_for("filter: words match", 10)
            term.type("pwned")  # matches the description: desk alone
            term.press("enter")
            term.wait_for(re.compile(r"1 shown of"), 10)
            term.press("enter")
            term.wait_for(re.compile(r"desc\s+RED\s+moved"), 20)  # the description, as text
            screen = term.text()
            assert term.transcript is not None
            raw = bytes(term.transcript)
        assert "PWNED" not in screen  # an OSC's payload is part of the sequence: dropped
        assert b"]0;PWNED" not in raw  # the title-setting sequence never left the app
        assert b"\x1b[5;10Hmoved" not in raw and b"\x9b31m" not in raw
    finally:
        thread.stop()


async def test_the_token_is_never_on_screen_saved_or_logged(tmp_path: Path, isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    from knot_tui.sim import Simulator

    async with Simulator(SimulatorOptions(time_scale=0.05)) as sim:
        token = sim.seeded.alice_token
        logsetup.add_secret(token)
        log_file = logsetup.setup(logging.DEBUG)  # debug output too
        app = RecordingApp(settings_for(sim, "alice"))
        saved = tmp_path / "desk.log"
        shot = ""
        async with app.run_test(size=SIZE) as pilot:
            await ready(app)
            logging.getLogger("knot_tui.test").debug("settings: %r", app.settings)
            shot += app.export_screenshot()
            details = await open_details(app, pilot, sim, "alice", "desk")
            await app.wait_until(lambda: details.usage is not None)
            shot += app.export_screenshot()
            await pilot.press("l")
            await app.wait_until(lambda: isinstance(app.screen, LogsScreen))
            logs = app.screen
            assert isinstance(logs, LogsScreen)
            await app.wait_until(lambda: len(list(logs.lines().view.lines())) > 3, timeout=15)
            shot += app.export_screenshot()
            await pilot.press("ctrl+s")
            await app.wait_until(lambda: isinstance(app.screen, SaveLogScreen))
            app.screen.dismiss(saved)
            await app.wait_until(saved.exists)
            await app.wait_until(lambda: app.noted("Saved"))
        logging.shutdown()
        texts = {
            "screenshots": shot,
            "saved log": saved.read_text(),
            "log file": log_file.read_text(),
        }
        assert "Authorization" not in texts["log file"] or token not in texts["log file"]
        for where, text in texts.items():
            assert token not in text, f"the token appears in the {where}"
        assert "settings" in texts["log file"]  # the debug record was written, redacted
        assert saved.stat().st_mode & 0o777 == 0o600
        assert log_file.stat().st_mode & 0o777 == 0o600


async def test_tls_verification_off_is_always_visible(isolated_env: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from knot_tui.sim import Simulator

    async with Simulator(SimulatorOptions(time_scale=0.05)) as sim:
        app = RecordingApp(replace(settings_for(sim, "alice"), tls_skip_verify=True))
        async with app.run_test(size=SIZE):
            await ready(app)
            assert "TLS NOT VERIFIED" in app.screen.query_one(StatusBar).build().plain
        assert settings_for(sim, "alice").verify  # on by default


def test_subprocesses_get_argv_lists_never_a_shell() -> None:
    sources = list((ROOT / "knot_tui").rglob("*.py"))
    offenders = []
    for path in sources:
        text = path.read_text()
        for pattern in (r"shell\s*=\s*True", r"\bos\.system\(", r"\bos\.popen\(", r"create_subprocess_shell"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert sources and offenders == []
