"""Raw CSV records, read so that one broken row never costs the rows after it.

Python's csv reader, given a quote that opens a cell and never closes, folds every
later row into that one cell: the patients below silently get nothing. This reader
works line by line: a quoted cell may span a few lines only when the result is a
whole row that swallows no other row; otherwise the row where the quote opened is
reported broken and reading resumes on the next line. It knows nothing about
columns (``columns.csv_records`` maps them) and works with any delimiter.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packets.visits.readers.records import ScheduleError

MAX_BYTES = 5_000_000
MAX_ROWS = 5_000  # a very busy clinic day is a few hundred; more is a wrong export
MAX_CELL = 500  # characters; no schedule value is longer, and errors stay short
MAX_SPAN = 10  # lines a quoted cell may span before it counts as never closed
MAX_ROW_CHARS = 20_000


@dataclass(frozen=True)
class CsvRecord:
    """One CSV record: its row number, first line, and cells or why it cannot be used."""

    number: int  # row as a spreadsheet numbers it (a multi-line cell is still one row)
    line: int  # the physical line where the row starts
    cells: list[str]  # best effort when ``problem`` is set (for initials and time)
    problem: str | None = None


def read_text(path: Path) -> str:
    """The schedule file as text: a regular file of at most ``MAX_BYTES``, UTF-8 (a BOM is fine).

    The size is checked before reading, and a pipe or device is refused without
    waiting for it (``/dev/zero`` or a FIFO would otherwise never end).
    """
    try:  # non-blocking: opening a pipe must not wait for a writer before it is refused
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScheduleError(f"{path}: cannot read the schedule ({exc.strerror}).") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ScheduleError(f"{path}: not a regular file (a device, folder or pipe). Give the file your scheduling system exported.")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_BYTES:
            raise ScheduleError(f"{path}: the schedule is over {MAX_BYTES // 1_000_000} MB. Split it by day.")
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # the file grew while it was read
        raise ScheduleError(f"{path}: the schedule is over {MAX_BYTES // 1_000_000} MB. Split it by day.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScheduleError(f"{path}:{line}: the schedule is not UTF-8. Save it as 'CSV UTF-8' from your spreadsheet.") from None


def _physical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines, line endings kept (a lone CR ends a line too)."""
    yield from enumerate(re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text), 1)


def _ends_inside_quotes(text: str, delimiter: str = ",") -> bool:
    """True if ``text`` ends inside a quoted cell, read the way the csv module reads it."""
    if '"' not in text:
        return False
    inside, at_start, i = False, True, 0
    while i < len(text):
        char = text[i]
        if inside:
            if char == '"':
                if text[i + 1:i + 2] == '"':
                    i += 1  # "" is a quote inside the cell
                else:
                    inside = False
        elif char == '"' and at_start:
            inside = True
        at_start = not inside and (char == delimiter or char in "\r\n")
        i += 1
    return inside


def _cells(text: str, delimiter: str = ",") -> list[str]:
    """Best-effort cells of one line, for a row that is reported as broken (initials, time)."""
    return [cell.strip().strip('"') for cell in text.rstrip("\r\n").split(delimiter)]


def _swallowed_rows(lines: list[str], width: int, delimiter: str = ",") -> bool:
    """A line inside a quoted cell that has a whole row's cells is a row the quote swallowed."""
    return width > 1 and any(len(_cells(line, delimiter)) >= width for line in lines)


UNCLOSED_QUOTE = ('a quote (") opens a cell in this row and is not closed on the same line, so the cell would run '
                  'into the rows below. Remove the stray quote, or close it; a quote inside a value is written "".')
BAD_QUOTE = ('a quote (") in this row is not where CSV allows one. Put the whole cell in quotes and write a quote '
             'inside it as "".')


def _parse_record(text: str, first_line: str, delimiter: str = ",") -> tuple[list[str], str | None]:
    """Cells of one record, or best-effort cells of its first line and what is wrong."""
    if len(text) > MAX_ROW_CHARS:
        return _cells(first_line[:MAX_ROW_CHARS], delimiter), (f"this row is {len(text):,} characters long; "
                                                               f"a schedule row is at most {MAX_ROW_CHARS:,}.")
    if "\x00" in text:  # the csv module stops at NUL; say what it is
        return _cells(first_line.replace("\x00", ""), delimiter), ("this row holds a NUL byte (U+0000) "
                                                         f"at character {text.index(chr(0)) + 1}; "
                                                         "the file may not be a CSV export. Export the schedule again.")
    try:
        parsed = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return _cells(first_line, delimiter), UNCLOSED_QUOTE if "end of data" in str(exc) else BAD_QUOTE
    return (parsed[0] if parsed else []), None


def read_records(path: Path, text: str, delimiter: str = ",") -> Iterator[CsvRecord]:
    """Every CSV record of the file, numbered as a spreadsheet numbers rows.

    Raises ``ScheduleError`` only for the file as a whole (unreadable, too big, not
    UTF-8, over ``MAX_ROWS`` rows); a broken row is yielded with its ``problem``.
    The first record with any text is the header: a multi-line cell is accepted only
    when its record has the header's number of cells and swallows no row.
    """
    lines = _physical_lines(text)
    retry: deque[tuple[int, str]] = deque()
    number, width, rows = 0, 0, 0
    while (first := retry.popleft() if retry else next(lines, None)) is not None:
        number += 1
        problem: str | None
        pending = [first]
        text = first[1]
        while _ends_inside_quotes(text, delimiter) and len(pending) < MAX_SPAN and len(text) <= MAX_ROW_CHARS:
            if (more := retry.popleft() if retry else next(lines, None)) is None:
                break
            pending.append(more)
            text += more[1]
        if len(pending) > 1 and (len(text) > MAX_ROW_CHARS or _ends_inside_quotes(text, delimiter)):
            cells, problem = _cells(first[1][:MAX_ROW_CHARS], delimiter), UNCLOSED_QUOTE
        else:
            cells, problem = _parse_record(text, first[1], delimiter)
        if len(pending) > 1 and (problem or len(cells) != width or _swallowed_rows([t for _, t in pending[1:]], width, delimiter)):
            cells, problem = _cells(first[1][:MAX_ROW_CHARS], delimiter), UNCLOSED_QUOTE  # reported where the quote opened
        if problem is not None and len(pending) > 1:
            retry.extendleft(reversed(pending[1:]))  # the lines after the opening one are rows of their own
        if any(cell.strip() for cell in cells) or problem:
            if width == 0:
                width = len(cells)
            else:
                rows += 1
                if rows > MAX_ROWS:
                    raise ScheduleError(f"{path}: the schedule has more than {MAX_ROWS:,} rows. Split it by day "
                                        "(a packet run is one day of one clinic).")
        yield CsvRecord(number, first[0], cells, problem)


