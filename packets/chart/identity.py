"""Who and what a chart record is about: the patient's identifier, the record's stable id, its times.

A record's id is a name-based UUID (RFC 4122 version 5) of the visit (clinic, the
patient's identifier, treatment, time, language, print size) and of the packet's exact
bytes: the same packet printed again gets the same id, so it is filed once (the outbox
skips a record already sent, and a receiver refuses a duplicate by it: FHIR
``masterIdentifier``, HL7 TXA-12), while a packet that says something else (a corrected
schedule) is a record of its own, so nothing handed to a patient is lost. The visit's
own id, shared by every version, groups them. Neither holds patient data: the inputs
cannot be read back from a hash.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from packets.config.loading import LoadedClinic
from packets.visits.model import Visit

# A fixed namespace for this tool's record ids (uuid5 of the project's address).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/packets/packets/chart")


@dataclass(frozen=True)
class Patient:
    """The chart's handle on the patient: a FHIR reference (``Patient/123``) and/or an MRN."""

    reference: str | None
    mrn: str | None

    @property
    def key(self) -> str:
        return self.reference or f"mrn:{self.mrn}"


def patient_of(visit: Visit) -> Patient | None:
    """The visit's patient as the chart knows them, or None: without an identifier a record cannot be filed."""
    reference = (visit.patient_reference or "").strip() or None
    mrn = (visit.mrn or "").strip() or None
    return Patient(reference, mrn) if reference or mrn else None


def visit_id(loaded: LoadedClinic, visit: Visit, patient: Patient) -> str:
    """The visit's stable id, shared by every version of its packet (see the module docstring)."""
    parts = (loaded.clinic.id, patient.key, visit.treatment, visit.when.isoformat(), visit.language or loaded.clinic.language,
             "large" if visit.large_print else "normal")
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def record_id(loaded: LoadedClinic, visit: Visit, patient: Patient, pdf: bytes) -> str:
    """The id of this packet's record: the visit and the packet's exact bytes."""
    return str(uuid.uuid5(NAMESPACE, visit_id(loaded, visit, patient) + "|" + hashlib.sha256(pdf).hexdigest()))


def zoned(loaded: LoadedClinic, moment: datetime) -> datetime:
    """A clinic wall-clock time (naive) with its UTC offset, or an instant in the clinic's zone (else this computer's)."""
    zone = loaded.clinic.schedule.time_zone
    if moment.tzinfo is not None:  # an instant (when the record was made): shown in the clinic's zone
        return moment.astimezone(ZoneInfo(zone)) if zone else moment
    return moment.replace(tzinfo=ZoneInfo(zone)) if zone else moment.astimezone()


def treatment_period(loaded: LoadedClinic, visit: Visit) -> tuple[datetime, datetime]:
    """When the treatment ran: from the appointment to the dose's end (known, or the protocol's usual length)."""
    protocol = loaded.clinic.treatments[visit.treatment]  # type: ignore[index]  # a Visit is checked against the offered kinds
    end = visit.dose_ended or visit.when + timedelta(minutes=protocol.dose_length(visit.treatment))
    return zoned(loaded, visit.when), zoned(loaded, max(end, visit.when))
