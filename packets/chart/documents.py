"""A packet as a FHIR R4 DocumentReference, checked with ``fhir.resources`` (R4B models) before it is written.

Type: LOINC 69730-0 "Instructions". The packet is the patient's instructions for the
hours and days after a dose, written for the patient; LOINC 18842-5 "Discharge summary"
is a clinician's summary of a stay for other clinicians, which a chart would list and
search as something else. The clinic is the author (a contained Organization), the
patient the subject (the schedule's ``Patient/...`` reference, else the MRN as an
identifier), ``context.period`` the treatment, and the PDF the attachment with its size
and SHA-1 hash (base64), as FHIR defines ``Attachment.hash``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime

from fhir.resources.R4B.documentreference import DocumentReference
from pydantic import ValidationError

from packets.chart.identity import Patient, treatment_period, zoned
from packets.config.languages import text_in
from packets.config.loading import LoadedClinic
from packets.content.shared import load_shared
from packets.errors import PacketsError
from packets.visits.model import Visit

LOINC = "http://loinc.org"
INSTRUCTIONS = ("69730-0", "Instructions")
VISIT_SYSTEM = "urn:packets:visit"  # the visit's id (``identity.visit_id``): groups a packet's versions
MRN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


def packet_title(loaded: LoadedClinic, visit: Visit) -> str:
    """``Aftercare after your treatment (IV ketamine infusion)`` in the packet's language: no patient data."""
    language = visit.language or loaded.clinic.language
    shared = load_shared(language)
    protocol = loaded.clinic.treatments[visit.treatment]  # type: ignore[index]  # a Visit is checked against the offered kinds
    label = text_in(protocol.label, language) if protocol.label else shared.treatment_labels.get(visit.treatment, visit.treatment)
    return f"{shared.labels['packet_title']} ({label})"


def document_reference(loaded: LoadedClinic, visit: Visit, patient: Patient, pdf: bytes, record: str, visit_record: str,
                       created: datetime, version: str, identifier_system: str | None = None) -> bytes:
    """The DocumentReference as JSON (UTF-8), valid R4B; PacketsError if the model refuses it."""
    start, end = treatment_period(loaded, visit)
    subject: dict = {"type": "Patient"}
    if patient.reference:
        subject["reference"] = patient.reference
    if patient.mrn:
        subject["identifier"] = {"type": MRN_TYPE, "value": patient.mrn, **({"system": identifier_system} if identifier_system else {})}
    resource = {
        "resourceType": "DocumentReference",
        "id": record,
        "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{record}"},
        "identifier": [{"system": VISIT_SYSTEM, "value": visit_record}],  # every version of the visit's packet
        "contained": [{"resourceType": "Organization", "id": "clinic", "name": loaded.clinic.name,
                       "identifier": [{"system": "urn:packets:clinic", "value": loaded.clinic.id}]}],
        "status": "current",
        "docStatus": "final",
        "type": {"coding": [{"system": LOINC, "code": INSTRUCTIONS[0], "display": INSTRUCTIONS[1]}],
                 "text": "Aftercare instructions"},
        "subject": subject,
        "date": zoned(loaded, created).isoformat(timespec="seconds"),
        "author": [{"reference": "#clinic", "type": "Organization", "display": loaded.clinic.name}],
        "description": f"Aftercare packet, text {load_shared(visit.language or loaded.clinic.language).version} (content {version})",
        "content": [{"attachment": {
            "contentType": "application/pdf",
            "language": visit.language or loaded.clinic.language,
            "data": base64.b64encode(pdf).decode(),
            "size": len(pdf),
            "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode(),  # FHIR: SHA-1, base64
            "title": packet_title(loaded, visit),
            "creation": zoned(loaded, created).isoformat(timespec="seconds"),
        }}],
        "context": {"period": {"start": start.isoformat(timespec="seconds"), "end": end.isoformat(timespec="seconds")}},
    }
    try:
        DocumentReference.model_validate(resource)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        raise PacketsError(f"the chart record is not valid FHIR R4 at {where or 'DocumentReference'}: {error.get('msg')}. "
                           "Check the patient identifier in the schedule and chart.identifier_system in the clinic config.") from None
    return json.dumps(resource, indent=1, ensure_ascii=False).encode()
