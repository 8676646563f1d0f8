"""Bundled knot templates, shipped as package data."""

from __future__ import annotations

from importlib import resources

UBUNTU_DESKTOP_NAME = "Ubuntu Desktop"
UBUNTU_DESKTOP_DESCRIPTION = (
    "Ubuntu 22.04 with an XFCE desktop served by KasmVNC; home directory on a CSI volume (hostpath plugin)."
)


def read(name: str) -> str:
    """The text of a bundled template file."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def ubuntu_desktop_job() -> str:
    """knot-tui's Ubuntu Desktop: the docs' job with a check that works on knot >= 0.10."""
    return read("ubuntu-desktop.nomad.hcl")


def ubuntu_desktop_request() -> dict[str, object]:
    """The body of `POST /api/templates` that installs the bundled Ubuntu Desktop."""
    return {
        "name": UBUNTU_DESKTOP_NAME,
        "description": UBUNTU_DESKTOP_DESCRIPTION,
        "platform": "nomad",
        "job": ubuntu_desktop_job(),
        "volumes": ubuntu_desktop_volumes(),
        "active": True,
        "groups": [],
        "zones": [],
        "with_ssh": True,
        "with_terminal": True,
        "with_code_server": True,
        "with_vscode_tunnel": False,
        "with_run_command": True,
        "compute_units": 1,
        "storage_units": 1,
        "health_check_type": "agent",
        "custom_fields": [],
        "ports": [],
        "max_uptime_unit": "disabled",
        "icon_url": "",
    }


def ubuntu_desktop_upstream_job() -> str:
    """The Nomad job exactly as knot's documentation has it (its `/ping` check is stale)."""
    return read("ubuntu-desktop.upstream.nomad.hcl")


def ubuntu_desktop_volumes() -> str:
    return read("ubuntu-desktop.volumes.yaml")
