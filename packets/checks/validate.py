"""``packets validate``: every problem in a clinic's config, in one pass.

Errors come from loading (schema, files, colour contrast, logo limits), from merging
the content (a hidden medicines section; the safety floor of config/safety.py:
emergency and crisis numbers, protocols below the floor without a signed exception,
clinic text that contradicts the packet's rules or files a danger sign in a lower
tier; every render refuses these too), from the clinic's templates (rendered once per
treatment for a sample patient) and from real layouts (checks/proof.py: the floor
proven on the laid-out page, as every render proves it). Warnings flag what still
prints but deserves a look: each signed floor exception in use, a missing review or
one older than the shared content, default warning signs not yet signed off, and
clinic-written text above reading grade 8. Every
clinic-written text's grade is reported as a note, so the clinic sees where it stands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import cast

from packets.config.languages import in_language, language_name, missing_texts
from packets.config.loading import LoadedClinic, load_clinic
from packets.config.logoshape import logo_warnings
from packets.config.safety import floor_problems
from packets.config.standins import stand_ins
from packets.content.readability import scores
from packets.content.shared import available_languages, build_content, for_treatment, load_shared
from packets.content.translation import stale_sections
from packets.errors import ConfigError, PacketsError, Problem
from packets.visits.samples import sample_visit

REVIEW_MAX_DAYS = 730  # 24 months
GRADE_WARN = 8.0  # CDC: 8th grade at most; the shared content aims for 6

def review_warnings(loaded: LoadedClinic, today: date) -> list[Problem]:
    """A missing, old, or out-of-date review (older than the shared content it signs off)."""
    review = loaded.clinic.review
    shared = load_shared(loaded.clinic.language)
    needs = [f"{t.id}: {'; '.join(t.signs)}" for t in shared.warning_tiers if t.signs_need_review]
    signs = f" These default warning signs need your clinicians' sign-off ({' / '.join(needs)})." if needs else ""
    if review is None:
        return [loaded.problem(("review",), "no content review recorded. Add review: {by: ..., date: YYYY-MM-DD}." + signs, "warning")]
    found = []
    if review.date < shared.updated:
        found.append(loaded.problem(("review", "date"), (
            f"the shared aftercare text changed on {shared.updated} (version {shared.version}), after your review on "
            f"{review.date}. Read the new packet (packets preview), then update review.date.{signs}"), "warning"))
    if (today - review.date).days > REVIEW_MAX_DAYS:
        found.append(loaded.problem(("review", "date"), f"content was last reviewed on {review.date}, over 24 months ago. "
                                    "Review it again and update the date.", "warning"))
    return found


def time_zone_warnings(loaded: LoadedClinic) -> list[Problem]:
    """No ``schedule.time_zone``, or a computer's UTC default: the first FHIR or HL7 export would be refused or misread."""
    from packets.config.scaffold import is_utc

    zone = loaded.clinic.schedule.time_zone
    if zone is None:
        return [loaded.problem(("schedule",), "no schedule.time_zone: a FHIR export, or any export whose times carry a UTC "
                                              "offset (Epic's do), would be refused. Add schedule: {time_zone: "
                                              "America/Chicago}, with the clinic's own IANA zone.", "warning")]
    if is_utc(zone):
        return [loaded.problem(("schedule", "time_zone"), f"'{zone}' is UTC, a computer's default rather than a clinic's zone: "
                                                          "export times would print in UTC. Put the clinic's IANA zone, "
                                                          "e.g. America/Chicago.", "warning")]
    return []


def date_reading_note(loaded: LoadedClinic) -> list[Problem]:
    """How ``05/06/2026`` will be read (schedules, ``render --date``, the walk-in form), so nobody learns it at the desk."""
    from packets.visits.readers.records import clinic_date_reading

    reading = clinic_date_reading(loaded.clinic)
    severity = "warning" if reading.order is None else "info"
    return [loaded.problem(("schedule", "date_order"), reading.describe(), severity)]


def clinic_texts(loaded: LoadedClinic) -> Iterator[tuple[tuple[str, ...], list[str | dict[str, str]]]]:
    """Patient-facing text the clinic wrote (added or replaced), by config key."""
    clinic = loaded.clinic
    layers = [(("content",), clinic.content)] + [(("content", "treatments", k), o) for k, o in clinic.content.treatments.items()]
    for prefix, layer in layers:
        for section_id, change in layer.sections.items():
            parts = [t for t in (change.title, change.intro, *(change.items or []), *change.add) if t]
            if parts:
                yield (*prefix, "sections", section_id), parts
        for tier in ("emergency", "crisis", "clinic"):
            if signs := getattr(layer.warning_signs, tier):
                yield (*prefix, "warning_signs", tier), list(signs)
    for kind, protocol in clinic.treatments.items():
        for field in ("instructions", "before_next_visit"):
            if lines := getattr(protocol, field):
                yield ("treatments", kind, field), list(lines)


