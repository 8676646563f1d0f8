"""Read a pseudo-terminal's output and stamp it, in a process of its own.

`python -m bench.pty_tap FD` copies what arrives on FD to stdout as records of
`<float64 time.monotonic()><uint32 length><bytes>`. Stamping here, not in the benchmark's
process, keeps arrival times exact while the benchmark is busy emulating the terminal.
"""

from __future__ import annotations

import os
import queue
import struct
import sys
import threading
import time

HEADER = struct.Struct("<dI")


def main() -> None:
    fd = int(sys.argv[1])
    out = sys.stdout.buffer
    chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                chunks.put(None)
                return
            chunks.put(HEADER.pack(time.monotonic(), len(chunk)) + chunk)

    threading.Thread(target=read, daemon=True).start()
    while (record := chunks.get()) is not None:
        out.write(record)
        out.flush()


if __name__ == "__main__":
    main()
