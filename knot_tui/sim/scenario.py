"""The seeded world: an admin, two developers, templates and spaces in every state.

Everything random comes from `World.rng`, seeded by `--seed`, in a fixed order, so the same
seed gives the same ids, tokens and spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import resources

from knot_tui import templates as bundled
from knot_tui.sim import agent
from knot_tui.sim.lifecycle import register_job
from knot_tui.sim.render import ensure_volume_data
from knot_tui.sim.world import (
    ADMIN_ROLE_ID,
    DEVELOPER_ROLE_ID,
    LogEntry,
    SimSpace,
    SimTemplate,
    SimToken,
    SimUser,
    World,
)

#: The password of every seeded account (documented in the README for `--demo`).
DEMO_PASSWORD = "knot-demo-password"  # noqa: S105 - a published demo credential
REMOTE_ZONE = "us-east"


@dataclass
class Seeded:
    """Handles the CLI and tests need: who is who, and their API tokens."""

    admin: SimUser
    alice: SimUser
    bob: SimUser
    admin_token: str
    alice_token: str
    bob_token: str
    #: Nomad ACL tokens: management (ops), per-developer, and one that may read nothing.
    nomad_management: str = ""
    nomad_alice: str = ""
    nomad_bob: str = ""
    nomad_nobody: str = ""
    consul_token: str = ""


def _data(name: str) -> str:
    return resources.files("knot_tui.sim").joinpath("data", name).read_text(encoding="utf-8")


DOCKER_JOB = """container_name: ${{.space.name}}-${{.user.username}}
hostname: ${{.space.name}}
image: "paularlott/knot-base:24.04"
environment:
  - "KNOT_SERVER=${{.server.url}}"
  - "KNOT_AGENT_ENDPOINT=${{.server.agent_endpoint}}"
  - "KNOT_SPACEID=${{.space.id}}"
  - "KNOT_SSH_PORT=22"
"""


def _user(world: World, username: str, role: str, **kw: object) -> SimUser:
    user = SimUser(
        user_id=world.new_id(),
        username=username,
        email=f"{username}@knot.test",
        password=DEMO_PASSWORD,
        roles=[role],
        service_password=world.new_token()[:16],
        created_at=world.clock.now() - timedelta(days=90),
        **kw,  # type: ignore[arg-type]
    )
    world.users[user.user_id] = user
    return user


def _token(world: World, user: SimUser, name: str) -> str:
    token = world.new_token()
    world.tokens[token] = SimToken(token=token, user_id=user.user_id, name=name)
    return token


def _template(world: World, name: str, **kw: object) -> SimTemplate:
    template = SimTemplate(template_id=world.new_id(), name=name, **kw)  # type: ignore[arg-type]
    template.rehash()
    world.templates[template.template_id] = template
    return template


def _space(
    world: World,
    owner: SimUser,
    template: SimTemplate,
    name: str,
    state: str = "stopped",
    *,
    description: str = "",
    age_hours: float = 30.0,
    zone: str = "",
    fault: str = "",
    outdated: bool = False,
) -> SimSpace:
    """A space placed directly in `state`: stopped, running, starting, stopping, deleting."""
    now = world.clock.now()
    space = SimSpace(
        space_id=world.new_id(),
        name=name,
        user_id=owner.user_id,
        template_id=template.template_id,
        shell=owner.preferred_shell,
        description=description,
        zone=zone or world.zone,
        created_at=now - timedelta(days=10 + world.rng.randrange(60)),
        fault=fault,
    )
    world.spaces[space.space_id] = space
    if state == "stopped":
        if world.rng.random() < 0.7:
            space.template_hash = template.hash  # it has run before
            ensure_volume_data(world, space)
        return space
    space.template_hash = "0" * 32 if outdated else template.hash
    space.started_at = now - timedelta(hours=age_hours)
    ensure_volume_data(world, space)
    if state in ("running", "stopping"):
        space.is_deployed = True
        space.is_pending = state == "stopping"
        if not world.is_remote(space):
            if template.platform == "nomad":
                register_job(world, space, settled=True)
            agent.connect(world, space)
            _history(world, space, age_hours)
    elif state == "starting":
        space.is_pending = True
        space.started_at = now - timedelta(seconds=20)
    elif state == "deleting":
        space.is_deleting = True
    return space


def _history(world: World, space: SimSpace, age_hours: float) -> None:
    """Back-fill the agent's in-memory log history (up to 1000 lines, like knot)."""
    if space.agent is None:
        return
    start = world.clock.now() - timedelta(hours=min(age_hours, 2))
    lines = list(space.agent.history)
    space.agent.history.clear()
    texts = _HISTORY_TEXT if space.agent.vnc_http_port else _HISTORY_TEXT_HEADLESS
    for i in range(40):
        when = start + timedelta(seconds=i * 90)
        level = 2 if i % 17 == 16 else (0 if i % 5 == 4 else 1)
        service = "syslog" if i % 3 else "agent"
        space.agent.history.append(
            LogEntry(
                when,
                service,
                level,
                f"history line {i + 1}: {texts[i % len(texts)]}",
            )
        )
    space.agent.history.extend(lines)


_HISTORY_TEXT = [
    "systemd[1]: Started Daily apt download activities.",
    "state report sent",
    "kasmvnc: client 127.0.0.1 connected",
    "sshd[812]: Accepted publickey for knot",
    "xfce4-panel: plugin clock loaded",
    "health check passed",
    "CRON[2231]: (root) CMD (run-parts /etc/cron.hourly)",
]
#: The same without the desktop's lines, for spaces without VNC.
_HISTORY_TEXT_HEADLESS = [t for t in _HISTORY_TEXT if not t.startswith(("kasmvnc", "xfce4"))]


