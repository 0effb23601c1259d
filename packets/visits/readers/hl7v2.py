"""HL7 v2 schedules: a file of SIU^S12 (new appointment) messages, parsed with ``hl7``.

Per message: PID-5 name, PID-7 date of birth, PID-3 MRN (the ``MR`` identifier,
else the first), PID-15 language (table 0296, e.g. ``SPA`` -> ``es``); start from
TQ1-7, else SCH-11.4, else AIS-4; appointment type from AIS-3, else SCH-7, else
SCH-8; provider from AIP-3; location from AIL-3. A start without a UTC offset is
the sending system's local time, taken as the clinic's (HL7's convention); one
with an offset is converted to ``schedule.time_zone``. A start with a date and no
time is an error, never midnight. S13/S14 (rescheduled, modified) read like S12;
S15, S17 and S26 (cancelled, deleted, no-show) and a filler status of Cancelled,
Deleted or Noshow (SCH-25) are skipped and counted. Rows are numbered by message
(first is 1). A message that cannot be parsed fails alone; its text is never echoed.
"""

from __future__ import annotations

import re
from pathlib import Path

import hl7

from packets.visits.model import InputError
from packets.visits.readers.languages import language_code
from packets.visits.readers.records import CANCELLED, ReadSettings, Record, Records, RowError, ScheduleError, pick_type
from packets.visits.when import local_moment

BOOKED = ("S12", "S13", "S14")
NOT_COMING_EVENTS = ("S15", "S17", "S26")
NOT_COMING_STATUS = frozenset({"cancelled", "deleted", "noshow"})
_DTM = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2}(?:\.\d+)?)?([+-]\d{4})?$")


def split_messages(text: str) -> list[str]:
    """Messages by their MSH segment; segments end in CR, LF or CRLF (files are often saved with LF)."""
    messages: list[list[str]] = []
    for line in re.split(r"\r\n|\r|\n", text.lstrip("\ufeff")):
        line = line.strip()
        if not line or line[:3] in ("FHS", "BHS", "FTS", "BTS"):
            continue
        if line.startswith("MSH"):
            messages.append([line])
        elif messages:
            messages[-1].append(line)
    return ["\r".join(segments) + "\r" for segments in messages]


def read_hl7(path: Path, text: str, settings: ReadSettings) -> Records:
    messages = split_messages(text)
    if not messages:
        raise ScheduleError(f"{path}: no HL7 message found (each starts with an MSH segment).")
    records = Records("hl7", [])
    for number, raw in enumerate(messages, start=1):
        try:
            message = hl7.parse(raw)
            event = _text(message, "MSH", 9, 1, 2)
            kind = _text(message, "MSH", 9, 1, 1)
        except Exception:  # the parser's messages quote the segment text, which may be a patient's
            records.items.append(Record(number, error=RowError("message", "is not a valid HL7 v2 message; check the export.",
                                                               f"message {number}")))
            continue
        if kind != "SIU":
            what = f"is {kind}^{event}" if kind else "has no message type (MSH-9)"
            records.warnings.append(f"{path}: message {number} {what}, not a schedule (SIU) message: ignored")
            continue
        if event in NOT_COMING_EVENTS or _text(message, "SCH", 25, 1, 1).casefold() in NOT_COMING_STATUS:
            records.skipped[CANCELLED] += 1
            continue
        if event not in BOOKED:
            records.warnings.append(f"{path}: message {number} is SIU^{event}, not a booking (S12, S13, S14): ignored")
            continue
        records.items.append(_record(number, message, settings))
    return records


def _record(number: int, message: hl7.Message, settings: ReadSettings) -> Record:
    record = Record(number, sources={
        "patient_name": "PID-5", "date_of_birth": "PID-7", "mrn": "PID-3", "language": "PID-15",
        "treatment": "AIS-3/SCH-7", "provider": "AIP-3", "location": "AIL-3", "status": "SCH-25",
    })
    values = record.values
    try:
        for segment in ("SCH", "PID"):
            if not _has(message, segment):
                raise RowError("message", f"has no {segment} segment; a schedule message needs SCH and PID.", f"message {number}")
    except RowError as exc:
        record.error = exc
        return record
    family, given, middle = (_text(message, "PID", 5, 1, c) for c in (1, 2, 3))
    values["patient_name"] = " ".join(p for p in (given, middle, family) if p)
    values["family_name"] = family
    birth = _text(message, "PID", 7, 1, 1)
    if birth:
        m = _DTM.match(birth)
        values["date_of_birth"] = f"{m[1]}-{m[2]}-{m[3]}" if m else birth
    values["mrn"] = _mrn(message)
    values["language"] = language_code(_text(message, "PID", 15, 1, 1) or _text(message, "PID", 15, 1, 2))
    values["treatment"] = pick_type([t for t in (
        _text(message, "AIS", 3, 1, 1), _text(message, "AIS", 3, 1, 2), _text(message, "SCH", 7, 1, 1),
        _text(message, "SCH", 7, 1, 2), _text(message, "SCH", 8, 1, 1), _text(message, "SCH", 8, 1, 2)) if t], settings)
    prefix, given, family = (_text(message, "AIP", 3, 1, c) for c in (6, 3, 2))
    values["provider"] = " ".join(p for p in (prefix, given, family) if p)
    values["location"] = _text(message, "AIL", 3, 1, 1) or _text(message, "AIL", 3, 1, 4)
    values["status"] = _text(message, "SCH", 25, 1, 1)
    try:
        start, source = _start(message)
        record.sources["time"] = record.sources["date"] = source
        values["date"], values["time"] = _when(start, source, settings)
    except RowError as exc:
        record.error = exc
    return record


def _start(message: hl7.Message) -> tuple[str, str]:
    for segment, field, component, name in (("TQ1", 7, 1, "TQ1-7"), ("SCH", 11, 4, "SCH-11.4"), ("AIS", 4, 1, "AIS-4")):
        value = _text(message, segment, field, 1, component)
        if value:
            return value, name
    raise RowError("time", "no start time in TQ1-7, SCH-11.4 or AIS-4, so no time can be printed.", "SCH")


def _when(text: str, source: str, settings: ReadSettings) -> tuple[str, str]:
    m = _DTM.match(text)
    if not m:
        raise RowError("time", "the start is not an HL7 date and time (YYYYMMDDHHMM).", source)
    if m[4] is None:
        raise RowError("time", "the start has a date but no time, so no time can be printed.", source)
    try:
        moment = hl7.parse_datetime(text)
        local = local_moment(moment, settings.zone)
    except InputError as exc:
        raise RowError("time", str(exc), source) from None
    except ValueError:
        raise RowError("time", "the start is not a real date and time.", source) from None
    return local.date().isoformat(), local.strftime("%H:%M")


def _mrn(message: hl7.Message) -> str:
    first = ""
    for repetition in range(1, 6):
        value = _text(message, "PID", 3, repetition, 1)
        if not value:
            break
        first = first or value
        if _text(message, "PID", 3, repetition, 5).upper() == "MR":
            return value
    return first


def _has(message: hl7.Message, segment: str) -> bool:
    try:
        message.segment(segment)
        return True
    except KeyError:
        return False


def _text(message: hl7.Message, segment: str, field: int, repetition: int, component: int) -> str:
    """One component as text, HL7 escapes undone; empty when absent."""
    try:
        value = message[f"{segment}.F{field}.R{repetition}.C{component}"]
    except (KeyError, IndexError):
        return ""
    return message.unescape(str(value)).strip() if value else ""
