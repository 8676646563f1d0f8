"""The knot client against the simulator, over real sockets."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.knot.errors import (
    KnotBadRequest,
    KnotError,
    KnotForbidden,
    KnotLocked,
    KnotNotFound,
    KnotQuotaExceeded,
    KnotUnauthorized,
    KnotUnreachable,
)
from knot_tui.knot.models import Permission, SpaceRequest, SpaceState
from knot_tui.sim import Simulator
from knot_tui.sim.totp import code_at

from .conftest import connection


async def wait_for(predicate, timeout: float = 5.0, interval: float = 0.02):  # type: ignore[no-untyped-def]
    """Poll the server until `predicate()` (an awaitable factory) is truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def test_ping_server_info_whoami(admin: KnotClient, sim: Simulator) -> None:
    ping = await admin.ping()
    assert ping.status is True and ping.version == sim.world.version and ping.zone == sim.world.zone
    info = await admin.server_info()
    assert info.wildcard_domain.startswith("*.knot.localhost:")
    me = await admin.whoami()
    assert me.username == "admin" and me.email == "admin@knot.test"
    perms = await admin.permissions(me.user_id)
    assert int(Permission.MANAGE_SPACES) in perms and int(Permission.MANAGE_TEMPLATES) in perms


async def test_developer_permissions_and_users(alice: KnotClient, admin: KnotClient) -> None:
    me = await alice.whoami()
    perms = await alice.permissions(me.user_id)
    assert int(Permission.USE_SPACES) in perms and int(Permission.MANAGE_SPACES) not in perms
    with pytest.raises(KnotForbidden) as info:
        await alice.users()
    assert info.value.message == "No permission to manage users"
    users = await admin.users()
    assert {u.username for u in users} == {"admin", "alice", "bob"}


async def test_list_rules(admin: KnotClient, alice: KnotClient) -> None:
    everyone = await admin.list_spaces()
    assert {s.username for s in everyone} == {"admin", "alice", "bob"}
    # remote spaces are dropped unless all_zones
    assert not any(s.is_remote for s in everyone)
    assert any(s.is_remote for s in await admin.list_spaces(all_zones=True))
    # a developer without user_id gets nothing (knot-api.md 3.2)
    assert await alice.list_spaces() == []
    me, mine = await alice.my_spaces()
    own = [s for s in mine if s.user_id == me.user_id]
    shared = [s for s in mine if s.user_id != me.user_id]
    assert own and all(me.user_id in s.shares for s in shared)  # own, plus shared with alice
    assert [s.name for s in shared] == ["lab"] and shared[0].username == "bob"
    assert [s.name for s in mine] == sorted(s.name for s in mine)


async def test_get_by_id_and_name(alice: KnotClient, bob: KnotClient) -> None:
    _, mine = await alice.my_spaces()
    desk = next(s for s in mine if s.name == "desk")
    by_id = await alice.get_space(desk.space_id)
    assert by_id.name == "desk" and by_id.shell == "zsh" and by_id.volume_data
    assert by_id.state is SpaceState.RUNNING and by_id.has_ssh and by_id.has_http_vnc
    by_name = await alice.get_space("desk")
    assert by_name.space_id == desk.space_id
    # bob has his own "desk": names resolve to the caller's space
    assert (await bob.get_space("desk")).space_id != desk.space_id
    # another user's space by id: 404, not 403
    with pytest.raises(KnotNotFound):
        await bob.get_space(desk.space_id)


async def test_create_validation(alice: KnotClient) -> None:
    templates = await alice.templates()
    ubuntu = next(t for t in templates if t.name == "Ubuntu Desktop")
    inactive = next(t for t in templates if not t.active)
    cases = [
        (SpaceRequest(name="1bad", template_id=ubuntu.template_id), "invalid name given for space"),
        (SpaceRequest(name="a--b", template_id=ubuntu.template_id), "invalid name given for space"),
        (
            SpaceRequest(name="ok-name", template_id=ubuntu.template_id, shell="csh"),
            "invalid shell given for space",
        ),
        (
            SpaceRequest(name="ok-name", template_id=ubuntu.template_id, description="x" * 1025),
            "description too long",
        ),
        (
            SpaceRequest(name="desk", template_id=ubuntu.template_id),
            "failed to save space: space name already used",
        ),
        (
            SpaceRequest(name="ok-name", template_id=inactive.template_id),
            "invalid template given for new space",
        ),
        (SpaceRequest(name="ok-name", template_id="not-a-template"), "template not found"),
    ]
    for request, message in cases:
        with pytest.raises(KnotBadRequest) as info:
            await alice.create_space(request)
        assert info.value.message == message, request


