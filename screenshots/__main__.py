"""Make the README's screenshots: `python -m screenshots [--out DIR]`.

Each is the real app (Textual's headless driver) on the embedded simulator with a fixed seed
and a frozen clock, saved as SVG by Textual and converted to PNG with `rsvg-convert` (Debian:
librsvg2-bin, with fonts-firacode for aligned columns) when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Input, OptionList

from knot_tui.config import ConsulSettings, NomadSettings, Settings
from knot_tui.sim import SimulatorOptions
from knot_tui.sim.server import Simulator
from knot_tui.sim.thread import SimulatorThread
from knot_tui.ui.app import KnotApp
from knot_tui.ui.screens.details import DetailsScreen
from knot_tui.ui.screens.logs import LogsScreen
from knot_tui.ui.screens.new_space import NewSpaceScreen
from knot_tui.ui.screens.spaces import SpacesScreen

FROZEN = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent
SIZE = (140, 36)

Pilot = Any
Drive = Callable[[KnotApp, Pilot, Simulator], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    name: str
    who: str
    drive: Drive
    title: str
    size: tuple[int, int] = SIZE


def settings_for(sim: Simulator, who: str) -> Settings:
    assert sim.seeded is not None
    nomad_token = {"admin": sim.seeded.nomad_management, "alice": sim.seeded.nomad_alice}[who]
    return replace(
        Settings(),
        server=sim.knot_url,
        token=getattr(sim.seeded, f"{who}_token"),
        source="demo",
        demo=True,  # the status bar says "demo" instead of a random port
        nomad=NomadSettings(addr=sim.nomad_url, token=nomad_token),
        consul=ConsulSettings(addr=sim.consul_url, token=sim.seeded.consul_token),
    )


async def settled(app: KnotApp) -> None:
    await app.wait_until(app.settled, timeout=30)


async def select(app: KnotApp, sim: Simulator, owner: str, name: str) -> None:
    screen = app.screen
    assert isinstance(screen, SpacesScreen)
    user = sim.world.user_by_username(owner)
    assert user is not None
    space = sim.world.space_by_name(user.user_id, name)
    assert space is not None
    await app.wait_until(lambda: screen.table.move_to(space.space_id), timeout=10)


async def spaces(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    await settled(app)


async def ops_attention(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    await settled(app)
    await pilot.press("a")
    await app.wait_until(lambda: app.store.all_users and len(app.store.spaces) > 5)
    await settled(app)
    await pilot.press("f")
    await pilot.pause()


async def new_space(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    await settled(app)
    await pilot.press("n")
    await app.wait_until(lambda: isinstance(app.screen, NewSpaceScreen) and bool(app.screen.templates))
    form = app.screen
    assert isinstance(form, NewSpaceScreen)
    index = next(i for i, t in enumerate(form.templates) if t.name == "Ubuntu Desktop")
    form.query_one("#templates", OptionList).highlighted = index
    await app.wait_until(lambda: form.template is not None and form.template.name == "Ubuntu Desktop")
    name = form.query_one("#name", Input)
    name.focus()
    name.value = "my-desktop"
    await pilot.pause()


async def details(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    await settled(app)
    await select(app, sim, "alice", "desk")
    await pilot.press("enter")
    await app.wait_until(lambda: isinstance(app.screen, DetailsScreen) and app.screen.job is not None)
    screen = app.screen
    assert isinstance(screen, DetailsScreen)
    await app.wait_until(lambda: screen.usage is not None and bool(screen.query("#allocs")))
    await pilot.pause()


async def logs_search(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    await settled(app)
    await select(app, sim, "alice", "desk")
    await pilot.press("l")
    await app.wait_until(lambda: isinstance(app.screen, LogsScreen))
    screen = app.screen
    assert isinstance(screen, LogsScreen)
    await app.wait_until(lambda: screen.lines("agent").buffer.next_seq > 5, timeout=20)
    await pilot.press("slash")
    box = screen.query_one("#logs-input", Input)
    box.value = "kasmvnc"
    await pilot.press("enter")
    await pilot.pause()


async def ssh_vnc(app: KnotApp, pilot: Pilot, sim: Simulator) -> None:
    """The command palette on a space's details: SSH, VNC and its links by name."""
    await details(app, pilot, sim)
    await pilot.press("ctrl+p")
    await app.wait_until(lambda: isinstance(app.screen, CommandPalette))
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(CommandInput).value = "desk"
    await app.wait_until(lambda: len(palette.query_one(CommandList).options) >= 3, timeout=10)
    await pilot.pause()


SHOTS = [
    Shot("spaces", "alice", spaces, "A developer's spaces, live from knot's event feed", (140, 16)),
    Shot(
        "ops-attention",
        "admin",
        ops_attention,
        "Everyone's spaces, filtered to those needing attention",
        (140, 12),
    ),
    Shot("new-space", "alice", new_space, "A new space from the bundled Ubuntu Desktop template"),
    Shot(
        "details",
        "alice",
        details,
        "A space's details: knot, the Nomad job, allocation, checks, volume",
        (150, 46),
    ),
    Shot("logs-search", "alice", logs_search, "The agent log with a search highlighted", (140, 24)),
    Shot("ssh-vnc", "alice", ssh_vnc, "SSH, VNC and the space's web links"),
]


async def take(shot: Shot, sim: Simulator, out: Path) -> Path:
    app = KnotApp(settings_for(sim, shot.who), now=lambda: FROZEN)
    async with app.run_test(size=shot.size) as pilot:
        await shot.drive(app, pilot, sim)
        await pilot.pause()
        path = app.save_screenshot(filename=f"{shot.name}.svg", path=str(out))
    return Path(path)


def to_png(svg: Path) -> Path | None:
    """PNG through rsvg-convert. Textual writes spaces as no-break spaces, which librsvg
    draws with no width at the edge of a styled run ("enterdetails"): the copy converted
    uses plain spaces, kept by xml:space="preserve"."""
    if shutil.which("rsvg-convert") is None:
        return None
    text = svg.read_text().replace("&#160;", " ").replace("<svg ", '<svg xml:space="preserve" ', 1)
    png = svg.with_suffix(".png")
    with tempfile.NamedTemporaryFile("w", suffix=".svg") as tmp:
        tmp.write(text)
        tmp.flush()
        subprocess.run(["rsvg-convert", "-o", str(png), tmp.name], check=True)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", default="", help="comma-separated shot names")
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}
    options = SimulatorOptions(seed=42, time_scale=10_000, frozen_at=FROZEN, wildcard=True)
    with SimulatorThread(options) as sim:
        for shot in SHOTS:
            if wanted and shot.name not in wanted:
                continue
            svg = asyncio.run(take(shot, sim, args.out))
            png = to_png(svg)
            print(f"{svg}" + (f" and {png.name}" if png else " (no rsvg-convert: SVG only)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
