"""Log lines without a screen: cleaning, the bounded buffer, views, history overlap, splitting."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from hypothesis import given, settings
from hypothesis import strategies as st

from knot_tui.logs.clean import MAX_LINE, clean, strip_sgr
from knot_tui.logs.model import LogBuffer, LogView, make_line
from knot_tui.logs.sources import LineSplitter, SourceItem, SourceLines, SourceState, batched, overlap

# A knot agent log frame as knot writes it (knot-api.md section 4), without its CRLF.
AGENT_LINE = (
    "\x1b[90m04 Dec 26 17:45:33 UTC\x1b[0m \x1b[93msyslog\x1b[0m \x1b[92mINF\x1b[0m kasmvnc: listening"
)


def test_colours_survive_everything_else_is_inert() -> None:
    raw = (
        "\x1b[31mred\x1b[0m \x1b[2J\x1b[H\x1b]0;title\x07"  # colour kept; clear, home, OSC title gone
        "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ "  # an OSC 8 hyperlink: the text stays
        "\x07bell\x00nul\tz\x9bA\x85"  # BEL, NUL, tab, 8-bit CSI, a C1 control
    )
    out = clean(raw)
    assert out.startswith("\x1b[31mred\x1b[0m ")
    assert strip_sgr(out) == "red link ␇bell␀nul  z�"  # the tab stops at column 20
    assert "\x1b" not in strip_sgr(out)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
@settings(max_examples=1000)
def test_nothing_but_colour_reaches_the_terminal(raw: str) -> None:
    out = strip_sgr(clean(raw))
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]", out), repr(out)


def test_huge_lines_are_cut_and_say_so() -> None:
    out = clean("x" * (MAX_LINE + 5))
    assert len(out) < MAX_LINE + 60 and out.endswith("[5 more characters not shown]")


def test_agent_date_becomes_the_stamp() -> None:
    line = make_line(0, AGENT_LINE, "17:45:40")
    assert line.stamp == "04 Dec 26 17:45:33 UTC"
    assert line.plain == "syslog INF kasmvnc: listening" and line.text.startswith("\x1b[93m")
    assert make_line(1, "plain output", "17:45:40").stamp == "17:45:40"


def test_buffer_keeps_the_newest_cap_lines() -> None:
    buffer = LogBuffer(cap=3)
    buffer.add(["a", "b"])
    buffer.add(["c", "d", "e"])
    assert [line.plain for line in buffer] == ["c", "d", "e"]
    assert buffer.first_seq == 2 and buffer.dropped == 2
    assert buffer.get(1) is None and buffer.get(4).plain == "e"  # type: ignore[union-attr]


def test_view_filters_wraps_and_locates_rows() -> None:
    buffer = LogBuffer()
    view = LogView(buffer, width=10)
    view.rebuild()
    lines = buffer.add(["short", "x" * 25, "error: boom", "y" * 10])
    assert view.added(lines) == (0, 4)
    view.set_wrap(True)
    assert view.row_count == 1 + 3 + 2 + 1
    assert view.locate(0) == (0, 0) and view.locate(3) == (1, 2) and view.locate(4) == (2, 0)
    assert view.first_row(3) == 6 and view.rows_of(1) == 3
    view.set_filter("ERROR")  # capitals: case-sensitive
    assert view.line_count == 0
    view.set_filter("error")
    assert [line.plain for line in view.lines()] == ["error: boom"]
    assert view.added(buffer.add(["no", "another error"])) == (0, 2)


def test_eviction_shifts_the_view() -> None:
    buffer = LogBuffer(cap=4)
    view = LogView(buffer, width=5, wrap=True)
    view.rebuild()
    view.added(buffer.add(["aaaaaaaaaa", "b", "c"]))  # rows 2 + 1 + 1
    removed, added = view.added(buffer.add(["d", "e"]))  # "aaaaaaaaaa" leaves
    assert (removed, added) == (2, 2)
    assert [line.plain for line in view.lines()] == ["b", "c", "d", "e"] and view.row_count == 4
    assert view.locate(0) == (0, 0)


def test_find_wraps_around_both_ways() -> None:
    buffer = LogBuffer()
    view = LogView(buffer)
    view.rebuild()
    view.added(buffer.add(["one hit", "none", "two hit", "none"]))
    assert view.find("hit", 1) == 2
    assert view.find("hit", 3) == 0
    assert view.find("hit", 1, forward=False) == 0
    assert view.find("hit", -1, forward=False) == 2
    assert view.find("absent", 0) == -1


def test_history_overlap() -> None:
    seen = ["l1", "l2", "l3"]
    assert overlap(seen, ["l1", "l2", "l3", "l4"]) == 3  # same session, one new line
    assert overlap(seen, ["l2", "l3", "l4", "l5"]) == 2  # history window moved on
    assert overlap(seen, ["n1", "n2"]) == 0  # a new agent session
    assert overlap(["l3"], ["l1", "l2", "l3", "l4"]) == 3  # we joined late
    assert overlap(seen, []) == 0 and overlap([], ["a"]) == 0
    # Repeated lines: the largest consistent overlap wins (no duplicates).
    assert overlap(["tick", "tick"], ["tick", "tick", "tock"]) == 2


def test_splitter_reassembles_lines_cut_anywhere() -> None:
    data = "héllo wörld\r\nsecond ☃\nthird".encode()
    splitter = LineSplitter()
    out: list[str] = []
    for i in range(len(data)):
        out += splitter.feed(data[i : i + 1])
    assert out == ["héllo wörld", "second ☃"] and splitter.pending() == "third"
    tail = LineSplitter(skip_partial_first=True)
    assert tail.feed(b"partial\nwhole\n") == ["whole"]


@given(st.binary(max_size=400), st.lists(st.integers(min_value=1, max_value=40), max_size=30))
@settings(max_examples=1000)
def test_splitting_never_changes_the_text(data: bytes, cuts: list[int]) -> None:
    whole = LineSplitter()
    expected = whole.feed(data)
    pieces = LineSplitter()
    got: list[str] = []
    pos = 0
    for cut in cuts:
        got += pieces.feed(data[pos : pos + cut])
        pos += cut
    got += pieces.feed(data[pos:])
    assert got == expected and pieces.pending() == whole.pending()


async def test_batching_merges_lines_and_keeps_states_in_order() -> None:
    async def source() -> AsyncIterator[SourceItem]:
        yield SourceState("connecting")
        for i in range(100):
            yield SourceLines([f"l{i}"])
        yield SourceState("reconnecting", "cut")
        yield SourceLines(["after"])
        await asyncio.sleep(0)

    items = [item async for item in batched(source(), window=5.0)]
    assert items[0] == SourceState("connecting")
    assert items[1] == SourceLines([f"l{i}" for i in range(100)])
    assert items[2] == SourceState("reconnecting", "cut")
    assert items[3] == SourceLines(["after"])
    assert len(items) == 4


async def test_batching_passes_a_source_failure_on() -> None:
    async def source() -> AsyncIterator[SourceItem]:
        yield SourceLines(["one"])
        raise RuntimeError("broken source")

    got: list[SourceItem] = []
    try:
        async for item in batched(source(), window=0.01):
            got.append(item)
    except RuntimeError as exc:
        assert str(exc) == "broken source"
    else:
        raise AssertionError("the failure was swallowed")
    assert got == [SourceLines(["one"])]
