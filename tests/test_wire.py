"""Wire models tolerate missing, null, extra and ill-typed keys (and never raise)."""

from __future__ import annotations

from datetime import UTC, datetime

from knot_tui.knot.models import AltName, Space, SpaceList, Template, User
from knot_tui.wire import from_wire, list_from_wire, parse_time, pascal_case


def test_missing_keys_take_defaults() -> None:
    space = from_wire(Space, {})
    assert space.name == "" and space.shares == [] and space.started_at is None
    assert space.healthy is True and space.health_known is False  # knot: healthy unless told


def test_null_lists_and_maps_become_empty() -> None:
    space = from_wire(Space, {"shares": None, "tcp_ports": None, "alt_names": None, "volume_data": None})
    assert space.shares == [] and space.tcp_ports == {} and space.alt_names == [] and space.volume_data == {}


def test_extra_keys_are_ignored() -> None:
    space = from_wire(Space, {"name": "desk", "brand_new_field": {"x": 1}})
    assert space.name == "desk"


def test_wrong_types_fall_back_to_defaults() -> None:
    space = from_wire(
        Space,
        {
            "name": 12,
            "is_deployed": "yes",
            "healthy": 3,
            "shares": "abc",
            "resource_usage": [],
            "started_at": 5,
            "tcp_ports": {"22": "SSH", "bad": {"x": 1}},
        },
    )
    assert space.name == "12"
    assert space.is_deployed is True
    assert space.healthy is True  # 3 is not a bool: default
    assert space.shares == []
    assert space.resource_usage is None
    assert space.started_at is None
    assert space.tcp_ports == {"22": "SSH"}


def test_non_object_input_gives_an_empty_model() -> None:
    assert from_wire(SpaceList, ["not", "an", "object"]).spaces == []
    assert list_from_wire(Template, {"a": 1}) == []
    assert list_from_wire(User, [{"username": "a"}, 5, None]) == [User(username="a")]


def test_alt_names_accept_the_pre_0_25_string_form() -> None:
    space = from_wire(Space, {"alt_names": ["web", {"name": "api", "port": 8080}]})
    assert space.alt_names == [AltName("web", 0), AltName("api", 8080)]


def test_volume_data_capital_namespace_key() -> None:
    space = from_wire(Space, {"volume_data": {"v1": {"id": "v1", "Namespace": "alice", "type": "csi"}}})
    assert space.volume_data["v1"].namespace == "alice"


def test_parse_time_go_formats() -> None:
    assert parse_time("2026-01-02T03:04:05.123456789Z") == datetime(2026, 1, 2, 3, 4, 5, 123456, UTC)
    assert parse_time("2021-11-04T10:14:22.054814+01:00") == datetime(2021, 11, 4, 9, 14, 22, 54814, UTC)
    assert parse_time("0001-01-01T00:00:00Z") is None  # Go's zero time
    assert parse_time("yesterday") is None
    assert parse_time(None) is None


def test_pascal_case_matches_nomad_field_names() -> None:
    assert pascal_case("client_status") == "ClientStatus"
    assert pascal_case("eval_id") == "EvalID"
    assert pascal_case("id") == "ID"
