"""The details screen's panes: one concern each, each fed and failing on its own."""