async def test_create_for_another_user_needs_manage_spaces(alice: KnotClient, admin: KnotClient) -> None:
    bob = next(u for u in await admin.users() if u.username == "bob")
    template = next(t for t in await admin.templates() if t.name == "Debian Dev")
    with pytest.raises(KnotForbidden, match="Cannot create space for another user"):
        await alice.create_space(
            SpaceRequest(name="for-bob", template_id=template.template_id, user_id=bob.user_id)
        )
    space_id = await admin.create_space(
        SpaceRequest(name="for-bob", template_id=template.template_id, user_id=bob.user_id)
    )
    created = await admin.get_space(space_id)
    assert created.username == "bob" and created.shell == "fish"  # bob's preferred shell


async def test_space_quota_is_a_400_on_create(bob: KnotClient, sim: Simulator) -> None:
    sim.seeded.bob.max_spaces = len(
        [s for s in sim.world.live_spaces() if s.user_id == sim.seeded.bob.user_id]
    )
    template = next(t for t in await bob.templates() if t.name == "Debian Dev")
    with pytest.raises(KnotBadRequest) as info:
        await bob.create_space(SpaceRequest(name="one-more", template_id=template.template_id))
    assert info.value.message == "space quota exceeded" and "quota" in info.value.remedy


async def test_lifecycle_start_stop_restart_delete(alice: KnotClient) -> None:
    template = next(t for t in await alice.templates() if t.name == "Debian Dev")
    space_id = await alice.create_space(SpaceRequest(name="life", template_id=template.template_id))
    space = await alice.get_space(space_id)
    assert space.state is SpaceState.STOPPED and space.shell == "zsh"

    with pytest.raises(KnotLocked) as stop_stopped:
        await alice.stop_space(space_id)
    assert stop_stopped.value.message == "space cannot be stopped"

    await alice.start_space(space_id)
    assert (await alice.get_space(space_id)).state is SpaceState.STARTING
    with pytest.raises(KnotLocked, match="space cannot be started"):
        await alice.start_space(space_id)
    with pytest.raises(KnotLocked) as delete_running:
        await alice.delete_space(space_id)
    assert "Stop it first" in delete_running.value.remedy

    async def running():  # type: ignore[no-untyped-def]
        s = await alice.get_space(space_id)
        return s.state is SpaceState.RUNNING and s.has_state and s

    running_space = await wait_for(running)
    assert running_space.started_at is not None and running_space.has_ssh

    await alice.restart_space(space_id)
    await wait_for(running)

    await alice.stop_space(space_id)

    async def stopped():  # type: ignore[no-untyped-def]
        return (await alice.get_space(space_id)).state is SpaceState.STOPPED

    await wait_for(stopped)
    with pytest.raises(KnotLocked, match="space cannot be restarted"):
        await alice.restart_space(space_id)

    await alice.delete_space(space_id)

    async def gone():  # type: ignore[no-untyped-def]
        return (await alice.get_space(space_id)).looks_deleted  # knot soft-deletes: name := id

    await wait_for(gone)
    _, mine = await alice.my_spaces()
    assert space_id not in {s.space_id for s in mine}


async def test_compute_quota_is_507_on_start(bob: KnotClient, sim: Simulator) -> None:
    sim.seeded.bob.compute_units = 1
    _, mine = await bob.my_spaces()
    stopped = next(s for s in mine if s.state is SpaceState.STOPPED)
    with pytest.raises(KnotQuotaExceeded, match="compute unit quota exceeded"):
        await bob.start_space(stopped.space_id)


async def test_usage_current(alice: KnotClient) -> None:
    _, mine = await alice.my_spaces()
    running = next(s for s in mine if s.name == "desk")
    usage = await alice.usage_current(running.space_id)
    assert usage.resource_usage is not None and usage.resource_usage.memory_limit_bytes > 0
    stopped = next(s for s in mine if s.name == "scratch")
    assert (await alice.usage_current(stopped.space_id)).resource_usage is None


async def test_templates(alice: KnotClient, admin: KnotClient) -> None:
    listed = await alice.templates()
    names = {t.name for t in listed}
    assert {"Ubuntu Desktop", "Debian Dev", "Docker Sandbox", "Legacy Desktop"} <= names
    ubuntu = await alice.template(next(t.template_id for t in listed if t.name == "Ubuntu Desktop"))
    assert 'job "${{.space.name}}-${{.user.username}}"' in ubuntu.job
    assert "ubuntu_${{.space.id}}_home" in ubuntu.volumes and ubuntu.hash
    assert "VNC" in ubuntu.features and "SSH" in ubuntu.features
    legacy = next(t for t in listed if t.name == "Legacy Desktop")
    with pytest.raises(KnotNotFound):  # inactive: listed, but not readable by non-managers
        await alice.template(legacy.template_id)
    assert (await admin.template(legacy.template_id)).active is False


