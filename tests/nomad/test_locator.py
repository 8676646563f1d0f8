"""The space-to-job locator on templates with and without a namespace, unknown variables,
an override pattern, and the search by KNOT_SPACEID."""

from __future__ import annotations

import pytest

from knot_tui.knot.models import Space, Template
from knot_tui.nomad.locator import JobLocator, JobPattern, literal_prefix
from knot_tui.sim import Simulator, lifecycle
from knot_tui.sim.world import SimSpace, SimTemplate

from .conftest import GatewayFactory

TEAM_JOB = """job "${{ .var.team }}-${{.space.name}}" {
  datacenters = ["dc1"]
  group "g" {
    task "t" {
      driver = "docker"
      config { image = "paularlott/knot-base:24.04" }
      env {
        KNOT_SPACEID = "${{.space.id}}"
        KNOT_SSH_PORT = "22"
      }
    }
  }
}
"""


def test_pattern_extraction() -> None:
    pattern = JobPattern.from_template(
        'job "${{.space.name}}-${{ .user.username | toLower }}" {\n'
        '  namespace = "${{.user.username}}"\n'
        '  group "x" {\n    namespace = "not-this"\n  }\n}'
    )
    assert pattern == JobPattern("${{.space.name}}-${{ .user.username | toLower }}", "${{.user.username}}")
    assert JobPattern.from_template('job "plain" {}') == JobPattern("plain", "")
    assert JobPattern.from_template("no job here") is None
    assert literal_prefix("team-${{.space.name}}") == "team-"


def _start(sim: Simulator, template: SimTemplate, owner: str, name: str) -> SimSpace:
    world = sim.world
    user = getattr(sim.seeded, owner)
    space = SimSpace(
        space_id=world.new_id(), name=name, user_id=user.user_id, template_id=template.template_id
    )
    world.spaces[space.space_id] = space
    lifecycle.begin_start(world, space)
    return space


def _api_space(sim: Simulator, space: SimSpace, platform: str = "nomad") -> Space:
    owner = sim.world.users[space.user_id]
    return Space(
        space_id=space.space_id,
        name=space.name,
        user_id=space.user_id,
        username=owner.username,
        platform=platform,
        template_id=space.template_id,
    )


async def test_unknown_variable_falls_back_to_the_search(sim: Simulator, gateways: GatewayFactory) -> None:
    sim.world.template_vars["team"] = "platform"  # an admin-only variable the client cannot read
    template = SimTemplate(
        template_id=sim.world.new_id(), name="Team box", job=TEAM_JOB, with_code_server=False
    )
    template.rehash()
    sim.world.templates[template.template_id] = template
    space = _start(sim, template, "alice", "teambox")
    assert space.nomad_job == ("default", "platform-teambox")
    locator = JobLocator(gateways("alice"), server_url=sim.knot_url)
    ref = await locator.locate(_api_space(sim, space), Template(job=TEAM_JOB, hash=template.hash))
    assert (ref.job_id, ref.namespace, ref.how) == ("platform-teambox", "default", "search")
    # cached: the second call needs no Nomad round trip
    gateway = locator.gateway
    await gateway.close()
    assert await locator.locate(_api_space(sim, space), Template(job=TEAM_JOB, hash=template.hash)) == ref


async def test_override_pattern_wins(sim: Simulator, gateways: GatewayFactory) -> None:
    space = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    locator = JobLocator(
        gateways(),
        override_job="${{.space.name}}-${{.user.username}}",
        override_namespace="${{.user.username}}",
        server_url=sim.knot_url,
    )
    ref = await locator.locate(_api_space(sim, space))  # no template needed at all
    assert (ref.job_id, ref.namespace, ref.how) == ("api-dev-alice", "alice", "override")


async def test_template_without_namespace_means_default(sim: Simulator, gateways: GatewayFactory) -> None:
    space = next(
        s for s in sim.world.live_spaces() if s.name == "desk" and s.user_id == sim.seeded.bob.user_id
    )
    template = sim.world.template_of(space)
    ref = await JobLocator(gateways(), server_url=sim.knot_url).locate(
        _api_space(sim, space), Template(job=template.job, hash=template.hash)
    )
    assert (ref.job_id, ref.namespace, ref.how) == ("desk-bob", "default", "template")


async def test_a_renamed_job_is_found_by_knot_spaceid(sim: Simulator, gateways: GatewayFactory) -> None:
    """The template changed since the space started: the rendered id is stale, the env is not."""
    space = next(s for s in sim.world.live_spaces() if s.name == "api-dev")
    stale = Template(job='job "old-${{.space.name}}" {\n namespace = "alice"\n}', hash="v2")
    ref = await JobLocator(gateways(), server_url=sim.knot_url).locate(_api_space(sim, space), stale)
    assert (ref.job_id, ref.namespace, ref.how) == ("api-dev-alice", "alice", "search")


@pytest.mark.parametrize("platform", ["docker", "podman", "manual"])
async def test_other_platforms_are_refused_clearly(
    sim: Simulator, gateways: GatewayFactory, platform: str
) -> None:
    from knot_tui.nomad.locator import NotANomadSpace

    with pytest.raises(NotANomadSpace, match=f"runs on {platform}"):
        await JobLocator(gateways()).locate(Space(space_id="s", name="x", platform=platform))
