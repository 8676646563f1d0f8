"""Render a space's template the way knot does before it talks to Nomad (section 7.1)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from knot_tui.knot.template_vars import render, space_variables
from knot_tui.sim.world import SimSpace, World

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        variables=world.template_vars,
    )
    if owner is not None:
        data["user"]["service_password"] = owner.service_password
    return data


def render_job(world: World, space: SimSpace) -> str:
    template = world.template_of(space)
    return render(template.job, template_data(world, space)) if template else ""


def _parse_volumes(text: str) -> list[dict[str, Any]]:
    try:
        doc = yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return []
    volumes = doc.get("volumes") if isinstance(doc, dict) else None
    return [v for v in volumes or [] if isinstance(v, dict)]


@lru_cache(maxsize=64)
def _template_volumes(text: str) -> tuple[dict[str, Any], ...]:
    """The volume definitions with their `${{ }}` actions still unresolved, parsed once."""
    return tuple(_parse_volumes(text))


def _resolve(value: Any, data: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return render(value, data) if "${{" in value else value
    if isinstance(value, dict):
        return {k: _resolve(v, data) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, data) for v in value]
    return value


def render_volumes(world: World, space: SimSpace) -> list[dict[str, Any]]:
    """The template's volume definitions, variables resolved (`LoadVolumesFromYaml`).

    knot resolves variables in the text, then parses it. Variables in these templates sit
    inside YAML strings, so parsing once per template and resolving each string gives the
    same result without parsing YAML once per space (10,000 spaces seed in a second).
    """
    template = world.template_of(space)
    if template is None or not template.volumes.strip():
        return []
    data = template_data(world, space)
    if "${{" in template.volumes and not _actions_in_strings_only(template.volumes):
        parsed = _parse_volumes(render(template.volumes, data))
    else:
        parsed = [_resolve(v, data) for v in _template_volumes(template.volumes)]
    out = []
    for volume in parsed:
        volume = dict(volume)
        volume["id"] = str(volume.get("id") or volume.get("name") or "")
        volume["namespace"] = str(volume.get("namespace") or "default")
        volume["type"] = str(volume.get("type") or "csi")
        out.append(volume)
    return out


def _actions_in_strings_only(text: str) -> bool:
    """True when every `${{ }}` action sits inside a double-quoted YAML string."""
    for line in text.splitlines():
        if "${{" not in line:
            continue
        _key, _, value = line.partition(":")
        value = value.strip()
        if not (value.startswith('"') and value.endswith('"')):
            return False
    return True


def ensure_volume_data(world: World, space: SimSpace) -> None:
    """Record the volumes knot creates on start, keyed by id (`model.SpaceVolume`)."""
    for volume in render_volumes(world, space):
        space.volume_data.setdefault(
            volume["id"],
            {"id": volume["id"], "Namespace": volume["namespace"], "type": volume["type"]},
        )
