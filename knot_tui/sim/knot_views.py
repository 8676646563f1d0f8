"""JSON bodies shaped exactly like knot's Go structs (`apiclient/*.go`), key order included."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knot_tui.sim.gojson import go_time
from knot_tui.sim.world import SimSpace, SimTemplate, SimUser, World


def _zone(name: str) -> Any:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def resource_usage(space: SimSpace) -> dict[str, Any] | None:
    agent = space.agent
    if agent is None:
        return None
    return {
        "cpu_percent": round(agent.cpu_percent, 2),
        "memory_used_bytes": agent.memory_used_bytes,
        "memory_limit_bytes": agent.memory_limit_bytes,
        "disk_used_bytes": agent.disk_used_bytes,
        "disk_limit_bytes": agent.disk_limit_bytes,
    }


def _agent_fields(world: World, space: SimSpace) -> dict[str, Any]:
    agent = space.agent
    if agent is None:
        return {
            "has_code_server": False,
            "has_ssh": False,
            "has_http_vnc": False,
            "has_terminal": False,
            "has_state": False,
            "tcp_ports": {},
            "http_ports": {},
            "has_vscode_tunnel": False,
            "vscode_tunnel_name": "",
        }
    return {
        "has_code_server": agent.has_code_server,
        "has_ssh": agent.ssh_port > 0,
        "has_http_vnc": agent.vnc_http_port > 0,
        "has_terminal": agent.has_terminal,
        "has_state": True,
        "tcp_ports": dict(agent.tcp_ports),
        # knot forces http_ports to {} when the server has no wildcard domain.
        "http_ports": dict(agent.http_ports) if world.wildcard_domain else {},
        "has_vscode_tunnel": False,
        "vscode_tunnel_name": "",
    }


def _health(world: World, space: SimSpace) -> tuple[bool, bool]:
    known = not world.is_remote(space)
    if space.agent is not None:
        healthy = space.agent.healthy if known else True
    else:  # an agent that went away from a deployed space leaves it unhealthy
        healthy = not (known and space.agent_lost and space.is_deployed)
    return healthy, known


def _update_available(space: SimSpace, template: SimTemplate | None) -> bool:
    if template is None or template.platform == "manual" or not template.hash:
        return False
    return space.is_deployed and space.template_hash != template.hash


def space_info(world: World, space: SimSpace) -> dict[str, Any]:
    """One `SpaceInfo` of `GET /api/spaces` (`HandleGetSpaces`)."""
    template = world.template_of(space)
    owner = world.users.get(space.user_id)
    agent = _agent_fields(world, space)
    healthy, known = _health(world, space)
    body: dict[str, Any] = {
        "space_id": space.space_id,
        "name": space.name,
        "description": space.description,
        "note": space.note,
        "template_name": template.name if template else "Unknown",
        "template_id": space.template_id,
        "pool_id": "",
        "pool_name": "",
        "zone": space.zone,
        "username": owner.username if owner else "",
        "user_id": space.user_id,
        "platform": template.platform if template else "unknown",
        "shares": list(space.shares),
        "depends_on": list(space.depends_on),
        "has_code_server": agent["has_code_server"],
        "has_ssh": agent["has_ssh"],
        "has_http_vnc": agent["has_http_vnc"],
        "has_terminal": agent["has_terminal"],
        "has_state": agent["has_state"],
        "is_deployed": space.is_deployed,
        "is_pending": space.is_pending,
        "is_deleting": space.is_deleting,
        "tcp_ports": agent["tcp_ports"],
        "http_ports": agent["http_ports"],
        "update_available": _update_available(space, template),
        "is_remote": world.is_remote(space),
        "has_vscode_tunnel": agent["has_vscode_tunnel"],
        "vscode_tunnel_name": agent["vscode_tunnel_name"],
        "started_at": go_time(space.started_at),
        "icon_url": space.icon_url,
        "healthy": healthy,
        "health_known": known,
        "node_hostname": "",
        "stack": space.stack,
        "stack_prefix": space.stack_prefix,
    }
    usage = resource_usage(space)
    if usage is not None:
        body["resource_usage"] = usage
    body["alt_names"] = [dict(a) for a in space.alt_names]
    body["custom_fields"] = [dict(c) for c in space.custom_fields]
    body["template_has_ssh"] = bool(template and template.with_ssh)
    body["template_has_terminal"] = bool(template and template.with_terminal)
    body["template_has_code_server"] = bool(template and template.with_code_server)
    body["template_has_vscode_tunnel"] = bool(template and template.with_vscode_tunnel)
    return body


def space_definition(world: World, space: SimSpace, viewer: SimUser) -> dict[str, Any]:
    """`GET /api/spaces/{id}` (`GetSpaceDetails`): one object, not the spec's array."""
    template = world.template_of(space)
    owner = world.users.get(space.user_id)
    agent = _agent_fields(world, space)
    healthy, known = _health(world, space)
    created = space.created_at or world.clock.now()
    formatted = created.astimezone(_zone(viewer.timezone)).strftime("%-d / %b / %Y %-I:%M:%S%p")
    formatted = formatted[:-2] + formatted[-2:].lower()
    body: dict[str, Any] = {
        "space_id": space.space_id,
        "user_id": space.user_id,
        "template_id": space.template_id,
        "shares": list(space.shares),
        "depends_on": list(space.depends_on),
        "name": space.name,
        "description": space.description,
        "note": space.note,
        "template_name": template.name if template else "",
        "pool_id": "",
        "pool_name": "",
        "username": owner.username if owner else "",
        "platform": template.platform if template else "",
        "shell": space.shell,
        "zone": space.zone,
        # A nil Go slice or map encodes as null (knot-api.md section 2).
        "alt_names": [dict(a) for a in space.alt_names] or None,
        "is_deployed": space.is_deployed,
        "is_pending": space.is_pending,
        "is_deleting": space.is_deleting,
        "has_ever_started": space.template_hash != "",
        "volume_data": {k: dict(v) for k, v in space.volume_data.items()} or None,
        "started_at": go_time(space.started_at),
        "created_at": go_time(created),
        "created_at_formatted": formatted,
        "icon_url": space.icon_url,
        "custom_fields": [dict(c) for c in space.custom_fields],
        "startup_script_id": space.startup_script_id,
        "has_code_server": agent["has_code_server"],
        "has_ssh": agent["has_ssh"],
        "has_terminal": agent["has_terminal"],
        "has_http_vnc": agent["has_http_vnc"],
        "has_state": agent["has_state"],
        "tcp_ports": agent["tcp_ports"],
        "http_ports": agent["http_ports"],
        "update_available": _update_available(space, template),
        "has_vscode_tunnel": agent["has_vscode_tunnel"],
        "vscode_tunnel_name": agent["vscode_tunnel_name"],
        "healthy": healthy,
        "health_known": known,
        "is_remote": world.is_remote(space),
        "node_id": "",
        "node_hostname": "",
        "stack": space.stack,
        "stack_prefix": space.stack_prefix,
    }
    usage = resource_usage(space)
    if usage is not None:
        body["resource_usage"] = usage
    return body


