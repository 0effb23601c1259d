"""The one way in: everything the CLI (and the front-desk page) can ask of the pipeline.

Callers parse their own input (options, form fields) into plain values and call
these functions; they never reach into a stage. Each function runs the stages in
order (config -> content -> visits -> render -> batch) and raises ``PacketsError``
for anything the user can fix. Heavy modules (WeasyPrint) are imported inside the
functions that render, so ``validate --no-render``, ``init-clinic`` and ``--help``
start quickly.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from packets.config.languages import in_language
from packets.config.loading import LoadedClinic, clinic_folders, folder_stamp, known_clinic_ids, load_clinic, resolve_clinic_path
from packets.config.standins import stand_ins
from packets.content.shared import content_version as shared_content_version
from packets.errors import PacketsError, Problem
from packets.files import check_output_file, check_output_folder, write_atomic
from packets.visits.model import DOSE_ENDED_MAX, InputError, Visit, language_code, treatment_kind

if TYPE_CHECKING:  # imported for types only: these stages pull in WeasyPrint
    from packets.batch.day import BatchResult, RowResult
    from packets.chart.outbox import ChartSummary, Outbox
    from packets.content.translation import SectionStatus
    from packets.printing import JobSettings, PrintJob
    from packets.render.cards import CardSheet
    from packets.render.preview import Proof
    from packets.render.renderer import Renderer
    from packets.visits.schedule import Schedule


def open_clinic(ref: str, clinics: Path | None = None) -> LoadedClinic:
    """A clinic by id (looked up in ./clinics, ``clinics``, $PACKETS_CLINICS) or by path."""
    return load_clinic(ref, clinic_folders(clinics))


def clinic_is_current(loaded: LoadedClinic) -> bool:
    """Whether no file in the clinic's folder that shapes a packet changed since it was loaded."""
    return folder_stamp(loaded.path) == loaded.files


def clinic_ids(clinics: Path | None = None) -> list[str]:
    """Ids of the clinics found where ``open_clinic`` looks."""
    return known_clinic_ids(clinic_folders(clinics))


@dataclass(frozen=True)
class ClinicWords:
    """How a screen names a clinic's things: the clinic's name, each treatment's label, each language in itself."""

    name: str
    treatments: dict[str, str]
    languages: dict[str, str]

    def treatment(self, kind: str | None) -> str:
        """The label; a kind the clinic does not offer (a failed row's) as the schedule gave it."""
        return self.treatments.get(kind, kind) if kind else "—"

    def language(self, code: str | None) -> str:
        return (self.languages.get(code) or language_name(code)) if code else "—"


def language_name(code: str) -> str:
    """A language as its speakers write it, capitalised as a menu item: ``es`` is "Español" (CLDR, via Babel)."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def clinic_words(loaded: LoadedClinic) -> ClinicWords:
    """The clinic's own words for the station's pages, in the clinic's main language."""
    from packets.config.languages import text_in
    from packets.content.shared import load_shared

    clinic = loaded.clinic
    shared = load_shared(clinic.language)
    treatments: dict[str, str] = {kind: text_in(proto.label, clinic.language) if proto.label else shared.treatment_labels.get(kind, kind)
                  for kind, proto in clinic.treatments.items()}
    return ClinicWords(clinic.name, treatments,
                       {code: language_name(code) for code in clinic.offered_languages})


def content_version() -> str:
    """The shared content's version, as manifests and the audit log record it."""
    return shared_content_version()


def page_png(pdf: Path, page: int, dpi: int = 80) -> bytes:
    """One page of a packet as PNG, for an on-screen preview (``page`` counts from 1)."""
    import io

    from packets.pdfium import pdfium

    with pdfium() as pypdfium2:
        document = pypdfium2.PdfDocument(str(pdf))
        try:
            if not 1 <= page <= len(document):
                raise PacketsError(f"page {page} does not exist; the packet has {len(document)} page(s).")
            image = document[page - 1].render(scale=dpi / 72).to_pil().convert("RGB")
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def new_visit(loaded: LoadedClinic, *, name: str, treatment: str, when: datetime, date_of_birth: date | None = None,
              mrn: str | None = None, session: int | None = None, series_length: int | None = None,
              escort: str | None = None, next_visit: datetime | None = None, provider: str | None = None,
              language: str | None = None, large_print: bool = False, dose_ended: time | None = None) -> Visit:
    """A visit at ``loaded``'s clinic; ``Visit`` checks every rule, the same as for a schedule row.

    ``dose_ended``: the clock time the dose ended, on the visit's day (or just after
    midnight, for a late dose); "until" times then count from it exactly.
    """
    ended = None
    if dose_ended is not None:
        ended = datetime.combine(when.date(), dose_ended)
        if ended < when and ended + timedelta(days=1) <= when + DOSE_ENDED_MAX:
            ended += timedelta(days=1)  # a dose that started late in the evening ended after midnight
    return Visit(
        name=name, treatment=treatment_kind(treatment, loaded), when=when, date_of_birth=date_of_birth, mrn=mrn or None,
        session=session, series_length=series_length, escort=escort or None, next_visit=next_visit,
        provider=provider or None, language=language_code(language or ""), large_print=large_print, dose_ended=ended,
    )


