"""Text hygiene for anything a server sends that we show or log.

Server-supplied strings (names, descriptions, error bodies, Nomad events) must not be able
to move the cursor, retitle the terminal or hide text. `plain` removes every control and
escape sequence; `ansi_colours_only` keeps SGR colour sequences (knot's own log colours)
and drops the rest.
"""

from __future__ import annotations

import re

# CSI ... final byte, OSC ... BEL/ST, other two-byte ESC sequences, lone ESC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC
    r"|\x1b[@-Z\\-_]"  # Fe two-byte
    r"|\x1b"
)
_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_C0_C1 = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every escape sequence and control character removed."""
    text = _ESCAPES.sub("", text)
    if keep_newlines:
        return _C0_C1.sub("", text.replace("\r\n", "\n"))
    return _C0_C1.sub("", text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def ansi_colours_only(text: str) -> str:
    """Keep SGR colour sequences, drop every other escape and control character."""
    out: list[str] = []
    pos = 0
    for match in _ESCAPES.finditer(text):
        out.append(_C0_C1.sub("", text[pos : match.start()].replace("\t", "    ")))
        if _SGR.fullmatch(match.group(0)):
            out.append(match.group(0))
        pos = match.end()
    out.append(_C0_C1.sub("", text[pos:].replace("\t", "    ")))
    return "".join(out)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
