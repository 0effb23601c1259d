"""Command line: parse options into values, call ``packets.facade``, report.

Every error leaves through ``PacketsGroup.invoke``: a problem the user can fix
(``PacketsError``) or an operating-system error (disk full, read-only folder,
permission) prints one line naming the path and the cause, and exits 1; anything else
is a bug, printed as one line plus a hint, or with its traceback under ``--debug``.
Paths are plain click paths checked by ``packets.files`` (through the facade), so a
bad ``--out`` is one line and exit 1, not click's usage block and exit 2. Every line
goes through ``terminal_safe`` (no control characters, no 900 KB lines). No patient
name is ever printed here: messages name fields, rows and initials only.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from packets import __version__, facade
from packets.cli.printing import print_cmd, print_option, print_step, printer_ready
from packets.errors import PacketsError
from packets.files import os_error_message, pdf_file_path
from packets.textsafety import terminal_safe
from packets.visits.model import language_code, parse_session, parse_time

CLINIC_HELP = "Clinic id (a folder in ./clinics, --clinics or $PACKETS_CLINICS) or path to clinic.yaml."


class PacketsGroup(click.Group):
    """The one place errors become exit codes and one-line messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PacketsError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(os_error_message(exc))
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a bug in this tool
            if ctx.params.get("debug"):
                raise
            name = ctx.invoked_subcommand or "packets"
            _fail(f"unexpected {type(exc).__name__} in '{name}'; this is a bug, please report it. "
                  f"Run again as 'packets --debug {name} ...' to see the traceback.")


class PdfFile(click.ParamType):
    """``--out`` for one PDF: the text as typed, so a trailing ``/`` (a folder) is seen before ``Path`` drops it."""

    name = "FILE.pdf"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        return value if isinstance(value, Path) else pdf_file_path(str(value))


def _note_sample(loaded: facade.LoadedClinic) -> None:
    """Say on stderr when what was written carries the SAMPLE mark (stand-in numbers or links)."""
    if facade.is_sample(loaded):
        click.echo(f"note: {loaded.clinic.id} still has stand-in phone numbers or web addresses (see `packets validate`); "
                   "every page and card is marked 'SAMPLE — not for patient use'.", err=True)


QUICK_EXIT = "quick-exit"  # main's ``obj`` when run as the program (``run``), not from a test's CliRunner


def run() -> None:
    """The ``packets`` program: the console script and ``python -m packets``.

    SIGTERM (a service manager, ``kill``) ends the program the way Ctrl-C does, through
    every ``finally``: temporary font copies and half-written files are removed instead
    of being left behind by Python's default, which ends the process on the spot.
    """
    signal.signal(signal.SIGTERM, _terminated)
    main(prog_name="packets", obj=QUICK_EXIT)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _finished() -> None:
    """A one-shot render is done: when run as the program, exit without tearing the interpreter down.

    Its packet is written and closed; unloading WeasyPrint, fontTools and pydantic module
    by module would add 0.1 to 0.3 s to the wait at the front desk.
    """
    if click.get_current_context().find_root().obj == QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _fail(message: str) -> None:
    click.echo(terminal_safe(f"error: {message}"), err=True)
    sys.exit(1)


def clinics_option(command: Callable) -> Callable:
    return click.option("--clinics", "clinics", type=click.Path(path_type=Path), default=None,
                        help="Another folder of clinic folders to look ids up in (also $PACKETS_CLINICS).")(command)


def chart_option(command: Callable) -> Callable:
    return click.option(
        "--chart", "chart", type=click.Path(path_type=Path, file_okay=False), default=None,
        help="Folder for each packet's chart records: a FHIR R4 DocumentReference (and an HL7 MDM^T02 with chart.hl7) "
             "(default: chart.outbox in clinic.yaml, else none; see README: Into the chart).")(command)


@click.group(cls=PacketsGroup)
@click.version_option(__version__, prog_name="packets")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
def main(debug: bool) -> None:
    """Print-ready ketamine aftercare packets from a clinic's YAML config."""


@main.command("validate")
@click.argument("paths", nargs=-1, required=True)
@clinics_option
@click.option("--no-render", is_flag=True, help="Check the config only; skip the test renders.")
def validate_cmd(paths: tuple[str, ...], clinics: Path | None, no_render: bool) -> None:
    """Check clinic configs (ids or paths). Exit 1 if any has an error."""
    failed = False
    for path in paths:
        problems = facade.validate(path, clinics, render=not no_render)
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


