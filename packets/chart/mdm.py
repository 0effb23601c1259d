"""A packet as an HL7 v2.5.1 MDM^T02 message (original document with content), parsed back with ``hl7`` before it is written.

MSH, EVN, PID (PID-3 the MRN, PID-5 the name, PID-7 the date of birth), PV1 (an
outpatient visit), TXA (document type, activity time, TXA-12 the record's stable id,
authenticated and available) and one OBX of type ED carrying the PDF in base64. The
receiving interface engine files it under the MRN, so a visit without one is left out.
"""

from __future__ import annotations

import base64
from datetime import datetime

import hl7

from packets.chart.identity import Patient, treatment_period, zoned
from packets.config.loading import LoadedClinic
from packets.errors import PacketsError
from packets.visits.model import Visit

SEGMENT_END = "\r"


def escape(text: str) -> str:
    """HL7 v2 escape sequences for the delimiters, so a name with ``^`` or ``|`` stays one field."""
    return (text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\")
            .replace("~", "\\R\\").replace("\r", " ").replace("\n", " "))


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S%z")


def _xpn(visit: Visit) -> str:
    """PID-5: family^given when the schedule gave the family name apart, else the whole name as family."""
    family = (visit.family_name or "").strip()
    if family and visit.name.endswith(family):
        given = visit.name[: -len(family)].strip()
        return f"{escape(family)}^{escape(given)}"
    return escape(visit.name)


def mdm_message(loaded: LoadedClinic, visit: Visit, patient: Patient, pdf: bytes, record: str, created: datetime) -> bytes:
    """The MDM^T02 message (segments ended by CR); PacketsError if it does not parse back to the same PDF."""
    if not patient.mrn:
        raise PacketsError("an HL7 MDM message needs the patient's MRN (PID-3); this row has none.")
    now = _ts(zoned(loaded, created))
    start, _ = treatment_period(loaded, visit)
    clinic = escape(loaded.clinic.id)
    data = base64.b64encode(pdf).decode()
    segments = [
        f"MSH|^~\\&|PACKETS|{clinic}|||{now}||MDM^T02^MDM_T02|{record[:20]}|P|2.5.1",
        f"EVN|T02|{now}",
        f"PID|1||{escape(patient.mrn)}^^^^MR||{_xpn(visit)}||{visit.date_of_birth:%Y%m%d}" if visit.date_of_birth
        else f"PID|1||{escape(patient.mrn)}^^^^MR||{_xpn(visit)}",
        "PV1|1|O",
        f"TXA|1|AI^Aftercare instructions|AP|{_ts(start)}||{now}||||||{record}||||||AU||AV",
        f"OBX|1|ED|69730-0^Instructions^LN||^application^pdf^Base64^{data}||||||F",
    ]
    message = SEGMENT_END.join(segments) + SEGMENT_END
    _check(message, patient.mrn, pdf)
    return message.encode()


def _check(message: str, mrn: str, pdf: bytes) -> None:
    """Parse the message back: the right type, the MRN in PID-3 and the exact PDF in OBX-5."""
    try:
        parsed = hl7.parse(message)
        kind = str(parsed.segment("MSH")[9])
        pid3 = str(parsed.segment("PID")[3][0][0])
        attached = base64.b64decode(str(parsed.segment("OBX")[5][0][4]), validate=True)
    except Exception as exc:  # any failure to read it back means it must not be written
        raise PacketsError(f"the chart's HL7 message could not be read back ({type(exc).__name__}); please report it.") from None
    if kind != "MDM^T02^MDM_T02" or pid3 != escape(mrn) or attached != pdf:
        raise PacketsError("the chart's HL7 message did not read back as written; please report it.")
