"""The spaces list's filter: terms, narrowing while typing, and cached entries."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from knot_tui.knot.models import Space
from knot_tui.ui import spaces_view as view

NOW = datetime(2026, 12, 4, tzinfo=UTC)
SPACES = [
    Space(space_id=f"s{i}", name=name, username=user, template_name=template, zone="eu-central")
    for i, (name, user, template) in enumerate(
        [
            ("desk", "alice", "Ubuntu Desktop"),
            ("api-dev", "alice", "Debian Dev"),
            ("lab", "bob", "Ubuntu Desktop"),
            ("stopper", "bob", "Docker Sandbox"),
        ]
    )
]


def _names(entries: list[view.Entry]) -> list[str]:
    return [e[1].name for e in entries]


def test_words_must_all_match_and_bang_words_exclude() -> None:
    entries = view.EntryCache().entries(SPACES)
    assert _names(view.filter_entries(entries, "desktop")) == ["desk", "lab"]
    assert _names(view.filter_entries(entries, "desktop bob")) == ["lab"]
    assert _names(view.filter_entries(entries, "!desktop")) == ["api-dev", "stopper"]
    assert _names(view.filter_entries(entries, "!")) == _names(entries)  # a lone ! is no term


def test_narrows_only_when_every_new_match_was_an_old_match() -> None:
    assert view.narrows("desk", "deskt")
    assert view.narrows("desk", "desk bob")
    assert view.narrows("desk ", "desk !lab")
    assert not view.narrows("!st", "!sto")  # excludes fewer
    assert not view.narrows("", "d")
    assert not view.narrows("desk", "des")


@given(
    old=st.text(alphabet="deskbo! l", max_size=6),
    extra=st.text(alphabet="deskbo! l", max_size=4),
)
def test_narrowing_gives_the_same_result_as_filtering_everything(old: str, extra: str) -> None:
    new = old + extra
    entries = view.EntryCache().entries(SPACES)
    if view.narrows(old, new):
        narrowed = view.filter_entries(view.filter_entries(entries, old), new)
        assert narrowed == view.filter_entries(entries, new)


def test_entries_are_remade_only_for_replaced_space_objects() -> None:
    cache = view.EntryCache()
    first = cache.entry(SPACES[0])
    assert cache.entry(SPACES[0]) is first
    renamed = Space(space_id="s0", name="renamed", username="alice")
    again = cache.entry(renamed)
    assert again[0].startswith("renamed") and again[2] is first[2]  # same row object


def test_build_rows_sorts_filters_and_groups() -> None:
    options = view.ViewOptions(query="ubuntu", group="user")
    rows = view.build_rows(SPACES, options, now=NOW, nomad=lambda s: None)
    assert [(r.key, r.group, r.label) for r in rows] == [
        ("group:alice", True, "alice (1)"),
        ("s0", False, ""),
        ("group:bob", True, "bob (1)"),
        ("s2", False, ""),
    ]