@main.command()
@click.option("--clinic", "clinic_id", required=True, help=CLINIC_HELP)
@clinics_option
@click.option("--name", required=True, help="Patient name as it should print.")
@click.option("--treatment", required=True, help="iv-ketamine, im-ketamine, esketamine-nasal or oral-ketamine.")
@click.option("--date", "date_text", help="Treatment date, 2026-11-21, or 11/21/2026 read in the clinic's date order (default: today).")
@click.option("--time", "time_text", help="Time of the dose, 14:30 or 2:30 PM (default: now).")
@click.option("--dose-ended", "ended_text", help="Time the dose ended, e.g. 10:40: 'until' times count from it exactly "
              "(default: --time plus the treatment's dose_minutes, printed as 'about').")
@click.option("--out", required=True, type=PdfFile(), help="PDF file to write (a name ending in .pdf).")
@click.option("--dob", help="Date of birth.")
@click.option("--mrn", help="Medical record number.")
@click.option("--session", "session_text", help="Treatment number, e.g. 3 or 3/6.")
@click.option("--escort", help="Name of the person taking the patient home.")
@click.option("--next", "next_text", help='Next appointment, e.g. "2026-11-24 10:00".')
@click.option("--provider", help="Treating provider.")
@click.option("--language", help="Language of the packet (default: the clinic's).")
@click.option("--large-print", is_flag=True, help="18 pt body text, 1.5 line spacing.")
@chart_option
@print_option
def render(clinic_id: str, clinics: Path | None, name: str, treatment: str, date_text: str | None,
           time_text: str | None, out: Path, dob: str | None, mrn: str | None, session_text: str | None,
           escort: str | None, next_text: str | None, provider: str | None, language: str | None,
           large_print: bool, print_: bool, ended_text: str | None = None, chart: Path | None = None) -> None:
    """Write one patient's packet to --out."""
    now = datetime.now()
    clock = parse_time(time_text) if time_text else now.time().replace(second=0, microsecond=0)
    session, total = parse_session(session_text) if session_text else (None, None)
    loaded = facade.open_clinic(clinic_id, clinics)  # dates are read in the clinic's order, as its schedules are
    day = facade.typed_date(loaded, date_text, "--date") if date_text else now.date()
    visit = facade.new_visit(
        loaded, name=name, treatment=treatment, when=datetime.combine(day, clock),
        date_of_birth=facade.typed_date(loaded, dob, "--dob", private=True) if dob else None, mrn=mrn, session=session,
        series_length=total, escort=escort, next_visit=facade.typed_moment(loaded, next_text, "--next") if next_text else None,
        provider=provider,
        language=language, large_print=large_print, dose_ended=parse_time(ended_text) if ended_text else None,
    )
    if print_:
        facade.check_printer("packet", loaded)  # before rendering: a missing queue costs no time
    written = facade.render_one(loaded, visit, out, chart=chart)
    if not time_text:  # "until" times count from the dose: say which time they count from
        click.echo(f"note: no --time given, so 'until' times count from now ({clock:%H:%M}, {day.isoformat()}). "
                   "Give --time with the time of the dose if it is not now.", err=True)
    _note_sample(loaded)
    click.echo(f"wrote {written.path} ({written.pages} pages)")
    if written.chart is not None:
        _chart_line(written.chart)
    if print_ and not print_step(out, "packet", loaded):
        sys.exit(1)
    _finished()


@main.command()
@click.option("--clinic", "clinic_id", required=True, help=CLINIC_HELP)
@clinics_option
@click.option("--schedule", "schedule_path", required=True, type=click.Path(path_type=Path),
              help="The day's schedule: CSV, FHIR R4 JSON or HL7 v2 SIU, as exported (see README: Schedule formats).")
@click.option("--format", "schedule_format", type=click.Choice(["csv", "fhir", "hl7"]), default=None,
              help="Schedule format (default: recognised from the file's content).")
@click.option("--date", "date_text",
              help="The day to print; other days' appointments are skipped (default: the schedule's most common date, else today).")
