"""Command line: parse options, call the pipeline, map errors to exit codes.

Exit 0: done. Exit 1: something the user can fix (message on stderr). No patient
name is ever printed here: messages name fields, rows and initials only.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click

from packets import __version__
from packets.batch.run import BatchInterrupted, RowResult, default_jobs, run_batch
from packets.render.cards import card_sheet, render_sheet
from packets.config.loading import LoadedClinic, load_clinic
from packets.config.standins import is_sample
from packets.errors import PacketsError
from packets.files import write_atomic
from packets.render.preview import write_preview
from packets.render.packet import render_packet
from packets.config.scaffold import init_clinic
from packets.visits.schedule import read_schedule
from packets.checks.validate import validate
from packets.visits.model import Visit, parse_date, parse_datetime, parse_session, parse_time


def _note_sample(loaded: LoadedClinic) -> None:
    """Say on stderr when what was written carries the SAMPLE mark (stand-in numbers or links)."""
    if is_sample(loaded):
        click.echo(f"note: {loaded.clinic.id} still has stand-in phone numbers or web addresses (see `packets validate`); "
                   "every page and card is marked 'SAMPLE — not for patient use'.", err=True)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(__version__, prog_name="packets")
def main() -> None:
    """Print-ready ketamine aftercare packets from a clinic's YAML config."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
def validate_cmd(paths: tuple[str, ...]) -> None:
    """Check clinic configs (ids or paths). Exit 1 if any has an error."""
    failed = False
    for path in paths:
        problems = validate(path)
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            click.echo(str(problem), err=True)
        if errors:
            failed = True
            click.echo(f"{path}: {len(errors)} error(s)", err=True)
        else:
            warnings = sum(p.severity == "warning" for p in problems)
            click.echo(f"{path}: OK" + (f" ({warnings} warning(s))" if warnings else ""))
    sys.exit(1 if failed else 0)


main.add_command(validate_cmd, name="validate")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--name", required=True, help="Patient name as it should print.")
@click.option("--treatment", required=True, help="iv-ketamine, im-ketamine, esketamine-nasal or oral-ketamine.")
@click.option("--date", "date_text", help="Treatment date, 2026-11-21 or 11/21/2026 (default: today).")
@click.option("--time", "time_text", help="Time of the dose, 14:30 or 2:30 PM (default: now).")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="PDF file to write.")
@click.option("--dob", help="Date of birth.")
@click.option("--mrn", help="Medical record number.")
@click.option("--session", "session_text", help="Treatment number, e.g. 3 or 3/6.")
@click.option("--escort", help="Name of the person taking the patient home.")
@click.option("--next", "next_text", help='Next appointment, e.g. "2026-11-24 10:00".')
@click.option("--provider", help="Treating provider.")
@click.option("--large-print", is_flag=True, help="18 pt body text, 1.5 line spacing.")
def render(clinic_id: str, name: str, treatment: str, date_text: str | None, time_text: str | None, out: Path,
           dob: str | None, mrn: str | None, session_text: str | None, escort: str | None,
           next_text: str | None, provider: str | None, large_print: bool) -> None:
    """Write one patient's packet to --out."""
    try:
        now = datetime.now()
        day = parse_date(date_text) if date_text else now.date()
        clock = parse_time(time_text) if time_text else now.time().replace(second=0, microsecond=0)
        session, total = parse_session(session_text) if session_text else (None, None)
        visit = Visit(
            name=name, treatment=treatment, when=datetime.combine(day, clock),
            date_of_birth=parse_date(dob) if dob else None, mrn=mrn, session=session, series_length=total,
            escort=escort, next_visit=parse_datetime(next_text) if next_text else None, provider=provider,
            large_print=large_print,
        )
        loaded = load_clinic(clinic_id)
        pdf = render_packet(loaded, visit)
        write_atomic(out, pdf)
    except PacketsError as exc:  # includes InputError from the parsers
        _fail(str(exc))
    if not time_text:  # "until" times count from the dose: say which time they count from
        click.echo(f"note: no --time given, so 'until' times count from now ({clock:%H:%M}, {day.isoformat()}). "
                   "Give --time with the time of the dose if it is not now.", err=True)
    _note_sample(loaded)
    click.echo(f"wrote {out}")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--schedule", "schedule_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The day's schedule as CSV (see README: Schedule format).")
