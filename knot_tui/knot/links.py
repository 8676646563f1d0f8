"""The browser links knot's web UI offers for a space (knot-api.md section 6), built the same way.

VNC and web ports live on the wildcard domain: `*` becomes `<owner>--<space>--<port>`, with
the server's scheme and any `:port` of the wildcard kept. Without a wildcard domain there
are no VNC or web-port links (knot then sends `http_ports` as `{}`). code-server, the web
terminal and the logs page hang off the server URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from knot_tui.knot.models import Space


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


def _scheme(server_url: str) -> str:
    return urlsplit(server_url).scheme or "https"


def subdomain_url(server_url: str, wildcard_domain: str, owner: str, name: str, port: str) -> str:
    """`https://alice--desk--vnc.knot.example.com` from `*.knot.example.com` ("" without one)."""
    domain = wildcard_domain.strip()
    if not domain.startswith("*"):
        return ""
    host = f"{owner.lower()}--{name.lower()}--{port}"
    return f"{_scheme(server_url)}://{host}{domain[1:]}"


def vnc_url(space: Space, server_url: str, wildcard_domain: str) -> str:
    """The desktop's URL, as knot's VNC button opens it ("" when knot offers none)."""
    if not space.has_http_vnc:
        return ""
    return subdomain_url(server_url, wildcard_domain, space.username, space.name, "vnc")


def vnc_problem(space: Space, wildcard_domain: str) -> str:
    """Why knot offers no VNC link for this space ("" when it does)."""
    if space.state.value != "Running":
        return f"{space.name} is {space.state_label.lower()}: start it first (u)."
    if not space.has_state:
        return f"{space.name}'s agent has not connected yet: wait a moment."
    if not space.has_http_vnc:
        return f"{space.name} has no VNC desktop (its agent reports no VNC HTTP port)."
    if not wildcard_domain.strip().startswith("*"):
        return (
            "The knot server has no wildcard domain (server.wildcard_domain), so knot serves no "
            "VNC or web-port links."
        )
    return ""


def space_links(space: Space, server_url: str, wildcard_domain: str) -> list[Link]:
    """Every browser link for a running space, in the order knot's web UI lists them."""
    server = server_url.rstrip("/")
    links: list[Link] = []
    vnc = vnc_url(space, server_url, wildcard_domain)
    if vnc:
        links.append(Link("VNC desktop", vnc))
    if space.has_code_server:
        links.append(Link("code-server", f"{server}/proxy/spaces/{space.space_id}/code-server/"))
    if space.has_terminal:
        links.append(Link("web terminal", f"{server}/terminal/{space.space_id}"))
    if space.has_vscode_tunnel and space.vscode_tunnel_name:
        links.append(Link("VS Code tunnel", f"https://vscode.dev/tunnel/{space.vscode_tunnel_name}"))
    for port, name in sorted(space.http_ports.items(), key=lambda kv: _port_key(kv[0])):
        url = subdomain_url(server_url, wildcard_domain, space.username, space.name, port)
        if url:
            links.append(Link(f"port {port}" if name in ("", port) else f"{name} ({port})", url))
    for alt in space.alt_names:
        if alt.port > 0:
            url = subdomain_url(server_url, wildcard_domain, space.username, alt.name, str(alt.port))
            if url:
                links.append(Link(f"{alt.name} ({alt.port})", url))
    links.append(Link("logs page", f"{server}/logs/{space.space_id}"))
    return links


def _port_key(port: str) -> tuple[int, str]:
    return (int(port), "") if port.isdigit() else (1 << 30, port)
