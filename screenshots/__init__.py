"""README screenshots, made from the simulator: `python -m screenshots`."""
