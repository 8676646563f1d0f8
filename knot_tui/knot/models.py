"""knot wire models (`apiclient/*.go` in knot), tolerant of missing, null and extra keys."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from knot_tui.wire import from_wire, list_from_wire

#: knot's name rule (`internal/util/validate/validate.go` Name): also forbids "--".
NAME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,63}$")
SHELLS = ("bash", "zsh", "fish", "sh")
DESCRIPTION_MAX = 1024


def name_problem(name: str) -> str | None:
    """Why `name` is not a valid knot space name, or None when it is."""
    if not name:
        return "a name is required"
    if not name[0].isascii() or not name[0].isalpha():
        return "must start with a letter"
    if len(name) < 2:
        return "must be at least 2 characters"
    if len(name) > 64:
        return "must be at most 64 characters"
    if not NAME_RE.match(name):
        return "only letters, digits and '-' are allowed"
    if "--" in name:
        return "must not contain '--'"
    return None


class Permission(enum.IntEnum):
    """knot permission ids: the iota order of `internal/database/model/role.go`."""

    MANAGE_USERS = 0
    MANAGE_TEMPLATES = 1
    MANAGE_SPACES = 2
    MANAGE_VOLUMES = 3
    MANAGE_GROUPS = 4
    MANAGE_ROLES = 5
    MANAGE_VARIABLES = 6
    USE_SPACES = 7
    USE_TUNNELS = 8
    VIEW_AUDIT_LOGS = 9
    TRANSFER_SPACES = 10
    SHARE_SPACES = 11
    CLUSTER_INFO = 12
    USE_VNC = 13
    USE_WEB_TERMINAL = 14
    USE_SSH = 15
    USE_CODE_SERVER = 16
    USE_VSCODE_TUNNEL = 17
    USE_LOGS = 18
    RUN_COMMANDS = 19
    COPY_FILES = 20


class SpaceState(enum.Enum):
    """The lifecycle states knot's CLI shows (`command/spaces/list.go` spaceStatus)."""

    STOPPED = "Stopped"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    DELETING = "Deleting"


@dataclass(slots=True)
class ResourceUsage:
    cpu_percent: float = 0.0
    memory_used_bytes: int = 0
    memory_limit_bytes: int = 0
    disk_used_bytes: int = 0
    disk_limit_bytes: int = 0


@dataclass(slots=True)
class AltName:
    name: str = ""
    port: int = 0

    @classmethod
    def from_scalar(cls, value: Any) -> AltName:
        """knot < 0.25 sent alt names as plain strings."""
        return cls(name=str(value))


@dataclass(slots=True)
class CustomFieldValue:
    name: str = ""
    value: str = ""


@dataclass(slots=True)
class SpaceVolume:
    """One entry of `volume_data` (`model.SpaceVolume`; note the capital `Namespace`)."""

    __wire_keys__ = {"namespace": "Namespace"}

    id: str = ""
    namespace: str = ""
    type: str = ""


