"""The logs screen against the simulator: each source, each tool, drops, and bad data."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from textual.widgets import Input

from knot_tui.logs.model import make_line
from knot_tui.logs.sources import frame_lines
from knot_tui.sim import Simulator
from knot_tui.sim.knot_app import _log_frame
from knot_tui.text import plain
from knot_tui.ui.screens.logs import LogsScreen
from knot_tui.ui.screens.save_log import SaveLogScreen
from knot_tui.ui.screens.task_picker import TaskPickerScreen
from knot_tui.ui.widgets.log_lines import LogLines

from .helpers import RecordingApp, ready, running_alloc, select, settings_for, space_id

SIZE = (140, 40)
HEARTBEAT = re.compile(r"supervisord: heartbeat (\d+)$")


async def open_logs(app: RecordingApp, pilot, sim: Simulator, owner: str, name: str) -> LogsScreen:  # type: ignore[no-untyped-def]
    await select(app, sim, owner, name)
    await pilot.press("l")
    await app.wait_until(lambda: isinstance(app.screen, LogsScreen) and app.screen.query(LogLines))
    screen = app.screen
    assert isinstance(screen, LogsScreen)
    return screen


def texts(log: LogLines) -> list[str]:
    return [line.plain for line in log.view.lines()]


def status(screen: LogsScreen) -> str:
    return plain(str(screen.query_one("#logs-status").render()))


def expected_agent_lines(sim: Simulator, owner: str, name: str) -> list[str]:
    """What knot's history holds for the space, as the screen should show it."""
    space = sim.world.spaces[space_id(sim, owner, name)]
    user = sim.world.users[space.user_id]
    zone = ZoneInfo(user.timezone or "UTC")
    assert space.agent is not None
    frames = [_log_frame(entry, zone).removesuffix("\r\n") for entry in space.agent.history]
    return [make_line(0, line).plain for line in frame_lines(frames)]


