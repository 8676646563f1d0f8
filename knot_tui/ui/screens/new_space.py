"""`n`: create a space from a template (and start it), checked as you type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from knot_tui.knot.errors import KnotBadRequest, KnotError
from knot_tui.knot.models import (
    DESCRIPTION_MAX,
    SHELLS,
    CustomFieldValue,
    Permission,
    SpaceRequest,
    Template,
    name_problem,
)
from knot_tui.templates import UBUNTU_DESKTOP_NAME
from knot_tui.text import plain
from knot_tui.ui.form_keys import FORM_BINDINGS
from knot_tui.ui.widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

FIELD_MAX = 4096


@dataclass(frozen=True)
class Draft:
    """What was typed in a form left without creating (kept for the session, so esc loses
    nothing): the template, name, description, shell, start box and custom fields by name."""

    template_id: str
    name: str
    description: str
    shell: str
    start: bool
    fields: dict[str, str]

    @property
    def empty(self) -> bool:
        return not (self.name or self.description or any(self.fields.values()))


#: knot's refusals (all 400s on create) and the field they are about.
_FIELD_OF_ERROR = [
    ("name already used", "name"),
    ("invalid name", "name"),
    ("description too long", "description"),
    ("invalid shell", "shell"),
    ("template", "templates"),
]


class NewSpaceScreen(Screen[None]):
    BINDING_GROUP_TITLE = "New space"
    BINDINGS = [
        Binding(
            "ctrl+s", "create", "Create", id="new.create", tooltip="Create the space (and start it if ticked)"
        ),
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="new.cancel",
            tooltip="Back to the list, nothing created (what you typed is kept for next time)",
        ),
        *FORM_BINDINGS,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.templates: list[Template] = []
        self.template: Template | None = None
        self._fields_for = ""
        #: A draft from an earlier visit, applied once the templates are read.
        self._draft: Draft | None = None

    @property
    def knot_app(self) -> KnotApp:
        return cast("KnotApp", self.app)

    def compose(self) -> ComposeResult:
        yield Label(" New space", id="new-title")
        with Horizontal(id="new-body"):
            with Vertical(id="new-templates"):
                yield Label("Template")
                yield OptionList(id="templates")
                yield Button("Install the Ubuntu Desktop template", id="install", variant="warning")
            # Not a tab stop: tab from the template list goes straight to the name.
            with VerticalScroll(id="new-form", can_focus=False):
                yield Static("", id="template-info")
                yield Label("Name")
                yield Input(placeholder="e.g. desk", id="name", max_length=64)
                yield Static("", id="name-hint", classes="hint")
                yield Label("Description")
                yield Input(placeholder="optional", id="description")
                yield Static("", id="description-hint", classes="hint")
                yield Label("Shell")
                yield Select([(s, s) for s in SHELLS], id="shell", allow_blank=False)
                yield Vertical(id="custom-fields")
                yield Checkbox("Start now", value=True, id="start")
                with Horizontal(id="new-buttons"):
                    yield Button("Create", id="create", variant="primary")
                    yield Button("Cancel", id="cancel")
                yield Static("", id="form-error")
        yield KeyBar()

    def on_mount(self) -> None:
        me = self.knot_app.store.me
        preferred = me.preferred_shell if me and me.preferred_shell in SHELLS else "bash"
        self.query_one("#shell", Select).value = preferred
        self.query_one("#install").display = False
        self._draft = self.knot_app.new_space_draft
        self.load_templates()

    # ---- templates -------------------------------------------------------------------

    @work(exclusive=True, group="new-templates", exit_on_error=False)
    async def load_templates(self) -> None:
        services = self.knot_app.services
        if services is None:
            return
        try:
            templates = await services.knot.templates()
        except KnotError as exc:
            self._form_error(exc)
            return
        templates.sort(key=lambda t: (not t.active, t.name.lower()))
        self.templates = templates
        options = self.query_one("#templates", OptionList)
        options.clear_options()
        for template in templates:
            label = Text(plain(template.name))
            if not template.active:
                label.append("  (inactive)", style="dim italic")
            options.add_option(Option(label, id=template.template_id, disabled=not template.active))
        store = self.knot_app.store
        has_ubuntu = any(t.name.lower() == UBUNTU_DESKTOP_NAME.lower() for t in templates)
        self.query_one("#install").display = not has_ubuntu and store.can(Permission.MANAGE_TEMPLATES)
        first = next((i for i, t in enumerate(templates) if t.active), None)
        if first is None:
            self.query_one("#template-info", Static).update("No active template is available to you.")
            return
        draft = self._draft
        chosen = next(
            (i for i, t in enumerate(templates) if draft and t.active and t.template_id == draft.template_id),
            None,
        )
        options.highlighted = first if chosen is None else chosen
        options.focus()
        if draft is not None:
            self._restore(draft)

    @on(OptionList.OptionHighlighted, "#templates")
    def template_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = next((t for t in self.templates if t.template_id == event.option.id), None)
        if chosen is not None:
            self.template = chosen
            self._show_template(chosen)
            self.load_details(chosen.template_id)

    @on(OptionList.OptionSelected, "#templates")
    def template_selected(self) -> None:
        self.query_one("#name", Input).focus()

    @work(exclusive=True, group="new-template-details", exit_on_error=False)
    async def load_details(self, template_id: str) -> None:
        app = self.knot_app
        details = app.templates.get(template_id)
        if details is None and app.services is not None:
            try:
                details = await app.services.knot.template(template_id)
            except KnotError:
                return
            app.templates[template_id] = details
        if details is not None and self.template and self.template.template_id == template_id:
            self._show_template(details)

    def _show_template(self, template: Template) -> None:
        info = Text()
        info.append(plain(template.name), style="bold")
        info.append(f"  {template.platform or '?'}", style="dim")
        if template.description:
            info.append("\n" + plain(template.description))
        info.append(
            f"\ncompute units {template.compute_units} · storage units {template.storage_units}", style="dim"
        )
        if template.features:
            info.append("\nbrings " + ", ".join(template.features), style="cyan")
        self.query_one("#template-info", Static).update(info)
        if template.template_id != self._fields_for:
            self._fields_for = template.template_id
            self.build_fields(template)

    @work(exclusive=True, group="new-fields", exit_on_error=False)
    async def build_fields(self, template: Template) -> None:
        """One input per custom field of the template (rebuilt only when the template changes)."""
        box = self.query_one("#custom-fields", Vertical)
        await box.remove_children()
        widgets = []
        for field in template.custom_fields:
            described = f" — {plain(field.description)}" if field.description else ""
            widgets.append(Label(plain(field.name) + described))
            widgets.append(Input(id=f"field-{_field_id(field.name)}", name=field.name))
        await box.mount_all(widgets)
        draft = self._draft
        if draft is not None and draft.template_id == template.template_id:
            for box_ in box.query(Input).results(Input):
                box_.value = draft.fields.get(box_.name or "", "")

    def _restore(self, draft: Draft) -> None:
        """Put back what was typed last time (the custom fields follow with their inputs)."""
        self.query_one("#name", Input).value = draft.name
        self.query_one("#description", Input).value = draft.description
        if draft.shell in SHELLS:
            self.query_one("#shell", Select).value = draft.shell
        self.query_one("#start", Checkbox).value = draft.start
        self.query_one("#form-error", Static).update(
            Text("What you typed last time is back (not created yet).", style="dim italic")
        )

    def _snapshot(self) -> Draft | None:
        if self.template is None:
            return None
        return Draft(
            template_id=self.template.template_id,
            name=self.query_one("#name", Input).value,
            description=self.query_one("#description", Input).value,
            shell=str(self.query_one("#shell", Select).value),
            start=self.query_one("#start", Checkbox).value,
            fields={b.name or "": b.value for b in self.query("#custom-fields Input").results(Input)},
        )

    # ---- validation ------------------------------------------------------------------

    @on(Input.Changed, "#name")
    def name_changed(self, event: Input.Changed) -> None:
        self.query_one("#name-hint", Static).update(
            self._name_hint(event.value) or Text("✓ available", style="green")
        )

    @on(Input.Changed, "#description")
    def description_changed(self, event: Input.Changed) -> None:
        used = len(event.value.encode())
        hint = Text(f"{used}/{DESCRIPTION_MAX}", style="red" if used > DESCRIPTION_MAX else "dim")
        self.query_one("#description-hint", Static).update(hint)

    def _name_hint(self, name: str) -> Text | None:
        problem = name_problem(name)
        if problem:
            return Text(f"✗ {problem}", style="red")
        store = self.knot_app.store
        me = store.me.user_id if store.me else ""
        if any(s.user_id == me and s.name.lower() == name.lower() for s in store.spaces.values()):
            return Text("✗ you already have a space with this name", style="red")
        return None

    def _field_error(self, field: str, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(plain(message), style="red"))
        self.query_one(f"#{field}").focus()

    def _form_error(self, error: KnotError) -> None:
        self.query_one("#form-error", Static).update(
            Text(f"{plain(error.message)}\n{plain(error.remedy)}", style="red")
        )

    def _request(self) -> SpaceRequest | None:
        if self.template is None:
            self._field_error("templates", "Choose a template.")
            return None
        name = self.query_one("#name", Input).value.strip()
        hint = self._name_hint(name)
        if hint is not None:
            self._field_error("name", f"Name: {hint.plain[2:]}")
            return None
        description = plain(self.query_one("#description", Input).value)
        if len(description.encode()) > DESCRIPTION_MAX:
            self._field_error("description", f"Description: at most {DESCRIPTION_MAX} bytes.")
            return None
        shell = str(self.query_one("#shell", Select).value)
        if shell not in SHELLS:
            self._field_error("shell", "Shell: choose bash, zsh, fish or sh.")
            return None
        fields = []
        for box in self.query("#custom-fields Input").results(Input):
            value = plain(box.value)
            if len(value) > FIELD_MAX:
                self._field_error(box.id or "name", f"{box.name}: at most {FIELD_MAX} characters.")
                return None
            fields.append(CustomFieldValue(box.name or "", value))
        return SpaceRequest(
            name=name,
            template_id=self.template.template_id,
            description=description,
            shell=shell,
            custom_fields=fields,
        )

    # ---- actions ---------------------------------------------------------------------

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self.knot_app.settings.read_only:
            self.notify("knot-tui runs with --read-only: creating spaces is disabled.", severity="warning")
            return
        request = self._request()
        if request is not None:
            self.query_one("#form-error", Static).update(Text("Creating…", style="dim"))
            self.create(request, self.query_one("#start", Checkbox).value)

    @work(exclusive=True, group="new-create", exit_on_error=False)
    async def create(self, request: SpaceRequest, start: bool) -> None:
        app = self.knot_app
        services = app.services
        if services is None:
            return
        try:
            space_id = await services.knot.create_space(request)
        except KnotBadRequest as exc:
            low = exc.message.lower()
            field = next((f for needle, f in _FIELD_OF_ERROR if needle in low), None)
            if field:
                self._field_error(field, f"{exc.message}. {exc.remedy}")
            else:
                self._form_error(exc)  # e.g. a quota: not about one field
            return
        except KnotError as exc:
            self._form_error(exc)
            return
        app.new_space_draft = None
        app.open_progress(space_id, request, start=start)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        draft = self._snapshot()
        self.knot_app.new_space_draft = None if draft is None or draft.empty else draft
        self.dismiss()

    @on(Button.Pressed, "#install")
    def install(self) -> None:
        self.knot_app.install_template(after=self.load_templates)


def _field_id(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name)
