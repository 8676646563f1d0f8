"""Tab and shift+tab for forms, as priority bindings.

Textual moves focus for tab only after the key has gone round the focused widget, so keys
that arrive together with it (a password manager's auto-type: `email⇥password⏎`, a paste,
a fast typist) are handed to the field being left. As priority bindings, the app moves focus
before it hands on the next key, and each field gets its own text.
"""

from __future__ import annotations

from textual.binding import Binding

FORM_BINDINGS = [
    Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
]