@dataclass(slots=True)
class Space:
    """A space as listed (`SpaceInfo`) or fetched (`SpaceDefinition`): the union of both."""

    space_id: str = ""
    name: str = ""
    description: str = ""
    note: str = ""
    template_name: str = ""
    template_id: str = ""
    platform: str = ""
    pool_id: str = ""
    pool_name: str = ""
    zone: str = ""
    username: str = ""
    user_id: str = ""
    shares: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    is_deployed: bool = False
    is_pending: bool = False
    is_deleting: bool = False
    has_state: bool = False
    has_ssh: bool = False
    has_http_vnc: bool = False
    has_code_server: bool = False
    has_terminal: bool = False
    has_vscode_tunnel: bool = False
    vscode_tunnel_name: str = ""
    tcp_ports: dict[str, str] = field(default_factory=dict)
    http_ports: dict[str, str] = field(default_factory=dict)
    update_available: bool = False
    is_remote: bool = False
    started_at: datetime | None = None
    icon_url: str = ""
    healthy: bool = True
    health_known: bool = False
    node_id: str = ""
    node_hostname: str = ""
    stack: str = ""
    stack_prefix: str = ""
    resource_usage: ResourceUsage | None = None
    alt_names: list[AltName] = field(default_factory=list)
    custom_fields: list[CustomFieldValue] = field(default_factory=list)
    template_has_ssh: bool = False
    template_has_terminal: bool = False
    template_has_code_server: bool = False
    template_has_vscode_tunnel: bool = False
    # SpaceDefinition only
    shell: str = ""
    has_ever_started: bool = False
    created_at: datetime | None = None
    created_at_formatted: str = ""
    startup_script_id: str = ""
    volume_data: dict[str, SpaceVolume] = field(default_factory=dict)

    @property
    def state(self) -> SpaceState:
        """State as knot's CLI derives it from the three DB flags."""
        if self.is_deployed:
            return SpaceState.STOPPING if self.is_pending else SpaceState.RUNNING
        if self.is_deleting:
            return SpaceState.DELETING
        if self.is_pending:
            return SpaceState.STARTING
        return SpaceState.STOPPED

    @property
    def state_label(self) -> str:
        """ "Running", "Remote Stopping", ... exactly as `knot space list` labels it."""
        return ("Remote " if self.is_remote else "") + self.state.value

    @property
    def looks_deleted(self) -> bool:
        """knot soft-deletes: a deleted space keeps answering `GET` with its name set to its id."""
        return bool(self.space_id) and self.name == self.space_id


@dataclass(slots=True)
class SpaceList:
    count: int = 0
    spaces: list[Space] = field(default_factory=list)


@dataclass(slots=True)
class TemplatePort:
    name: str = ""
    port: int = 0
    protocol: str = ""


@dataclass(slots=True)
class CustomFieldDef:
    name: str = ""
    description: str = ""


@dataclass(slots=True)
class Template:
    """A template as listed (`TemplateInfo`) or fetched (`TemplateDetails`)."""

    template_id: str = ""
    name: str = ""
    description: str = ""
    usage: int = 0
    deployed: int = 0
    groups: list[str] = field(default_factory=list)
    platform: str = ""
    active: bool = False
    is_managed: bool = False
    allow_node_migration: bool = False
    schedule_enabled: bool = False
    auto_start: bool = False
    compute_units: int = 0
    storage_units: int = 0
    zones: list[str] = field(default_factory=list)
    max_uptime: int = 0
    max_uptime_unit: str = ""
    icon_url: str = ""
    ports: list[TemplatePort] = field(default_factory=list)
    custom_fields: list[CustomFieldDef] = field(default_factory=list)
    # TemplateDetails only
    job: str = ""
    volumes: str = ""
    hash: str = ""
    with_terminal: bool = False
    with_vscode_tunnel: bool = False
    with_code_server: bool = False
    with_ssh: bool = False
    with_run_command: bool = False
    startup_script_id: str = ""
    shutdown_script_id: str = ""
    health_check_type: str = ""
    health_check_interval: int = 0

    @property
    def features(self) -> list[str]:
        """The space features this template brings, for display."""
        out = []
        if self.with_ssh:
            out.append("SSH")
        if self.with_terminal:
            out.append("terminal")
        if self.with_code_server:
            out.append("code-server")
        if self.with_vscode_tunnel:
            out.append("VS Code tunnel")
        if "KNOT_VNC_HTTP_PORT" in self.job:
            out.append("VNC")
        return out


@dataclass(slots=True)
class TemplateList:
    count: int = 0
    templates: list[Template] = field(default_factory=list)


@dataclass(slots=True)
class User:
    """`GET /api/users/whoami` (`UserResponse`) and `GET /api/users` items (`UserInfo`)."""

    user_id: str = ""
    username: str = ""
    email: str = ""
    roles: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    active: bool = False
    max_spaces: int = 0
    compute_units: int = 0
    storage_units: int = 0
    max_tunnels: int = 0
    ssh_public_key: str = ""
    github_username: str = ""
    preferred_shell: str = ""
    timezone: str = ""
    current: bool = False
    last_login_at: datetime | None = None
    created_at: datetime | None = None
    number_spaces: int = 0
    number_spaces_deployed: int = 0
    used_compute_units: int = 0
    used_storage_units: int = 0


