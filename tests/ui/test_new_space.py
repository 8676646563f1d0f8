"""Creating spaces: the form's checks, knot's refusals, the progress view, installing the
bundled template, all against the simulator."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from knot_tui.diagnose import STALE_PING
from knot_tui.sim import Simulator
from knot_tui.templates import UBUNTU_DESKTOP_NAME
from knot_tui.ui.screens.new_space import NewSpaceScreen
from knot_tui.ui.screens.progress import DONE, WARNING, ProgressScreen

from ..conftest import broken_image_template
from .helpers import RecordingApp, ready, settings_for

SIZE = (150, 50)


async def _open_form(app: RecordingApp, pilot) -> NewSpaceScreen:  # type: ignore[no-untyped-def]
    await pilot.press("n")
    await app.wait_until(lambda: isinstance(app.screen, NewSpaceScreen) and app.screen.templates)
    return app.screen  # type: ignore[return-value]


async def _choose(app: RecordingApp, pilot, template_name: str) -> None:  # type: ignore[no-untyped-def]
    form = app.screen
    assert isinstance(form, NewSpaceScreen)
    options = form.query_one("#templates", OptionList)
    index = next(i for i, t in enumerate(form.templates) if t.name == template_name)
    options.highlighted = index
    await app.wait_until(lambda: form.template is not None and form.template.name == template_name)


def _hint(app: RecordingApp) -> str:
    return str(app.screen.query_one("#name-hint").render())


async def test_name_is_checked_as_you_type(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await _open_form(app, pilot)
        name = app.screen.query_one("#name", Input)
        cases = {
            "1desk": "must start with a letter",
            "d": "at least 2 characters",
            "de--sk": "must not contain '--'",
            "desk_2": "only letters, digits and '-'",
            # alice has "desk"; names compare case-insensitively
            "DESK": "already have a space with this name",
            "x" * 65: "",
            "desk-2": "available",
        }
        for value, expected in cases.items():
            name.value = value
            await pilot.pause()
            if expected:
                assert expected in _hint(app), (value, _hint(app))
        assert len(name.value) <= 64  # the input itself stops at knot's limit


async def test_from_n_to_a_running_ubuntu_desktop(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        form = await _open_form(app, pilot)
        await _choose(app, pilot, UBUNTU_DESKTOP_NAME)
        info = str(form.query_one("#template-info").render())
        assert "nomad" in info and "VNC" in info and "compute units 2" in info
        await pilot.click("#name")
        await pilot.press(*"my-desk")
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await app.wait_until(
            lambda: all(progress.steps[k].mark == DONE for k in ("start", "knot", "nomad", "agent")),
            timeout=30,
        )
        space = next(s for s in app.store.spaces.values() if s.name == "my-desk")
        assert space.template_name == UBUNTU_DESKTOP_NAME and space.shell == "zsh"  # alice's preferred shell
        # The docs' template still carries the /ping check: knot-tui says why it fails.
        await app.wait_until(lambda: progress.steps["health"].mark == WARNING, timeout=30)
        assert STALE_PING in progress.steps["health"].detail
        assert progress.running_unhealthy
        # It runs: "c Cancel" (stop it) is no longer offered.
        assert "cancel_start" not in {b.binding.action for b in progress.active_bindings.values()}


async def test_keyboard_only_arrows_tab_to_the_name_and_create(sim: Simulator) -> None:
    """Arrows pick the template, tab goes to the name (not to the form's scroll box)."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        form = await _open_form(app, pilot)
        for _ in form.templates:
            if form.template is not None and form.template.name == UBUNTU_DESKTOP_NAME:
                break
            await pilot.press("down")
        assert form.template is not None and form.template.name == UBUNTU_DESKTOP_NAME
        await pilot.press("tab", *"kb-desk")
        assert form.query_one("#name", Input).value == "kb-desk"
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, ProgressScreen))
        await app.wait_until(lambda: any(s.name == "kb-desk" for s in app.store.spaces.values()), timeout=10)


