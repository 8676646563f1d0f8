"""knot's SSH proxy (`/proxy/spaces/<name>/ssh/`): bytes in binary WebSocket frames.

`bridge` joins it to any pair of async byte streams; `forward_stdio` joins it to this
process's stdin/stdout, which is what an ssh `ProxyCommand` needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from knot_tui.knot.connection import Connection
from knot_tui.knot.websocket import open_websocket

_REFUSALS = {
    400: ("That is not a valid space name", "Space names are letters, digits and '-'."),
    401: (
        "No permission to use SSH: the token was refused",
        "Sign in again or run `knot connect`.",
    ),
    403: ("No permission to use SSH", "Ask an admin to grant the Use SSH permission."),
    404: (
        "Space not found, or its SSH server is not running",
        "Check the name (yours or shared with you) and that the space runs with SSH enabled.",
    ),
}


async def open_ssh_socket(connection: Connection, space_name: str) -> ClientConnection:
    return await open_websocket(
        connection, f"/proxy/spaces/{space_name}/ssh/", action="ssh", refusals=_REFUSALS
    )


async def bridge(
    ws: ClientConnection,
    read: Callable[[], Awaitable[bytes]],
    write: Callable[[bytes], Awaitable[None]],
) -> str:
    """Copy `read()` chunks to binary frames and binary frames to `write` until either ends.

    Returns "local" when our side closed first, "remote" when the server did.
    """

    async def upstream() -> str:
        while chunk := await read():
            await ws.send(chunk)
        return "local"

    async def downstream() -> str:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                if isinstance(frame, bytes):  # knot ignores (and sends no) text frames
                    await write(frame)
        return "remote"

    tasks = [asyncio.ensure_future(upstream()), asyncio.ensure_future(downstream())]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    with contextlib.suppress(Exception):
        await ws.close()
    result = next(iter(done))
    try:
        return result.result()
    except (ConnectionClosed, OSError):
        return "remote"


async def forward_stdio(connection: Connection, space_name: str) -> str:
    """Bridge stdin/stdout to the space's SSH server (the ssh ProxyCommand)."""
    ws = await open_ssh_socket(connection, space_name)
    loop = asyncio.get_running_loop()
    stdin_fd = sys.stdin.fileno()
    stdout_fd = sys.stdout.fileno()
    chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=64)

    def pump() -> None:
        # A daemon thread: a read blocked on stdin must never keep the process alive.
        while True:
            try:
                data = os.read(stdin_fd, 65536)
            except OSError:
                data = b""
            try:
                asyncio.run_coroutine_threadsafe(chunks.put(data), loop).result()
            except (RuntimeError, asyncio.CancelledError):
                return  # the event loop is gone: the bridge has ended
            if not data:
                return

    threading.Thread(target=pump, name="stdin-pump", daemon=True).start()

    async def read() -> bytes:
        return await chunks.get()

    async def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = await loop.run_in_executor(None, os.write, stdout_fd, view)
            view = view[written:]

    return await bridge(ws, read, write)