@click.option("--out", "out_root", default="output", show_default=True, type=click.Path(path_type=Path),
              help="Folder for output; packets go in OUT/<clinic-id>/<date>/.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="Worker processes (default: number of CPUs).")
@click.option("--replace", is_flag=True, help="Remove this day's packets of patients not on this schedule (default: keep them).")
@click.option("--whole-day", is_flag=True, help="Put every packet of the day in print-run.pdf (default: this run's only).")
@chart_option
@print_option
def batch(clinic_id: str, clinics: Path | None, schedule_path: Path, schedule_format: str | None, date_text: str | None,
          out_root: Path, jobs: int | None, replace: bool, whole_day: bool, print_: bool, chart: Path | None = None) -> None:
    """Write a packet for every row of a schedule, a print run and a manifest.

    A later run for the same day (an add-on list) adds to the day's packets."""
    from packets.batch.day import RowResult
    from packets.batch.stopping import BatchInterrupted, Stopped

    loaded = facade.open_clinic(clinic_id, clinics)
    run_date = facade.typed_date(loaded, date_text, "--date") if date_text else None
    schedule = facade.read_day(loaded, schedule_path, run_date, schedule_format)
    if print_ and not printer_ready("packet", loaded):
        sys.exit(1)
    for warning in schedule.warnings:
        click.echo(terminal_safe(f"warning: {warning}"), err=True)
    _note_sample(loaded)
    total = len(schedule.rows)
    interactive = sys.stderr.isatty()
    with click.progressbar(length=total, label="Rendering", file=sys.stderr, show_pos=True) if interactive else nullcontext() as bar:
        def on_row(result: RowResult) -> None:
            if bar is not None:
                bar.update(1)
            else:
                click.echo(_row_line(result, schedule.unit), err=True)

        try:
            result = facade.run_day(loaded, schedule, out_root, jobs, on_row, replace=replace, whole_day=whole_day, chart=chart)
        except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP
            what = f"stopped by {exc}" if isinstance(exc, Stopped) else "interrupted"
            click.echo(f"\n{what}: packets already written are complete; nothing half-written was left. "
                       "Run the same command again to complete the day.", err=True)
            sys.exit(128 + exc.signum if isinstance(exc, Stopped) else 130)
        except BatchInterrupted as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(os_error_message(exc))
    failed = [r for r in result.rows if r.status == "failed"]
    if failed and interactive:
        for row in failed:
            click.echo(_row_line(row, schedule.unit), err=True)
    if replace:
        click.echo(f"--replace: removed {result.removed} packet(s) of patients not on this schedule", err=True)
    elif result.kept:
        held = "every packet of the day" if whole_day else "this run's packets only (--whole-day for all)"
        click.echo(f"kept {result.kept} packet(s) from earlier runs of this day; print-run.pdf holds {held}", err=True)
    summary = (f"{result.written} packet{'s' if result.written != 1 else ''} written, "
               f"{len(failed)} row{'s' if len(failed) != 1 else ''} failed")
    if skipped := schedule.skipped_summary():
        summary += f"; skipped {skipped}"
    if result.manifest is None:  # a nightly job must not read an empty day as success
        what = "no row could be printed" if failed else "no appointments to print"
        _fail(f"{what} for {schedule.day.isoformat()} ({summary}); nothing was written.")
    click.echo(summary + f"; see {result.manifest}")
    if result.chart is not None:
        _chart_line(result.chart)
    if result.print_run:
        click.echo(f"print: {result.print_run}")
    if result.print_run_error:
        click.echo(terminal_safe(f"error: the print run was not written ({result.print_run_error}); the packets are complete."), err=True)
    printed = not result.print_run_error
    if print_ and printed:
        printed = result.print_run is not None and print_step(result.print_run, "packet", loaded)
        if result.print_run is None:
            click.echo("error: not printed: no packet was written, so there is no print run.", err=True)
    sys.exit(1 if failed or not printed else 0)


def _chart_line(summary: Any) -> None:
    """What went to the chart outbox, and what was left out and why (counts only)."""
    line = f"chart: {len(summary.written)} record(s) in {summary.folder}"
    if summary.already:
        line += f"; {summary.already} already in the chart"
    if summary.left_out:
        line += "; left out " + "; ".join(f"{n} packet(s): {why}" for why, n in summary.left_out.items())
    click.echo(terminal_safe(line), err=bool(summary.left_out))
    if (sending := summary.sending) is not None:
        said = f"chart: sent {sending.sent} record(s)" + (f"; {sending.waiting} wait for the next run" if sending.waiting else "")
        click.echo(terminal_safe("; ".join([said, *sending.problems])), err=bool(sending.problems))


def _row_line(result: Any, unit: str = "row") -> str:
    """``unit`` is what the number counts: a CSV row, a FHIR Bundle entry, an HL7 message."""
    if result.status == "written":
        return f"{unit} {result.row} ({result.initials}) {result.time}: wrote {result.file}, {result.pages} pages"
    return terminal_safe(f"{unit} {result.row} ({result.initials}): FAILED: {result.error}")


@main.command()
@click.option("--clinic", "clinic_id", required=True, help=CLINIC_HELP)
@clinics_option
@click.option("--count", type=click.IntRange(1, 1000), default=None, help="Number of cards (default: one full sheet).")
@click.option("--language", help="Language of the cards (default: the clinic's).")
@click.option("--out", type=PdfFile(), default=None,
              help="PDF to write, ending in .pdf (default: output/<clinic-id>/cards.pdf, or cards-<language>.pdf).")
@print_option
def cards(clinic_id: str, clinics: Path | None, count: int | None, language: str | None, out: Path | None, print_: bool) -> None:
    """Write a sheet of warning cards for card stock (fronts, then backs)."""
    loaded = facade.open_clinic(clinic_id, clinics)
    out = out or Path("output") / loaded.clinic.id / (f"cards-{language_code(language)}.pdf" if language else "cards.pdf")
    sheet = facade.cards(loaded, out, count, language)
    _note_sample(loaded)
    total = sum(len(side.slots) for side in sheet.sides if side.name == "front")
    sheets = len(sheet.sides) // 2
    click.echo(f"wrote {out}: {total} {loaded.clinic.card_size} card(s), {sheet.per_sheet} per sheet, "
               f"{sheets} sheet(s) = {2 * sheets} pages. Print both sides, flip on the long edge.")
    if print_ and not print_step(out, "cards", loaded):
        sys.exit(1)


@main.command()
@click.option("--clinic", "clinic_id", required=True, help=CLINIC_HELP)
@clinics_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for the PNGs (default: output/<clinic-id>/preview/).")
@click.option("--dpi", type=click.IntRange(36, 300), default=100, show_default=True, help="Resolution of the page PNGs.")
@click.option("--treatment", help="Treatment to show (default: the clinic's first).")
@click.option("--large-print", is_flag=True, help="Preview the large-print packet.")
@click.option("--language", help="Language of the packet (default: the clinic's).")
def preview(clinic_id: str, clinics: Path | None, out_dir: Path | None, dpi: int, treatment: str | None,
            large_print: bool, language: str | None) -> None:
    """Write a sample packet for a fictional patient as PNGs, plus a contact sheet."""
    loaded = facade.open_clinic(clinic_id, clinics)
    folder = "preview" if language is None else f"preview-{language_code(language)}"
    proof = facade.preview(loaded, out_dir or Path("output") / loaded.clinic.id / folder, dpi, treatment, large_print, language)
    _note_sample(loaded)
    click.echo(f"wrote {len(proof.pages)} page(s) at {dpi} dpi to {proof.pages[0].parent}/ (page-01.png ...)")
    click.echo(f"contact sheet: {proof.contact_sheet}")


@main.command("init-clinic")
@click.argument("clinic_id", metavar="ID")
@click.option("--dir", "parent", type=click.Path(path_type=Path), default=None,
              help="Folder to create the clinic in (default: ./clinics).")
@click.option("--time-zone", "time_zone", default=None, metavar="ZONE",
              help="The clinic's IANA time zone, e.g. America/Chicago (default: this computer's).")
def init_clinic_cmd(clinic_id: str, parent: Path | None, time_zone: str | None) -> None:
    """Create clinics/ID/ with a commented clinic.yaml and a placeholder logo."""
    config = facade.init_clinic(clinic_id, parent or Path("clinics"), time_zone)
    target = clinic_id if parent is None else str(config)
    click.echo(f"created {config} and {config.parent / 'logo.svg'}")
    click.echo("next: edit clinic.yaml (every key has a comment), replace logo.svg, then")
    click.echo(f"  packets validate {target}")
    click.echo(f"  packets preview --clinic {target}")


main.add_command(print_cmd)


@main.command()
@click.option("--language", help="One translated language to check (default: every one).")
def translations(language: str | None) -> None:
    """List translated sections whose English changed after they were reviewed (exit 1 if any)."""
    behind = 0
    for code, status in facade.translations(language):
        stale = [s for s in status if not s.is_current]
        behind += len(stale)
        click.echo(f"{code}: {len(stale)} of {len(status)} sections out of date" if stale
                   else f"{code}: all {len(status)} sections current with the English")
        for section in stale:
            click.echo(f"{code}: {section.problem()}")
    if behind:
        sys.exit(1)


@main.command("schema")
@click.option("--write", "readme", type=click.Path(path_type=Path), default=None,
              help="Replace the generated config reference in this file (README.md) instead of printing it.")
def schema_cmd(readme: Path | None) -> None:
    """Print the clinic config reference (every key, type, default), generated from the schema."""
    from packets.config.reference import markdown, write_readme

    if readme is None:
        click.echo(markdown(), nl=False)
    else:
        changed = write_readme(readme)
        click.echo(f"{readme}: config reference {'updated' if changed else 'already current'}")


DATA_HELP = "The station's data folder (accounts, audit log, the day's uploads and packets); created 0700."


@main.command()
@clinics_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; other than loopback needs TLS.")
@click.option("--port", type=click.IntRange(1, 65535), default=8750, show_default=True)
@click.option("--data", type=click.Path(path_type=Path), default=Path(".packets"), show_default=True, help=DATA_HELP)
@click.option("--certfile", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="TLS certificate (PEM).")
@click.option("--keyfile", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None, help="TLS private key (PEM).")
@click.option("--idle-minutes", type=click.FloatRange(0.05, 60), default=None,
              help="Sign staff out after this many idle minutes (default: the strictest station.idle_minutes, else 10).")
@click.option("--jobs", type=click.IntRange(1, 16), default=2, show_default=True, help="Packets rendered at once.")
@click.option("--name", "names", multiple=True, metavar="HOSTNAME",
              help="Another name staff type to reach the station (e.g. frontdesk.clinic.lan); repeatable. "
                   "Requests for any other name are refused.")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Lay out today's packets ahead (at start, after midnight, when a clinic's files change), at low priority.")
