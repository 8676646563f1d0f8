"""A bounded log and the view of it the screen draws: filter, wrap, search, row lookups.

`LogBuffer` keeps at most `cap` lines (oldest dropped first) with O(1) index access.
`LogView` is what is on screen: every line, or only those matching a filter; with wrapping,
a line takes `ceil(cells / width)` rows and rows are found by bisection over cumulative
counts. Everything here is plain Python: 100,000 lines filter or re-wrap in tens of ms.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from knot_tui.logs.clean import cells, clean, strip_sgr

DEFAULT_CAP = 100_000

# knot's agent log lines start with a grey date: ESC[90m<02 Jan 06 15:04:05 MST>ESC[0m
_AGENT_STAMP = re.compile(r"^\x1b\[90m([^\x1b]{6,40})\x1b\[0m ")


def compact_after(size: int) -> int:
    """Dropped entries kept (as a moving head) before the list is compacted: an eighth of
    it, so evicted lines stay alive for at most 12.5 % more memory (was: as many as kept)."""
    return max(1024, size // 8)


class Line(NamedTuple):
    """One line (the buffer stores it as a plain tuple: see `LogBuffer`)."""

    seq: int  # position in the whole stream (survives eviction)
    text: str  # cleaned; SGR colour sequences kept; no timestamp prefix
    plain: str  # `text` without colours: what search, filter, save and copy see
    stamp: str = ""  # the line's own time (agent) or when it arrived (task output)
    cells: int = 0
    marker: bool = False  # a note from knot-tui ("reconnected…"), not from the source


def make_line(seq: int, raw: str, arrived: str = "", *, marker: bool = False) -> Line:
    """Clean one raw line; knot's agent date prefix becomes the stamp."""
    stamp = arrived
    match = _AGENT_STAMP.match(raw)
    if match:
        stamp = match.group(1)
        raw = raw[match.end() :]
    text = clean(raw)
    plain = strip_sgr(text)
    return Line(seq, text, plain, stamp, cells(plain), marker)


class LogBuffer:
    """The newest `cap` lines, indexable; `first_seq` is the oldest kept.

    Lines are kept as plain tuples of strings and numbers, which the garbage collector stops
    tracking; kept as objects, 100,000 of them made every full collection a 30-60 ms pause
    in the middle of a flood. `get` and iteration hand out `Line`s.
    """

    def __init__(self, cap: int = DEFAULT_CAP) -> None:
        self.cap = max(1, cap)
        self._lines: list[tuple[int, str, str, str, int, bool]] = []
        self._head = 0
        self.next_seq = 0
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._lines) - self._head

    def __iter__(self) -> Iterator[Line]:
        return map(Line._make, self._lines[self._head :])

    @property
    def first_seq(self) -> int:
        return self._lines[self._head][0] if len(self) else self.next_seq

    def get(self, seq: int) -> Line | None:
        index = seq - self.first_seq
        if 0 <= index < len(self):
            return Line._make(self._lines[self._head + index])
        return None

    def add(self, raw: Iterable[str], arrived: str = "", *, marker: bool = False) -> list[Line]:
        """Append lines; returns them. Evicts the oldest beyond the cap."""
        added = []
        for text in raw:
            line = make_line(self.next_seq, text, arrived, marker=marker)
            self.next_seq += 1
            added.append(line)
        self._lines.extend(map(tuple, added))
        excess = len(self) - self.cap
        if excess > 0:
            self._head += excess
            self.dropped += excess
            if self._head >= compact_after(self.cap):
                del self._lines[: self._head]  # evicted lines are freed only now
                self._head = 0
        return added


def matcher(query: str) -> re.Pattern[str] | None:
    """Case-insensitive unless the query has a capital (smart case); plain text, not regex."""
    if not query:
        return None
    flags = 0 if any(c.isupper() for c in query) else re.IGNORECASE
    return re.compile(re.escape(query), flags)


