"""Signing in (password, TOTP, token), being sent back on 401, switching alias."""

from __future__ import annotations

import stat
import tomllib
from dataclasses import replace
from pathlib import Path

from knot_tui.config import Settings, resolve
from knot_tui.sim import Simulator
from knot_tui.sim.totp import code_at
from knot_tui.ui.screens.confirm import ConfirmScreen
from knot_tui.ui.screens.login import LoginScreen
from knot_tui.ui.screens.spaces import SpacesScreen

from .helpers import RecordingApp, ready, rows

SIZE = (120, 45)


async def _sign_in(pilot) -> None:  # type: ignore[no-untyped-def]
    """Click Sign in once the button takes clicks again (a Button ignores clicks for 0.2 s
    after a press, while it shows as active)."""
    button = pilot.app.screen.query_one("#sign-in")
    await pilot.app.wait_until(lambda: not button.has_class("-active"), timeout=15)
    await pilot.click("#sign-in")


async def _type(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.click(selector)
    await pilot.press(*text) if text else None


async def test_the_demo_hint_is_on_screen_in_an_80x24_terminal(isolated_env: Path) -> None:
    app = RecordingApp(resolve(env={}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        hint = app.screen.query_one("#login-hint")
        assert hint.region.height > 0 and hint.region.bottom <= 23  # above the key bar, unscrolled


async def test_no_configuration_opens_login_with_a_demo_hint(sim: Simulator, isolated_env: Path) -> None:
    settings = resolve(env={})
    app = RecordingApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert "knot-tui --demo" in str(app.screen.query_one("#login-hint").render())
        await _type(pilot, "#server", sim.knot_url)
        await _type(pilot, "#email", "not-an-email")
        await _type(pilot, "#password", "short")
        await _sign_in(pilot)
        assert "email address" in str(app.screen.query_one("#login-error").render())
        app.screen.query_one("#email").value = "alice@knot.test"
        await _sign_in(pilot)
        assert "at least 8" in str(app.screen.query_one("#login-error").render())
        app.screen.query_one("#password").value = "wrong-password"
        await _sign_in(pilot)
        await app.wait_until(
            lambda: (
                "invalid email, password or TOTP code" in str(app.screen.query_one("#login-error").render())
            )
        )
        app.screen.query_one("#password").value = sim.demo_password
        await _sign_in(pilot)
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm")  # save, like knot connect
        await app.wait_until(lambda: isinstance(app.screen, SpacesScreen) and app.loaded)
        await ready(app)
        assert "desk" in rows(app) and app.identity == "alice (user)"
    saved = isolated_env / ".config" / "knot" / "knot.toml"
    data = tomllib.loads(saved.read_text())
    assert data["client"]["connection"]["default"]["server"] == sim.knot_url
    assert data["client"]["connection"]["default"]["token"] != sim.seeded.alice_token  # a new token
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    again = resolve(env={})
    assert again.server == sim.knot_url and again.source == "knot.toml"


async def test_declining_to_save_writes_nothing(sim: Simulator, isolated_env: Path) -> None:
    app = RecordingApp(resolve(env={}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _type(pilot, "#server", sim.knot_url)
        await _type(pilot, "#token", sim.seeded.bob_token)
        await pilot.click("#use-token")
        await app.wait_until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#cancel")
        await app.wait_until(lambda: isinstance(app.screen, SpacesScreen) and app.loaded)
        assert app.identity == "bob (user)"
    assert not (isolated_env / ".config" / "knot" / "knot.toml").exists()


async def test_totp_is_asked_for_when_the_server_uses_it(sim: Simulator) -> None:
    sim.world.using_totp = True
    sim.seeded.alice.totp_secret = "JBSWY3DPEHPK3PXP"
    app = RecordingApp(replace(Settings(), server=sim.knot_url, demo=True))
    async with app.run_test(size=SIZE) as pilot:
        await app.wait_until(
            lambda: isinstance(app.screen, LoginScreen) and app.screen.query_one("#totp").display
        )
        await _type(pilot, "#email", "alice@knot.test")
        await _type(pilot, "#password", sim.demo_password)
        await _sign_in(pilot)
        assert "6 digits" in str(app.screen.query_one("#login-error").render())
        await _type(pilot, "#totp", code_at("JBSWY3DPEHPK3PXP", sim.world.clock.now()))
        await _sign_in(pilot)
        await app.wait_until(
            lambda: isinstance(app.screen, SpacesScreen) and app.loaded
        )  # demo: no save prompt


async def test_a_revoked_token_sends_you_to_login(sim: Simulator) -> None:
    from .helpers import settings_for

    app = RecordingApp(settings_for(sim, "alice", nomad=False))
    async with app.run_test(size=SIZE):
        await ready(app)
        token = sim.seeded.alice_token
        del sim.world.tokens[token]  # revoked in knot's web UI
        sim.world.hub.invalidate_session(token)  # knot sends auth:required to its streams
        await app.wait_until(
            lambda: isinstance(app.screen, LoginScreen) and bool(app.screen.query("#login-reason")),
            timeout=10,
        )
        reason = str(app.screen.query_one("#login-reason").render())
        # Whichever noticed first: the event feed's auth:required, or a request's 401.
        assert (
            "refused the API token" in reason or "token is not valid" in reason
        ) and "Sign in again" in reason
        assert app.screen.query_one("#server").value == sim.knot_url


async def test_switch_alias_from_the_palette(sim: Simulator, isolated_env: Path) -> None:
    path = isolated_env / ".config" / "knot" / "knot.toml"
    path.parent.mkdir(parents=True)
    path.write_text(
        f'[client.connection.default]\nserver = "{sim.knot_url}"\ntoken = "{sim.seeded.alice_token}"\n'
        f'[client.connection.bobs]\nserver = "{sim.knot_url}"\ntoken = "{sim.seeded.bob_token}"\n'
    )
    app = RecordingApp(resolve(env={}))
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        assert app.identity == "alice (user)"
        await pilot.press("ctrl+p")
        await pilot.press(*"switch to alias bobs")
        await pilot.pause()
        await pilot.press("enter")
        await app.wait_until(lambda: app.identity == "bob (user)" and app.loaded, timeout=10)
        assert app.settings.alias == "bobs" and "gpu-test" in rows(app)


async def test_auto_typed_credentials_land_in_their_own_fields(isolated_env: Path) -> None:
    """A password manager types `server⇥email⇥password` at once: tab moves focus before the
    next letters are handed on (priority bindings), so nothing piles up in the first field."""
    from textual import events

    app = RecordingApp(resolve(env={}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        typed = [("http://knot", "#server"), ("me@example.com", "#email"), ("secret-pw", "#password")]
        for n, (text, _field) in enumerate(typed):
            if n:
                app.post_message(events.Key("tab", "\t"))
            for char in text:
                app.post_message(events.Key(char, char))  # as the driver queues a burst
        for text, field in typed:
            await app.wait_until(lambda text=text, field=field: app.screen.query_one(field).value == text)
