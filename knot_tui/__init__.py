"""knot-tui: a terminal UI for knot cloud desktops running on HashiCorp Nomad."""

__version__ = "0.1.0"
