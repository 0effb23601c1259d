"""Command line: parse options, call the pipeline, map errors to exit codes.

Exit 0: done. Exit 1: something the user can fix (message on stderr), including any
OSError (disk full, read-only folder, permission), which becomes one line naming the
path and the cause. Paths are plain click paths checked by ``packets.files``, so a bad
``--out`` is one line and exit 1, not click's usage block and exit 2. No patient name
is ever printed here: messages name fields, rows and initials only.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click

from packets import __version__
from packets.batch.run import BatchInterrupted, RowResult, Stopped, default_jobs, run_batch
from packets.render.cards import card_sheet, render_sheet
from packets.config.loading import load_clinic
from packets.errors import PacketsError
from packets.textsafety import terminal_safe
from packets.files import check_output_file, check_output_folder, os_error_message, write_atomic
from packets.render.preview import write_preview
from packets.render.packet import render_packet
from packets.config.scaffold import init_clinic
from packets.visits.schedule import read_schedule
from packets.checks.validate import validate
from packets.visits.model import Visit, parse_date, parse_datetime, parse_session, parse_time


def _fail(message: str) -> None:
    click.echo(terminal_safe(f"error: {message}"), err=True)
    sys.exit(1)


class _Commands(click.Group):
    """Every command: an OSError nobody caught becomes one line and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except OSError as exc:
            _fail(os_error_message(exc))


@click.group(cls=_Commands)
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
            click.echo(terminal_safe(str(problem)), err=True)
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
@click.option("--out", required=True, type=click.Path(path_type=Path), help="PDF file to write.")
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
        check_output_file(out)
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
        pdf = render_packet(load_clinic(clinic_id), visit)
        write_atomic(out, pdf)
    except PacketsError as exc:  # includes InputError from the parsers
        _fail(str(exc))
    click.echo(f"wrote {out}")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--schedule", "schedule_path", required=True, type=click.Path(path_type=Path),
              help="The day's schedule as CSV (see README: Schedule format).")
@click.option("--date", "date_text", help="Date for rows without a date column (default: the schedule's date, else today).")
@click.option("--out", "out_root", default="output", show_default=True, type=click.Path(path_type=Path),
              help="Folder for output; packets go in OUT/<clinic-id>/<date>/.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: number of CPUs).")
def batch(clinic_id: str, schedule_path: Path, date_text: str | None, out_root: Path, jobs: int | None) -> None:
    """Write a packet for every row of a schedule, a print run and a manifest."""
    try:
        check_output_folder(out_root)
        loaded = load_clinic(clinic_id)
        schedule = read_schedule(schedule_path, loaded, parse_date(date_text) if date_text else None)
    except PacketsError as exc:
        _fail(str(exc))
    for warning in schedule.warnings:
        click.echo(terminal_safe(f"warning: {warning}"), err=True)
    total = len(schedule.rows)
    interactive = sys.stderr.isatty()
    with click.progressbar(length=total, label="Rendering", file=sys.stderr, show_pos=True) if interactive else nullcontext() as bar:
        def on_row(result: RowResult) -> None:
            if interactive:
                bar.update(1)
            else:
                click.echo(_row_line(result), err=True)

        try:
            result = run_batch(loaded, schedule, out_root, jobs or default_jobs(), on_row)
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP
            what = f"stopped by {exc}" if isinstance(exc, Stopped) else "interrupted"
            click.echo(f"\n{what}: packets already written are complete; nothing half-written was left. "
                       "Run the same command again to complete the day.", err=True)
            sys.exit(128 + exc.signum if isinstance(exc, Stopped) else 130)
        except PacketsError as exc:  # BatchInterrupted, a refused output folder
            _fail(str(exc))
        except OSError as exc:
            _fail(os_error_message(exc, out_root))
    failed = [r for r in result.rows if r.status == "failed"]
    if failed and interactive:
        for row in failed:
            click.echo(_row_line(row), err=True)
    if result.removed:
        click.echo(f"removed {result.removed} packet(s) from an earlier run that are not in this schedule", err=True)
    summary = (f"{result.written} packet{'s' if result.written != 1 else ''} written, "
               f"{len(failed)} row{'s' if len(failed) != 1 else ''} failed")
    where = f"; see {result.manifest}"
    click.echo(summary + where)
    if result.print_run:
        click.echo(f"print: {result.print_run}")
    if result.print_run_error:
        click.echo(f"error: the print run was not written ({result.print_run_error}); the packets are complete.", err=True)
    sys.exit(1 if failed or result.print_run_error else 0)


