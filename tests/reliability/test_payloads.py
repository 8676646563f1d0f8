"""Odd payloads: at least 1,000 generated responses per wire-model family, each parsed and
drawn the way the screens draw it; none may raise. Each family starts from a real answer of
the simulator (the wire format as knot and Nomad send it) and mutates it: keys dropped, nulls,
wrong types, extra keys, huge strings; error bodies also come as plain text, HTML, truncated
JSON and msgpack."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from knot_tui.knot.errors import error_from_response
from knot_tui.knot.feed_items import parse_message
from knot_tui.knot.models import Space, Template, User
from knot_tui.nomad.events import parse_batch
from knot_tui.nomad.logs import FrameDecoder, decode_frame
from knot_tui.nomad.models import Allocation, ConsulCheck, Deployment, Job, parse, parse_checks, parse_list
from knot_tui.sim.clock import SimClock
from knot_tui.sim.knot_views import space_info, template_details
from knot_tui.sim.scenario import seed
from knot_tui.sim.world import World
from knot_tui.ui import spaces_view as view
from knot_tui.ui.panes.allocation_pane import alloc_text, event_cells, events_newest_first
from knot_tui.ui.panes.deployment_pane import deployment_text
from knot_tui.ui.panes.job_pane import alloc_cells, job_text
from knot_tui.ui.panes.knot_pane import knot_table

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EXAMPLES = 1000
CONSOLE = Console(width=120, file=open("/dev/null", "w"), color_system="truecolor")  # noqa: SIM115

_world = World(seed=7, clock=SimClock(1.0, NOW))
_seeded = seed(_world)
SPACE = space_info(_world, next(iter(_world.spaces.values())))
TEMPLATE = template_details(_world, next(t for t in _world.templates.values() if t.job))
ALLOC = _world.nomad.alloc_json(next(iter(_world.nomad.allocs.values())))
DEPLOYMENT = next(iter(_world.nomad.deployments.values())).to_json()

HUGE = "x" * 20_000
weird = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.just(HUGE),
    st.just("\x1b[2J\x1b]0;pwned\x07"),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """A real payload with changes: drop, null, wrong type or recurse, per key; extra keys."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            choice = draw(st.integers(0, 9))
            if choice == 0:
                continue  # missing
            if choice == 1:
                out[key] = None
            elif choice == 2:
                out[key] = draw(weird)
            elif depth < 1 and isinstance(item, dict | list):
                out[key] = draw(mutated(item, depth + 1))
            else:
                out[key] = item
        out.update(draw(st.dictionaries(st.text(max_size=8), weird, max_size=2)))
        return out
    if isinstance(value, list):
        items = [draw(mutated(v, depth + 1)) for v in value[:3]]
        return draw(st.sampled_from([items, [], None, [draw(weird)]]))
    return draw(st.one_of(st.just(value), weird))


def _render(*renderables: Any) -> None:
    """Draw what a pane would: Text to its cells, anything else through Rich's layout."""
    for renderable in renderables:
        if isinstance(renderable, Text):
            list(renderable.render(CONSOLE))
        elif isinstance(renderable, str):
            continue
        else:
            CONSOLE.print(renderable)


FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@FAST
@given(mutated(SPACE))
def test_spaces(payload: Any) -> None:
    space = parse(Space, payload)
    for column in view.columns(all_users=True):
        view.cell(space, column.key, now=NOW, summary=None, nomad_configured=True, pending=None, marked=False)
    view.attention_reasons(space, None, NOW)
    view.EntryCache().entry(space)
    _render(knot_table(space, None, me=None, now=NOW, links=[], usage=space.resource_usage))


@FAST
@given(mutated(TEMPLATE))
def test_templates(payload: Any) -> None:
    template = parse(Template, payload)
    _render(knot_table(parse(Space, SPACE), template, me=None, now=NOW, links=[], usage=None))


@FAST
@given(mutated({"user_id": "u", "username": "alice", "email": "a@b", "roles": ["x"], "timezone": "UTC"}))
def test_users(payload: Any) -> None:
    parse(User, payload)


bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda e: json.dumps({"error": e}).encode(), weird.map(str)),
    st.builds(lambda e: json.dumps({"error": e}).encode()[: len(e) // 2], st.text(max_size=60)),
    st.just(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    st.just(b'{"error":"a"}{"error":"b"}\n'),
)


@FAST
@given(
    st.sampled_from([400, 401, 403, 404, 406, 409, 423, 429, 500, 502, 503, 507, 599]),
    bodies,
    st.sampled_from(["application/json", "text/plain", "text/html", "application/msgpack", ""]),
)
def test_error_bodies(status: int, body: bytes, content_type: str) -> None:
    error = error_from_response(status, body, content_type, "start")
    assert error.message and "\x1b" not in error.message


@FAST
@given(
    st.one_of(
        st.text(max_size=200),
        mutated({"type": "space:changed", "payload": {"id": "x", "user_id": "y"}}).map(json.dumps),
    )
)
def test_event_feed_messages(data: str) -> None:
    parse_message(data)


@FAST
@given(mutated(ALLOC))
def test_allocations(payload: Any) -> None:
    alloc = parse(Allocation, payload)
    _render(alloc_text(alloc, NOW), *[c for t, e in events_newest_first(alloc) for c in event_cells(t, e)])
    _render(*alloc_cells(alloc, NOW, True))


@FAST
@given(mutated(DEPLOYMENT))
def test_deployments(payload: Any) -> None:
    _render(deployment_text(parse(Deployment, payload)))


@FAST
@given(
    mutated(
        {
            "ID": "x",
            "Name": "desk",
            "Namespace": "default",
            "Status": "running",
            "Version": 1,
            "TaskGroups": [{"Name": "g", "Tasks": [{"Name": "t", "Env": {"KNOT_SPACEID": "s"}}]}],
        }
    )
)
def test_jobs(payload: Any) -> None:
    _render(job_text(parse(Job, payload), NOW))


@FAST
@given(st.one_of(mutated({"c1": {"ID": "c1", "Check": "tcp", "Status": "success", "Output": "ok"}}), weird))
def test_nomad_checks(payload: Any) -> None:
    parse_checks(payload)
    parse_list(ConsulCheck, payload if isinstance(payload, list) else [payload])


@FAST
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.just(b'{"File":"a","Offset":3,"Data":"aGk="}'),
            st.just(b"{}"),
            st.just(b'{"Data":'),
        ),
        max_size=8,
    )
)
def test_log_frames(chunks: list[bytes]) -> None:
    decoder = FrameDecoder()
    for chunk in chunks:
        for frame in decoder.feed(chunk):
            decode_frame(frame, 0)


@FAST
@given(
    st.one_of(
        st.text(max_size=200),
        mutated(
            {"Index": 3, "Events": [{"Topic": "Allocation", "Type": "x", "Key": "k", "Payload": {}}]}
        ).map(json.dumps),
    )
)
def test_event_stream_lines(line: str) -> None:
    parse_batch(line)