async def test_create_template_needs_manage_templates(alice: KnotClient, admin: KnotClient) -> None:
    body = {"name": "Tiny", "platform": "nomad", "job": 'job "x" {}', "active": True}
    with pytest.raises(KnotForbidden, match="No permission to manage templates"):
        await alice.create_template(body)
    template_id = await admin.create_template(body)
    assert (await admin.template(template_id)).name == "Tiny"
    with pytest.raises(KnotBadRequest, match="invalid platform"):
        await admin.create_template({**body, "platform": "vmware"})


async def test_invalid_token_is_401(sim: Simulator) -> None:
    async with KnotClient(Connection(server=sim.knot_url, token="nope")) as client:
        with pytest.raises(KnotUnauthorized) as info:
            await client.whoami()
    assert info.value.message == "Authentication token is not valid"


async def test_malformed_body_gets_go_mixed_error(sim: Simulator) -> None:
    async with httpx.AsyncClient(base_url=sim.knot_url) as raw:
        response = await raw.post(
            "/api/spaces",
            content=b"{not json",
            headers={
                "Authorization": f"Bearer {sim.seeded.admin_token}",
                "Content-Type": "application/json",
            },
        )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("invalid JSON format\n{")


async def test_login_like_knot_connect(sim: Simulator) -> None:
    token = await KnotClient.login(
        sim.knot_url, "alice@knot.test", sim.demo_password, token_name="knot client test"
    )
    async with KnotClient(Connection(server=sim.knot_url, token=token)) as client:
        assert (await client.whoami()).username == "alice"
    with pytest.raises(KnotUnauthorized) as info:
        await KnotClient.login(sim.knot_url, "alice@knot.test", "wrong-password")
    assert info.value.message == "invalid email, password or TOTP code"
    assert "TOTP" in info.value.remedy
    with pytest.raises(KnotBadRequest, match="invalid credentials"):
        await KnotClient.login(sim.knot_url, "not-an-email", "whatever-long")


async def test_login_with_totp(sim: Simulator) -> None:
    sim.world.using_totp = True
    sim.seeded.bob.totp_secret = "JBSWY3DPEHPK3PXP"
    async with KnotClient(Connection(server=sim.knot_url)) as anonymous:
        assert await anonymous.using_totp() is True
    with pytest.raises(KnotUnauthorized):
        await KnotClient.login(sim.knot_url, "bob@knot.test", sim.demo_password, "000000")
    code = code_at("JBSWY3DPEHPK3PXP", sim.world.clock.now())
    token = await KnotClient.login(sim.knot_url, "bob@knot.test", sim.demo_password, code)
    assert token


async def test_login_rate_limit(sim: Simulator) -> None:
    for _ in range(5):
        with pytest.raises(KnotUnauthorized):
            await KnotClient.login(sim.knot_url, "bob@knot.test", "wrong-password")
    with pytest.raises(KnotError) as info:
        await KnotClient.login(sim.knot_url, "bob@knot.test", "wrong-password")
    assert info.value.status == 429 and "wait a minute" in info.value.remedy


async def test_set_ssh_public_key(alice: KnotClient, sim: Simulator) -> None:
    await alice.set_ssh_public_key("ssh-ed25519 AAAAC3Nza test@host")
    assert sim.seeded.alice.ssh_public_key == "ssh-ed25519 AAAAC3Nza test@host"
    assert (await alice.whoami()).ssh_public_key == "ssh-ed25519 AAAAC3Nza test@host"


async def test_unreachable_server_is_a_clean_error() -> None:
    async with KnotClient(Connection(server="http://127.0.0.1:9", token="t", timeout=2)) as client:
        with pytest.raises(KnotUnreachable) as info:
            await client.ping()
    assert "Cannot connect to http://127.0.0.1:9" in info.value.message


async def test_headers_json_only_and_api_version(sim: Simulator) -> None:
    seen: list[httpx.Request] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    async with KnotClient(connection(sim), event_hooks={"request": [hook]}) as client:
        await client.ping()
        await client.create_space(
            SpaceRequest(name="hdr", template_id=next(iter(sim.world.templates)), shell="bash")
        )
    get, post = seen
    assert get.headers["accept"] == "application/json"
    assert get.headers["x-knot-api-version"] == "2025-03-10"
    assert get.headers["authorization"] == f"Bearer {sim.seeded.admin_token}"
    assert post.headers["content-type"] == "application/json"
    assert "msgpack" not in get.headers["accept"]
