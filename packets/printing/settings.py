"""Turn a clinic's ``printing:`` config (or a bare ``--printer``) into ``JobSettings``.

The rules live here once: packets and print runs go two-sided on the long edge; card
sheets go at 100% (``print-scaling=none``) on the card stock's media type and tray,
two-sided unless the clinic says its card printer feeds one side; every job names the
clinic's paper as its ``media``.
"""

from __future__ import annotations

from packets.config.loading import LoadedClinic
from packets.config.printers import CardPrinter, PacketPrinter
from packets.printing.model import JobSettings, Kind, PrintError


def job_settings(kind: Kind, loaded: LoadedClinic | None = None, queue: str | None = None, copies: int = 1,
                 paper: str | None = None) -> JobSettings:
    """Settings for one job of ``kind``.

    ``queue`` (``--printer``) overrides the clinic's queue. Without a clinic, ``paper``
    (read from the PDF) gives the media and the card stock keeps the printer's default
    type and tray.
    """
    if loaded is None:
        if queue is None:
            raise PrintError("no printer named: give --printer QUEUE, or --clinic ID for a clinic with a printing: section.")
        if paper is None:
            raise PrintError("no paper size: give --clinic ID so the clinic's paper is used.")
        return _settings(kind, queue, paper, copies, "packets", None, "--printer")
    clinic = loaded.clinic
    printing = clinic.printing
    section = None if printing is None else (printing.packets if kind == "packet" else printing.cards)
    key = f"printing.{'packets' if kind == 'packet' else 'cards'}.queue"
    if queue is None:
        if section is None:
            raise PrintError(f"{loaded.path}: clinic '{clinic.id}' has no {key}; add it (see README: Printing) "
                             "or give --printer QUEUE.")
        queue = section.queue
        where = f"{key} in {loaded.path}"
    else:
        where = "--printer"
    return _settings(kind, queue, clinic.paper, copies, clinic.id, section, where,
                     wait=printing.wait_seconds if printing else None)


def _settings(kind: Kind, queue: str, paper: str, copies: int, clinic_id: str,
              section: PacketPrinter | CardPrinter | None, where: str, wait: int | None = None) -> JobSettings:
    extra: dict = {}
    if kind == "cards":
        extra["print_scaling"] = "none"
        if isinstance(section, CardPrinter):
            extra.update(media_type=section.media_type, tray=section.tray, sides=section.sides)
    if wait is not None:
        extra["wait_seconds"] = wait
    label = "card sheet" if kind == "cards" else "packets"
    return JobSettings(queue=queue, kind=kind, paper=paper, copies=copies, title=f"{clinic_id} {label}", where=where,
                       **extra)
