"""The simulator's single source of truth: users, tokens, templates, spaces and their agents.

The HTTP layers (knot, Nomad, Consul) read and change one `World`. Every change that knot
would announce goes through `publish`, which feeds the SSE hub; every change Nomad or Consul
would index goes through `bump`, which wakes blocking queries.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import random
import uuid
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from knot_tui.knot.models import Permission
from knot_tui.sim.clock import SimClock
from knot_tui.sim.hub import EventHub

ADMIN_ROLE_ID = "00000000-0000-0000-0000-000000000000"
DEVELOPER_ROLE_ID = "0190c3a1-0000-7000-8000-000000000001"

#: The Admin role's permissions (`model.SetRoleCache` in knot).
ADMIN_PERMISSIONS = frozenset(int(p) for p in Permission)

#: What a typical "Developer" role grants: use spaces and their tools, nothing to manage.
DEVELOPER_PERMISSIONS = frozenset(
    int(p)
    for p in {
        Permission.USE_SPACES,
        Permission.USE_TUNNELS,
        Permission.SHARE_SPACES,
        Permission.USE_VNC,
        Permission.USE_WEB_TERMINAL,
        Permission.USE_SSH,
        Permission.USE_CODE_SERVER,
        Permission.USE_VSCODE_TUNNEL,
        Permission.USE_LOGS,
        Permission.RUN_COMMANDS,
        Permission.COPY_FILES,
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[int]] = {
    ADMIN_ROLE_ID: ADMIN_PERMISSIONS,
    DEVELOPER_ROLE_ID: DEVELOPER_PERMISSIONS,
}


@dataclass
class SimUser:
    user_id: str
    username: str
    email: str
    password: str
    roles: list[str]
    timezone: str = "UTC"
    preferred_shell: str = "bash"
    groups: list[str] = field(default_factory=list)
    active: bool = True
    max_spaces: int = 0
    compute_units: int = 0
    storage_units: int = 0
    max_tunnels: int = 0
    ssh_public_key: str = ""
    github_username: str = ""
    service_password: str = ""
    totp_secret: str = ""
    created_at: datetime | None = None
    last_login_at: datetime | None = None

    @property
    def permissions(self) -> frozenset[int]:
        perms: set[int] = set()
        for role in self.roles:
            perms |= ROLE_PERMISSIONS.get(role, frozenset())
        return frozenset(perms)

    def can(self, permission: Permission) -> bool:
        return int(permission) in self.permissions


@dataclass
class SimToken:
    token: str
    user_id: str
    name: str
    expires_at: datetime | None = None


@dataclass
class SimTemplate:
    template_id: str
    name: str
    description: str = ""
    job: str = ""
    volumes: str = ""
    platform: str = "nomad"
    active: bool = True
    groups: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    with_ssh: bool = True
    with_terminal: bool = True
    with_code_server: bool = True
    with_vscode_tunnel: bool = False
    with_run_command: bool = True
    compute_units: int = 1
    storage_units: int = 1
    ports: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: list[dict[str, str]] = field(default_factory=list)
    health_check_type: str = "agent"
    icon_url: str = ""
    is_deleted: bool = False
    hash: str = ""
    #: Simulation only: how a space of this template misbehaves ("", "flapping", "image-pull").
    fault: str = ""

    def rehash(self) -> None:
        self.hash = hashlib.sha256((self.job + "\0" + self.volumes).encode()).hexdigest()[:32]

    def env_value(self, key: str, default: str = "") -> str:
        """A literal `KEY = "value"` from the job's env block (how the agent learns ports)."""
        for line in self.job.splitlines():
            stripped = line.strip()
            if stripped.startswith(key) and "=" in stripped:
                name, _, value = stripped.partition("=")
                if name.strip() == key:
                    return value.strip().strip('"')
        return default


@dataclass
class LogEntry:
    when: datetime
    service: str
    level: int  # 0 debug, 1 info, 2 error (msg/msg_logmsg.go)
    message: str