def typed_date(loaded: LoadedClinic, text: str, what: str, private: bool = False) -> date:
    """A date a person typed (``--date``, the walk-in form), read in the clinic's order, as its schedules are.

    ``what`` names the field in the message; a ``private`` one (date of birth) is never echoed.
    """
    from packets.visits.readers.records import clinic_date_reading
    from packets.visits.when import DateProblem, parse_day

    reading = clinic_date_reading(loaded.clinic)
    try:
        return parse_day(text, reading.order, reading.source)
    except DateProblem as exc:
        raise InputError(f"{what}: {exc.bare if private else exc}") from None


def typed_moment(loaded: LoadedClinic, text: str, what: str) -> datetime:
    """A date and time a person typed (``2026-11-24 10:00``, ``24/11/2026 10:00``), in the clinic's order."""
    from packets.visits.readers.records import clinic_date_reading
    from packets.visits.when import parse_moment

    reading = clinic_date_reading(loaded.clinic)
    value = text.strip().replace("T", " ", 1)
    try:
        return parse_moment(value, reading.order, None, reading.source)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None


@dataclass(frozen=True)
class Written:
    """A packet on disk: where, how many pages, and its checksum (for an audit log)."""

    path: Path
    pages: int
    sha256: str
    chart: ChartSummary | None = None  # what went to the chart outbox (None: no outbox)


def base_cache_folder(loaded: LoadedClinic, out_root: Path = Path("output")) -> Path:
    """Where a clinic's fast-path bases are kept between runs: ``OUT/<clinic-id>/.bases`` (0700; no patient data)."""
    return out_root / loaded.clinic.id / ".bases"


def new_renderer(cache: Path | None = None, scratch: Path | None = None) -> Renderer:
    """A renderer to keep between packets (fonts loaded, group bases cached, on disk in ``cache``).

    ``scratch``: a folder the caller removes, for the engine's font copies (default: TMPDIR).
    """
    from packets.render.renderer import Renderer

    return Renderer(cache=cache, scratch=scratch)


def warm_packet(loaded: LoadedClinic, visit: Visit, renderer: Renderer) -> None:
    """Render ``visit``'s packet and throw it away: its group's bases stay in ``renderer`` and its disk cache."""
    from packets.render.packet import render_packet_layers

    render_packet_layers(loaded, visit, renderer=renderer)


def clinic_files_stamp(ref: str, clinics: Path | None = None) -> object:
    """What changes when a file of the clinic's folder that shapes a packet changes (None: no such clinic)."""
    try:
        path = resolve_clinic_path(ref, clinic_folders(clinics))
    except PacketsError:
        return None
    return folder_stamp(path)


def render_one(loaded: LoadedClinic, visit: Visit, out: Path, renderer: Renderer | None = None,
               chart: Path | None = None, hold_chart: bool = False) -> Written:
    """Render ``visit``'s packet and write it atomically (0600) to ``out``.

    ``chart``: the folder for its chart records (default: the config's ``chart.outbox``, if any);
    ``hold_chart``: they wait there unsent until ``release_chart`` (the station, once the packet is handed over).

    Without ``renderer`` (a one-off packet) no base is laid out: the fast path is taken
    only when the group's base is already in ``output/<clinic>/.bases``.
    """
    import io

    import pikepdf

    from packets.render.packet import render_packet_layers

    check_output_file(out)  # before rendering: a bad --out costs no time
    outbox = _outbox(loaded, chart, Path("output"), hold_chart)  # a bad chart folder costs no time either
    # A kept renderer (the station) lays out group bases: its next packets reuse them. A
    # one-off render uses bases already on disk (a batch or the station made them) and
    # otherwise renders whole, the quickest way to one packet.
    from packets.render.renderer import kept_or_new

    one_off = renderer is None
    with kept_or_new(renderer, base_cache_folder(loaded)) as renderer:
        pdf, layers = render_packet_layers(loaded, visit, renderer=renderer, lay_out_bases=not one_off)
    write_atomic(out, pdf)
    if layers is not None:  # the fast path knows its pages: no second parse of the PDF
        pages = len(layers.page_sizes)
    else:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            pages = len(document.pages)
    if outbox is not None:
        outbox.file(visit, pdf)
        outbox.send()
    return Written(out, pages, hashlib.sha256(pdf).hexdigest(), outbox.summary if outbox else None)


