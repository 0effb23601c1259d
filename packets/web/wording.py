"""The station's words for the front desk: what went wrong with a row, and which day a list is for.

The detailed message (column, value rule, the ``clinic.yaml`` line to add) is for the
person who keeps the clinic's config; the front desk needs to know, in a few words,
what to check and whom to ask. Both are shown: the short reason first.
"""

from __future__ import annotations

from datetime import date, timedelta

from packets.visits.schedule import SKIP_LABELS

# A failed row's field -> what the front desk is told (the detail follows on a second line).
REASONS = {
    "patient_name": "The patient's name is missing in the schedule.",
    "time": "The appointment time could not be read.",
    "date_time": "The appointment date or time could not be read.",
    "date": "The appointment date could not be read.",
    "treatment": "The treatment is not one this clinic's packets cover.",
    "date_of_birth": "The date of birth could not be read.",
    "language": "The packet language is not one this clinic offers.",
    "session": "The session number could not be read.",
    "next_visit": "The next appointment could not be read.",
    "mrn": "The record number could not be read.",
}
BROKEN_ROW = "This line of the schedule file is broken (quotes or number of cells)."
NOT_MADE = "The packet could not be made from this row."
OTHER_VALUE = "A value in this row could not be read."


def failed_reason(column: str | None, read: bool) -> str:
    """The short reason for a failed row: ``column`` of its ``RowError``; ``read`` when the row parsed but did not render."""
    if read:
        return NOT_MADE
    if column is None:
        return BROKEN_ROW
    return REASONS.get(column, OTHER_VALUE)


def skipped_reason(reason: str) -> str:
    """Why an appointment has no packet, in the schedule summary's words."""
    return SKIP_LABELS.get(reason, reason).capitalize()


def day_label(day: date, today: date) -> str:
    """``Today, Monday, Dec 7``, ``Tomorrow, Tuesday, Dec 8``, ``Yesterday, ...`` or ``Wednesday, Dec 9, 2026``."""
    named = {today: "Today", today + timedelta(days=1): "Tomorrow", today - timedelta(days=1): "Yesterday"}.get(day)
    when = f"{day:%A}, {day:%b} {day.day}"
    if named:
        return f"{named}, {when}"
    return when if day.year == today.year else f"{when}, {day.year}"
