"""Start, stop, restart and delete spaces from any screen, without ever blocking the UI.

Each action shows an immediate "pending" state on the row, runs the API call in a worker,
and lets knot's events bring the real state. Refusals are explained (a 423 on delete
offers to stop first), bulk actions and deletes are confirmed, `--read-only` refuses all.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from knot_tui.knot.errors import KnotError, KnotLocked
from knot_tui.knot.models import Permission, Space, SpaceState
from knot_tui.ui.screens.confirm import ConfirmScreen, TypedConfirmScreen

if TYPE_CHECKING:
    from knot_tui.ui.app import KnotApp

STOP_WAIT = 180.0  # seconds to wait for a stop before deleting


class SpaceLifecycle:
    def __init__(self, app: KnotApp) -> None:
        self.app = app

    # ---- guards ----------------------------------------------------------------------

    def _refuse_read_only(self, verb: str) -> bool:
        if self.app.settings.read_only:
            self.app.notify(
                f"knot-tui runs with --read-only: {verb} is disabled.",
                title="Read-only",
                severity="warning",
            )
            return True
        return False

    def _foreign(self, space: Space) -> bool:
        me = self.app.store.me
        return me is not None and space.user_id != me.user_id

    # ---- actions -----------------------------------------------------------------------

    def start_many(self, spaces: list[Space]) -> None:
        """Start the marked spaces that are stopped here (asks first)."""
        if self._refuse_read_only("starting spaces"):
            return
        startable = [s for s in spaces if s.state is SpaceState.STOPPED and not s.is_remote]
        self._bulk(spaces, startable, "Start", "starting", "start", "They start and use their quota.")

    def restart_many(self, spaces: list[Space]) -> None:
        """Restart the marked spaces that run (asks first)."""
        if self._refuse_read_only("restarting spaces"):
            return
        running = [s for s in spaces if s.state is SpaceState.RUNNING]
        self._bulk(spaces, running, "Restart", "restarting", "restart", "Their desktops and sessions end.")

    def _bulk(
        self,
        marked: list[Space],
        eligible: list[Space],
        verb: str,
        pending: str,
        action: str,
        effect: str,
        *,
        ask: bool = True,
    ) -> None:
        """Act on `eligible` (the rest of `marked` is left alone), after a confirmation listing
        them when `ask`."""
        if not eligible:
            self.app.notify(
                f"None of the {len(marked)} marked spaces can be {action}ed here.",
                title=f"Cannot {action}",
                severity="warning",
            )
            return

        async def confirm_then_act() -> None:
            if ask and not await confirmed():
                return
            await asyncio.gather(*(self._call(s, pending, action) for s in eligible))

        async def confirmed() -> bool:
            n = len(eligible)
            message = f"{verb} {n} space{'s' if n > 1 else ''}? {effect}"
            left = len(marked) - n
            if left:
                message += f"\n{left} marked space(s) are not in a state to {action} and are left alone."
            return await self.app.push_screen_wait(
                ConfirmScreen(
                    f"{verb} spaces",
                    message,
                    items=[self._label(s) for s in eligible],
                    confirm=verb,
                    danger=action != "start",
                )
            )

        self.app.run_worker(confirm_then_act(), group="actions", exit_on_error=False)

    def start(self, space: Space) -> None:
        if self._refuse_read_only("starting spaces"):
            return
        if space.is_remote:
            self.app.notify(
                f"{space.name} lives in zone {space.zone}; start it from that zone's knot server.",
                title="Cannot start here",
                severity="warning",
            )
            return
        if space.state is not SpaceState.STOPPED:
            self.app.notify(
                f"{space.name} is {space.state_label.lower()}: only a stopped space can be started.",
                title="Cannot start",
                severity="warning",
            )
            return
        self._run(space, "starting", "start")

    def restart(self, space: Space) -> None:
        if self._refuse_read_only("restarting spaces"):
            return
        if space.state is not SpaceState.RUNNING:
            self.app.notify(
                f"{space.name} is {space.state_label.lower()}: only a running space can be restarted.",
                title="Cannot restart",
                severity="warning",
            )
            return
        self._run(space, "restarting", "restart")

    def stop(self, spaces: list[Space]) -> None:
        """Stop these spaces; asks first for several, or for someone else's."""
        if self._refuse_read_only("stopping spaces"):
            return
        stoppable = [s for s in spaces if s.state in (SpaceState.RUNNING, SpaceState.STARTING)]
        if not stoppable:
            names = ", ".join(s.name for s in spaces)
            self.app.notify(
                f"Nothing to stop: {names} is not running.", title="Cannot stop", severity="warning"
            )
            return
        ask = len(stoppable) > 1 or any(self._foreign(s) for s in stoppable)
        self._bulk(spaces, stoppable, "Stop", "stopping", "stop", "Their desktops and sessions end.", ask=ask)

    def delete(self, space: Space) -> None:
        if self._refuse_read_only("deleting spaces"):
            return
        if space.state is SpaceState.DELETING:
            self.app.notify(f"{space.name} is already being deleted.", title="Delete", severity="information")
            return
        if space.is_remote:
            self.app.notify(
                f"{space.name} lives in zone {space.zone}; knot deletes it only from that zone's server.",
                title="Cannot delete here",
                severity="warning",
            )
            return
        self.app.run_worker(self._delete(space), group="actions", exit_on_error=False)

    async def _delete(self, space: Space) -> None:
        running = space.state is not SpaceState.STOPPED
        if running:
            stop_first = await self.app.push_screen_wait(
                ConfirmScreen(
                    f"{space.name} is {space.state_label.lower()}",
                    "knot deletes only stopped spaces. Stop it now, then delete it when it has stopped?",
                    confirm="Stop, then delete",
                    danger=True,
                )
            )
            if not stop_first:
                return
        typed = await self.app.push_screen_wait(
            TypedConfirmScreen(
                f"Delete {self._label(space)}",
                "The space and its volumes (its home directory) are deleted. This cannot be undone.",
                space.name,
            )
        )
        if typed:
            await self._perform_delete(space, stop_first=running)

    async def _perform_delete(self, space: Space, *, stop_first: bool) -> None:
        """Delete (after stopping and waiting, if asked); a 423 offers to stop first."""
        if stop_first:
            if not await self._call(space, "stopping, then deleting", "stop", quiet_locked=True):
                return
            sid = space.space_id
            try:
                # Wait for knot's own word (the pending label goes with the first update after
                # the call), then for that word to be "stopped".
                await self.app.wait_until(
                    lambda: (
                        sid not in self.app.pending
                        and ((s := self.app.store.spaces.get(sid)) is None or s.state is SpaceState.STOPPED)
                    ),
                    timeout=STOP_WAIT,
                )
            except TimeoutError:
                self.app.clear_pending(space.space_id)
                self.app.notify(
                    f"{space.name} did not stop within {STOP_WAIT:.0f} s, so it was not deleted.",
                    title="Delete postponed",
                    severity="warning",
                )
                return
        try:
            await self._call(space, "deleting", "delete", raise_locked=True)
        except KnotLocked:
            again = await self.app.push_screen_wait(
                ConfirmScreen(
                    f"knot refused to delete {space.name}",
                    "It is running or changing state (knot answered 423). Stop it, then delete it?",
                    confirm="Stop, then delete",
                    danger=True,
                )
            )
            if again:
                await self._perform_delete(space, stop_first=True)

    # ---- plumbing --------------------------------------------------------------------

    def _label(self, space: Space) -> str:
        return (
            f"{space.username}/{space.name}"
            if self._foreign(space) or self.app.store.all_users
            else space.name
        )

    def _run(self, space: Space, pending: str, action: str) -> None:
        self.app.run_worker(self._call(space, pending, action), group="actions", exit_on_error=False)

    async def _call(
        self,
        space: Space,
        pending: str,
        action: str,
        *,
        raise_locked: bool = False,
        quiet_locked: bool = False,
    ) -> bool:
        """Call the API with a pending label on the row; explain failures. True on success."""
        app = self.app
        services = app.services
        if services is None:
            return False
        app.set_pending(space.space_id, pending)
        call = {
            "start": services.knot.start_space,
            "stop": services.knot.stop_space,
            "restart": services.knot.restart_space,
            "delete": services.knot.delete_space,
        }[action]
        try:
            await call(space.space_id)
        except KnotError as exc:
            app.clear_pending(space.space_id)
            if raise_locked and isinstance(exc, KnotLocked):
                raise
            if quiet_locked and isinstance(exc, KnotLocked):
                return True  # e.g. "cannot be stopped": it already is stopped or stopping
            app.report(exc, f"to {action} {space.name}")
            return False
        app.pending_done.add(space.space_id)
        return True


def can_see_everyone(app: KnotApp) -> bool:
    return app.store.can(Permission.MANAGE_SPACES)
