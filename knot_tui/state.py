"""What the app knows about the server, and how events change it (no Textual here).

`SpaceStore` holds spaces by id and answers every change with a `Change` naming what
moved, so a 10,000-row table redraws one row, not all. `SpaceSync` turns the knot event
feed into store changes: one refetch per changed space (coalesced while in flight), a full
refetch after every reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from knot_tui.knot.errors import KnotError, KnotNotFound
from knot_tui.knot.feed_items import (
    FeedAuthRequired,
    FeedConnected,
    FeedDown,
    FeedItem,
    SpaceChanged,
    SpaceDeleted,
)
from knot_tui.knot.models import Permission, Space, User

if TYPE_CHECKING:
    from knot_tui.knot.client import KnotClient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Change:
    """What a store operation did: ids added, updated and removed (`full` = reload)."""

    added: frozenset[str] = frozenset()
    updated: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()
    full: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.updated or self.removed or self.full)


@dataclass
class SpaceStore:
    me: User | None = None
    permissions: frozenset[int] = frozenset()
    spaces: dict[str, Space] = field(default_factory=dict)
    #: True when the store holds every user's spaces (the ops view), not just the caller's.
    all_users: bool = False
    #: Moves on every change to `spaces` (views cache their sorted order against it).
    version: int = 0

    @property
    def can_manage_spaces(self) -> bool:
        return int(Permission.MANAGE_SPACES) in self.permissions

    def can(self, permission: Permission) -> bool:
        return int(permission) in self.permissions

    def replace_all(self, spaces: Iterable[Space]) -> Change:
        new = {s.space_id: s for s in spaces if s.space_id}
        old = self.spaces
        self.spaces = new
        self.version += 1
        return Change(
            added=frozenset(new.keys() - old.keys()),
            updated=frozenset(k for k in new.keys() & old.keys() if new[k] != old[k]),
            removed=frozenset(old.keys() - new.keys()),
            full=True,
        )

    def upsert(self, space: Space) -> Change:
        if not space.space_id:
            return Change()
        old = self.spaces.get(space.space_id)
        if old == space:
            return Change()
        self.spaces[space.space_id] = space
        self.version += 1
        ident = frozenset({space.space_id})
        return Change(updated=ident) if old is not None else Change(added=ident)

    def remove(self, space_id: str) -> Change:
        if self.spaces.pop(space_id, None) is None:
            return Change()
        self.version += 1
        return Change(removed=frozenset({space_id}))

    def relevant(self, space_id: str, user_id: str, shared_with: Iterable[str] = ()) -> bool:
        """Should an event about this space make us refetch it?

        knot broadcasts every event to every client; a user's own view only cares about
        spaces it shows or that belong to (or are shared with) the user.
        """
        if self.all_users or space_id in self.spaces:
            return True
        me = self.me.user_id if self.me else ""
        return bool(me) and (user_id == me or me in set(shared_with) or not user_id)

    def accepts(self, space: Space) -> bool:
        """Would a full reload of this view include `space`?"""
        if self.all_users:
            return True
        me = self.me.user_id if self.me else ""
        return space.user_id == me or me in space.shares


# ---- the live feed ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The state of the knot event feed, for the status bar."""

    state: str  # "connecting" | "live" | "down" | "auth"
    detail: str = ""
    retry_in: float = 0.0


@dataclass(frozen=True, slots=True)
class StoreUpdate:
    change: Change


@dataclass(frozen=True, slots=True)
class SyncError:
    error: KnotError


SyncItem = FeedStatus | StoreUpdate | SyncError


#: How long the first load waits for the event feed to connect (seconds).
SUBSCRIBE_WAIT = 2.0
#: Seconds before a refetch that failed on the server's side is tried again.
REFETCH_RETRY = 2.0
#: Tries of the first load when the server (not the request) fails.
LOAD_ATTEMPTS = 3