@click.option("--date", "date_text", help="Date for rows without a date column (default: the schedule's date, else today).")
@click.option("--out", "out_root", default="output", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for output; packets go in OUT/<clinic-id>/<date>/.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: number of CPUs).")
@click.option("--replace", is_flag=True, help="Remove this day's packets of patients not on this schedule (default: keep them).")
@click.option("--whole-day", is_flag=True, help="Put every packet of the day in print-run.pdf (default: this run's only).")
def batch(clinic_id: str, schedule_path: Path, date_text: str | None, out_root: Path, jobs: int | None,
          replace: bool, whole_day: bool) -> None:
    """Write a packet for every row of a schedule, a print run and a manifest.

    A later run for the same day (an add-on list) adds to the day's packets."""
    try:
        loaded = load_clinic(clinic_id)
        schedule = read_schedule(schedule_path, loaded, parse_date(date_text) if date_text else None)
    except PacketsError as exc:
        _fail(str(exc))
    for warning in schedule.warnings:
        click.echo(f"warning: {warning}", err=True)
    _note_sample(loaded)
    total = len(schedule.rows)
    interactive = sys.stderr.isatty()
    with click.progressbar(length=total, label="Rendering", file=sys.stderr, show_pos=True) if interactive else nullcontext() as bar:
        def on_row(result: RowResult) -> None:
            if interactive:
                bar.update(1)
            else:
                click.echo(_row_line(result), err=True)

        try:
            result = run_batch(loaded, schedule, out_root, jobs or default_jobs(), on_row, replace=replace, whole_day=whole_day)
        except KeyboardInterrupt:
            click.echo("\ninterrupted: packets already written are complete; nothing half-written was left. "
                       "Run the same command again to complete the day.", err=True)
            sys.exit(130)
        except BatchInterrupted as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"could not write output ({exc.strerror}: {exc.filename}). Nothing half-written was left; "
                  "free space or fix permissions and run again.")
    failed = [r for r in result.rows if r.status == "failed"]
    if failed and interactive:
        for row in failed:
            click.echo(_row_line(row), err=True)
    if replace:
        click.echo(f"--replace: removed {result.removed} packet(s) of patients not on this schedule", err=True)
    elif result.kept:
        held = "every packet of the day" if whole_day else "this run's packets only (--whole-day for all)"
        click.echo(f"kept {result.kept} packet(s) from earlier runs of this day; print-run.pdf holds {held}", err=True)
    summary = (f"{result.written} packet{'s' if result.written != 1 else ''} written, "
               f"{len(failed)} row{'s' if len(failed) != 1 else ''} failed")
    where = f"; see {result.manifest}"
    click.echo(summary + where)
    if result.print_run:
        click.echo(f"print: {result.print_run}")
    sys.exit(1 if failed else 0)


def _row_line(result: RowResult) -> str:
    if result.status == "written":
        return f"row {result.row} ({result.initials}) {result.time}: wrote {result.file}, {result.pages} pages"
    return f"row {result.row} ({result.initials}): FAILED: {result.error}"


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--count", type=click.IntRange(1, 1000), default=None, help="Number of cards (default: one full sheet).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF to write (default: output/<clinic-id>/cards.pdf).")
def cards(clinic_id: str, count: int | None, out: Path | None) -> None:
    """Write a sheet of warning cards for card stock (fronts, then backs)."""
    try:
        loaded = load_clinic(clinic_id)
        sheet = card_sheet(loaded, count)
        out = out or Path("output") / loaded.clinic.id / "cards.pdf"
        write_atomic(out, render_sheet(loaded, sheet))
    except PacketsError as exc:
        _fail(str(exc))
    _note_sample(loaded)
    total = sum(len(side.slots) for side in sheet.sides if side.name == "front")
    sheets = len(sheet.sides) // 2
    click.echo(f"wrote {out}: {total} {loaded.clinic.card_size} card(s), {sheet.per_sheet} per sheet, "
               f"{sheets} sheet(s) = {2 * sheets} pages. Print both sides, flip on the long edge.")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the PNGs (default: output/<clinic-id>/preview/).")
@click.option("--dpi", type=click.IntRange(36, 300), default=100, show_default=True, help="Resolution of the page PNGs.")
@click.option("--treatment", help="Treatment to show (default: the clinic's first).")
@click.option("--large-print", is_flag=True, help="Preview the large-print packet.")
def preview(clinic_id: str, out_dir: Path | None, dpi: int, treatment: str | None, large_print: bool) -> None:
    """Write a sample packet for a fictional patient as PNGs, plus a contact sheet."""
    try:
        loaded = load_clinic(clinic_id)
        proof = write_preview(loaded, out_dir or Path("output") / loaded.clinic.id / "preview", dpi, treatment, large_print)
    except PacketsError as exc:
        _fail(str(exc))
    _note_sample(loaded)
    click.echo(f"wrote {len(proof.pages)} page(s) at {dpi} dpi to {proof.pages[0].parent}/ (page-01.png ...)")
    click.echo(f"contact sheet: {proof.contact_sheet}")


@main.command("init-clinic")
@click.argument("clinic_id", metavar="ID")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to create the clinic in (default: the project's clinics/).")
def init_clinic_cmd(clinic_id: str, parent: Path | None) -> None:
    """Create clinics/ID/ with a commented clinic.yaml and a placeholder logo."""
    try:
        config = init_clinic(clinic_id, parent or Path("clinics"))
    except PacketsError as exc:
        _fail(str(exc))
    target = clinic_id if parent is None else str(config)
    click.echo(f"created {config} and {config.parent / 'logo.svg'}")
    click.echo("next: edit clinic.yaml (every key has a comment), replace logo.svg, then")
    click.echo(f"  packets validate {target}")
    click.echo(f"  packets preview --clinic {target}")