@dataclass(slots=True)
class UserList:
    count: int = 0
    users: list[User] = field(default_factory=list)


@dataclass(slots=True)
class Ping:
    status: bool = False
    version: str = ""
    zone: str = ""


@dataclass(slots=True)
class ServerInfo:
    version: str = ""
    wildcard_domain: str = ""
    clustered: bool = False


@dataclass(slots=True)
class UsagePoint:
    bucket_start: datetime | None = None
    bucket_kind: str = ""
    is_live: bool = False
    resource_usage: ResourceUsage | None = None


@dataclass(slots=True)
class Created:
    """201 bodies: `{"status": true, "space_id"|"template_id"|"token_id": ...}`."""

    status: bool = False
    space_id: str = ""
    template_id: str = ""
    token_id: str = ""


@dataclass(slots=True)
class SpaceRequest:
    """The body of `POST /api/spaces` and `PUT /api/spaces/{id}` (`apiclient.SpaceRequest`)."""

    name: str
    template_id: str
    description: str = ""
    shell: str = ""
    user_id: str = ""
    icon_url: str = ""
    alt_names: list[AltName] = field(default_factory=list)
    custom_fields: list[CustomFieldValue] = field(default_factory=list)
    selected_node_id: str = ""
    startup_script_id: str = ""
    depends_on: list[str] = field(default_factory=list)
    stack: str = ""
    stack_prefix: str = ""

    def to_wire(self) -> dict[str, Any]:
        """The JSON body. Empty optional ids are left out, as knot's Go client does
        (`omitempty` on selected_node_id/startup_script_id); an empty `user_id` (= me) and
        `shell` (= my preferred shell) are left out too, which knot decodes the same way."""
        body: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "template_id": self.template_id,
            "shell": self.shell,
            "user_id": self.user_id,
            "alt_names": [{"name": a.name, "port": a.port} for a in self.alt_names],
            "icon_url": self.icon_url,
            "custom_fields": [{"name": c.name, "value": c.value} for c in self.custom_fields],
            "selected_node_id": self.selected_node_id,
            "startup_script_id": self.startup_script_id,
            "depends_on": list(self.depends_on),
            "stack": self.stack,
            "stack_prefix": self.stack_prefix,
        }
        for key in ("shell", "user_id", "selected_node_id", "startup_script_id"):
            if not body[key]:
                del body[key]
        return body

    @classmethod
    def from_space(cls, space: Space) -> SpaceRequest:
        """The full request for a read-modify-write update of `space`."""
        return cls(
            name=space.name,
            template_id=space.template_id,
            description=space.description,
            shell=space.shell,
            icon_url=space.icon_url,
            alt_names=list(space.alt_names),
            custom_fields=list(space.custom_fields),
            startup_script_id=space.startup_script_id,
            depends_on=list(space.depends_on),
            stack=space.stack,
            stack_prefix=space.stack_prefix,
        )


def parse_space(data: Any) -> Space:
    return from_wire(Space, data)


def parse_spaces(data: Any) -> list[Space]:
    return from_wire(SpaceList, data).spaces


__all__ = [
    "DESCRIPTION_MAX",
    "NAME_RE",
    "SHELLS",
    "AltName",
    "Created",
    "CustomFieldDef",
    "CustomFieldValue",
    "Permission",
    "Ping",
    "ResourceUsage",
    "ServerInfo",
    "Space",
    "SpaceList",
    "SpaceRequest",
    "SpaceState",
    "SpaceVolume",
    "Template",
    "TemplateList",
    "TemplatePort",
    "UsagePoint",
    "User",
    "UserList",
    "list_from_wire",
    "name_problem",
    "parse_space",
    "parse_spaces",
]
