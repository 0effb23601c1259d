"""Dates and times as scheduling systems export them, read without guessing.

``05/06/2026`` is 6 May in Chicago and 5 June in Berlin, so a date whose day and
month could be swapped is read only in the order the clinic states
(``schedule.date_order``) or that the file itself proves (another date in it whose
first or second number is over 12). A cell with a date but no time is an error: a
printed "do not drive until" time must come from the schedule, never a default.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, time
from typing import Iterable
from zoneinfo import ZoneInfo

from packets.visits.model import InputError, parse_time

DateOrder = str  # "MDY", "DMY" or "YMD"

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_SECONDS = re.compile(r"^(\d{1,2}:\d{2}):\d{2}(?:\.\d+)?(\s*[AaPp]\.?\s*[Mm]\.?)?$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def date_order_votes(texts: Iterable[str]) -> Counter:
    """Which order the file's unambiguous numeric dates prove: ``{"MDY": n, "DMY": m}``."""
    votes: Counter = Counter()
    for text in texts:
        head = text.strip().replace("T", " ", 1).split(" ", 1)[0]
        if m := _NUMERIC.match(head):
            first, second = int(m[1]), int(m[2])
            if first > 12 >= second:
                votes["DMY"] += 1
            elif second > 12 >= first:
                votes["MDY"] += 1
    return votes


def parse_day(text: str, order: DateOrder | None) -> date:
    """``2026-11-21`` always; ``21/11/2026`` or ``11/21/2026`` by ``order``; raises ``InputError``."""
    value = text.strip()
    try:
        if m := _ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.match(value):
            if len(m[3]) == 2:
                raise InputError(f"date {text!r} has a two-digit year. Export dates with the year in full (2026).")
            first, second, year = int(m[1]), int(m[2]), int(m[3])
            if order == "YMD":
                raise InputError(f"date {text!r} is not year-month-day as schedule.date_order says.")
            if order is None:
                if first <= 12 and second <= 12 and first != second:
                    raise InputError(
                        f"date {text!r}: the day and month could be either way round. "
                        "Set schedule.date_order (MDY or DMY) in clinic.yaml."
                    )
                order = "DMY" if first > 12 else "MDY"
            month, day = (first, second) if order == "MDY" else (second, first)
            return date(year, month, day)
    except ValueError:
        raise InputError(f"date {text!r} does not exist. Check the month and day.") from None
    raise InputError(f"date {text!r} is not a date. Use 2026-11-21 or the export's own form, like 11/21/2026.")


def parse_clock(text: str) -> time:
    """``14:30``, ``2:30 PM``, and the same with seconds (``9:30:00 AM``), which are dropped."""
    value = text.strip()
    if m := _SECONDS.match(value):
        value = m[1] + (m[2] or "")
    return parse_time(value)


def parse_moment(text: str, order: DateOrder | None, zone: ZoneInfo | None) -> datetime:
    """One cell holding date and time (``10/06/2025 12:00``, ``2026-11-21T09:30:00-08:00``), as clinic time.

    A time with a UTC offset is converted to the clinic's ``zone`` (required then);
    a cell with only a date is an error, never midnight.
    """
    value = text.strip()
    if _ISO_MOMENT.match(value):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{text!r} is not a date and time, like 2026-11-21T09:30.") from None
        if moment.tzinfo is not None:
            if zone is None:
                raise InputError(f"{text!r} has a UTC offset; set schedule.time_zone in clinic.yaml so it can be shown as clinic time.")
            moment = moment.astimezone(zone).replace(tzinfo=None)
        return moment.replace(second=0, microsecond=0)
    parts = value.split(None, 1)
    if len(parts) < 2:
        raise InputError(f"{text!r} has a date but no time. Export the appointment's start time with its date.")
    return datetime.combine(parse_day(parts[0], order), parse_clock(parts[1]))


def local_moment(moment: datetime, zone: ZoneInfo | None) -> datetime:
    """An exported instant as the clinic's wall-clock time; naive times are already clinic time."""
    if moment.tzinfo is None:
        return moment
    if zone is None:
        raise InputError("the start time has a UTC offset; set schedule.time_zone in clinic.yaml so it can be shown as clinic time.")
    return moment.astimezone(zone).replace(tzinfo=None)
