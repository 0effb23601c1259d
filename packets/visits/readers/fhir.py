"""FHIR R4 schedules: a Bundle (JSON) of Appointments and their Patients.

Each resource is validated on its own with ``fhir.resources``' R4B models (R4B keeps
R4's Appointment; the package's default R5 models reject an ordinary R4 one), so one
bad appointment costs only its own row. The patient may be contained in the
appointment, an entry of the bundle, or referenced and missing: then that row fails
and says so. Start times carry UTC offsets and are shown in the clinic's time zone
(``schedule.time_zone``, required). Cancelled, no-show and entered-in-error
appointments are skipped and counted. Rows are numbered by Bundle entry (first is 1).
Messages name FHIR elements, never a patient's values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from packets.visits.model import InputError
from packets.visits.readers.languages import language_code
from packets.visits.readers.records import CANCELLED, ReadSettings, Record, Records, RowError, ScheduleError, pick_type
from packets.visits.when import local_moment

MAX_DEPTH = 32  # levels of JSON nesting; a real Appointment or Patient in a Bundle has under 10
NOT_COMING = frozenset({"cancelled", "noshow", "entered-in-error"})
_KNOWN = ("Appointment", "Patient", "Practitioner", "Location")


def read_fhir(path: Path, text: str, settings: ReadSettings) -> Records:
    """A Bundle's appointments as records; raises ``ScheduleError`` if the file is not a usable Bundle."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScheduleError(f"{path}:{exc.lineno}: the file is not valid JSON ({exc.msg}).") from None
    except RecursionError:
        data = None  # nested past what the parser follows: refused below like any too-deep file
    if data is None or _depth(data) > MAX_DEPTH:
        raise ScheduleError(f"{path}: the JSON is nested more than {MAX_DEPTH} levels deep, which no FHIR schedule is. "
                            "Export the day's Bundle from your scheduling system again.")
    if isinstance(data, dict) and data.get("resourceType") == "Appointment":
        data = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": data}]}
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle" or not isinstance(data.get("entry", []), list):
        raise ScheduleError(f"{path}: a FHIR schedule must be a Bundle (resourceType \"Bundle\") of Appointments and Patients.")
    if settings.zone is None:
        raise ScheduleError(
            f"{path}: FHIR start times carry a UTC offset; set schedule.time_zone in clinic.yaml "
            "(an IANA name such as America/Chicago) so they print as clinic time."
        )
    index = _Index()
    appointments: list[tuple[int, Any, str | None]] = []  # entry number, model or None, problem
    for number, entry in enumerate(data.get("entry") or [], start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") not in _KNOWN:
            continue
        kind = resource["resourceType"]
        model, problem = _validate(kind, resource)
        if kind == "Appointment":
            appointments.append((number, model, problem))
        else:
            index.add(kind, resource.get("id"), entry.get("fullUrl"), model, number, problem)
    if not appointments:
        raise ScheduleError(f"{path}: the Bundle has no Appointment entries.")

    records = Records("fhir", [])
    for number, appointment, problem in appointments:
        if problem:
            records.items.append(Record(number, error=RowError("appointment", f"not valid FHIR R4 at {problem}.", f"entry {number}")))
            continue
        if (appointment.status or "") in NOT_COMING:
            records.skipped[CANCELLED] += 1
            continue
        records.items.append(_record(number, appointment, index, settings))
    return records


def _depth(data: Any) -> int:
    """How deeply ``data`` nests, counted without recursion (so a hostile file cannot exhaust the stack)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _validate(kind: str, resource: dict) -> tuple[Any, str | None]:
    """The R4B model, or where it is invalid (element paths only: no values, they may be a patient's)."""
    try:
        return get_fhir_model_class(kind).model_validate(resource), None
    except ValidationError as exc:
        places = dict.fromkeys(".".join(str(p) for p in e["loc"]) or kind for e in exc.errors())
        return None, ", ".join(f"{kind}.{p}" for p in list(places)[:3])


class _Index:
    """Resources of the bundle by every way a reference may name them."""

    def __init__(self) -> None:
        self.by_ref: dict[str, _Entry] = {}

    def add(self, kind: str, rid: str | None, full_url: str | None, model: Any, number: int, problem: str | None) -> None:
        for key in (f"{kind}/{rid}" if rid else None, full_url):
            if key:
                self.by_ref[key] = _Entry(kind, model, number, problem)

    def find(self, reference: str) -> _Entry | None:
        if reference in self.by_ref:
            return self.by_ref[reference]
        tail = "/".join(reference.rstrip("/").split("/")[-2:])  # an absolute URL to a resource in the bundle
        return self.by_ref.get(tail)


@dataclass(frozen=True)
class _Entry:
    kind: str
    model: Any  # None when invalid
    number: int
    problem: str | None


def _record(number: int, appointment: Any, index: _Index, settings: ReadSettings) -> Record:
    record = Record(number, sources={
        "patient_name": "Patient.name", "date_of_birth": "Patient.birthDate", "mrn": "Patient.identifier",
        "language": "Patient.communication", "time": "Appointment.start", "date": "Appointment.start",
        "treatment": "Appointment.appointmentType", "provider": "Appointment.participant",
        "location": "Appointment.participant",
    })
    values = record.values
    try:
        if appointment.start is None:
            raise RowError("time", "the appointment has no start time, so no time can be printed. Book a start time.", "Appointment.start")
        try:
            start = local_moment(appointment.start, settings.zone)
        except InputError as exc:
            raise RowError("time", str(exc), "Appointment.start") from None
        values["date"], values["time"] = start.date().isoformat(), start.strftime("%H:%M")
        values["status"] = appointment.status or ""
        patient = _patient(appointment, index)
    except RowError as exc:
        record.error = exc
        return record
    values["patient_name"] = _name(patient)
    values["family_name"] = _family(patient)
    if patient.id and not any(f"#{patient.id}" == (p.actor.reference if p.actor else None) for p in appointment.participant or []):
        values["patient_reference"] = f"Patient/{patient.id}"  # a contained patient has no id the chart knows
    if patient.birthDate:
        values["date_of_birth"] = str(patient.birthDate)
    values["mrn"] = _mrn(patient)
    values["language"] = _language(patient)
    values["treatment"] = pick_type(_type_texts(appointment), settings)
    for participant in appointment.participant or []:
        actor = participant.actor
        if actor is None or not (actor.reference or actor.display):
            continue
        found = index.find(actor.reference) if actor.reference else None
        kind = found.kind if found else actor.type or (actor.reference or "").split("/")[0]
        model = found.model if found else None
        if kind == "Practitioner" and "provider" not in values:
            values["provider"] = actor.display or (_name(model) if model else "")
        elif kind == "Location" and "location" not in values:
            values["location"] = actor.display or (getattr(model, "name", None) or "")
    return record


def _patient(appointment: Any, index: _Index) -> Any:
    """The appointment's patient: contained, or an entry of the bundle; a reference to a missing one fails the row."""
    contained = {f"#{r.id}": r for r in appointment.contained or [] if r.get_resource_type() == "Patient"}
    missing = False
    for participant in appointment.participant or []:
        actor = participant.actor
        reference = actor.reference if actor else None
        if not reference:
            continue
        if reference in contained:
            return contained[reference]
        found = index.find(reference)
        if found is None:
            missing = missing or actor.type == "Patient" or reference.startswith("Patient/") or "/Patient/" in reference
            continue
        if found.kind != "Patient":
            continue
        if found.problem:
            raise RowError("patient_name", f"the patient (entry {found.number}) is not valid FHIR R4 at {found.problem}.", "Patient")
        return found.model
    if missing:
        raise RowError("patient_name", "the appointment refers to a patient who is not in the file. "
                       "Export the Bundle with its patients (for example _include=Appointment:patient).",
                       "Appointment.participant")
    raise RowError("patient_name", "the appointment has no patient participant.", "Appointment.participant")


def _name(resource: Any) -> str:
    names = getattr(resource, "name", None) or []
    if isinstance(names, str):
        return names
    chosen = next((n for n in names if n.use in ("official", "usual")), names[0] if names else None)
    if chosen is None:
        return ""
    parts = [*(chosen.prefix or [])] if resource.get_resource_type() == "Practitioner" else []
    parts += [*(chosen.given or []), chosen.family or ""]
    return " ".join(p for p in parts if p) or (chosen.text or "")


def _family(patient: Any) -> str:
    """``Patient.name.family`` of the name ``_name`` printed, when it printed the parts, so the footer keeps it whole."""
    names = patient.name or []
    chosen = next((n for n in names if n.use in ("official", "usual")), names[0] if names else None)
    return (chosen.family or "") if chosen is not None and (chosen.given or chosen.family) else ""


def _mrn(patient: Any) -> str:
    identifiers = patient.identifier or []
    for identifier in identifiers:
        codes = [c.code for c in (identifier.type.coding or [])] if identifier.type else []
        if "MR" in codes and identifier.value:
            return identifier.value
    return next((i.value for i in identifiers if i.value), "")


def _language(patient: Any) -> str:
    """The preferred communication language first, else the first listed."""
    spoken = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in spoken:
        concept = communication.language
        for coding in concept.coding or []:
            if coding.code:
                return language_code(coding.code)
        if concept.text:
            return language_code(concept.text)
    return ""


def _type_texts(appointment: Any) -> list[str]:
    texts: list[str] = []
    for concept in [appointment.appointmentType, *(appointment.serviceType or [])]:
        if concept is None:
            continue
        texts += [t for c in concept.coding or [] for t in (c.display, c.code) if t]
        if concept.text:
            texts.append(concept.text)
    return texts

