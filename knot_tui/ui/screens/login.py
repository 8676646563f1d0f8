"""Sign in like `knot connect`: email, password (and TOTP when the server uses it), or paste
an API token. The token is saved to knot's own knot.toml, but only after asking."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from knot_tui.config import ConfigError, save_connection
from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection, check_token, normalize_server
from knot_tui.knot.errors import KnotError
from knot_tui.text import plain
from knot_tui.ui.form_keys import FORM_BINDINGS
from knot_tui.ui.screens.confirm import ConfirmScreen
from knot_tui.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

#: knot's own rule (`internal/util/validate/validate.go` Email).
EMAIL_RE = re.compile(r"(?i)^([a-z0-9](?:[a-z0-9&'+=_\.-]+)?)@([a-z0-9_-]+)(\.[a-z0-9_-]+)*(\.[a-z]{2,})+$")

DEMO_HINT = (
    "No server yet? Quit (ctrl+q) and run [b]knot-tui --demo[/b] to try everything on a built-in simulator."
)


class LoginScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+q", "app.quit", "Quit", id="login.quit"),
        Binding("escape", "app.quit", "Quit", show=False),
        *FORM_BINDINGS,
    ]

    def __init__(self, *, reason: str = "", server: str = "") -> None:
        super().__init__()
        self._reason = reason
        self._server = server
        self._totp = False

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="login-scroll", can_focus=False), Vertical(id="login"):
            yield Label("Sign in to knot", id="login-title")
            if not self.knot_app.settings.server:  # first thing read, even on an 80x24 terminal
                yield Static(DEMO_HINT, id="login-hint", markup=True)
            if self._reason:
                yield Static(plain(self._reason), id="login-reason")
            yield Label("Server")
            yield Input(self._server, placeholder="https://knot.example.com", id="server")
            yield Label("Email")
            yield Input(placeholder="you@example.com", id="email")
            yield Label("Password")
            yield Input(password=True, id="password")
            yield Label("TOTP code", id="totp-label")
            yield Input(placeholder="123456", id="totp", max_length=6)
            with Horizontal(classes="login-buttons"):
                yield Button("Sign in", id="sign-in", variant="primary")
            yield Label("…or paste an API token (from knot's web UI: API Tokens)")
            yield Input(password=True, placeholder="API token", id="token")
            with Horizontal(classes="login-buttons"):
                yield Button("Use token", id="use-token")
            yield Static("", id="login-error")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#totp-label").display = False
        self.query_one("#totp").display = False
        focus = "#email" if self._server else "#server"
        self.query_one(focus, Input).focus()
        if self._server:
            self.check_totp(self._server)

    # ---- validation ------------------------------------------------------------------

    def _error(self, message: str, field: str | None = None) -> None:
        if not self.is_attached:
            return
        self.query_one("#login-error", Static).update(plain(message, keep_newlines=True))
        if field:
            self.query_one(f"#{field}", Input).focus()

    def _server_value(self) -> str | None:
        raw = self.query_one("#server", Input).value
        try:
            return normalize_server(raw)
        except ValueError as exc:
            self._error(f"Server: {exc}", "server")
            return None

    @on(Input.Submitted, "#server")
    @on(Input.Blurred, "#server")
    def server_entered(self) -> None:
        raw = self.query_one("#server", Input).value.strip()
        if raw:
            self.check_totp(raw)

    @work(exclusive=True, group="login-totp", exit_on_error=False)
    async def check_totp(self, raw: str) -> None:
        try:
            server = normalize_server(raw)
        except ValueError:
            return
        async with KnotClient(Connection(server=server, verify=self.knot_app.settings.verify)) as client:
            try:
                self._totp = await client.using_totp()
            except KnotError as exc:
                self._error(f"{exc.message}\n{exc.remedy}")
                return
        if not self.is_attached:
            return  # the screen went away while we asked
        self.query_one("#totp-label").display = self._totp
        self.query_one("#totp").display = self._totp
        self._error("")

    # ---- sign in ---------------------------------------------------------------------

    @on(Button.Pressed, "#sign-in")
    @on(Input.Submitted, "#password")
    @on(Input.Submitted, "#totp")
    def sign_in(self) -> None:
        server = self._server_value()
        if server is None:
            return
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        totp = self.query_one("#totp", Input).value.strip()
        if not EMAIL_RE.match(email):
            self._error("Email: knot signs in with an email address.", "email")
            return
        if len(password) < 8:
            self._error("Password: knot passwords have at least 8 characters.", "password")
            return
        if self._totp and not (len(totp) == 6 and totp.isdigit()):
            self._error("TOTP code: enter the 6 digits from your authenticator.", "totp")
            return
        self._error("Signing in…")
        self.login(server, email, password, totp)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def login(self, server: str, email: str, password: str, totp: str) -> None:
        try:
            token = await KnotClient.login(
                server, email, password, totp, verify=self.knot_app.settings.verify
            )
        except KnotError as exc:
            self._error(f"{exc.message}\n{exc.remedy}", "password")
            return
        await self._finish(server, token)

    @on(Button.Pressed, "#use-token")
    @on(Input.Submitted, "#token")
    def use_token(self) -> None:
        server = self._server_value()
        if server is None:
            return
        token = self.query_one("#token", Input).value.strip()
        try:
            check_token(token)
        except KnotError as exc:
            self._error(f"{exc.message}\n{exc.remedy}", "token")
            return
        self.verify_token(server, token)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def verify_token(self, server: str, token: str) -> None:
        async with KnotClient(
            Connection(server=server, token=token, verify=self.knot_app.settings.verify)
        ) as client:
            try:
                await client.whoami()
            except KnotError as exc:
                self._error(f"{exc.message}\n{exc.remedy}", "token")
                return
        await self._finish(server, token)

    async def _finish(self, server: str, token: str) -> None:
        app = self.knot_app
        settings = app.settings
        path = settings.knot_config
        if path is not None and not settings.demo:
            save = await app.push_screen_wait(
                ConfirmScreen(
                    "Save this connection?",
                    f"Save the server and a new API token to {path} as alias "
                    f"'{settings.alias}', as `knot connect` does, so knot-tui and the knot CLI "
                    "use it next time? The file is written with mode 0600.",
                    confirm="Save",
                )
            )
            if save:
                try:
                    save_connection(path, settings.alias, server, token)
                    app.notify(f"Saved to {path}.", title="Signed in")
                except (ConfigError, OSError) as exc:
                    app.notify(str(exc), title="Could not save the connection", severity="error")
        app.connect(replace(settings, server=server, token=token, source="login"))
