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
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyte

from bench.pty_tap import HEADER

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
        transcript: bool = False,
    ) -> None:
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._cond = threading.Condition()
        self._pending: list[tuple[float, bytes]] = []
        #: How many of `_pending` `wait_for_bytes` has looked at, and the bytes it keeps to
        #: find a needle split across chunks.
        self._scanned = 0
        self._tail = b""
        self._closed = False
        self.bytes_read = 0
        #: Every byte the program wrote, when asked for (tests of what reaches a terminal).
        self.transcript: bytearray | None = bytearray() if transcript else None
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.monotonic()
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
        # Arrival times are stamped by a helper process (bench/pty_tap.py): this process is
        # busy emulating the terminal, and a thread here would wait for the GIL to stamp.
        self._tap = subprocess.Popen(
            [sys.executable, "-m", "bench.pty_tap", str(master)],
            stdout=subprocess.PIPE,
            pass_fds=(master,),
            cwd=Path(__file__).resolve().parent.parent,
        )
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        #: Arrival time of the chunk last fed to the screen.
        self.fed_at = self.started

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self._tap.stdout is not None
        pipe = self._tap.stdout
        while True:
            header = pipe.read(HEADER.size)
            chunk = b""
            if len(header) == HEADER.size:
                stamp, size = HEADER.unpack(header)
                chunk = pipe.read(size)
            with self._cond:
                if not chunk:
                    self._closed = True
                    self._cond.notify_all()
                    return
                self.bytes_read += len(chunk)
                if self.transcript is not None:
                    self.transcript += chunk
                self._pending.append((stamp, chunk))
                self._cond.notify_all()

    def _feed(self) -> bool:
        """Feed what has arrived to the screen (caller holds the lock); True if anything was."""
        if not self._pending:
            return False
        pending, self._pending = self._pending, []
        self._scanned = 0
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
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if check("\n".join(self.screen.display)):
                    return self.fed_at
                if self._pending:
                    stamp, chunk = self._pending.pop(0)
                    self._scanned = max(0, self._scanned - 1)
                    self.stream.feed(chunk)
                    self.fed_at = stamp
                    continue
                if self._closed:
                    raise Timeout(f"the program ended before the screen showed {test!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout(f"the screen did not show {test!r} in {timeout} s")
                self._cond.wait(left)

    def wait_for_bytes(self, needle: bytes, timeout: float = 30.0) -> float:
        """Wait until `needle` arrives in the raw output (after the last `press`); return when.

        Cheaper than `wait_for` (no terminal emulation on the way), for texts the app draws
        in one run, such as a title; later `wait_for` calls still see every byte.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for stamp, chunk in self._pending[self._scanned :]:
                    self._tail = (self._tail + chunk)[-(len(needle) + len(chunk)) :]
                    self._scanned += 1
                    if needle in self._tail:
                        self._tail = b""
                        return stamp
                if self._closed:
                    raise Timeout(f"the program ended before it wrote {needle!r}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout(f"the program did not write {needle!r} in {timeout} s")
                self._cond.wait(left)

    def drain(self) -> None:
        """Feed everything that has arrived so far (before timing a key)."""
        with self._cond:
            self._feed()

    def skip(self) -> None:
        """Forget what has arrived without emulating it (the screen model goes stale: use
        only `wait_for_bytes` afterwards). For floods of output the emulator cannot keep up
        with, where emulating would steal the CPU the app is being measured on."""
        with self._cond:
            self._pending.clear()
            self._scanned = 0
            self._tail = b""

    def press(self, *keys: str, emulate: bool = True) -> float:
        """Write the keys; return the time just before the write."""
        data = b"".join(KEYS.get(k, k.encode()) for k in keys)
        if emulate:
            self.drain()
        else:
            self.skip()
        self._tail = b""
        now = time.monotonic()
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
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._tap.kill()
        self._tap.wait()
        self._reader.join(2)

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
