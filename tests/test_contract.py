"""Every request the client sends and every simulator answer, checked against knot's spec.

The spec (../shared/reference/knot-openapi.yaml) is wrong where knot's code differs; such
differences are allowed only if they are listed below with the place in knot-api.md or
knot's Go code that shows the real behaviour. An unlisted difference fails the test, and
so does a listed one that no longer occurs (the list must not rot).
"""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.knot.errors import KnotError
from knot_tui.knot.events import Backoff, event_feed
from knot_tui.knot.feed_items import FeedConnected
from knot_tui.knot.models import SpaceRequest, SpaceState
from knot_tui.sim import Simulator

from .contract import SPEC, Deviation, Exchange, Recorder, check

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason="knot's OpenAPI spec is not here (.ci/run downloads it to tests/data/)"
)

NIL_SLICE = "knot-api.md section 2: Go encodes nil slices/maps as null"
NIL_TIME = "knot-api.md section 3.1: last_login_at is *time.Time, null until the first login"
EMPTY_ID = 'apiclient/templates.go TemplateDetails: script ids are plain strings, "" when unset'
UNDOCUMENTED = "status not listed for this operation in the spec; the Go handler returns it"

ALLOWED: dict[Deviation, str] = {
    # --- GET /api/spaces/{id} returns one object (knot-api.md section 10) ---
    Deviation("GET /api/spaces/{space_id}", "response 200", "", "type"): (
        "knot-api.md section 10: returns one SpaceDefinition object, not an array "
        "(internal/api/spaces.go HandleGetSpace)"
    ),
    Deviation(
        "GET /api/spaces/{space_id}", "response 200 as SpaceDefinition", "alt_names", "null"
    ): NIL_SLICE,
    Deviation(
        "GET /api/spaces/{space_id}", "response 200 as SpaceDefinition", "volume_data", "null"
    ): NIL_SLICE,
    Deviation("GET /api/spaces/{space_id}", "response 200 as SpaceDefinition", "volume_data", "type"): (
        "knot-api.md section 3.3: volume_data is a map keyed by volume id "
        "(apiclient.SpaceDefinition map[string]model.SpaceVolume), not an array"
    ),
    Deviation(
        "GET /api/spaces/{space_id}",
        "response 200 as SpaceDefinition",
        "startup_script_id",
        "format:uuid",
    ): ('apiclient/spaces.go SpaceDefinition: startup_script_id is a plain string, "" when unset'),
    # --- nil slices in templates ---
    Deviation("GET /api/templates", "response 200", "templates.*.groups", "null"): NIL_SLICE,
    Deviation("GET /api/templates", "response 200", "templates.*.ports", "null"): NIL_SLICE,
    Deviation("GET /api/templates", "response 200", "templates.*.schedule", "null"): (
        "internal/api/templates.go HandleGetTemplates: schedule is only set when schedule_enabled"
    ),
    Deviation("GET /api/templates", "response 200", "templates.*.zones", "null"): NIL_SLICE,
    Deviation("GET /api/templates/{template_id}", "response 200", "groups", "null"): NIL_SLICE,
    Deviation("GET /api/templates/{template_id}", "response 200", "ports", "null"): NIL_SLICE,
    Deviation("GET /api/templates/{template_id}", "response 200", "schedule", "null"): NIL_SLICE,
    Deviation("GET /api/templates/{template_id}", "response 200", "zones", "null"): NIL_SLICE,
    Deviation(
        "GET /api/templates/{template_id}", "response 200", "startup_script_id", "format:uuid"
    ): EMPTY_ID,
    Deviation(
        "GET /api/templates/{template_id}", "response 200", "shutdown_script_id", "format:uuid"
    ): EMPTY_ID,
    # --- users ---
    Deviation("GET /api/users/whoami", "response 200", "last_login_at", "null"): NIL_TIME,
    Deviation("GET /api/users", "response 200", "users.*.last_login_at", "null"): NIL_TIME,
    # --- statuses the spec does not list ---
    Deviation("GET /api/spaces", "response 403", "", "ResponseNotFound"): (
        f"{UNDOCUMENTED}: middleware.ApiPermissionUseSpaces (internal/middleware/authmiddleware.go)"
    ),
    Deviation("POST /api/tokens", "request", "", "SecurityValidationError"): (
        "knot-api.md section 1.3 step 5: knot connect creates the token with the "
        "__KNOT_WEBUI_SESSION header (ApiClient.UseSessionCookie), which the spec does not declare"
    ),
    Deviation("POST /api/auth", "response 429", "", "ResponseNotFound"): (
        f"{UNDOCUMENTED}: HandleAuthorization rate limit 'too many requests' (knot-api.md section 1.3)"
    ),
    Deviation("GET /api/events", "response 401", "", "DataValidationError"): (
        "knot-api.md section 3.9: SSE errors are plain text (http.Error 'Unauthorized'), not JSON"
    ),
}


