"""CLI side of printing: ``packets print`` and the ``--print`` step of render, batch and cards.

One helper, ``send_to_printer``, is the only way the commands reach a printer, so
every route checks the queue, names the job the same way and reports the job id and
its final state.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from packets.config.loading import LoadedClinic, load_clinic
from packets.errors import PacketsError
from packets.printing import KINDS, Kind, check_queue, describe, job_settings, pdf_paper, submit, wait


def sample_refusal(loaded: LoadedClinic | None) -> str | None:
    """Why this clinic's packets must not be printed, or None.

    HOOK (issue 16): return the message of ``is_sample(loaded)`` here (a config whose
    phone numbers are stand-ins) so no route prints a sample packet for a patient.
    """
    return None


def send_to_printer(pdf: Path, kind: Kind, loaded: LoadedClinic | None, queue: str | None = None,
                    copies: int = 1) -> bool:
    """Send ``pdf`` and follow the job; print its id and final state. True when it completed.

    Raises ``PacketsError`` (one line) when the job is refused before sending.
    """
    paper = pdf_paper(pdf) if loaded is None else None
    settings = job_settings(kind, loaded, queue, copies, paper)
    job = submit(pdf, settings, refuse_reason=sample_refusal(loaded))
    click.echo(f"sent to queue '{job.queue}' as job {job.name} "
               f"({copies} cop{'y' if copies == 1 else 'ies'}, {settings.sides}"
               f"{', print-scaling none' if settings.print_scaling == 'none' else ''}, {settings.media}); waiting for the printer")
    final = wait(job, settings.wait_seconds)
    line = describe(final)
    click.echo(line, err=not final.ok)
    return final.ok


@click.command("print")
@click.argument("pdf", metavar="FILE.pdf", type=click.Path(path_type=Path))
@click.option("--printer", "queue", help="CUPS queue (default: the clinic's printing.packets.queue or printing.cards.queue).")
@click.option("--kind", type=click.Choice(KINDS), default="packet", show_default=True,
              help="packet: two-sided, long edge; cards: card sheet at 100% on card stock.")
@click.option("--copies", type=click.IntRange(1, 100), default=1, show_default=True, help="Copies to print.")
@click.option("--clinic", "clinic_id", help="Clinic id or path to clinic.yaml: its queues, paper and card stock.")
def print_cmd(pdf: Path, queue: str | None, kind: Kind, copies: int, clinic_id: str | None) -> None:
    """Print a packet, print run or card sheet on a CUPS queue and wait for the job."""
    try:
        loaded = load_clinic(clinic_id) if clinic_id else None
        ok = send_to_printer(pdf, kind, loaded, queue, copies)
    except PacketsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    sys.exit(0 if ok else 1)


def print_step(pdf: Path, kind: Kind, loaded: LoadedClinic) -> bool:
    """The ``--print`` step of render, batch and cards: send, report; False (message shown) on any failure."""
    try:
        return send_to_printer(pdf, kind, loaded)
    except PacketsError as exc:
        click.echo(f"error: not printed: {exc}", err=True)
        return False


def printer_ready(kind: Kind, loaded: LoadedClinic) -> bool:
    """Before a long batch: is the clinic's queue there and able to print it? False (message shown) if not."""
    try:
        check_queue(job_settings(kind, loaded))
    except PacketsError as exc:
        click.echo(f"error: {exc} Nothing was rendered.", err=True)
        return False
    return True


print_option = click.option("--print", "print_", is_flag=True,
                            help="Also print it on the clinic's queue (printing: in clinic.yaml) and wait for the job.")