@dataclass
class SimAgent:
    """The in-space agent's session as knot's server sees it (`agent_server.Session`)."""

    ssh_port: int = 0
    vnc_http_port: int = 0
    has_code_server: bool = False
    has_terminal: bool = False
    tcp_ports: dict[str, str] = field(default_factory=dict)
    http_ports: dict[str, str] = field(default_factory=dict)
    healthy: bool = True
    cpu_percent: float = 0.0
    memory_used_bytes: int = 0
    memory_limit_bytes: int = 0
    disk_used_bytes: int = 0
    disk_limit_bytes: int = 0
    history: deque[LogEntry] = field(default_factory=lambda: deque(maxlen=1000))
    listeners: set[asyncio.Queue[LogEntry | None]] = field(default_factory=set)

    def log(self, entry: LogEntry) -> None:
        self.history.append(entry)
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(entry)

    def close(self) -> None:
        """The agent session ended: every log listener's socket closes."""
        for queue in list(self.listeners):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self.listeners.clear()


@dataclass
class SimSpace:
    space_id: str
    name: str
    user_id: str
    template_id: str
    shell: str = "bash"
    description: str = ""
    note: str = ""
    zone: str = ""
    is_deployed: bool = False
    is_pending: bool = False
    is_deleting: bool = False
    is_deleted: bool = False
    started_at: datetime | None = None
    created_at: datetime | None = None
    template_hash: str = ""
    alt_names: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: list[dict[str, str]] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    icon_url: str = ""
    startup_script_id: str = ""
    stack: str = ""
    stack_prefix: str = ""
    volume_data: dict[str, dict[str, str]] = field(default_factory=dict)
    agent: SimAgent | None = None
    #: The agent's connection dropped while the space was deployed: knot says unhealthy.
    agent_lost: bool = False
    #: Simulation only: per-space fault overriding the template's.
    fault: str = ""
    #: knot's `container_id`/`nomad_namespace` (DB only, never in the API): (namespace, job id).
    nomad_job: tuple[str, str] | None = None