@dataclass
class LogView:
    """The lines on screen (all, or a filter's matches) and their rows."""

    buffer: LogBuffer
    width: int = 80
    wrap: bool = False
    filter: str = ""
    _seqs: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)  # cumulative rows (wrap only)
    _head: int = 0
    _row_base: int = 0
    _pattern: re.Pattern[str] | None = None

    # ---- building ------------------------------------------------------------------

    def rebuild(self) -> None:
        self._pattern = matcher(self.filter)
        self._seqs = [line.seq for line in self.buffer if self._keeps(line)]
        self._head = 0
        self._recount()

    def _keeps(self, line: Line) -> bool:
        return self._pattern is None or line.marker or bool(self._pattern.search(line.plain))

    def _rows_of(self, line: Line) -> int:
        if not self.wrap or line.cells <= self.width:
            return 1
        return -(-line.cells // max(1, self.width))

    def _recount(self) -> None:
        self._row_base = 0
        self._ends = []
        if self.wrap:
            total = 0
            get = self.buffer.get
            for seq in self._seqs[self._head :]:
                line = get(seq)
                total += self._rows_of(line) if line else 1
                self._ends.append(total)

    def set_width(self, width: int) -> bool:
        """True when the row layout changed."""
        width = max(1, width)
        if width == self.width:
            return False
        self.width = width
        if self.wrap:
            self._recount()
            return True
        return False

    def set_wrap(self, wrap: bool) -> None:
        self.wrap = wrap
        self._recount()

    def set_filter(self, query: str) -> None:
        self.filter = query
        self.rebuild()

    def added(self, lines: list[Line]) -> tuple[int, int]:
        """New lines were appended to the buffer (which may have evicted old ones):
        returns (rows removed at the top, rows added at the bottom)."""
        removed = self._forget_evicted()
        rows = 0
        for line in lines:
            if not self._keeps(line):
                continue
            self._seqs.append(line.seq)
            if self.wrap:
                n = self._rows_of(line)
                self._ends.append((self._ends[-1] if self._ends else self._row_base) + n)
                rows += n
            else:
                rows += 1
        return removed, rows

    def _forget_evicted(self) -> int:
        """Drop view entries whose lines left the buffer; returns the rows removed."""
        first = self.buffer.first_seq
        start = self._head
        seqs = self._seqs
        # Entries are in order: find the first still in the buffer.
        cut = bisect.bisect_left(seqs, first, lo=start)
        if cut == start:
            return 0
        removed_lines = cut - start
        if self.wrap:
            removed_rows = self._ends[removed_lines - 1] - self._row_base
            self._row_base = self._ends[removed_lines - 1]
            del self._ends[:removed_lines]
        else:
            removed_rows = removed_lines
        self._head = cut
        if self._head >= compact_after(len(seqs)):
            del seqs[: self._head]
            self._head = 0
        return removed_rows

    # ---- reading ---------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._seqs) - self._head

    @property
    def row_count(self) -> int:
        if not self.wrap:
            return self.line_count
        return (self._ends[-1] - self._row_base) if self._ends else 0

    def line(self, index: int) -> Line | None:
        """The index-th visible line."""
        if 0 <= index < self.line_count:
            return self.buffer.get(self._seqs[self._head + index])
        return None

    def locate(self, row: int) -> tuple[int, int]:
        """(visible line index, row within that line) for a row; (-1, 0) past the end."""
        if row < 0 or row >= self.row_count:
            return -1, 0
        if not self.wrap:
            return row, 0
        absolute = row + self._row_base
        index = bisect.bisect_right(self._ends, absolute)
        start = self._ends[index - 1] if index else self._row_base
        return index, absolute - start

    def first_row(self, index: int) -> int:
        """The first row of the index-th visible line."""
        if not self.wrap or index <= 0:
            return max(0, index)
        return self._ends[index - 1] - self._row_base

    def rows_of(self, index: int) -> int:
        line = self.line(index)
        return self._rows_of(line) if line else 0

    def lines(self, start: int = 0, stop: int | None = None) -> Iterator[Line]:
        stop = self.line_count if stop is None else min(stop, self.line_count)
        get = self.buffer.get
        for i in range(max(0, start), stop):
            line = get(self._seqs[self._head + i])
            if line is not None:
                yield line

    def find(self, query: str, start: int, *, forward: bool = True) -> int:
        """The next visible line index matching `query` from `start` (wrapping); -1 if none."""
        pattern = matcher(query)
        n = self.line_count
        if pattern is None or n == 0:
            return -1
        for step in range(n):
            index = (start + step) % n if forward else (start - step) % n
            line = self.line(index)
            if line is not None and pattern.search(line.plain):
                return index
        return -1
