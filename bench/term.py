"""A program in a pseudo-terminal, its output read into a `pyte` screen as it arrives.

Everything the benchmarks time is seen from outside the app, as a user would: keys are bytes
written to the terminal, and a change counts once the bytes that draw it have arrived.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyte

#: Bytes for the keys the benchmarks press.
KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "backspace": b"\x7f",
    "tab": b"\t",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
}


class Timeout(Exception):
    """The screen never showed what was awaited."""


class Terminal:
    """Run `argv` in a pty of `cols` x `rows`; `wait_for` returns when the screen matches."""

    def __init__(
        self,
        argv: Sequence[str],
        env: dict[str, str],
        *,
        cols: int = 120,
        rows: int = 36,
        cwd: Path | None = None,
    ) -> None:
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._cond = threading.Condition()
        self._pending: list[tuple[float, bytes]] = []
        self._closed = False
        self.bytes_read = 0
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._fd = master
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        #: Arrival time of the chunk last fed to the screen.
        self.fed_at = self.started

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except OSError:
                chunk = b""
            now = time.perf_counter()
            with self._cond:
                if not chunk:
                    self._closed = True
                    self._cond.notify_all()
                    return
                self.bytes_read += len(chunk)
                self._pending.append((now, chunk))
                self._cond.notify_all()

    def _feed(self) -> bool:
        """Feed what has arrived to the screen (caller holds the lock); True if anything was."""
        if not self._pending:
            return False
        pending, self._pending = self._pending, []
        for stamp, chunk in pending:
            self.stream.feed(chunk)
            self.fed_at = stamp
        return True

    def text(self) -> str:
        with self._cond:
            self._feed()
            return "\n".join(self.screen.display)

    def wait_for(self, test: str | re.Pattern[str] | Callable[[str], bool], timeout: float = 30.0) -> float:
        """Wait until the screen shows `test`; return when the bytes that drew it arrived.

        Arrivals are fed chunk by chunk while testing, so the time is that of the first chunk
        after which the screen matched, not of the wakeup.
        """
        check = _checker(test)
        deadline = time.perf_counter() + timeout
        with self._cond:
            while True:
                if check("\n".join(self.screen.display)):
                    return self.fed_at
                if self._pending:
                    stamp, chunk = self._pending.pop(0)
                    self.stream.feed(chunk)
                    self.fed_at = stamp
                    continue
                if self._closed:
                    raise Timeout(f"the program ended before the screen showed {test!r}")
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise Timeout(f"the screen did not show {test!r} in {timeout} s")
                self._cond.wait(left)

    def drain(self) -> None:
        """Feed everything that has arrived so far (before timing a key)."""
        with self._cond:
            self._feed()

    def press(self, *keys: str) -> float:
        """Write the keys; return the time just before the write."""
        data = b"".join(KEYS.get(k, k.encode()) for k in keys)
        self.drain()
        now = time.perf_counter()
        os.write(self._fd, data)
        return now

    def type(self, text: str) -> None:
        os.write(self._fd, text.encode())

    def close(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(2)
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _checker(test: str | re.Pattern[str] | Callable[[str], bool]) -> Callable[[str], bool]:
    if isinstance(test, str):
        return lambda screen: test in screen
    if isinstance(test, re.Pattern):
        return lambda screen: test.search(screen) is not None
    return test


# ---- process figures (Linux /proc) ---------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