def _template_common(world: World, template: SimTemplate) -> dict[str, Any]:
    usage = [s for s in world.live_spaces() if s.template_id == template.template_id]
    return {
        "usage": len(usage),
        "deployed": sum(1 for s in usage if s.is_deployed),
    }


def template_info(world: World, template: SimTemplate) -> dict[str, Any]:
    """One `TemplateInfo` of `GET /api/templates`."""
    counts = _template_common(world, template)
    return {
        "template_id": template.template_id,
        "name": template.name,
        "description": template.description,
        "usage": counts["usage"],
        "deployed": counts["deployed"],
        "groups": list(template.groups) or None,
        "platform": template.platform,
        "active": template.active,
        "is_managed": False,
        "allow_node_migration": False,
        "schedule_enabled": False,
        "auto_start": False,
        "compute_units": template.compute_units,
        "storage_units": template.storage_units,
        "schedule": None,
        "zones": list(template.zones) or None,
        "max_uptime": 0,
        "max_uptime_unit": "disabled",
        "icon_url": template.icon_url,
        "ports": [dict(p) for p in template.ports] or None,
        "custom_fields": [dict(c) for c in template.custom_fields],
    }


def template_details(world: World, template: SimTemplate) -> dict[str, Any]:
    """`GET /api/templates/{id}` (`TemplateDetails`), with the raw job and volume text."""
    counts = _template_common(world, template)
    return {
        "template_id": template.template_id,
        "name": template.name,
        "job": template.job,
        "description": template.description,
        "volumes": template.volumes,
        "usage": counts["usage"],
        "hash": template.hash,
        "deployed": counts["deployed"],
        "groups": list(template.groups) or None,
        "platform": template.platform,
        "active": template.active,
        "is_managed": False,
        "with_terminal": template.with_terminal,
        "with_vscode_tunnel": template.with_vscode_tunnel,
        "with_code_server": template.with_code_server,
        "with_ssh": template.with_ssh,
        "with_run_command": template.with_run_command,
        "allow_node_migration": False,
        "startup_script_id": "",
        "shutdown_script_id": "",
        "compute_units": template.compute_units,
        "storage_units": template.storage_units,
        "schedule_enabled": False,
        "auto_start": False,
        "schedule": None,
        "zones": list(template.zones) or None,
        "max_uptime": 0,
        "max_uptime_unit": "disabled",
        "icon_url": template.icon_url,
        "custom_fields": [dict(c) for c in template.custom_fields],
        "health_check_type": template.health_check_type,
        "health_check_config": "",
        "health_check_skip_ssl_verify": False,
        "health_check_timeout": 0,
        "health_check_interval": 30,
        "health_check_max_failures": 3,
        "health_check_auto_restart": False,
        "disable_user_activity": False,
        "ports": [dict(p) for p in template.ports] or None,
    }


