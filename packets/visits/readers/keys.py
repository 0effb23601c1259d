"""How names read from a schedule are compared: columns, appointment types, statuses.

Kept apart so the presets (data) and the record types can both use it without
importing each other.
"""

from __future__ import annotations

import re


def normalize_key(text: str) -> str:
    """Appointment types, statuses, locations compared without case or spacing differences."""
    return " ".join(text.casefold().split())


def normalize_header(name: str) -> str:
    """``Patient Name``, ``patient-name`` and ``PATIENT_NAME`` are the same column."""
    return re.sub(r"[\s_\-]+", "_", name.strip().lower()).strip("_")
