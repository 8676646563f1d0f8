"""The SSE feed and the space sync built on it, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from knot_tui.knot.client import KnotClient
from knot_tui.knot.connection import Connection
from knot_tui.knot.events import Backoff, event_feed
from knot_tui.knot.feed_items import (
    FeedAuthRequired,
    FeedConnected,
    FeedDown,
    FeedItem,
    OtherEvent,
    SpaceChanged,
    SpaceDeleted,
    TemplatesChanged,
    parse_message,
)
from knot_tui.knot.models import SpaceRequest
from knot_tui.sim import Simulator
from knot_tui.state import LOAD_ATTEMPTS, FeedStatus, SpaceStore, SpaceSync, StoreUpdate, SyncError

FAST_BACKOFF = Backoff(first=0.01, cap=0.05)


async def next_of(
    feed: AsyncIterator[FeedItem],
    kind: type,
    timeout: float = 5.0,
    where: Callable[[Any], bool] = lambda item: True,
) -> Any:
    """The next item of `kind` (matching `where`); seeded spaces keep emitting events too."""

    async def find() -> FeedItem:
        async for item in feed:
            if isinstance(item, kind) and where(item):
                return item
        raise AssertionError(f"feed ended before {kind.__name__}")

    return await asyncio.wait_for(find(), timeout)


def test_parse_message_payloads() -> None:
    assert parse_message('{"type":"space:changed","payload":{"id":"s1","user_id":"u1"}}') == SpaceChanged(
        "s1", "u1"
    )
    assert parse_message('{"type":"space:deleted","payload":{"id":"s1"}}') == SpaceDeleted("s1", "")
    assert parse_message('{"type":"auth:required"}') == FeedAuthRequired("the server ended this session")
    assert parse_message('{"type":"templates:deleted","payload":{"id":"t"}}') == TemplatesChanged(
        "t", deleted=True
    )
    shared = parse_message(
        '{"type":"space:changed","payload":{"id":"s","user_id":"u","shared_with_user_ids":["a"],"previous_user_ids":["b"]}}'
    )
    assert shared == SpaceChanged("s", "u", ("a",), ("b",))
    assert parse_message('{"type":"pool:changed","payload":{"id":"p"}}') == OtherEvent(
        "pool:changed", {"id": "p"}
    )
    # the OpenAPI example shape (wrong, knot-api.md section 10) has no payload: ignored safely
    assert parse_message('{"type":"space_changed","space_id":"x"}') == OtherEvent("space_changed", {})
    for junk in ["", "not json", "[]", '{"type": 5}', '{"type":"space:changed","payload":"x"}']:
        item = parse_message(junk)
        assert item is None or isinstance(item, OtherEvent)


async def test_connected_then_space_events(admin: KnotClient, sim: Simulator) -> None:
    feed = event_feed(admin, backoff=FAST_BACKOFF)
    assert await next_of(feed, FeedConnected) == FeedConnected(reconnect=False)
    alice_desk = next(s for s in sim.world.live_spaces() if s.name == "scratch")
    await admin.start_space(alice_desk.space_id)
    changed = await next_of(feed, SpaceChanged, where=lambda i: i.space_id == alice_desk.space_id)
    assert changed == SpaceChanged(alice_desk.space_id, alice_desk.user_id)
    await feed.aclose()


async def test_reconnects_after_the_server_drops_the_feed(admin: KnotClient, sim: Simulator) -> None:
    feed = event_feed(admin, backoff=FAST_BACKOFF)
    await next_of(feed, FeedConnected)
    sim.world.hub.close_all()
    down = await next_of(feed, FeedDown)
    assert "closed" in down.reason and down.attempt == 1
    assert await next_of(feed, FeedConnected) == FeedConnected(reconnect=True)
    await feed.aclose()


async def test_silence_counts_as_a_dead_connection(admin: KnotClient) -> None:
    # knot sends a keep-alive every 5 s; with a 0.3 s silence limit the feed must give up and retry.
    feed = event_feed(admin, silence=0.3, backoff=FAST_BACKOFF)
    await next_of(feed, FeedConnected)
    down = await next_of(feed, FeedDown)
    assert down.reason == "no data for 0 s" or down.reason.startswith("no data for")
    await next_of(feed, FeedConnected)
    await feed.aclose()


async def test_bad_token_stops_the_feed(sim: Simulator) -> None:
    async with KnotClient(Connection(server=sim.knot_url, token="revoked")) as client:
        items = [item async for item in event_feed(client, backoff=FAST_BACKOFF)]
    assert items == [FeedAuthRequired("the server refused the API token (401)")]


async def test_unreachable_server_backs_off() -> None:
    async with KnotClient(Connection(server="http://127.0.0.1:9", token="t")) as client:
        feed = event_feed(client, backoff=Backoff(first=0.01, cap=0.02))
        first = await next_of(feed, FeedDown)
        second = await next_of(feed, FeedDown)
        await feed.aclose()
    assert "Cannot connect" in first.reason and second.attempt == 2


def test_backoff_doubles_to_the_cap() -> None:
    backoff = Backoff()
    delays = [backoff.next() for _ in range(8)]
    assert 0.8 <= delays[0] <= 1.0 and 1.6 <= delays[1] <= 2.0
    assert all(24.0 <= d <= 30.0 for d in delays[5:])
    backoff.reset()
    assert backoff.next() <= 1.0


async def _updates(sync: SpaceSync, *, initial_load: bool = True) -> AsyncIterator[StoreUpdate | FeedStatus]:
    async for item in sync.run(initial_load=initial_load):
        if isinstance(item, StoreUpdate | FeedStatus):
            yield item


async def test_sync_refetches_one_space_per_event(alice: KnotClient, sim: Simulator) -> None:
    store = SpaceStore()
    sync = SpaceSync(alice, store, feed=lambda c: event_feed(c, backoff=FAST_BACKOFF))
    loaded = await sync.load()
    assert loaded.full and {s.name for s in store.spaces.values()} >= {"desk", "scratch"}
    updates = _updates(sync, initial_load=False)
    assert await next_of(updates, FeedStatus) == FeedStatus("connecting")
    await next_of(updates, FeedStatus)  # live
    scratch = next(s for s in store.spaces.values() if s.name == "scratch")
    await alice.start_space(scratch.space_id)
    update = await next_of(updates, StoreUpdate, where=lambda u: scratch.space_id in u.change.updated)
    assert update.change.updated == frozenset({scratch.space_id}) and not update.change.full
    assert store.spaces[scratch.space_id].is_pending

    # knot announces a new space with space:deleted: the sync must add it, not drop it
    template = next(t for t in await alice.templates() if t.name == "Debian Dev")
    new_id = await alice.create_space(SpaceRequest(name="fresh", template_id=template.template_id))
    update = await next_of(updates, StoreUpdate, where=lambda u: bool(u.change.added))
    assert update.change.added == frozenset({new_id}) and store.spaces[new_id].name == "fresh"

    # a reconnect refetches everything
    sim.world.hub.close_all()
    await next_of(updates, StoreUpdate, where=lambda u: u.change.full)
    await updates.aclose()


async def test_sync_ignores_other_users_spaces(alice: KnotClient, sim: Simulator) -> None:
    store = SpaceStore()
    sync = SpaceSync(alice, store, feed=lambda c: event_feed(c, backoff=FAST_BACKOFF))
    await sync.load()
    bob_space = next(
        s
        for s in sim.world.live_spaces()
        if s.user_id == sim.seeded.bob.user_id and sim.seeded.alice.user_id not in s.shares
    )
    assert not store.relevant(bob_space.space_id, bob_space.user_id)
    assert store.relevant("unknown", sim.seeded.alice.user_id)


@pytest.mark.parametrize("all_users", [True, False])
async def test_admin_view_scope(admin: KnotClient, all_users: bool) -> None:
    store = SpaceStore(all_users=all_users)
    await SpaceSync(admin, store).load()
    owners = {s.username for s in store.spaces.values()}
    assert owners == ({"admin", "alice", "bob"} if all_users else {"admin"})


async def test_sync_subscribes_before_it_reads_the_snapshot(alice: KnotClient, sim: Simulator) -> None:
    """No event may fall between the first list and the feed: connect first, then read."""
    store = SpaceStore()
    sync = SpaceSync(alice, store, feed=lambda c: event_feed(c, backoff=FAST_BACKOFF))
    updates = _updates(sync)
    assert await next_of(updates, FeedStatus) == FeedStatus("connecting")
    assert await next_of(updates, FeedStatus) == FeedStatus("live")
    first = await next_of(updates, StoreUpdate)
    assert first.change.full and {s.name for s in store.spaces.values()} >= {"desk", "scratch"}
    await updates.aclose()


async def test_sync_still_loads_when_the_feed_cannot_connect(alice: KnotClient, sim: Simulator) -> None:
    async def dead_feed(client: KnotClient):  # type: ignore[no-untyped-def]
        yield FeedDown("connection refused", 30.0, 1)

    store = SpaceStore()
    updates = _updates(SpaceSync(alice, store, feed=dead_feed))
    first = await next_of(updates, StoreUpdate)
    assert first.change.full and store.spaces
    await updates.aclose()


def _quick_sync(client: KnotClient, store: SpaceStore) -> SpaceSync:
    return SpaceSync(client, store, feed=lambda c: event_feed(c, backoff=FAST_BACKOFF), retry=0.05)


async def _changed_description(
    sim: Simulator, items: AsyncIterator[object], space_id: str, text: str
) -> list[object]:
    """Change a space on the server, then collect items until the store has it (or an error)."""
    space = sim.world.spaces[space_id]
    space.description = text
    sim.world.space_changed(space)
    seen: list[object] = []

    async def until_done() -> None:
        async for item in items:
            seen.append(item)
            if isinstance(item, SyncError) or (
                isinstance(item, StoreUpdate) and space_id in item.change.updated
            ):
                return

    await asyncio.wait_for(until_done(), 15)
    return seen


async def _loaded(client: KnotClient) -> tuple[SpaceStore, AsyncIterator[object]]:
    """A quick-retrying sync past its first snapshot: the store and the sync's items."""
    store = SpaceStore()
    items = _quick_sync(client, store).run()
    await next_of(items, StoreUpdate)
    return store, items