def _usage(world: World, user: SimUser) -> dict[str, int]:
    owned = [s for s in world.live_spaces() if s.user_id == user.user_id]
    deployed = [s for s in owned if s.is_deployed or s.is_pending]
    compute = 0
    storage = 0
    for space in owned:
        template = world.template_of(space)
        if template is None:
            continue
        storage += template.storage_units
        if space in deployed:
            compute += template.compute_units
    return {
        "number_spaces": len(owned),
        "number_spaces_deployed": len(deployed),
        "number_spaces_deployed_in_zone": sum(1 for s in deployed if not world.is_remote(s)),
        "used_compute_units": compute,
        "used_storage_units": storage,
        "used_tunnels": 0,
    }


def user_response(world: World, user: SimUser) -> dict[str, Any]:
    """`GET /api/users/whoami` (`UserResponse`); usage counters are zero in whoami."""
    return {
        "user_id": user.user_id,
        "username": user.username,
        "email": user.email,
        "service_password": user.service_password,
        "roles": list(user.roles),
        "groups": list(user.groups),
        "active": user.active,
        "max_spaces": user.max_spaces,
        "compute_units": user.compute_units,
        "storage_units": user.storage_units,
        "max_tunnels": user.max_tunnels,
        "ssh_public_key": user.ssh_public_key,
        "ssh_private_key": "",
        "github_username": user.github_username,
        "preferred_shell": user.preferred_shell,
        "timezone": user.timezone,
        "current": True,
        "last_login_at": go_time(user.last_login_at) if user.last_login_at else None,
        "created_at": go_time(user.created_at),
        "updated_at": go_time(user.created_at),
        "totp_secret": "",
        "number_spaces": 0,
        "number_spaces_deployed": 0,
        "number_spaces_deployed_in_zone": 0,
        "used_compute_units": 0,
        "used_storage_units": 0,
        "used_tunnels": 0,
    }


def user_info(world: World, user: SimUser, viewer: SimUser) -> dict[str, Any]:
    """One `UserInfo` of `GET /api/users`."""
    return {
        "user_id": user.user_id,
        "username": user.username,
        "email": user.email,
        "roles": list(user.roles),
        "groups": list(user.groups),
        "active": user.active,
        "max_spaces": user.max_spaces,
        "compute_units": user.compute_units,
        "storage_units": user.storage_units,
        "max_tunnels": user.max_tunnels,
        "current": user.user_id == viewer.user_id,
        "last_login_at": go_time(user.last_login_at) if user.last_login_at else None,
        **_usage(world, user),
    }


def user_quota(world: World, user: SimUser) -> dict[str, Any]:
    usage = _usage(world, user)
    return {
        "max_spaces": user.max_spaces,
        "compute_units": user.compute_units,
        "storage_units": user.storage_units,
        "max_tunnels": user.max_tunnels,
        "number_spaces": usage["number_spaces"],
        "number_spaces_deployed": usage["number_spaces_deployed"],
        "used_compute_units": usage["used_compute_units"],
        "used_storage_units": usage["used_storage_units"],
        "used_tunnels": 0,
    }
