"""The README's two set-up commands stay true: one runs --demo, one is exactly what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", setup, re.S)


def test_exactly_two_setup_commands() -> None:
    commands = _commands()
    assert len(commands) == 2
    assert commands[0].rstrip().endswith("knot-tui --demo")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1].strip() in ci.splitlines()


def test_the_key_table_is_the_one_generated_from_the_bindings() -> None:
    from knot_tui.ui.keys import README_END, README_START, key_table, markdown_table

    text = (ROOT / "README.md").read_text()
    assert README_START in text and README_END in text
    block = text.split(README_START, 1)[1].split(README_END, 1)[0].strip()
    assert block == markdown_table(key_table()), (
        "README's key table is stale: replace it with the output of `python -m knot_tui.ui.keys`"
    )


def test_the_readme_opens_with_a_screenshot_and_every_image_exists() -> None:
    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and text.index(images[0]) < text.index("## ")  # a screenshot before any section
    assert len(images) >= 6
    for image in images:
        png = ROOT / image
        assert png.exists(), image
        assert png.with_suffix(".svg").exists(), f"{image}: made from an SVG by `python -m screenshots`"


def test_install_and_troubleshooting_are_documented() -> None:
    text = (ROOT / "README.md").read_text()
    assert "pipx install ." in text and "uv tool install ." in text
    trouble = text.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for topic in ("401", "403", "VNC", "/ping"):
        assert topic in trouble
