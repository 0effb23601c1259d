"""One patient's treatment visit, and the parsers shared by the CLI and schedules.

Times and dates arrive as text typed at a front desk or exported by a scheduling
system; the parsers accept the common forms and reject anything ambiguous, because
a wrong time printed on a "do not drive until" line is worse than no packet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from unicodedata import normalize

from packets.errors import PacketsError

_TIME_24 = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TIME_12 = re.compile(r"^(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*([AaPp])\.?\s*[Mm]\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_SESSION = re.compile(r"^(\d{1,2})(?:\s*(?:/|of)\s*(\d{1,2}))?$")


class InputError(PacketsError):
    """A value typed by a person (CLI option or schedule cell) is not usable."""


def parse_time(text: str) -> time:
    """``14:30``, ``2:30 PM``, ``2 pm``. Raises ``InputError``."""
    value = text.strip()
    if m := _TIME_24.match(value):
        return time(int(m[1]), int(m[2]))
    if m := _TIME_12.match(value):
        hour = int(m[1]) % 12 + (12 if m[3].lower() == "p" else 0)
        return time(hour, int(m[2] or 0))
    raise InputError(f"time {text!r} is not a time. Use 24-hour 14:30 or 2:30 PM.")


def parse_date(text: str) -> date:
    """``2026-11-21`` or ``11/21/2026`` (US month first). Raises ``InputError``."""
    value = text.strip()
    try:
        if m := _DATE_ISO.match(value):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DATE_US.match(value):
            return date(int(m[3]), int(m[1]), int(m[2]))
    except ValueError:
        raise InputError(f"date {text!r} does not exist. Check the month and day.") from None
    raise InputError(f"date {text!r} is not a date. Use 2026-11-21 or 11/21/2026.")


def parse_datetime(text: str) -> datetime:
    """A date and a time separated by a space or ``T``: ``2026-11-24 10:00``."""
    value = text.strip().replace("T", " ", 1)
    if " " not in value:
        raise InputError(f"{text!r} needs a date and a time, like 2026-11-24 10:00.")
    day, clock = value.split(" ", 1)
    return datetime.combine(parse_date(day), parse_time(clock))


def parse_session(text: str) -> tuple[int, int | None]:
    """``3/6``, ``3 of 6`` or ``3``: treatment number and series length."""
    if not (m := _SESSION.match(text.strip())):
        raise InputError(f"session {text!r} is not a session number. Use 3 or 3/6.")
    n, total = int(m[1]), int(m[2]) if m[2] else None
    if n < 1 or (total is not None and not 1 <= n <= total):
        raise InputError(f"session {text!r} is out of range. The number must be between 1 and the series length.")
    return n, total


@dataclass(frozen=True)
class Visit:
    """What the packet needs to know about one patient and one treatment."""

    name: str
    treatment: str
    when: datetime
    date_of_birth: date | None = None
    mrn: str | None = None
    session: int | None = None
    series_length: int | None = None
    escort: str | None = None
    next_visit: datetime | None = None
    provider: str | None = None
    language: str | None = None
    large_print: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("patient name is empty. Type the patient's name.")
        if len(self.name) > 120:
            raise InputError("patient name is longer than 120 characters. Shorten it.")

    @property
    def initials(self) -> str:
        return initials(self.name)


def initials(name: str) -> str:
    """Up to three letters for file names and logs, never the full name."""
    letters = [w[0] for w in re.findall(r"\w+", name) if w[0].isalpha()]
    if not letters:
        return "XX"
    picked = letters[:1] + letters[1:][-2:] if len(letters) > 3 else letters
    ascii_only = normalize("NFKD", "".join(picked)).encode("ascii", "ignore").decode()
    return (ascii_only or "XX").upper()
