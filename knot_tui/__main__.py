"""`python -m knot_tui` runs the same entry point as the `knot-tui` script."""

from knot_tui.cli import entry

entry()