def seed(world: World, *, spaces: int = 0, users: int = 0) -> Seeded:
    """Populate `world`; `spaces`/`users` top the population up to that many for scale work."""
    admin = _user(world, "admin", ADMIN_ROLE_ID, timezone="UTC", preferred_shell="bash")
    alice = _user(
        world,
        "alice",
        DEVELOPER_ROLE_ID,
        timezone="Europe/London",
        preferred_shell="zsh",
        max_spaces=12,
        compute_units=10,
        storage_units=20,
    )
    bob = _user(
        world,
        "bob",
        DEVELOPER_ROLE_ID,
        timezone="America/New_York",
        preferred_shell="fish",
        max_spaces=8,
        compute_units=4,
        storage_units=10,
    )
    seeded = Seeded(
        admin=admin,
        alice=alice,
        bob=bob,
        admin_token=_token(world, admin, "knot client ops-laptop"),
        alice_token=_token(world, alice, "knot client alice-laptop"),
        bob_token=_token(world, bob, "knot client bob-laptop"),
    )

    ubuntu = _template(
        world,
        bundled.UBUNTU_DESKTOP_NAME,
        description=bundled.UBUNTU_DESKTOP_DESCRIPTION,
        job=bundled.ubuntu_desktop_upstream_job(),
        volumes=bundled.ubuntu_desktop_volumes(),
        compute_units=2,
        storage_units=1,
    )
    debian = _template(
        world,
        "Debian Dev",
        description="Debian 12 with code-server; one Nomad namespace per user.",
        job=_data("debian-dev.nomad.hcl"),
        volumes=_data("debian-dev.volumes.yaml"),
        compute_units=1,
        storage_units=1,
        custom_fields=[{"name": "git_repo", "description": "Repository to clone on first boot"}],
    )
    docker = _template(
        world,
        "Docker Sandbox",
        description="A throwaway container on the knot server's Docker host.",
        job=DOCKER_JOB,
        platform="docker",
        with_code_server=False,
        compute_units=1,
        storage_units=0,
    )
    legacy = _template(
        world,
        "Legacy Desktop",
        description="Retired: use Ubuntu Desktop.",
        job=bundled.ubuntu_desktop_upstream_job(),
        volumes=bundled.ubuntu_desktop_volumes(),
        active=False,
    )

    cluster = world.nomad
    seeded.nomad_management = cluster.add_token("ops (management)", "management").secret
    seeded.nomad_alice = cluster.developer_token("alice").secret
    seeded.nomad_bob = cluster.developer_token("bob").secret
    seeded.nomad_nobody = cluster.add_token("no access", "client", {}, ["none"]).secret
    cluster.ensure_namespace("admin", "Spaces of admin")
    seeded.consul_token = world.new_id()

    _space(world, alice, ubuntu, "desk", "running", description="Daily driver", age_hours=52)
    _space(world, alice, debian, "api-dev", "running", age_hours=5)
    _space(world, alice, ubuntu, "scratch")
    _space(world, alice, legacy, "old-desk")
    _space(world, alice, debian, "flaky", "running", age_hours=3, fault="flapping")
    _space(world, alice, ubuntu, "build-box", "running", age_hours=200, outdated=True)
    _space(world, bob, ubuntu, "desk", "running", age_hours=8, fault="unhealthy")
    lab = _space(world, bob, debian, "lab", "starting", description="Shared with alice")
    lab.shares = [alice.user_id]
    _space(world, bob, ubuntu, "remote-desk", "running", zone=REMOTE_ZONE, age_hours=20)
    _space(world, bob, ubuntu, "gpu-test", "starting", fault="image-pull")
    _space(world, bob, docker, "sandbox", "stopped")
    _space(world, admin, debian, "ops-console", "running", age_hours=400, fault="node-away")
    _space(world, admin, docker, "cleanup", "stopped")

    _populate(world, seeded, [ubuntu, debian, docker], spaces=spaces, users=users)
    return seeded


def _populate(world: World, seeded: Seeded, templates: list[SimTemplate], *, spaces: int, users: int) -> None:
    """Top the population up: generated developers and spaces, mostly stopped."""
    people = [seeded.alice, seeded.bob]
    for i in range(max(0, users - len(world.users))):
        people.append(
            _user(
                world,
                f"user{i + 1:04d}",
                DEVELOPER_ROLE_ID,
                timezone=world.rng.choice(["UTC", "Europe/Berlin", "Asia/Tokyo"]),
                preferred_shell=world.rng.choice(["bash", "zsh", "fish"]),
            )
        )
    taken = {(s.user_id, s.name) for s in world.spaces.values()}
    words = ["web", "api", "data", "ml", "docs", "ci", "infra", "demo", "lab", "desk"]
    n = 0
    while len(world.spaces) < spaces:
        n += 1
        owner = people[n % len(people)]
        name = f"{world.rng.choice(words)}-{n:05d}"
        if (owner.user_id, name) in taken:
            continue
        taken.add((owner.user_id, name))
        roll = world.rng.random()
        state = "running" if roll < 0.25 else "stopped"
        _space(world, owner, world.rng.choice(templates), name, state, age_hours=1 + roll * 100)