class World:
    """All simulated state plus the helpers the HTTP layers share."""

    def __init__(
        self,
        *,
        seed: int = 1,
        clock: SimClock | None = None,
        server_url: str = "http://127.0.0.1",
        zone: str = "eu-central",
        wildcard_domain: str = "",
        version: str = "0.31.0",
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        #: Randomness for live behaviour (CPU jitter, log lines), separate from the seeding.
        self.live_rng = random.Random(seed * 7919 + 1)
        #: Open SSH proxy WebSockets (the chaos knob that drops streams cuts them too).
        self.proxy_sockets: set[Any] = set()
        self.clock = clock or SimClock()
        self.server_url = server_url
        self.zone = zone
        self.wildcard_domain = wildcard_domain
        self.version = version
        self.using_totp = False
        self.users: dict[str, SimUser] = {}
        self.tokens: dict[str, SimToken] = {}
        self.sessions: dict[str, str] = {}  # session id -> user id
        self.templates: dict[str, SimTemplate] = {}
        self.spaces: dict[str, SimSpace] = {}
        #: Template variables (`${{ .var.<name> }}`), readable only with ManageVariables.
        self.template_vars: dict[str, str] = {}
        self.hub = EventHub()
        self.index = 1
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.hooks: list[Callable[[str, SimSpace], None]] = []
        from knot_tui.sim.nomad import NomadCluster

        self.nomad = NomadCluster(self)

    # ---- identifiers -------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_token(self) -> str:
        """A 44-character API token like knot's (`crypt/apikey.go`)."""
        raw = self.rng.getrandbits(256).to_bytes(32, "big")
        return base64.urlsafe_b64encode(raw).decode()

    # ---- lookups -----------------------------------------------------------------------

    def user_for_token(self, token: str) -> SimUser | None:
        record = self.tokens.get(token)
        if record is None:
            return None
        user = self.users.get(record.user_id)
        return user if user is not None and user.active else None

    def user_for_session(self, session_id: str) -> SimUser | None:
        user_id = self.sessions.get(session_id)
        user = self.users.get(user_id or "")
        return user if user is not None and user.active else None

    def user_by_email(self, email: str) -> SimUser | None:
        low = email.lower()
        return next((u for u in self.users.values() if u.email.lower() == low), None)

    def user_by_username(self, username: str) -> SimUser | None:
        return next((u for u in self.users.values() if u.username == username), None)

    def live_spaces(self) -> list[SimSpace]:
        return [s for s in self.spaces.values() if not s.is_deleted]

    def spaces_for_user(self, user_id: str) -> list[SimSpace]:
        """Own and shared spaces, sorted by name (`GetSpacesForUser`)."""
        found = [
            s
            for s in self.spaces.values()
            if not s.is_deleted and (s.user_id == user_id or user_id in s.shares)
        ]
        return sorted(found, key=lambda s: s.name.lower())

    def space_by_name(self, user_id: str, name: str) -> SimSpace | None:
        """Own spaces (name or alt name, case-insensitive) first, then shared ones."""
        low = name.lower()

        def matches(space: SimSpace) -> bool:
            return space.name.lower() == low or any(
                str(a.get("name", "")).lower() == low for a in space.alt_names
            )

        live = [s for s in self.spaces.values() if not s.is_deleted]
        own = [s for s in live if s.user_id == user_id and matches(s)]
        if own:
            return own[0]
        shared = [s for s in live if user_id in s.shares and matches(s)]
        return shared[0] if shared else None

    def is_remote(self, space: SimSpace) -> bool:
        return space.zone != "" and space.zone != self.zone

    def template_of(self, space: SimSpace) -> SimTemplate | None:
        return self.templates.get(space.template_id)

    # ---- change notification -------------------------------------------------------------

    def publish(self, event_type: str, payload: dict[str, Any] | None = None) -> None:
        """Broadcast an SSE event to every connected client (knot's hub does no filtering)."""
        event: dict[str, Any] = {"type": event_type}
        if payload is not None:
            event["payload"] = payload
        self.hub.broadcast(event)

    def space_changed(self, space: SimSpace) -> None:
        self.publish("space:changed", {"id": space.space_id, "user_id": space.user_id})
        self.bump()
        for hook in list(self.hooks):
            hook("changed", space)

    def space_deleted(self, space: SimSpace) -> None:
        self.publish("space:deleted", {"id": space.space_id, "user_id": space.user_id})
        self.bump()
        for hook in list(self.hooks):
            hook("deleted", space)

    def space_deleted_quirk(self, space: SimSpace) -> None:
        """knot's `CreateSpace` announces a *new* space with `space:deleted`
        (`internal/service/spaces.go`); clients must refetch rather than trust the type."""
        self.publish("space:deleted", {"id": space.space_id, "user_id": space.user_id})
        self.bump()

    def start_failure(self, space: SimSpace) -> str:
        """The 500 text knot returns when Nomad refuses the job (none in a healthy cluster)."""
        return ""

    def template_valid_for_zone(self, template: SimTemplate) -> bool:
        """`Template.IsValidForZone`: empty = everywhere, `!zone` excludes, else must list it."""
        if not template.zones:
            return True
        if f"!{self.zone}" in template.zones:
            return False
        positive = [z for z in template.zones if not z.startswith("!")]
        return not positive or self.zone in positive

    def new_totp_secret(self) -> str:
        return base64.b32encode(self.rng.getrandbits(160).to_bytes(20, "big")).decode().rstrip("=")

    def bump(self) -> int:
        """Advance the state index and wake everything waiting on a change."""
        self.index += 1
        self._changed.set()
        self._changed = asyncio.Event()
        return self.index

    async def wait_for_change(self, after: int, timeout: float) -> bool:
        """Wait until the index passes `after` or `timeout` seconds pass; True on change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.index <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return False
        return True

    # ---- background work ---------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self.hub.close_all()
        for space in self.spaces.values():
            if space.agent is not None:
                space.agent.close()
