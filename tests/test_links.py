"""Browser links built as knot's web UI builds them (knot-api.md section 6)."""

from __future__ import annotations

from knot_tui.knot.links import space_links, subdomain_url, vnc_url
from knot_tui.knot.models import AltName, Space


def _space(**changes: object) -> Space:
    base = Space(
        space_id="3f1c0d2e-0000-4000-8000-000000000001",
        name="Desk",
        username="Alice",
        has_state=True,
        has_http_vnc=True,
        has_code_server=True,
        has_terminal=True,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def test_subdomain_keeps_scheme_and_port_and_lowercases() -> None:
    assert subdomain_url("https://knot.example.com", "*.knot.example.com", "Alice", "Desk", "vnc") == (
        "https://alice--desk--vnc.knot.example.com"
    )
    assert subdomain_url("http://127.0.0.1:8000", "*.knot.localhost:8443", "bob", "lab", "8080") == (
        "http://bob--lab--8080.knot.localhost:8443"
    )


def test_no_wildcard_domain_no_vnc_or_web_port_links() -> None:
    space = _space(http_ports={"8080": "web"})
    assert subdomain_url("https://k", "", "a", "b", "vnc") == ""
    assert vnc_url(space, "https://k", "") == ""
    labels = [link.label for link in space_links(space, "https://k", "")]
    assert labels == ["code-server", "web terminal", "logs page"]


def test_vnc_needs_the_agent_to_report_it() -> None:
    assert vnc_url(_space(has_http_vnc=False), "https://k", "*.k") == ""
    assert vnc_url(_space(), "https://k", "*.k") == "https://alice--desk--vnc.k"


def test_every_link_in_the_web_uis_order() -> None:
    space = _space(
        http_ports={"8080": "web", "3000": "app"},
        alt_names=[AltName("docs", 8000), AltName("nope", 0)],
        has_vscode_tunnel=True,
        vscode_tunnel_name="alice-desk",
    )
    links = space_links(space, "https://knot.example.com/", "*.knot.example.com")
    assert [(link.label, link.url) for link in links] == [
        ("VNC desktop", "https://alice--desk--vnc.knot.example.com"),
        ("code-server", f"https://knot.example.com/proxy/spaces/{space.space_id}/code-server/"),
        ("web terminal", f"https://knot.example.com/terminal/{space.space_id}"),
        ("VS Code tunnel", "https://vscode.dev/tunnel/alice-desk"),
        ("app (3000)", "https://alice--desk--3000.knot.example.com"),
        ("web (8080)", "https://alice--desk--8080.knot.example.com"),
        ("docs (8000)", "https://alice--docs--8000.knot.example.com"),
        ("logs page", f"https://knot.example.com/logs/{space.space_id}"),
    ]