class SpaceSync:
    """Keeps a `SpaceStore` in step with the server; iterate `run()` for what happened."""

    def __init__(
        self,
        client: KnotClient,
        store: SpaceStore,
        *,
        feed: Callable[[KnotClient], AsyncIterator[FeedItem]] | None = None,
        concurrency: int = 4,
        retry: float = REFETCH_RETRY,
    ) -> None:
        if feed is None:
            from knot_tui.knot.events import event_feed  # httpx-sse: imported once connecting

            feed = event_feed
        self.client = client
        self.store = store
        self._feed = feed
        self._pending: set[str] = set()
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._out: asyncio.Queue[SyncItem] = asyncio.Queue()
        self._concurrency = concurrency
        self._retry = retry
        #: Server-side failures in a row per space, for refetches retried quietly.
        self._failures: dict[str, int] = {}
        #: The feed is connected (or failing): the snapshot may be read without a gap.
        self._subscribed = asyncio.Event()
        #: The snapshot is in the store: refetches may apply on top of it.
        self._snapshot = asyncio.Event()
        #: The last full load failed: the feed's next connection (even its first) reloads.
        self._load_failed = False

    async def load(self) -> Change:
        """whoami, permissions, then the spaces this view shows."""
        me = await self.client.whoami()
        self.store.me = me
        try:
            self.store.permissions = frozenset(await self.client.permissions(me.user_id))
        except KnotError:
            self.store.permissions = frozenset()
        if self.store.all_users and self.store.can_manage_spaces:
            spaces = await self.client.list_spaces(all_zones=True)
        else:
            self.store.all_users = False
            spaces = await self.client.list_spaces(me.user_id, all_zones=True)
        return self.store.replace_all(spaces)

    async def load_retrying(self) -> Change:
        """`load()`, tried `LOAD_ATTEMPTS` times while the server (not the request) fails: a
        restarting knot refuses a connection or two, which is not worth a red notification."""
        for attempt in range(LOAD_ATTEMPTS):
            try:
                return await self.load()
            except KnotError as exc:
                if attempt + 1 == LOAD_ATTEMPTS or not _server_side(exc):
                    raise
                log.info("loading spaces (try %d of %d): %s", attempt + 1, LOAD_ATTEMPTS, exc)
                await asyncio.sleep(self._retry)
        raise AssertionError("unreachable")

    async def refetch(self, space_id: str) -> Change:
        """One space again: updated, added, or removed when knot no longer shows it."""
        try:
            space = await self.client.get_space(space_id)
        except KnotNotFound:
            return self.store.remove(space_id)
        if space.looks_deleted:
            return self.store.remove(space_id)
        if not self.store.accepts(space):
            return self.store.remove(space_id)
        return self.store.upsert(space)

    def request(self, space_id: str) -> None:
        """Ask for a refetch; repeated requests while one is queued collapse into one."""
        if space_id not in self._pending:
            self._pending.add(space_id)
            self._queue.put_nowait(space_id)

    async def _refetcher(self) -> None:
        await self._snapshot.wait()
        while True:
            space_id = await self._queue.get()
            self._pending.discard(space_id)
            try:
                change = await self.refetch(space_id)
            except KnotError as exc:
                tries = self._failures.get(space_id, 0) + 1
                if _server_side(exc) and tries < LOAD_ATTEMPTS:
                    # The server (or the way to it) failed, not the request: try again quietly,
                    # or this space would stay as it was until its next event.
                    self._failures[space_id] = tries
                    log.info("refetch %s (try %d of %d): %s", space_id, tries, LOAD_ATTEMPTS, exc)
                    asyncio.get_running_loop().call_later(self._retry, self.request, space_id)
                else:
                    self._failures.pop(space_id, None)
                    await self._out.put(SyncError(exc))
                continue
            self._failures.pop(space_id, None)
            if not change.empty:
                await self._out.put(StoreUpdate(change))

    async def _follow(self) -> None:
        await self._out.put(FeedStatus("connecting"))
        async for item in self._feed(self.client):
            if not isinstance(item, SpaceChanged | SpaceDeleted):
                self._subscribed.set()
            if isinstance(item, FeedConnected):
                await self._out.put(FeedStatus("live"))
                if item.reconnect or self._load_failed:
                    try:
                        await self._out.put(StoreUpdate(await self.load_retrying()))
                        self._load_failed = False
                    except KnotError as exc:
                        self._load_failed = True
                        await self._out.put(SyncError(exc))
            elif isinstance(item, FeedDown):
                await self._out.put(FeedStatus("down", item.reason, item.retry_in))
            elif isinstance(item, FeedAuthRequired):
                await self._out.put(FeedStatus("auth", item.reason))
                return
            elif isinstance(item, SpaceChanged):
                if self.store.relevant(item.space_id, item.user_id, item.shared_with + item.previous_users):
                    self.request(item.space_id)
            elif isinstance(item, SpaceDeleted) and self.store.relevant(item.space_id, item.user_id):
                # knot also sends space:deleted for a space it just created: ask, don't assume.
                self.request(item.space_id)

    async def run(self, *, initial_load: bool = True) -> AsyncIterator[SyncItem]:
        """Follow the feed and yield status, store updates and errors until auth fails.

        With `initial_load`, the snapshot is read once the feed is connected (or has failed,
        or `SUBSCRIBE_WAIT` passed): subscribe first, then read, so no event falls between
        the two. Events arriving meanwhile are refetched on top of the snapshot.
        """
        workers = [asyncio.ensure_future(self._refetcher()) for _ in range(self._concurrency)]
        follower = asyncio.ensure_future(self._follow())
        try:
            if initial_load:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._subscribed.wait(), SUBSCRIBE_WAIT)
                while not self._out.empty():
                    yield self._out.get_nowait()
                try:
                    yield StoreUpdate(await self.load_retrying())
                except KnotError as exc:
                    self._load_failed = True  # knot answering again (the feed connects) reloads
                    yield SyncError(exc)
            self._snapshot.set()
            while True:
                getter = asyncio.ensure_future(self._out.get())
                done, _ = await asyncio.wait({getter, follower}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                follower.result()  # re-raise a failure of the feed loop
                while not self._out.empty():
                    yield self._out.get_nowait()
                return
        finally:
            follower.cancel()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(follower, *workers, return_exceptions=True)


def _server_side(error: KnotError) -> bool:
    """The server, or the way to it, failed (no answer, or a 5xx) — not the request itself."""
    return error.status == 0 or error.status >= 500
