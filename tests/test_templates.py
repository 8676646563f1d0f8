"""The bundled Ubuntu Desktop: the seed's template, completed, with only its check changed."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import hcl2
import pytest
import yaml

from knot_tui import templates
from knot_tui.knot.template_vars import render, space_variables
from knot_tui.nomad.models import Job, parse
from knot_tui.sim.jobspec import hcl_to_job

REFERENCE = Path(__file__).resolve().parents[2] / "shared"


def _changed_lines() -> tuple[list[str], list[str]]:
    upstream = templates.ubuntu_desktop_upstream_job().splitlines()
    bundled = templates.ubuntu_desktop_job().splitlines()
    removed, added = [], []
    for line in difflib.unified_diff(upstream, bundled, lineterm="", n=0):
        if line.startswith("-") and not line.startswith("---"):
            removed.append(line[1:].strip())
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
    return removed, added


def test_only_the_check_changed() -> None:
    removed, added = _changed_lines()
    assert sorted(removed) == sorted(
        [
            'name            = "alive"',
            'type            = "http"',
            'protocol        = "https"',
            "tls_skip_verify = true",
            'path            = "/ping"',
            'interval        = "10s"',
            'timeout         = "2s"',
        ]
    )
    code = [line for line in added if not line.startswith("#")]
    assert sorted(code) == sorted(
        [
            'name         = "alive"',
            'type         = "tcp"',
            'address_mode = "driver"',
            "port         = 5680",
            'interval     = "10s"',
            'timeout      = "2s"',
        ]
    )
    assert any("knot v0.10" in line for line in added)  # the comment says why


def test_bundled_job_renders_and_parses() -> None:
    data = space_variables(
        space_id="3f1c0d2e-0000-4000-8000-000000000001",
        space_name="desk",
        user_id="u",
        username="alice",
        server_url="https://knot.example",
    )
    text = render(templates.ubuntu_desktop_job(), data, strict=True)
    hcl2.loads(text)  # valid HCL
    job = parse(Job, hcl_to_job(text))
    assert job.id == "desk-alice" and job.namespace == "default"
    (group,) = job.task_groups
    (service,) = group.tasks[0].services
    (check,) = service.checks
    assert (check.name, check.type, check.port_label) == ("alive", "tcp", "5680")
    assert group.tasks[0].env["KNOT_VNC_HTTP_PORT"] == "5680"
    assert group.volumes["home_volume"].source == "ubuntu_3f1c0d2e-0000-4000-8000-000000000001_home"


def test_volumes_are_the_upstream_definition() -> None:
    doc = yaml.safe_load(templates.ubuntu_desktop_volumes())
    (volume,) = doc["volumes"]
    assert volume["plugin_id"] == "hostpath" and volume["capacity_max"] == "10G"
    assert volume["capabilities"] == [{"access_mode": "single-node-writer", "attachment_mode": "file-system"}]
    assert volume["mount_options"] == {"fs_type": "ext4", "mount_flags": ["rw", "noatime"]}


@pytest.mark.skipif(
    not REFERENCE.exists(), reason="../shared (the seed and the upstream text) is not in this checkout"
)
def test_same_as_the_reference_texts() -> None:
    upstream = (REFERENCE / "reference" / "ubuntu-desktop-upstream.md").read_text()
    hcl, yml = re.findall(r"```(?:hcl|yaml)\n(.*?)```", upstream, re.S)
    assert templates.ubuntu_desktop_upstream_job() == hcl
    assert templates.ubuntu_desktop_volumes() == yml
    seed = next((REFERENCE / "seed").glob("*.txt")).read_text()
    bundled = {line.strip() for line in templates.ubuntu_desktop_job().splitlines()}
    bundled |= {line.strip() for line in templates.ubuntu_desktop_volumes().splitlines()}
    ping = {
        'type            = "http"',
        'protocol        = "https"',
        "tls_skip_verify = true",
        'path            = "/ping"',
        'name            = "alive"',
    }
    for line in seed.splitlines():
        line = line.strip()
        if line.startswith(
            (
                "job ",
                "update",
                "group",
                "network",
                'port "',
                'volume "',
                "task",
                "env",
                "resources",
                "service",
                "check",
                "KNOT_",
                "image",
                "source",
                "plugin_id",
            )
        ):
            assert line in bundled or line in ping or line.startswith("-"), f"seed line missing: {line!r}"


def test_install_request_is_a_nomad_template() -> None:
    body = templates.ubuntu_desktop_request()
    assert body["platform"] == "nomad" and body["active"] is True
    assert (
        body["job"] == templates.ubuntu_desktop_job()
        and body["volumes"] == templates.ubuntu_desktop_volumes()
    )
    assert body["with_ssh"] and body["with_code_server"] and body["with_terminal"]
