"""The core never imports Textual: knot/, nomad/, config.py (and the state layer and simulator)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import knot_tui.knot
import knot_tui.nomad
import knot_tui.sim

CORE_PACKAGES = [knot_tui.knot, knot_tui.nomad, knot_tui.sim]
CORE_MODULES = [
    "knot_tui.config",
    "knot_tui.state",
    "knot_tui.wire",
    "knot_tui.text",
    "knot_tui.cli",
]


def _core_modules() -> list[str]:
    names = list(CORE_MODULES)
    for package in CORE_PACKAGES:
        names.append(package.__name__)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return names


def test_core_modules_do_not_import_textual() -> None:
    modules = _core_modules()
    assert "knot_tui.knot.client" in modules and "knot_tui.config" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"the core imported Textual: {result.stdout.strip()}"


def test_the_check_itself_detects_textual() -> None:
    """Guard against a check that cannot fail: importing the UI must show up."""
    code = "import sys, knot_tui.ui.app; print(any(m.startswith('textual') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


def test_the_first_frame_imports_no_network_or_nomad_code() -> None:
    """What the TUI imports before its first frame: no httpx, python-nomad, simulator or YAML
    (they load after the spaces screen is on screen; see bench/RESULTS.md for the figures)."""
    code = (
        "import sys\n"
        "import knot_tui.cli\n"
        "knot_tui.cli.build_parser()\n"
        "import knot_tui.ui.launch, knot_tui.ui.app, knot_tui.ui.screens.spaces\n"
        "heavy = ('httpx', 'httpx_sse', 'nomad', 'requests', 'aiohttp', 'asyncssh', 'websockets', 'hcl2',\n"
        "         'yaml', 'knot_tui.monitor', 'knot_tui.services', 'knot_tui.nomad.gateway')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_cli_shells_list_matches_knots() -> None:
    from knot_tui.commands.parsers import SHELLS
    from knot_tui.knot.models import SHELLS as KNOT_SHELLS

    assert SHELLS == KNOT_SHELLS
