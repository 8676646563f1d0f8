"""Make any bytes safe to draw: colours kept, every other control sequence made inert.

Task output is arbitrary: cursor movement, screen clears, OSC titles and hyperlinks, bells,
NULs and invalid UTF-8 must not reach the terminal or confuse the layout. knot's agent log
is ANSI-coloured on purpose, and program output often is too, so SGR sequences (`ESC[...m`)
survive; everything else is dropped (escape sequences) or shown as a visible symbol
(other control characters, e.g. NUL as ␀).
"""

from __future__ import annotations

import re

from rich.cells import cell_len

#: Lines longer than this are cut (the rest is counted, not kept).
MAX_LINE = 1_000_000

_SGR = re.compile(r"\x1b\[[0-9;:]*m")
_SGR_SPLIT = re.compile(r"(\x1b\[[0-9;:]*m)")
# CSI (any final byte), OSC (ended by BEL or ST), other two-byte escapes, 8-bit CSI/OSC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL|ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS/SOS/PM/APC ... ST
    r"|\x1b[ -/]*[0-~]?"  # other ESC sequences (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
# After the escapes pass, ESC survives only inside SGR sequences: leave it alone.
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f\x80-\x9f]")
_TAB = 4


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ ␁ ... (control pictures)
    if code == 0x7F:
        return "␡"
    return "�"


def clean(text: str) -> str:
    """Keep SGR colour sequences; drop other escapes; make control characters visible."""
    if len(text) > MAX_LINE:
        text = text[:MAX_LINE] + f"… [{len(text) - MAX_LINE:,} more characters not shown]"
    if "\x1b" in text or "\x9b" in text:
        kept: list[str] = []
        pos = 0
        for match in _ESCAPES.finditer(text):
            segment = text[pos : match.start()]
            kept.append(segment)
            if _SGR.fullmatch(match.group()):
                kept.append(match.group())
            pos = match.end()
        kept.append(text[pos:])
        text = "".join(kept)
    if "\t" in text:
        text = _expand_tabs(text)
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(_picture, text)
    return text


def _expand_tabs(text: str) -> str:
    """Tabs to spaces, counting only visible characters (not colour sequences)."""
    if "\x1b" not in text:
        return text.expandtabs(_TAB)
    out: list[str] = []
    column = 0
    for i, part in enumerate(_SGR_SPLIT.split(text)):
        if i % 2:  # a colour sequence
            out.append(part)
            continue
        for ch in part:
            if ch == "\t":
                pad = _TAB - column % _TAB
                out.append(" " * pad)
                column += pad
            else:
                out.append(ch)
                column += 1
    return "".join(out)


def strip_sgr(text: str) -> str:
    """The text without colour sequences (for search, filters, saving and copying)."""
    return _SGR.sub("", text) if "\x1b" in text else text


def cells(plain: str) -> int:
    """Terminal cells the plain text takes (fast for ASCII)."""
    return len(plain) if plain.isascii() else cell_len(plain)