def _row_line(result: RowResult) -> str:
    if result.status == "written":
        return f"row {result.row} ({result.initials}) {result.time}: wrote {result.file}, {result.pages} pages"
    return terminal_safe(f"row {result.row} ({result.initials}): FAILED: {result.error}")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--count", type=click.IntRange(1, 1000), default=None, help="Number of cards (default: one full sheet).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="PDF to write (default: output/<clinic-id>/cards.pdf).")
def cards(clinic_id: str, count: int | None, out: Path | None) -> None:
    """Write a sheet of warning cards for card stock (fronts, then backs)."""
    try:
        loaded = load_clinic(clinic_id)
        out = out or Path("output") / loaded.clinic.id / "cards.pdf"
        check_output_file(out)
        sheet = card_sheet(loaded, count)
        write_atomic(out, render_sheet(loaded, sheet))
    except PacketsError as exc:
        _fail(str(exc))
    total = sum(len(side.slots) for side in sheet.sides if side.name == "front")
    sheets = len(sheet.sides) // 2
    click.echo(f"wrote {out}: {total} {loaded.clinic.card_size} card(s), {sheet.per_sheet} per sheet, "
               f"{sheets} sheet(s) = {2 * sheets} pages. Print both sides, flip on the long edge.")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help="Clinic id (folder under clinics/) or path to clinic.yaml.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the PNGs (default: output/<clinic-id>/preview/).")
@click.option("--dpi", type=click.IntRange(36, 300), default=100, show_default=True, help="Resolution of the page PNGs.")
@click.option("--treatment", help="Treatment to show (default: the clinic's first).")
@click.option("--large-print", is_flag=True, help="Preview the large-print packet.")
def preview(clinic_id: str, out_dir: Path | None, dpi: int, treatment: str | None, large_print: bool) -> None:
    """Write a sample packet for a fictional patient as PNGs, plus a contact sheet."""
    try:
        loaded = load_clinic(clinic_id)
        out_dir = out_dir or Path("output") / loaded.clinic.id / "preview"
        check_output_folder(out_dir)
        proof = write_preview(loaded, out_dir, dpi, treatment, large_print)
    except PacketsError as exc:
        _fail(str(exc))
    click.echo(f"wrote {len(proof.pages)} page(s) at {dpi} dpi to {proof.pages[0].parent}/ (page-01.png ...)")
    click.echo(f"contact sheet: {proof.contact_sheet}")


@main.command("init-clinic")
@click.argument("clinic_id", metavar="ID")
@click.option("--dir", "parent", type=click.Path(path_type=Path), default=None,
              help="Folder to create the clinic in (default: the project's clinics/).")
def init_clinic_cmd(clinic_id: str, parent: Path | None) -> None:
    """Create clinics/ID/ with a commented clinic.yaml and a placeholder logo."""
    try:
        check_output_folder(parent or Path("clinics"))
        config = init_clinic(clinic_id, parent or Path("clinics"))
    except PacketsError as exc:
        _fail(str(exc))
    target = clinic_id if parent is None else str(config)
    click.echo(f"created {config} and {config.parent / 'logo.svg'}")
    click.echo("next: edit clinic.yaml (every key has a comment), replace logo.svg, then")
    click.echo(f"  packets validate {target}")
    click.echo(f"  packets preview --clinic {target}")
