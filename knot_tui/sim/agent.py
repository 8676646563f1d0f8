"""The in-space knot agent as the server sees it: features, health, usage and log lines."""

from __future__ import annotations

from knot_tui.sim.world import LogEntry, SimAgent, SimSpace, World

DEBUG, INFO, ERROR = 0, 1, 2

#: Lines a space's syslog forwards to the agent, cycled while it runs (the desktop's own
#: only from spaces with a VNC desktop).
_SYSLOG_LINES = [
    (INFO, "syslog", "systemd[1]: Started Session {n} of user {user}.", False),
    (DEBUG, "syslog", "CRON[{pid}]: (root) CMD (test -x /usr/sbin/anacron)", False),
    (INFO, "syslog", "kasmvnc[{pid}]: Connections: accepted: 127.0.0.1::{port}", True),
    (INFO, "syslog", "xfce4-session[{pid}]: Session manager ready", True),
    (DEBUG, "agent", "state report sent (cpu {cpu:.1f}%)", False),
    (ERROR, "syslog", "pulseaudio[{pid}]: Failed to load module module-udev-detect", True),
    (INFO, "syslog", "sshd[{pid}]: Server listening on 127.0.0.1 port 22.", False),
]
_HEADLESS_LINES = [line for line in _SYSLOG_LINES if not line[3]]


def _parse_ports(value: str) -> dict[str, str]:
    """`KNOT_HTTP_PORT`-style lists: `80`, `8080=web,9000` -> {"80": "80", ...}."""
    ports: dict[str, str] = {}
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        port, _, name = item.partition("=")
        if port.strip().isdigit():
            ports[port.strip()] = name.strip() or port.strip()
    return ports


def _memory_limit(job: str) -> int:
    for line in job.splitlines():
        key, _, value = line.strip().partition("=")
        if key.strip() == "memory" and value.strip().isdigit():
            return int(value.strip()) * 1024 * 1024
    return 2 * 1024**3


def log(world: World, space: SimSpace, level: int, service: str, message: str) -> None:
    if space.agent is not None:
        # knot converts embedded newlines to CRLF before writing the frame.
        text = message.replace("\r\n", "\n").replace("\n", "\r\n")
        space.agent.log(LogEntry(world.clock.now(), service, level, text))


def connect(world: World, space: SimSpace) -> SimAgent:
    """The agent registers: knot learns the space's features from its state report."""
    template = world.template_of(space)
    agent = SimAgent()
    if template is not None:
        ssh_port = int(template.env_value("KNOT_SSH_PORT", "22") or 0)
        if template.with_ssh and ssh_port > 0:
            agent.ssh_port = ssh_port
            agent.tcp_ports[str(ssh_port)] = "SSH"
        vnc = template.env_value("KNOT_VNC_HTTP_PORT", "0")
        agent.vnc_http_port = int(vnc) if vnc.isdigit() else 0
        code = template.env_value("KNOT_CODE_SERVER_PORT", "49374")
        agent.has_code_server = template.with_code_server and code.isdigit() and int(code) > 0
        agent.has_terminal = template.with_terminal
        agent.http_ports = _parse_ports(template.env_value("KNOT_HTTP_PORT"))
        for port in template.ports:
            target = agent.http_ports if port.get("protocol") in ("http", "https") else None
            if target is not None:
                target[str(port.get("port"))] = str(port.get("name") or port.get("port"))
        agent.memory_limit_bytes = _memory_limit(template.job)
        agent.disk_limit_bytes = 10 * 1024**3
    fault = space.fault or (template.fault if template else "")
    agent.healthy = fault != "unhealthy"
    agent.cpu_percent = 3.0 + world.live_rng.random() * 20
    agent.memory_used_bytes = int(agent.memory_limit_bytes * (0.15 + world.live_rng.random() * 0.3))
    agent.disk_used_bytes = int(agent.disk_limit_bytes * (0.05 + world.live_rng.random() * 0.4))
    space.agent = agent
    space.agent_lost = False
    owner = world.users.get(space.user_id)
    log(
        world,
        space,
        INFO,
        "agent",
        f"knot agent v{world.version} registered for space {space.name}",
    )
    log(world, space, INFO, "agent", f"connected to {world.server_url}")
    if agent.ssh_port:
        log(
            world,
            space,
            INFO,
            "sshd",
            f"internal SSH server listening on 127.0.0.1:{agent.ssh_port}",
        )
    if agent.vnc_http_port:
        log(world, space, INFO, "syslog", f"kasmvnc: listening on port {agent.vnc_http_port}")
    if not agent.healthy:
        log(world, space, ERROR, "health", "health check failed: connection refused (3/3)")
    if owner is not None:
        log(world, space, DEBUG, "agent", f"running as {owner.username}, shell {space.shell}")
    return agent


def disconnect(world: World, space: SimSpace) -> None:
    if space.agent is not None:
        log(world, space, INFO, "agent", "agent shutting down")
        space.agent.close()
        space.agent = None


async def report_loop(world: World, period: float = 2.0) -> None:
    """Every agent's 2 s state report: usage drifts and, now and then, a syslog line.

    One loop serves every space (10,000 seeded spaces cost one task, not thousands).
    Usage changes do not publish SSE events: knot only does that when features or health
    change.
    """
    rng = world.live_rng
    tick = 0
    while True:
        await world.clock.sleep(period)
        tick += 1
        for space in list(world.spaces.values()):
            agent_ = space.agent
            if agent_ is None:
                continue
            agent_.cpu_percent = max(0.1, min(99.0, agent_.cpu_percent + rng.uniform(-4, 4)))
            limit = agent_.memory_limit_bytes
            drift = int(limit * rng.uniform(-0.02, 0.02))
            agent_.memory_used_bytes = max(0, min(limit, agent_.memory_used_bytes + drift))
            if agent_.listeners or rng.random() < 0.1:
                emit_syslog(world, space, tick)


def emit_syslog(world: World, space: SimSpace, n: int) -> None:
    """One plausible line from the space's syslog, forwarded by the agent."""
    rng = world.live_rng
    owner = world.users.get(space.user_id)
    desktop = space.agent is not None and space.agent.vnc_http_port > 0
    lines = _SYSLOG_LINES if desktop else _HEADLESS_LINES
    level, service, text, _desktop_only = lines[n % len(lines)]
    message = text.format(
        n=n,
        pid=1000 + rng.randrange(9000),
        port=40000 + rng.randrange(20000),
        user=owner.username if owner else "knot",
        cpu=space.agent.cpu_percent if space.agent else 0.0,
    )
    log(world, space, level, service, message)