async def _session(sim: Simulator, recorder: Recorder) -> None:
    """One pass over every client call, successes and refusals alike."""
    assert sim.seeded is not None
    hooks = recorder.hooks

    def client(token: str = "") -> KnotClient:
        return KnotClient(Connection(server=sim.knot_url, token=token), event_hooks=hooks)

    async def refused(call, *, invalid: bool = False) -> None:  # type: ignore[no-untyped-def]
        recorder.deliberate = invalid
        try:
            with pytest.raises(KnotError):
                await call
        finally:
            recorder.deliberate = False

    async with client() as anonymous:
        await anonymous.using_totp()
    login = partial(KnotClient.login, sim.knot_url, event_hooks=hooks)
    await login("alice@knot.test", sim.demo_password, token_name="contract")
    await refused(login("alice@knot.test", "wrong-password"))
    await refused(login("not-an-email", "whatever-long"), invalid=True)
    for _ in range(6):  # the sixth failure within a minute is rate limited (429)
        await refused(login("bob@knot.test", "wrong-password"))

    async with client("not-a-token") as stranger:
        await refused(stranger.whoami())
        await refused(stranger.list_spaces())
        items = [i async for i in event_feed(stranger, backoff=Backoff(0.01, 0.02))]
        assert len(items) == 1

    async with client(sim.seeded.admin_token) as admin:
        me = await admin.whoami()
        await admin.ping()
        await admin.server_info()
        await admin.permissions(me.user_id)
        await admin.users()
        everyone = await admin.list_spaces()
        await admin.list_spaces(all_zones=True)
        await admin.list_spaces(me.user_id)
        desk = next(s for s in everyone if s.name == "desk" and s.username == "alice")
        await admin.get_space(desk.space_id)
        await admin.get_space("ops-console")
        await admin.usage_current(desk.space_id)
        templates = await admin.templates()
        for template in templates:
            await admin.template(template.template_id)
        debian = next(t for t in templates if t.name == "Debian Dev")
        await admin.create_template(
            {"name": "Contract", "platform": "nomad", "job": 'job "c" {}', "active": True}
        )
        await refused(
            admin.create_template({"name": "Contract", "platform": "vmware", "job": "x"}),
            invalid=True,
        )
        space_id = await admin.create_space(SpaceRequest(name="contract", template_id=debian.template_id))
        await refused(
            admin.create_space(SpaceRequest(name="1bad", template_id=debian.template_id)),
            invalid=True,
        )
        space = await admin.get_space(space_id)
        await admin.update_space(space_id, SpaceRequest.from_space(space))
        await refused(admin.stop_space(space_id))
        await refused(admin.restart_space(space_id))
        await admin.start_space(space_id)
        await refused(admin.start_space(space_id))
        await refused(admin.delete_space(space_id))
        for _ in range(500):
            if (await admin.get_space(space_id)).state is SpaceState.RUNNING:
                break
            await asyncio.sleep(0.01)
        await admin.restart_space(space_id)
        for _ in range(500):
            if (await admin.get_space(space_id)).state is SpaceState.RUNNING:
                break
            await asyncio.sleep(0.01)
        await admin.stop_space(space_id)
        for _ in range(500):
            if (await admin.get_space(space_id)).state is SpaceState.STOPPED:
                break
            await asyncio.sleep(0.01)
        await admin.delete_space(space_id)
        await refused(admin.get_space("no-such-space"))
        await admin.set_ssh_public_key("ssh-ed25519 AAAA contract@test")
        feed = event_feed(admin, backoff=Backoff(0.01, 0.02))
        async for item in feed:
            if isinstance(item, FeedConnected):
                break
        await feed.aclose()

    async with client(sim.seeded.alice_token) as alice:
        await refused(alice.users())
        assert await alice.list_spaces() == []
        await refused(alice.create_template({"name": "x", "platform": "nomad", "job": "x"}))
        legacy = next(t for t in await alice.templates() if not t.active)
        await refused(alice.template(legacy.template_id))
        sim.seeded.alice.roles = []
        await refused(alice.list_spaces(sim.seeded.alice.user_id))


async def test_client_and_simulator_follow_the_spec(sim: Simulator) -> None:
    recorder = Recorder()
    await _session(sim, recorder)
    assert len(recorder.exchanges) > 60
    found: dict[Deviation, Exchange] = {}
    for exchange in recorder.exchanges:
        for deviation in check(exchange):
            found.setdefault(deviation, exchange)
    unexplained = {
        d: f"{e.method.upper()} {e.path} -> {e.status}" for d, e in found.items() if d not in ALLOWED
    }
    assert not unexplained, "deviations from the spec without a cited reason:\n" + "\n".join(
        f"  {d} ({where})" for d, where in unexplained.items()
    )
    stale = [d for d in ALLOWED if d not in found]
    assert not stale, f"allowed deviations that no longer occur (remove them): {stale}"
    assert all(ALLOWED[d] for d in found), "every allowed deviation cites its source"


def test_the_checker_can_fail() -> None:
    """A response the spec forbids is reported: guards against a check that cannot fail."""
    bogus = Exchange(
        method="get",
        path="/api/ping",
        query={},
        headers={"authorization": "Bearer x"},
        body=b"",
        status=200,
        response_type="application/json",
        response_body=b'{"status": "yes", "version": 1}',
    )
    kinds = {(d.field, d.kind) for d in check(bogus)}
    assert ("status", "type") in kinds and ("version", "type") in kinds
