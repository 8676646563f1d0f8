"""Space states, knot's name rule, request bodies."""

from __future__ import annotations

import pytest

from knot_tui.knot.models import NAME_RE, Space, SpaceRequest, SpaceState, name_problem


@pytest.mark.parametrize(
    ("deployed", "pending", "deleting", "remote", "label"),
    [
        (False, False, False, False, "Stopped"),
        (False, True, False, False, "Starting"),
        (True, False, False, False, "Running"),
        (True, True, False, False, "Stopping"),
        (False, False, True, False, "Deleting"),
        (False, True, True, False, "Deleting"),
        (True, False, False, True, "Remote Running"),
        (True, True, True, False, "Stopping"),  # knot checks is_deployed first
    ],
)
def test_state_label_follows_knot_cli(
    deployed: bool, pending: bool, deleting: bool, remote: bool, label: str
) -> None:
    space = Space(is_deployed=deployed, is_pending=pending, is_deleting=deleting, is_remote=remote)
    assert space.state_label == label


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ab", True),
        ("desk-1", True),
        ("A" + "b" * 63, True),
        ("a", False),
        ("1desk", False),
        ("-desk", False),
        ("de--sk", False),
        ("desk_1", False),
        ("desk.1", False),
        ("dësk", False),
        ("A" + "b" * 64, False),
        ("", False),
    ],
)
def test_name_rule_matches_knot(name: str, ok: bool) -> None:
    assert (name_problem(name) is None) is ok
    knot_rule = bool(NAME_RE.match(name)) and "--" not in name
    assert knot_rule is ok


def test_space_request_wire_shape() -> None:
    body = SpaceRequest(name="desk", template_id="t1", shell="zsh").to_wire()
    assert body == {
        "name": "desk",
        "description": "",
        "template_id": "t1",
        "shell": "zsh",
        "alt_names": [],
        "icon_url": "",
        "custom_fields": [],
        "depends_on": [],
        "stack": "",
        "stack_prefix": "",
    }
    full = SpaceRequest(name="d", template_id="t", user_id="u", startup_script_id="s").to_wire()
    assert full["user_id"] == "u" and full["startup_script_id"] == "s" and "shell" not in full


def test_deleted_marker() -> None:
    assert Space(space_id="abc", name="abc").looks_deleted
    assert not Space(space_id="abc", name="desk").looks_deleted
    assert Space().state is SpaceState.STOPPED


def test_nomad_timestamps_out_of_range_read_as_unknown() -> None:
    """Found by tests/reliability/test_payloads.py: huge CreateTime values raised."""
    from knot_tui.nomad.models import ns_time, unix_time

    assert ns_time(0) is None and ns_time(-5) is None
    assert ns_time(int(9.2e27)) is None and ns_time(int(2.6e20)) is None  # past year 9999
    assert unix_time(float("nan")) is None and unix_time(float("inf")) is None
    assert ns_time(1_700_000_000_000_000_000).year == 2023  # type: ignore[union-attr]