def chart_folder(loaded: LoadedClinic, chart: Path | None, out_root: Path) -> Path | None:
    """Where chart records go: ``chart`` (``--chart``), else the config's ``chart.outbox`` under ``out_root``, else None."""
    from packets.chart.outbox import outbox_folder

    return outbox_folder(loaded, chart, out_root)


def _outbox(loaded: LoadedClinic, chart: Path | None, out_root: Path, hold: bool = False) -> Outbox | None:
    from packets.chart.outbox import Outbox

    folder = chart_folder(loaded, chart, out_root)
    return Outbox(loaded, folder, hold) if folder is not None else None


def release_chart(loaded: LoadedClinic, held: Path, outbox: Path, records: list[str]) -> None:
    """Held chart records into the outbox, and sent when the config names a receiver (``packets.chart.outbox.release``)."""
    from packets.chart.outbox import release

    release(loaded, held, outbox, records)


def read_day(loaded: LoadedClinic, schedule: Path, run_date: date | None = None, schedule_format: str | None = None) -> Schedule:
    """A day's schedule (CSV, FHIR or HL7; recognised from its content unless given), every row checked.

    Bad rows carry their error; problems with the file as a whole raise.
    """
    from packets.visits.schedule import read_schedule

    return read_schedule(schedule, loaded, run_date, format=schedule_format)


def run_day(loaded: LoadedClinic, schedule: Schedule, out_root: Path, jobs: int | None = None,
            on_row: Callable[[RowResult], None] = lambda r: None, replace: bool = False, whole_day: bool = False,
            bases: Path | None = None, chart: Path | None = None, hold_chart: bool = False) -> BatchResult:
    """Every good row's packet, the print run and the manifest, in ``out_root/<clinic>/<date>/``.

    A later run for the same day adds to it; ``replace`` removes the day's packets of
    patients not on this schedule; ``whole_day`` puts every packet of the day in the print run.
    ``bases``: where group bases are kept on disk (default ``out_root/<clinic>/.bases``).
    ``chart``: the chart outbox (``--chart``; default the config's ``chart.outbox``, else none); ``hold_chart``:
    the records wait there unsent until ``release_chart``.
    """
    from packets.batch.run import default_jobs, run_batch

    return run_batch(loaded, schedule, out_root, jobs or default_jobs(), on_row, replace=replace, whole_day=whole_day,
                     bases=bases, chart=chart_folder(loaded, chart, out_root), hold_chart=hold_chart)


def cards(loaded: LoadedClinic, out: Path, count: int | None = None, language: str | None = None) -> CardSheet:
    """A sheet (or several) of wallet cards for card stock in ``language`` (default: the clinic's), written to ``out``."""
    from packets.render.cards import card_sheet, render_sheet

    check_output_file(out)
    sheet = card_sheet(loaded, count, _offered(loaded, language))
    write_atomic(out, render_sheet(loaded, sheet))
    return sheet


def preview(loaded: LoadedClinic, out_dir: Path, dpi: int = 100, treatment: str | None = None,
            large_print: bool = False, language: str | None = None) -> Proof:
    """A fictional patient's packet (in ``language``, default the clinic's) as PNG pages plus a contact sheet."""
    from packets.render.preview import write_preview

    language = _offered(loaded, language)
    check_output_folder(out_dir)
    return write_preview(loaded, out_dir, dpi, treatment, large_print, language)


def _offered(loaded: LoadedClinic, language: str | None) -> str | None:
    """``--language`` as typed (``es``, ``Spanish``, ``es-US``) to a code the clinic prints in; a clear error otherwise."""
    if language is None:
        return None
    code = language_code(language)
    in_language(loaded, code)  # raises, naming the languages offered, when the clinic does not print in it
    return code