def serve(clinics: Path | None, host: str, port: int, data: Path, certfile: Path | None, keyfile: Path | None,
          idle_minutes: float | None, jobs: int, names: tuple[str, ...], warm: bool) -> None:
    """Run the front-desk station: a local web page to print today's packets."""
    from packets.web import server
    from packets.web.app import Settings

    settings = Settings(data=data.resolve(), clinics=clinics, idle_minutes=idle_minutes or server.idle_minutes(clinics),
                        tls=bool(certfile and keyfile), jobs=jobs, names=tuple(n.strip().lower() for n in names if n.strip()), warm=warm)
    server.run(settings, host, port, certfile, keyfile, on_listening=lambda: click.echo(
        f"front desk: http{'s' if settings.tls else ''}://{host}:{port}/  (data in {settings.data}; Ctrl-C stops)", err=True))


@main.group()
def users() -> None:
    """Staff accounts for the front-desk station."""


@users.command("add")
@click.argument("name")
@click.option("--data", type=click.Path(path_type=Path), default=Path(".packets"), show_default=True, help=DATA_HELP)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def users_add(name: str, data: Path, password_stdin: bool) -> None:
    """Add a staff account (or set a new password for NAME)."""
    from packets.web.security import StationError, hash_password
    from packets.web.store import Store

    if not 2 <= len(name) <= 40 or not name.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise StationError("a name is 2 to 40 letters or digits (also . - _), e.g. mlopez.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = Store(data)
    try:
        store.add_user(name, hash_password(password))
    finally:
        store.close()
    click.echo(f"account {name} saved in {data}")


@main.command()
@clinics_option
@click.option("--data", type=click.Path(path_type=Path), default=Path(".packets"), show_default=True, help=DATA_HELP)
@click.option("--days", type=click.IntRange(0, 365), default=None,
              help="Keep this many days (default: each clinic's station.retention_days).")
def purge(clinics: Path | None, data: Path, days: int | None) -> None:
    """Delete uploaded schedules, their rows and packets older than the retention period.

    Also removes what a killed or failed station run left behind: files no list owns,
    and writes that never finished (at once when no station runs on DATA, else after an hour).
    """
    from datetime import datetime

    from packets.web.retention import purge as run_purge
    from packets.web.store import Store, station_lock

    if not (data / "station.db").is_file():
        raise PacketsError(f"{data}: no station data here. Give the folder 'packets serve' uses with --data.")
    with station_lock(data, wait=0) as alone:  # no station running: every unfinished write is a dead run's
        store = Store(data)
        try:
            removed = run_purge(store, clinics, days=days, stale_before=datetime.max if alone else None)
        finally:
            store.close()
    click.echo(f"removed {removed} upload(s) past the retention period from {data}")
