"""Marker values a base is laid out with: never patient data, and found if a template leaks them.

A base is laid out for a *visit-like* set of fields: the sizing base with every field
filled at its longest, an exact base with short values in exactly the fields the
patient has. Either way the values are markers, so a base holds no patient data and
the markers' presence in the base's text shows a template printing patient data
outside the boxes marked ``data-personal``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from packets.visits.model import Visit

# Marker values for laying out a base. They are as long as typical real values, and
# found in the base's text only if a template prints patient data outside a marked box.
MARKERS = ("Qzx", "QZX", "11:58", "1999")


_MARK_TIME = time(23, 58)


_MARK_DOB = date(1999, 12, 29)


_SHORT_TIME = time(1, 11)  # the exact bases' time: as short as a time gets


def sizing_visit(visit: Visit) -> Visit:
    """A visit with every optional field filled, with marker values.

    Boxes are sized for the fullest packet, so one base serves every patient of the
    group: a patient with fewer details gets a little space to spare in the box.
    """
    return replace(
        visit,
        # The name has the page's width to itself: 66 characters take the line, as two
        # lines of the old half-width box did. Every name up to that length fits the budget.
        name="Qzx Sizingplaceholder Reserving-Room-For-Long Qzxmarker-Hyphenname",
        when=datetime.combine(visit.when.date(), _MARK_TIME),
        date_of_birth=_MARK_DOB,
        mrn="QZX-00000000",
        session=3,
        series_length=6,
        escort="Qzxmarker Escortname-Longerfamily",
        next_visit=datetime.combine(_longest_next_day(visit.when.date()), _MARK_TIME),
        provider="Dr. Qzxmarker Providername-Longfamily",
        # Without a known end the Today lines say "about" and count hours: the longer wording.
        dose_ended=None,
        # Printed ahead: the Today box names the dose's day, longer than "Today".
        printed_on=visit.when.date() - timedelta(days=1),
    )


OPTIONAL_FIELDS = ("date_of_birth", "mrn", "session", "series_length", "escort", "next_visit", "provider", "dose_ended")


def presence(visit: Visit) -> tuple[bool, ...]:
    """Which optional fields the visit carries: boxes and lines come and go with them."""
    return tuple(getattr(visit, name) is not None for name in OPTIONAL_FIELDS)


def marker_visit(visit: Visit) -> Visit:
    """Short marker values in exactly the fields this visit carries (no patient data at all).

    An exact base is laid out from it: the same boxes and lines exist as in the
    patient's own packet, and each box is then given the patient's height as its
    minimum. Values are as short as real ones get, so the hidden marker text does
    not make a box taller than the patient's (``build_base`` checks it did not).
    """
    day = visit.when.date()
    short = replace(
        visit, name="Qzx", when=datetime.combine(day, _SHORT_TIME), date_of_birth=date(1999, 1, 1), mrn="QZX",
        session=1, series_length=1 if visit.series_length is not None else None, escort="Qzx",
        next_visit=datetime.combine(_short_next_day(day), _SHORT_TIME), provider="Qzx",
        dose_ended=datetime.combine(day, _SHORT_TIME),
    )
    absent: dict[str, Any] = {name: None for name, present in zip(OPTIONAL_FIELDS, presence(visit)) if not present}
    return replace(short, **absent)


def _short_next_day(day: date) -> date:
    """A near day with a one-digit date and a short weekday name (Monday, Friday, Sunday)."""
    candidate = day + timedelta(days=1)
    while candidate.day > 9 or candidate.weekday() not in (0, 4, 6):
        candidate += timedelta(days=1)
    return candidate


def _longest_next_day(day: date) -> date:
    """A Wednesday (the longest weekday name) within a year after ``day``: a next visit the visit rules accept."""
    candidate = day + timedelta(days=300)
    return candidate + timedelta(days=(2 - candidate.weekday()) % 7)
