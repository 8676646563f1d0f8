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


def ubuntu_desktop_upstream_job() -> str:
    """The Nomad job exactly as knot's documentation has it (its `/ping` check is stale)."""
    return read("ubuntu-desktop.upstream.nomad.hcl")


def ubuntu_desktop_volumes() -> str:
    return read("ubuntu-desktop.volumes.yaml")
