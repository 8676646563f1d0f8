"""The key table, generated from the bindings themselves (help screen and README).

Every binding users should know has an `id`; the config file's `[keymap]` remaps by id,
and what is shown here is the effective key after that remapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class KeyRow:
    section: str
    keys: str
    description: str
    binding_id: str


def _display(keys: str) -> str:
    names = {
        "ctrl+": "ctrl+",
        "question_mark": "?",
        "slash": "/",
        "space": "space",
        "escape": "esc",
        "pagedown": "PgDn",
        "pageup": "PgUp",
    }
    out = []
    for key in keys.split(","):
        key = key.strip()
        out.append(names.get(key, key))
    return " / ".join(out)


def rows_for(section: str, bindings: list[BindingType], keymap: Mapping[str, str]) -> list[KeyRow]:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding) or not binding.id or not binding.description:
            continue
        keys = keymap.get(binding.id, binding.key)
        rows.append(KeyRow(section, _display(keys), binding.tooltip or binding.description, binding.id))
    return rows


def key_table(keymap: Mapping[str, str] | None = None) -> list[KeyRow]:
    """All documented keys, per screen, with the keymap applied."""
    from knot_tui.ui.app import KnotApp
    from knot_tui.ui.screens.spaces import SpacesScreen

    keymap = keymap or {}
    sections: list[tuple[str, list[BindingType]]] = [
        ("Everywhere", KnotApp.BINDINGS),
        ("Spaces", SpacesScreen.BINDINGS),
    ]
    for extra in _later_screens():
        sections.append(extra)
    rows: list[KeyRow] = []
    for section, bindings in sections:
        rows += rows_for(section, bindings, keymap)
    return rows


def _later_screens() -> list[tuple[str, list[BindingType]]]:
    """The other screens' keys, in the order a user meets them."""
    from knot_tui.ui.screens.details import DetailsScreen
    from knot_tui.ui.screens.links import LinksScreen
    from knot_tui.ui.screens.new_space import NewSpaceScreen
    from knot_tui.ui.screens.progress import ProgressScreen

    return [
        ("Space details", DetailsScreen.BINDINGS),
        ("Links", LinksScreen.BINDINGS),
        ("New space", NewSpaceScreen.BINDINGS),
        ("Starting a space", ProgressScreen.BINDINGS),
    ]


def markdown_table(rows: list[KeyRow]) -> str:
    lines = ["| Where | Key | Action |", "| --- | --- | --- |"]
    lines += [f"| {r.section} | `{r.keys}` | {r.description} |" for r in rows]
    return "\n".join(lines)
