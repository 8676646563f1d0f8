"""Render a space's template the way knot does before it talks to Nomad (section 7.1)."""

from __future__ import annotations

from typing import Any

import yaml

from knot_tui.knot.template_vars import render, space_variables
from knot_tui.sim.world import SimSpace, World


def template_data(world: World, space: SimSpace) -> dict[str, Any]:
    template = world.template_of(space)
    owner = world.users.get(space.user_id)
    data = space_variables(
        space_id=space.space_id,
        space_name=space.name,
        user_id=space.user_id,
        username=owner.username if owner else "",
        email=owner.email if owner else "",
        timezone=owner.timezone if owner else "UTC",
        template_id=space.template_id,
        template_name=template.name if template else "",
        server_url=world.server_url,
        agent_endpoint=world.server_url.split("://", 1)[-1].split(":")[0] + ":3010",
        wildcard_domain=world.wildcard_domain,
        zone=world.zone,
        first_boot=space.template_hash == "",
        custom={c["name"]: c["value"] for c in space.custom_fields},
        variables={},
    )
    if owner is not None:
        data["user"]["service_password"] = owner.service_password
    return data


def render_job(world: World, space: SimSpace) -> str:
    template = world.template_of(space)
    return render(template.job, template_data(world, space)) if template else ""


def render_volumes(world: World, space: SimSpace) -> list[dict[str, Any]]:
    """The template's volume definitions, variables resolved (`LoadVolumesFromYaml`)."""
    template = world.template_of(space)
    if template is None or not template.volumes.strip():
        return []
    text = render(template.volumes, template_data(world, space))
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return []
    volumes = doc.get("volumes") if isinstance(doc, dict) else None
    out = []
    for volume in volumes or []:
        if not isinstance(volume, dict):
            continue
        volume = dict(volume)
        volume["id"] = str(volume.get("id") or volume.get("name") or "")
        volume["namespace"] = str(volume.get("namespace") or "default")
        volume["type"] = str(volume.get("type") or "csi")
        out.append(volume)
    return out


def ensure_volume_data(world: World, space: SimSpace) -> None:
    """Record the volumes knot creates on start, keyed by id (`model.SpaceVolume`)."""
    for volume in render_volumes(world, space):
        space.volume_data.setdefault(
            volume["id"],
            {"id": volume["id"], "Namespace": volume["namespace"], "type": volume["type"]},
        )
