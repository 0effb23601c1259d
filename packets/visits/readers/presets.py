"""Built-in column maps for the CSV exports of common scheduling systems.

A clinic names one with ``schedule: {preset: simplepractice}`` and may override any
column under ``schedule.columns``. The layouts follow each system's appointment
export as clinics describe it (SimplePractice: ``Date of Service`` holds date and
time, ``Client``, the treatment only as a ``Billing Code``; athenahealth: ``Start
Date / Time`` as ``MM/DD/YYYY h:mm:ss AM``); exports can be customised, so a
mismatch is reported by column name, never guessed around. No preset maps a
billing code or appointment type to a treatment: that is the clinic's call
(``schedule.treatments``).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field

from packets.config.schema import PresetName
from packets.visits.readers.keys import normalize_header


@dataclass(frozen=True)
class Preset:
    name: str
    title: str  # as the system calls itself, for messages
    columns: dict[str, tuple[str, ...]]
    date_order: str | None = "MDY"
    cancelled: frozenset[str] = field(default_factory=frozenset)  # extra normalized statuses for "not coming"

    def matches(self, header: list[str]) -> bool:
        """Every column this preset needs is in ``header`` (names normalized)."""
        have = {normalize_header(h) for h in header}
        return all(normalize_header(c) in have for names in self.columns.values() for c in names)


_SIMPLEPRACTICE = Preset(
    "simplepractice", "SimplePractice",
    {"date_time": ("Date of Service",), "patient_name": ("Client",), "treatment": ("Billing Code",),
     "provider": ("Clinician",), "status": ("Status",)},
)
_ATHENA = Preset(
    "athenahealth", "athenahealth",
    {"date_time": ("Start Date / Time",), "patient_name": ("Patient First Name", "Patient Last Name"),
     "date_of_birth": ("Patient DOB",), "mrn": ("Patient ID",), "treatment": ("Appt Type",),
     "provider": ("Rendering Provider",), "location": ("Department",), "status": ("Appt Status",)},
    cancelled=frozenset({"x - cancelled", "x", "o - open"}),  # "o - open" is an empty slot, not a patient
)
_TEBRA = Preset(
    "tebra", "Tebra (Kareo)",
    {"date": ("Start Date",), "time": ("Start Time",), "patient_name": ("Patient Full Name",),
     "date_of_birth": ("Patient DOB",), "mrn": ("Patient ID",), "treatment": ("Appointment Reason",),
     "provider": ("Resource",), "location": ("Service Location",), "status": ("Appointment Status",)},
)
_INTAKEQ = Preset(
    "intakeq", "IntakeQ",
    {"date_time": ("Start Date",), "patient_name": ("Client Name",), "treatment": ("Service",),
     "provider": ("Practitioner",), "location": ("Location",), "status": ("Status",)},
)

_OSMIND = Preset(  # the appointment list as Osmind clinics describe it; not checked against a live export
    "osmind", "Osmind",
    {"patient_name": ("Patient",), "date_of_birth": ("Date of Birth",), "date": ("Appointment Date",),
     "time": ("Start Time",), "treatment": ("Appointment Type",), "provider": ("Provider",),
     "location": ("Location",), "status": ("Status",)},
)

PRESETS: dict[str, Preset] = {
    "simplepractice": _SIMPLEPRACTICE,
    "athenahealth": _ATHENA,
    "tebra": _TEBRA,
    "kareo": _TEBRA,  # Kareo was renamed Tebra; same export
    "intakeq": _INTAKEQ,
    "osmind": _OSMIND,
}
assert set(PRESETS) == set(typing.get_args(PresetName)), "config.schema.PresetName must list every preset"


def matching_preset(header: list[str]) -> Preset | None:
    """The preset whose columns this header has, to suggest when none is configured."""
    for name, preset in PRESETS.items():
        if name == preset.name and preset.matches(header):
            return preset
    return None