async def type_in(pilot, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the search/filter input with `key`, enter `text` (as one paste: every key press
    waits for an idle CPU, which a streaming simulator in the same process rarely gives)."""
    await pilot.press(key)
    box = pilot.app.screen.query_one("#logs-input", Input)
    assert box.has_focus
    box.replace(text, *box.selection)  # what typing does to the preselected text
    await pilot.press("enter")


def heartbeats(log: LogLines) -> list[int]:
    return [int(m.group(1)) for text in texts(log) if (m := HEARTBEAT.search(text))]


async def test_agent_log_history_then_live_and_a_reconnect_shows_each_line_once(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "desk")
        log = screen.lines("agent")
        assert screen.source == "agent"  # her own space: the agent log first
        await app.wait_until(lambda: screen.status["agent"].state == "live")
        assert "connected to" in "\n".join(texts(log))  # the history came first
        before = len(texts(log))
        await app.wait_until(lambda: len(texts(log)) > before + 3, timeout=10)  # live syslog lines
        for _ in range(3):  # the stream is cut; knot re-sends its history each time
            sim.drop_streams()
            await app.wait_until(lambda: screen.status["agent"].state == "reconnecting", timeout=10)
            await app.wait_until(lambda: screen.status["agent"].state == "live", timeout=10)
        await app.wait_until(lambda: texts(log) == expected_agent_lines(sim, "alice", "desk"), timeout=10)
        assert not any(line.marker for line in log.view.lines())  # nothing was missing either


async def test_task_output_resumes_without_gap_or_duplicate(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        log = screen.lines("stdout")
        await app.wait_until(lambda: len(heartbeats(log)) > 5, timeout=15)
        # Cut the next connections after odd byte counts, mid-frame, frames split in 5-byte writes.
        sim.nomad_options.update(log_drops=[700, 333, 1500, 77, 2048], split_frames=5, drop_log_streams=1)
        await app.wait_until(lambda: not sim.nomad_options["log_drops"], timeout=20)
        last = max(heartbeats(log))
        await app.wait_until(lambda: max(heartbeats(log)) > last + 20, timeout=20)
        beats = heartbeats(log)
        assert beats == list(range(beats[0], beats[0] + len(beats))), "a gap or a duplicate"
        await pilot.press("e")
        await app.wait_until(
            lambda: any("pulseaudio" in t for t in texts(screen.lines("stderr"))), timeout=15
        )
        assert "task dev" in plain(str(screen.query_one("#logs-title").render()))


async def test_a_history_longer_than_the_screen_opens_at_its_end(sim: Simulator) -> None:
    """The first batch brings the scrollbar; the view follows to the last line all the same."""
    alloc = running_alloc(sim, "api-dev-alice")
    stdout = alloc.logs[("dev", "stdout")]
    stdout.rate = 0  # quiet from now on: no later line may hide a view stuck at the top
    stdout.data += "".join(f"history line {n}\n" for n in range(300)).encode()
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        log = screen.lines("stdout")
        await app.wait_until(lambda: "history line 299" in texts(log), timeout=15)
        await app.wait_until(lambda: log.scroll_y == log.max_scroll_y > 0, timeout=15)
        assert log.following


async def test_bad_data_never_breaks_the_view(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        log = screen.lines("stdout")
        await app.wait_until(lambda: screen.status["stdout"].state == "live", timeout=15)
        space = sim.world.spaces[space_id(sim, "alice", "api-dev")]
        alloc = running_alloc(sim, "api-dev-alice")
        stdout = alloc.logs[("dev", "stdout")]
        stdout.data += (
            b"bad \xff\xfe utf-8 \xe2\x98 and a NUL \x00 here\n"
            b"\x1b[2J\x1b[H\x1b]0;pwned title\x07\x1b[31mred\x1b[0m \x1b[5;10Hmoved\x07\n"
            + b"x" * 100_000
            + b"\nafter the huge line\n"
        )
        assert space.name == "api-dev"
        await app.wait_until(lambda: "after the huge line" in texts(log), timeout=15)
        lines = texts(log)
        bad = next(t for t in lines if t.startswith("bad "))
        assert "\ufffd" in bad and "␀" in bad
        escapes = next(t for t in lines if "pwned" in t or "red" in t)
        assert escapes == "pwned titlered moved␇" or escapes.startswith("red"), escapes
        huge = next(line for line in log.view.lines() if line.cells >= 100_000)
        assert huge.plain == "x" * 100_000

        def drawn() -> str:
            width = log.scrollable_content_region.width  # narrower once the scrollbar shows
            out = []
            for y in range(log.size.height):
                strip = log.render_line(y)
                assert strip.cell_length == width
                out.append("".join(segment.text for segment in strip))
            return "\n".join(out)

        assert "\x1b" not in drawn()
        rows = log.view.row_count
        await pilot.press("w")  # the huge line now takes ~800 rows
        assert log.view.row_count > rows + 100_000 // log.scrollable_content_region.width - 5
        index = next(i for i, line in enumerate(log.view.lines()) if line.cells >= 100_000)
        log.scroll_to(y=log.view.first_row(index) + 300, animate=False, immediate=True)
        log.set_paused(True)
        await pilot.pause()
        assert set(drawn().replace("\n", "").strip()) <= {"x", " "} | set("0123456789:")


async def test_search_filter_wrap_times_pause_copy_and_save(sim: Simulator, isolated_env: Path) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        await pilot.press("o")
        log = screen.lines("stdout")
        await app.wait_until(lambda: len(heartbeats(log)) > 30, timeout=15)

        await type_in(pilot, "slash", "heartbeat 2")
        cursor = log.cursor_line()
        assert cursor is not None and "heartbeat 2" in cursor.plain and not log.following
        first = cursor.seq
        await pilot.press("n")
        assert log.cursor_line() is not None and log.cursor_line().seq != first  # type: ignore[union-attr]
        await pilot.press("N")
        assert log.cursor_line().seq == first  # type: ignore[union-attr]
        assert "search 'heartbeat 2'" in status(screen)

        await pilot.press("c")
        assert app.clipboard == cursor.plain

        await type_in(pilot, "f", "heartbeat 1")
        assert 0 < log.view.line_count < len(log.buffer)
        assert all("heartbeat 1" in t for t in texts(log))
        assert "match 'heartbeat 1'" in status(screen)

        await pilot.press("ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, SaveLogScreen))
        await pilot.press("enter")
        saved_dir = isolated_env / ".local" / "share" / "knot-tui" / "logs"
        await app.wait_until(lambda: saved_dir.exists() and any(saved_dir.iterdir()), timeout=10)
        (saved,) = saved_dir.iterdir()
        assert saved.name.startswith("alice-api-dev-dev-stdout-")
        assert saved.read_text().splitlines() == texts(log)[: len(saved.read_text().splitlines())]

        await pilot.press("escape")  # clears the filter
        assert log.view.filter == "" and log.view.line_count == len(log.buffer)
        await pilot.press("escape")  # clears the search
        assert log.search == ""

        stamped = "".join(s.text for s in log.render_line(0))
        await pilot.press("t")
        plain_row = "".join(s.text for s in log.render_line(0))
        assert re.match(r"\d\d:\d\d:\d\d ", stamped) and not re.match(r"\d\d:\d\d:\d\d ", plain_row)

        await pilot.press("w")
        assert log.view.wrap and "wrap on" in status(screen)

        await pilot.press("p")
        assert log.paused and not log.following and "paused" in status(screen)
        await app.wait_until(lambda: log.pending > 3, timeout=10)
        assert f"+{log.pending:,} new lines" in status(screen)
        await pilot.press("G")
        assert log.following and log.pending == 0 and log.at_bottom

        log.cursor_seq = None
        await pilot.press("c")
        assert app.clipboard.count("\n") >= 5  # the visible lines

        await pilot.press("escape")
        assert not isinstance(app.screen, LogsScreen)


async def test_sources_that_cannot_answer_say_why(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await pilot.press("a")
        await app.wait_until(lambda: len(app.store.spaces) > 5)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        assert screen.source == "stdout"  # admins cannot read another user's agent log
        await pilot.press("a")
        await app.wait_until(lambda: screen.status["agent"].state == "failed")
        assert "Only the owner" in screen.status["agent"].detail
        assert "Only the owner" in status(screen)
        assert "Only the owner" in screen.lines("agent").empty_text

    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "desk")
        await pilot.press("o")
        assert "Nomad is not configured" in status(screen)


async def test_choose_the_allocation_and_task(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "bob"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        job = "gpu-test-bob"
        await app.wait_until(
            lambda: sum(a.job_id == job for a in sim.world.nomad.allocs.values()) >= 2, timeout=20
        )
        screen = await open_logs(app, pilot, sim, "bob", "gpu-test")
        await app.wait_until(lambda: len(screen.targets) >= 2, timeout=10)
        first = screen.target
        await pilot.press("A")
        await app.wait_until(lambda: isinstance(app.screen, TaskPickerScreen))
        await pilot.press("down", "enter")
        await app.wait_until(lambda: screen.target is not None and screen.target != first)
        assert screen.source == "stdout"
        assert screen.target.alloc_id[:8] in plain(str(screen.query_one("#logs-title").render()))  # type: ignore[union-attr]


async def test_a_search_typed_in_one_burst_lands_in_the_box(sim: Simulator) -> None:
    """`/`, then letters that are also log keys (p pauses, w wraps), queued at once."""
    from textual import events

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        log = screen.lines()
        for key, char in [("slash", "/"), *[(c, c) for c in "pw"]]:
            app.post_message(events.Key(key, char))  # as the driver queues a burst
        await app.wait_until(lambda: screen.query_one("#logs-input", Input).value == "pw", timeout=15)
        assert not log.paused and not log.view.wrap


async def test_a_key_right_after_enter_in_the_search_box_reaches_the_log(sim: Simulator) -> None:
    from textual import events

    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        screen = await open_logs(app, pilot, sim, "alice", "api-dev")
        log = screen.lines()
        keys = [("slash", "/"), ("h", "h"), ("e", "e"), ("enter", "\r"), ("w", "w")]
        for key, char in keys:
            app.post_message(events.Key(key, char))  # as the driver queues a burst
        await app.wait_until(lambda: log.view.wrap, timeout=15)  # w reached the log: wrap is on
        assert log.search == "he" and screen.query_one("#logs-input", Input).value == "he"