def init_clinic(clinic_id: str, parent: Path, time_zone: str | None = None) -> Path:
    """A new clinic folder with a commented clinic.yaml and a placeholder logo; returns the config's path.

    ``time_zone``: the clinic's IANA zone; default this computer's.
    """
    from packets.config.scaffold import init_clinic as scaffold

    check_output_folder(parent)
    return scaffold(clinic_id, parent, time_zone=time_zone)


def validate(ref: str, clinics: Path | None = None, today: date | None = None, render: bool = True) -> list[Problem]:
    """Every problem in one clinic config (errors, warnings, notes); never raises for a bad config."""
    from packets.checks.validate import validate as check

    return check(ref, clinic_folders(clinics), today, render=render)


def is_sample(loaded: LoadedClinic) -> bool:
    """True when the config still has stand-in numbers or links: its paper carries the SAMPLE mark."""
    return bool(stand_ins(loaded))


def sample_refusal(loaded: LoadedClinic | None) -> str | None:
    """Why this clinic's packets must not go to a printer, or None."""
    if loaded is None or not is_sample(loaded):
        return None
    return (f"{loaded.clinic.id} still has stand-in phone numbers or web addresses, so its packets are marked SAMPLE "
            "and are not for patients. Put the clinic's real numbers and links in clinic.yaml (packets validate lists them).")


def marked_sample(pdf: Path) -> str | None:
    """Why this file must not go to a printer, read from the file itself: a page carries the SAMPLE mark.

    ``packets print FILE`` may be given no clinic, or another clinic's name; the mark on
    the page is what a patient would see, so it is what decides.
    """
    from packets.pdfium import pdfium
    from packets.render.context import SAMPLE_MARK

    with pdfium() as pypdfium2:
        try:
            document = pypdfium2.PdfDocument(str(pdf))
        except pypdfium2.PdfiumError:
            return None  # not a PDF we can read: the printer check reports that
        try:  # every page and card of a sample carries the mark, so page 1 decides (a print run stays quick)
            if len(document) == 0:
                return None
            page = document[0]
            text = page.get_textpage().get_text_range()
            page.close()
        finally:
            document.close()
    if SAMPLE_MARK not in text:
        return None
    return (f"{pdf.name} is marked SAMPLE (page 1): it was made from a clinic config with stand-in "
            "phone numbers or web addresses and is not for patients. Put the real ones in clinic.yaml and render it again.")


def check_printer(kind: str, loaded: LoadedClinic) -> None:
    """Is the clinic's queue for ``kind`` there and able to print it as asked? Raises ``PrintError`` if not."""
    from packets.printing import check_queue, job_settings

    check_queue(job_settings(kind, loaded))  # type: ignore[arg-type]


def print_pdf(pdf: Path, kind: str, loaded: LoadedClinic | None = None, queue: str | None = None, copies: int = 1,
              on_sent: Callable[[PrintJob, JobSettings], None] = lambda job, settings: None) -> PrintJob:
    """Send a packet, print run or card sheet to its CUPS queue and follow the job to its end.

    The queue is checked first (duplex, paper, card media); a refused job raises
    ``PrintError`` before anything is sent. Returns the job's final state.
    """
    from packets.printing import job_settings, pdf_paper, submit, wait

    paper = pdf_paper(pdf) if loaded is None else None
    settings = job_settings(kind, loaded, queue, copies, paper)  # type: ignore[arg-type]
    job = submit(pdf, settings, refuse_reason=sample_refusal(loaded) or marked_sample(pdf))
    on_sent(job, settings)
    return wait(job, settings.wait_seconds)


def follow_job(queue: str, job_id: int, timeout: float) -> PrintJob:
    """A job sent earlier (by a station that has since stopped), followed to its end or ``timeout``."""
    from packets.printing import PrintJob as Job
    from packets.printing import wait

    return wait(Job(job_id, queue, "pending"), timeout)


def describe_job(job: PrintJob) -> str:
    """One line for a job's outcome: its id, queue and state."""
    from packets.printing import describe

    return describe(job)


def translations(language: str | None = None) -> list[tuple[str, list[SectionStatus]]]:
    """Per translated content language (or only ``language``), each section against the English as it is now."""
    from packets.content.translation import translated_languages, translation_status

    languages = translated_languages()
    if language is not None:
        code = language_code(language)
        if code not in languages:
            raise PacketsError(f"{code} is the language the others are translated from; check one of: {', '.join(languages)}.")
        languages = [code]
    return [(code, translation_status(code)) for code in languages]
