"""Run the simulator on its own event loop in a background thread.

`knot-tui --demo` and the tests use this: the app and the simulator then share nothing but
sockets, as they would with a real server, and a busy simulator cannot stall the UI loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from knot_tui.sim.server import Simulator, SimulatorOptions

T = TypeVar("T")


class SimulatorThread:
    def __init__(self, options: SimulatorOptions | None = None) -> None:
        self.options = options or SimulatorOptions()
        self.loop = asyncio.new_event_loop()
        self.sim = Simulator(self.options)
        self._thread = threading.Thread(target=self._run, name="knot-tui-sim", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        try:
            await self.sim.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.sim.stop()

    def start(self, timeout: float = 30.0) -> Simulator:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the simulator did not start in time")
        if self._error is not None:
            raise self._error
        return self.sim

    def call(self, fn: Callable[[], Coroutine[Any, Any, T]], timeout: float = 30.0) -> T:
        """Run `fn()` on the simulator's loop and wait for its result (tests poke the world)."""
        return asyncio.run_coroutine_threadsafe(fn(), self.loop).result(timeout)

    def run_sync(self, fn: Callable[[], T], timeout: float = 30.0) -> T:
        """Run a plain function on the simulator's loop (world changes must happen there)."""

        async def wrapper() -> T:
            return fn()

        return self.call(wrapper, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self._stop is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