def grade_notes(loaded: LoadedClinic) -> list[Problem]:
    notes = []
    for keys, lines in clinic_texts(loaded):  # called with one language's clinic: every text is plain
        s = scores(cast("list[str]", lines))
        also = f" SMOG {s.smog}, Dale-Chall {s.dale_chall}."
        if s.fk_grade > GRADE_WARN:
            notes.append(loaded.problem(keys, f"reading grade {s.fk_grade}, above {GRADE_WARN:g}. "
                                        f"Use shorter sentences and everyday words (aim for 6).{also}", "warning"))
        else:
            notes.append(loaded.problem(keys, f"reading grade {s.fk_grade} (fine; aim for 6 or lower).{also}", "info"))
    return notes


def template_problems(loaded: LoadedClinic) -> list[Problem]:
    """Render each treatment's packet HTML for a sample patient; report template errors."""
    from packets.render.context import build_context  # the render stack: only when asked
    from packets.render.templating import TemplateProblem, render_html

    content = build_content(loaded)
    seen: set[str] = set()
    problems = []
    for treatment in loaded.clinic.treatments:
        for large in (False, True):
            try:
                visit = sample_visit(loaded, treatment, large)
                render_html(loaded, build_context(loaded, visit, for_treatment(loaded, content, treatment)))
            except TemplateProblem as exc:
                if str(exc) not in seen:
                    seen.add(str(exc))
                    problems.append(Problem(exc.file or str(loaded.folder / "templates"), exc.line, "", exc.message))
            except PacketsError as exc:
                problems.append(Problem(str(loaded.path), None, "", str(exc)))
    return problems


def translation_warnings(loaded: LoadedClinic) -> list[Problem]:
    """A language the clinic prints in whose shared translation fell behind the English (content/translation.py)."""
    problems = []
    for code in loaded.clinic.offered_languages:
        if code == "en" or code not in available_languages():
            continue
        if stale := stale_sections(code):
            names = ", ".join(s.section for s in stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
            problems.append(loaded.problem(("languages",), (
                f"the shared {language_name(code)} text (templates/content/{code}.yaml) is out of date with the English in "
                f"{len(stale)} section(s): {names}. {language_name(code)} packets may not say what English ones do until "
                "they are translated again and reviewed; `packets translations` lists them."), "warning"))
    return problems


def stand_in_warnings(loaded: LoadedClinic) -> list[Problem]:
    """Values left from ``packets init-clinic`` (or an example) that must become the clinic's own."""
    found = []
    for s in stand_ins(loaded):
        if s.kind == "number":
            message = f"{s.value} is a stand-in number (555-01xx is reserved for fiction). Put your real number here."
        else:
            message = f"{s.value} is a stand-in address (.example is reserved for examples). Put your clinic's real address here."
        found.append(loaded.problem(s.keys, message + " Until then, everything printed is marked SAMPLE.", "warning"))
    return found


def validate(id_or_path: str, folders: tuple[Path, ...] | None = None, today: date | None = None,
             render: bool = True) -> list[Problem]:
    """All problems for one config (errors, warnings, notes); raises nothing for bad configs.

    ``render=False`` skips the template step (which imports the render stack).
    """
    try:
        loaded = load_clinic(id_or_path, folders)
        texts = missing_texts(loaded)
        missing = [p for p in texts if p.severity == "error"] + [p for code in loaded.clinic.offered_languages
                                                                 for p in _content_file(loaded, code)]
        if missing:
            return missing
        for code in loaded.clinic.offered_languages:
            build_content(loaded, code)
    except ConfigError as exc:
        return exc.problems
    # Warnings that read the clinic's words (English patterns and grades) read its main language.
    main = in_language(loaded, None)
    templates = template_problems(loaded) if render else []
    if render and not templates:
        from packets.checks.proof import proof_problems  # the render stack: only when asked
    proof = proof_problems(loaded) if render and not templates else []  # lay out real packets once the templates render
    return ([p for p in floor_problems(loaded, today) if p.severity != "error"] + templates + proof
            + review_warnings(loaded, today or date.today())
            + translation_warnings(loaded)
            + stand_in_warnings(loaded) + logo_warnings(loaded) + time_zone_warnings(loaded) + date_reading_note(loaded) + texts
            + (grade_notes(main) if main.clinic.language == "en" else []))


def _content_file(loaded: LoadedClinic, code: str) -> list[Problem]:
    """An offered language needs a shared content file."""
    if code in available_languages():
        return []
    return [loaded.problem(("languages",), f"no shared content for '{code}' (templates/content/{code}.yaml). "
                           f"Available: {', '.join(available_languages())}. README: Adding a language.")]
