"""CLI side of printing: ``packets print`` and the ``--print`` step of render, batch and cards.

Every route goes through ``facade.print_pdf``, which checks the queue, names the job
the same way and follows it to the end; this module only reports the job id and
its final state.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from packets import facade
from packets.errors import PacketsError

KINDS = ("packet", "cards")


def send_to_printer(pdf: Path, kind: str, loaded: facade.LoadedClinic | None, queue: str | None = None,
                    copies: int = 1) -> bool:
    """Send ``pdf`` and follow the job; print its id and final state. True when it completed.

    Raises ``PacketsError`` (one line) when the job is refused before sending.
    """
    def sent(job: object, settings: object) -> None:
        scaling = ", print-scaling none" if getattr(settings, "print_scaling", None) == "none" else ""
        click.echo(f"sent to queue '{job.queue}' as job {job.name} ({copies} cop{'y' if copies == 1 else 'ies'}, "  # type: ignore[attr-defined]
                   f"{settings.sides}{scaling}, {settings.media}); waiting for the printer")  # type: ignore[attr-defined]

    final = facade.print_pdf(pdf, kind, loaded, queue, copies, on_sent=sent)
    click.echo(facade.describe_job(final), err=not final.ok)
    return final.ok


@click.command("print")
@click.argument("pdf", metavar="FILE.pdf", type=click.Path(path_type=Path))
@click.option("--printer", "queue", help="CUPS queue (default: the clinic's printing.packets.queue or printing.cards.queue).")
@click.option("--kind", type=click.Choice(KINDS), default="packet", show_default=True,
              help="packet: two-sided, long edge; cards: card sheet at 100% on card stock.")
@click.option("--copies", type=click.IntRange(1, 100), default=1, show_default=True, help="Copies to print.")
@click.option("--clinic", "clinic_id", help="Clinic id or path to clinic.yaml: its queues, paper and card stock.")
@click.option("--clinics", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Another folder of clinic folders to look ids up in (also $PACKETS_CLINICS).")
def print_cmd(pdf: Path, queue: str | None, kind: str, copies: int, clinic_id: str | None, clinics: Path | None) -> None:
    """Print a packet, print run or card sheet on a CUPS queue and wait for the job."""
    loaded = facade.open_clinic(clinic_id, clinics) if clinic_id else None
    sys.exit(0 if send_to_printer(pdf, kind, loaded, queue, copies) else 1)


def print_step(pdf: Path, kind: str, loaded: facade.LoadedClinic) -> bool:
    """The ``--print`` step of render, batch and cards: send, report; False (message shown) on any failure."""
    try:
        return send_to_printer(pdf, kind, loaded)
    except PacketsError as exc:
        click.echo(f"error: not printed: {exc}", err=True)
        return False


def printer_ready(kind: str, loaded: facade.LoadedClinic) -> bool:
    """Before a long batch: is the clinic's queue there and able to print it? False (message shown) if not."""
    try:
        facade.check_printer(kind, loaded)
    except PacketsError as exc:
        click.echo(f"error: {exc} Nothing was rendered.", err=True)
        return False
    return True


print_option = click.option("--print", "print_", is_flag=True,
                            help="Also print it on the clinic's queue (printing: in clinic.yaml) and wait for the job.")
