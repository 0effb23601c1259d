"""The chart outbox: one folder per clinic where each packet's chart records wait for the EHR to take them.

Files are named by the record's stable id (``<id>.fhir.json``, ``<id>.mdm.hl7``), never by
anything of the patient's, written atomically and owner-only (0600, in a 0700 folder).
A packet printed again unchanged has the same id: it rewrites its own files while they
wait, and is skipped once they were sent. A packet without a patient identifier is left
out and counted, with the reason, for the run's summary and manifest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from packets.chart.documents import document_reference
from packets.chart.identity import patient_of, record_id, visit_id
from packets.chart.mdm import mdm_message
from packets.chart.sending import SENT, Sending, send_waiting, sends
from packets.config.loading import LoadedClinic
from packets.content.shared import content_version
from packets.errors import PacketsError
from packets.files import check_output_folder, make_missing_dirs, write_atomic
from packets.visits.model import Visit

NO_IDENTIFIER = "no patient identifier (an MRN column, PID-3 or Patient.identifier) to file it under"


@dataclass
class ChartSummary:
    """What a run sent to the outbox: records written, packets left out and why (no patient data)."""

    folder: Path
    written: list[str] = field(default_factory=list)  # record ids
    left_out: dict[str, int] = field(default_factory=dict)  # reason -> packets
    sending: Sending | None = None  # the pass over the outbox after the run, when the config names a receiver
    already: int = 0  # packets whose very record was sent before (printed again unchanged): not written again

    def as_record(self) -> dict:
        return {"folder": str(self.folder), "records": sorted(self.written), "left_out": dict(self.left_out),
                "already_filed": self.already}


class Outbox:
    """Writes each packet's records for one clinic; ``summary`` says what it did."""

    def __init__(self, loaded: LoadedClinic, folder: Path, hold: bool = False) -> None:
        """``hold``: the records wait in ``folder`` unsent until ``release`` (the station files a packet once it is handed over)."""
        check_output_folder(folder)
        self.loaded, self.folder, self.hold = loaded, folder, hold
        self.settings = loaded.clinic.chart
        self.summary = ChartSummary(folder)

    def send(self) -> None:
        """After the run: send what waits in the outbox (this run's records and any an earlier run could not send)."""
        if sends(self.loaded) and not self.hold:
            self.summary.sending = send_waiting(self.loaded, self.folder)

    def file(self, visit: Visit, pdf: bytes, created: datetime | None = None) -> str | None:
        """``add``, with a record the checks refuse counted as left out: the packet itself is written and stays."""
        try:
            return self.add(visit, pdf, created)
        except PacketsError as exc:
            self._leave_out(str(exc))
            return None

    def _leave_out(self, reason: str) -> None:
        self.summary.left_out[reason] = self.summary.left_out.get(reason, 0) + 1

    def add(self, visit: Visit, pdf: bytes, created: datetime | None = None) -> str | None:
        """File one packet; its record id, or None when it is left out (counted in ``summary``)."""
        patient = patient_of(visit)
        reason = None
        if patient is None:
            reason = NO_IDENTIFIER
        elif self.settings.hl7 and not patient.mrn:
            reason = "no MRN for the HL7 message's PID-3"
        if reason is not None or patient is None:
            self._leave_out(reason or NO_IDENTIFIER)
            return None
        created = created or datetime.now(timezone.utc)
        record = record_id(self.loaded, visit, patient, pdf)
        names = [f"{record}.fhir.json", *([f"{record}.mdm.hl7"] if self.settings.hl7 else [])]
        if all((self.folder / SENT / name).exists() for name in names):
            self.summary.already += 1  # this very packet was filed before: never sent twice
            return record
        files = [(names[0], document_reference(self.loaded, visit, patient, pdf, record, visit_id(self.loaded, visit, patient),
                                               created, content_version(), self.settings.identifier_system))]
        if self.settings.hl7:
            files.append((names[1], mdm_message(self.loaded, visit, patient, pdf, record, created)))
        folder = make_missing_dirs(self.folder)
        for name, data in files:  # every record is built and checked before the first is written
            if not (folder / SENT / name).exists():
                write_atomic(folder / name, data)
        self.summary.written.append(record)
        return record


def release(loaded: LoadedClinic, held: Path, outbox: Path, records: list[str]) -> Sending | None:
    """Move held records into the outbox (the packet was printed or downloaded), then send what waits there.

    A record already released (a second print) is not there any more: nothing moves, nothing is sent twice.
    """
    moved = 0
    for record in records:
        for path in held.glob(f"{record}.*"):
            if (outbox / SENT / path.name).exists():  # the same packet, filed from another list
                path.unlink()
                continue
            os.replace(path, make_missing_dirs(outbox) / path.name)
            moved += 1
    return send_waiting(loaded, outbox) if moved and sends(loaded) else None


def outbox_folder(loaded: LoadedClinic, chart: Path | None, out_root: Path) -> Path | None:
    """Where this run's chart records go: ``--chart``, else ``chart.outbox`` (relative to the output folder), else nowhere."""
    if chart is not None:
        return chart
    configured = loaded.clinic.chart.outbox
    if configured is None:
        return None
    path = Path(configured).expanduser()
    return path if path.is_absolute() else out_root / path