@pytest.mark.parametrize(
    ("status", "count", "reported", "applied"),
    [
        (500, LOAD_ATTEMPTS - 1, [], True),  # knot restarting: retried quietly, then read
        (503, LOAD_ATTEMPTS, [503], False),  # keeps failing: said once
        (403, 1, [403], False),  # the request's fault: said at once, not retried
    ],
)
async def test_a_failing_refetch_is_retried_only_when_the_server_failed(
    alice: KnotClient, sim: Simulator, status: int, count: int, reported: list[int], applied: bool
) -> None:
    store, items = await _loaded(alice)
    scratch = next(s for s in store.spaces.values() if s.name == "scratch")
    sim.chaos.fail(status, f"/api/spaces/{scratch.space_id}", count=count)
    seen = await _changed_description(sim, items, scratch.space_id, "changed")
    assert [item.error.status for item in seen if isinstance(item, SyncError)] == reported
    assert (store.spaces[scratch.space_id].description == "changed") is applied
    await items.aclose()


async def test_the_reload_after_a_reconnect_survives_a_failing_server(
    alice: KnotClient, sim: Simulator
) -> None:
    _store, items = await _loaded(alice)
    sim.chaos.fail(502, "/api/users/whoami", count=LOAD_ATTEMPTS - 1)
    sim.world.hub.close_all()
    seen: list[object] = []

    async def until_full() -> None:
        async for item in items:
            seen.append(item)
            if isinstance(item, StoreUpdate) and item.change.full:
                return

    await asyncio.wait_for(until_full(), 15)
    assert not [item for item in seen if isinstance(item, SyncError)]
    await items.aclose()
