"""One patient's treatment visit, and the parsers shared by the CLI and schedules.

Times and dates arrive as text typed at a front desk or exported by a scheduling
system; the parsers accept the common forms and reject anything ambiguous, because
a wrong time printed on a "do not drive until" line is worse than no packet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from unicodedata import normalize

from packets.assets.fonts import undrawable_problem
from packets.config.loading import LoadedClinic
from packets.content.shared import available_languages
from packets.errors import PacketsError
from packets.textsafety import unsafe_problem
from packets.visits.readers.languages import language_code as language_tag

_TIME_24 = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TIME_12 = re.compile(r"^(1[0-2]|0?[1-9])(?::([0-5]\d))?\s*([AaPp])\.?\s*[Mm]\.?$")
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


def parse_session(text: str) -> tuple[int, int | None]:
    """``3/6``, ``3 of 6`` or ``3``: treatment number and series length."""
    if not (m := _SESSION.match(text.strip())):
        raise InputError(f"session {text!r} is not a session number. Use 3 or 3/6.")
    n, total = int(m[1]), int(m[2]) if m[2] else None
    if n < 1 or (total is not None and not 1 <= n <= total):
        raise InputError(f"session {text!r} is out of range. The number must be between 1 and the series length.")
    return n, total


class VisitError(InputError):
    """A visit breaks a rule; ``field`` is the schedule column (and CLI option) at fault."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


# The range a treatment date may take. Anything outside is a typo (and dates near
# year 9999 would overflow when the packet adds days to them).
FIRST_YEAR, LAST_YEAR = 2000, 2099
OLDEST_BIRTH_YEAR = 1900
NEXT_VISIT_MAX_DAYS = 366
DOSE_ENDED_MAX = timedelta(hours=12)
MAX_NAME = 120
MAX_FIELD = 120
MAX_SESSIONS = 99


@dataclass(frozen=True)
class Visit:
    """What the packet needs to know about one patient and one treatment.

    Every rule about a visit is checked here, once, so ``render``, ``batch``,
    ``preview`` and any later entry point refuse the same things with the same
    words: the CLI and schedule readers only turn text into values.
    """

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
    # When the dose really ended (the front desk knows it at discharge): "until" times then
    # count from it exactly; without it they count from ``when`` plus the treatment's
    # dose_minutes and say "about".
    dose_ended: datetime | None = None
    # The day the packet prints (default: the day it is rendered). A packet printed on
    # another day than its dose names the dose's day instead of saying "Today".
    printed_on: date | None = None
    # The family name as the schedule gave it apart (FHIR family, HL7 PID-5.1, a CSV's
    # last-name column), so the footer can shorten the name the way its owner does.
    family_name: str | None = None
    # The schedule's FHIR reference to the patient (``Patient/123``): the chart outbox files
    # the packet under it (``packets.chart``). Never printed.
    patient_reference: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise VisitError("patient_name", "empty. Type the patient's name.")
        if len(self.name) > MAX_NAME:
            raise VisitError("patient_name", f"longer than {MAX_NAME} characters. Shorten it.")
        for field, value in (("mrn", self.mrn), ("escort_name", self.escort), ("provider", self.provider)):
            if value is not None and len(value) > MAX_FIELD:
                raise VisitError(field, f"longer than {MAX_FIELD} characters. Shorten it.")
        for field, value in (("patient_name", self.name), ("escort_name", self.escort), ("provider", self.provider), ("mrn", self.mrn)):
            if problem := unsafe_problem(value):  # a text-direction or control character would make the paper lie
                raise VisitError(field, problem)
            if problem := undrawable_problem(value):
                raise VisitError(field, problem)
        day = self.when.date()
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise VisitError("date", f"{day.isoformat()} is not a treatment date this tool prints for ({FIRST_YEAR} to {LAST_YEAR}). "
                             "Check the year.")
        if self.date_of_birth is not None:
            if self.date_of_birth >= day:
                raise VisitError("date_of_birth", "is not before the treatment date. Check the year.")
            if self.date_of_birth.year < OLDEST_BIRTH_YEAR:
                raise VisitError("date_of_birth", f"is before {OLDEST_BIRTH_YEAR}. Check the year.")
        if self.dose_ended is not None and not self.when <= self.dose_ended <= self.when + DOSE_ENDED_MAX:
            raise VisitError("dose_ended", "is not between the appointment time and 12 hours after it. Check the time.")
        if self.next_visit is not None:
            if self.next_visit <= self.when:
                raise VisitError("next_appointment", "is not after this treatment. Check the date.")
            if (self.next_visit.date() - day).days > NEXT_VISIT_MAX_DAYS:
                raise VisitError("next_appointment", "is more than a year after this treatment. Check the year.")
        if self.series_length is not None and not 1 <= self.series_length <= MAX_SESSIONS:
            raise VisitError("series_length", f"{self.series_length} is not a number from 1 to {MAX_SESSIONS}.")
        if self.session is not None:
            if not 1 <= self.session <= MAX_SESSIONS:
                raise VisitError("session_number", f"{self.session} is not a number from 1 to {MAX_SESSIONS}.")
            if self.series_length is not None and self.session > self.series_length:
                raise VisitError("session_number", f"{self.session} is more than the series length {self.series_length}.")

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


def treatment_kind(text: str, loaded: LoadedClinic) -> str:
    """The clinic's treatment key for ``text``: the key itself (``IM ketamine`` works) or the clinic's own label."""
    offered = list(loaded.clinic.treatments)
    if not text.strip():
        raise VisitError("treatment", f"empty. Use one of: {', '.join(offered)}.")
    kind = re.sub(r"[\s_]+", "-", text.strip().lower())
    if kind in offered:
        return kind
    for key, proto in loaded.clinic.treatments.items():
        labels = proto.label.values() if isinstance(proto.label, dict) else [proto.label] if proto.label else []
        if any(label.strip().lower() == text.strip().lower() for label in labels):  # the label in any language
            return key
    shown = text if len(text) <= 40 else text[:40] + "..."
    raise VisitError("treatment", f"{shown!r} is not offered by {loaded.clinic.id}. Use one of: {', '.join(offered)}.")


def language_code(text: str) -> str | None:
    """A language with shared content (``es``, ``spa``, ``Spanish``, ``es-US`` all mean ``es``), or None for the clinic's default."""
    code = language_tag(text)
    if not code:
        return None
    available = available_languages()
    if code not in available:
        shown = code if len(code) <= 20 else code[:20] + "..."
        raise VisitError("language", f"{shown!r} has no shared content. Available: {', '.join(available)}.")
    return code
