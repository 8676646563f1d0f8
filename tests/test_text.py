"""Server strings cannot drive the terminal; knot's colours survive where we want them."""

from __future__ import annotations

from knot_tui.text import ansi_colours_only, plain


def test_plain_strips_every_escape_and_control() -> None:
    hostile = "desk\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\x00\x08\r\nnext\x9b1m"
    assert plain(hostile) == "deskred next1m"


def test_colours_survive_other_escapes_do_not() -> None:
    line = "\x1b[90m02 Jan 26\x1b[0m \x1b[92mINF\x1b[0m hello\x1b[2J\x1b]52;c;AAAA\x07 \x1b[10;10Hx"
    assert ansi_colours_only(line) == "\x1b[90m02 Jan 26\x1b[0m \x1b[92mINF\x1b[0m hello x"
