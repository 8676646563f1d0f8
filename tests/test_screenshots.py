"""The screenshot script still runs (the README's images are regenerated with it)."""

from __future__ import annotations

import shutil
from pathlib import Path

from screenshots.__main__ import SHOTS, main


def test_the_screenshot_script_makes_an_svg_and_a_png(tmp_path: Path) -> None:
    assert {s.name for s in SHOTS} >= {
        "spaces",
        "ops-attention",
        "new-space",
        "details",
        "logs-search",
        "ssh-vnc",
    }
    assert main(["--only", "spaces", "--out", str(tmp_path)]) == 0
    svg = (tmp_path / "spaces.svg").read_text()
    assert "<svg" in svg and "Spaces" in svg and "desk" in svg
    if shutil.which("rsvg-convert"):
        assert (tmp_path / "spaces.png").stat().st_size > 10_000