async def test_install_the_bundled_template_then_a_healthy_desktop(sim: Simulator) -> None:
    for template in sim.world.templates.values():
        if template.name == UBUNTU_DESKTOP_NAME:
            template.is_deleted = True  # a server without Ubuntu Desktop
    app = RecordingApp(settings_for(sim, "admin"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        form = await _open_form(app, pilot)
        assert form.query_one("#install").display  # offered to an admin when it is missing
        await pilot.click("#install")
        await app.wait_until(lambda: any(t.name == UBUNTU_DESKTOP_NAME for t in form.templates))
        assert app.noted("Template installed")
        assert not form.query_one("#install").display
        await _choose(app, pilot, UBUNTU_DESKTOP_NAME)
        await pilot.click("#name")
        await pilot.press(*"fresh-desk", "ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, ProgressScreen))
        progress = app.screen
        await app.wait_until(lambda: progress.finished, timeout=40)
        assert "alive passing" in progress.steps["health"].detail
        # installing again is refused, nothing is changed
        app.install_template()
        await app.wait_until(lambda: app.noted("already exists"))
    installed = [
        t for t in sim.world.templates.values() if t.name == UBUNTU_DESKTOP_NAME and not t.is_deleted
    ]
    assert len(installed) == 1 and installed[0].platform == "nomad" and "address_mode" in installed[0].job


async def test_a_developer_cannot_install_templates(sim: Simulator) -> None:
    before = len(sim.world.templates)
    app = RecordingApp(settings_for(sim, "bob"))
    async with app.run_test(size=SIZE):
        await ready(app)
        app.install_template()
        await app.wait_until(lambda: app.noted("Manage Templates"))
    assert len(sim.world.templates) == before


async def test_knot_refusals_keep_the_form_and_point_at_the_field(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "bob"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        form = await _open_form(app, pilot)
        await _choose(app, pilot, "Debian Dev")
        # A space named "twin" appears behind our back (no event yet): the local check passes.
        from knot_tui.sim.world import SimSpace

        twin = SimSpace(
            space_id=sim.world.new_id(),
            name="twin",
            user_id=sim.seeded.bob.user_id,
            template_id=form.template.template_id,
        )
        sim.world.spaces[twin.space_id] = twin
        await pilot.click("#name")
        await pilot.press(*"twin")
        await pilot.click("#description")
        await pilot.press(*"my notes")
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: "name already used" in str(form.query_one("#form-error").render()))
        assert isinstance(app.screen, NewSpaceScreen)
        assert app.focused is form.query_one("#name")
        assert form.query_one("#description", Input).value == "my notes"  # nothing lost
        # A quota is not about one field: said on the form, which stays filled.
        sim.seeded.bob.max_spaces = 1
        form.query_one("#name", Input).value = "other"
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: "space quota exceeded" in str(form.query_one("#form-error").render()))
        assert form.query_one("#name", Input).value == "other"


async def test_create_without_starting(sim: Simulator) -> None:
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await _open_form(app, pilot)
        await _choose(app, pilot, "Debian Dev")
        await pilot.click("#name")
        await pilot.press(*"quiet")
        await pilot.click("#start")
        await pilot.click("#field-git-repo")
        await pilot.press(*"https://example.com/repo.git")
        await pilot.press("ctrl+s")
        await app.wait_until(
            lambda: (
                isinstance(app.screen, ProgressScreen)
                and "not started" in str(app.screen.query_one("#progress-outcome").render())
            )
        )
    created = next(s for s in sim.world.live_spaces() if s.name == "quiet")
    assert not created.is_pending and not created.is_deployed
    assert created.custom_fields == [{"name": "git_repo", "value": "https://example.com/repo.git"}]


async def test_a_start_that_fails_says_why_and_c_stops_it(sim: Simulator) -> None:
    """An image Nomad cannot pull: the failed step names it, and `c` (offered now) stops the space."""
    from knot_tui.knot.models import SpaceState

    broken = broken_image_template(sim.world)
    sim.world.templates[broken.template_id] = broken
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        await _open_form(app, pilot)
        await _choose(app, pilot, "Broken Image")
        await pilot.click("#name")
        await pilot.press(*"doomed")
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, ProgressScreen))
        progress = app.screen
        assert isinstance(progress, ProgressScreen)
        await app.wait_until(
            lambda: "did not start" in str(progress.query_one("#progress-outcome").render()), 30
        )
        assert "manifest unknown" in progress.steps["nomad"].detail
        assert progress.check_action("cancel_start", ())
        await pilot.press("c")
        doomed = next(s.space_id for s in app.store.spaces.values() if s.name == "doomed")
        await app.wait_until(
            lambda: app.store.spaces[doomed].state in (SpaceState.STOPPING, SpaceState.STOPPED), timeout=20
        )


async def test_esc_keeps_what_was_typed_for_next_time(sim: Simulator) -> None:
    """Leaving the form loses nothing: n again brings back template, name, fields; creating clears it."""
    app = RecordingApp(settings_for(sim, "alice"))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        form = await _open_form(app, pilot)
        await _choose(app, pilot, "Debian Dev")
        await app.wait_until(lambda: bool(form.query("#field-git-repo")))
        await pilot.click("#name")
        await pilot.press(*"half")
        form.query_one("#field-git-repo", Input).value = "https://example.com/r.git"
        await pilot.press("escape")
        await app.wait_until(lambda: not isinstance(app.screen, NewSpaceScreen))

        form = await _open_form(app, pilot)
        await app.wait_until(lambda: form.template is not None and form.template.name == "Debian Dev")
        await app.wait_until(lambda: bool(form.query("#field-git-repo")))
        assert form.query_one("#name", Input).value == "half"
        await app.wait_until(
            lambda: form.query_one("#field-git-repo", Input).value == "https://example.com/r.git"
        )
        assert "last time" in str(form.query_one("#form-error").render())
        await pilot.press("ctrl+s")
        await app.wait_until(lambda: isinstance(app.screen, ProgressScreen))
        assert app.new_space_draft is None
