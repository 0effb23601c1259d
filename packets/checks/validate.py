"""``packets validate``: every problem in a clinic's config, in one pass.

Errors come from loading (schema, files, colour contrast, logo limits), from merging
the content and from the clinic's templates (rendered once per treatment for a
sample patient, so a template error shows before a patient is waiting). Warnings
flag what still prints but deserves a look: a missing or old content review, and
clinic-written text above reading grade 8. Every clinic-written text's grade is
reported as a note, so the clinic sees where it stands.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import textstat

from packets.config.loading import LoadedClinic, load_clinic
from packets.content.shared import build_content, load_shared
from packets.errors import ConfigError, PacketsError, Problem
from packets.config.logoshape import logo_warnings
from packets.config.standins import stand_ins
from packets.visits.samples import sample_visit

REVIEW_MAX_DAYS = 730  # 24 months
GRADE_WARN = 8.0  # CDC: 8th grade at most; the shared content aims for 6


def review_warnings(loaded: LoadedClinic, today: date) -> list[Problem]:
    review = loaded.clinic.review
    if review is None:
        shared = load_shared(loaded.clinic.language)
        needs = [t.id for t in shared.warning_tiers if t.signs_need_review]
        extra = f" The default warning signs ({', '.join(needs)}) need your clinicians' sign-off." if needs else ""
        return [loaded.problem(("review",), "no content review recorded. Add review: {by: ..., date: YYYY-MM-DD}." + extra, "warning")]
    if (today - review.date).days > REVIEW_MAX_DAYS:
        return [loaded.problem(("review", "date"), f"content was last reviewed on {review.date}, over 24 months ago. Review it again and update the date.", "warning")]
    return []


def clinic_texts(loaded: LoadedClinic) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Patient-facing text the clinic wrote (added or replaced), by config key."""
    clinic = loaded.clinic
    for section_id, change in clinic.content.sections.items():
        parts = [t for t in (change.title, change.intro, *(change.items or []), *change.add) if t]
        if parts:
            yield ("content", "sections", section_id), parts
    for tier in ("emergency", "crisis", "clinic"):
        if signs := getattr(clinic.content.warning_signs, tier):
            yield ("content", "warning_signs", tier), list(signs)
    for kind, protocol in clinic.treatments.items():
        for field in ("instructions", "before_next_visit"):
            if lines := getattr(protocol, field):
                yield ("treatments", kind, field), list(lines)


def reading_grade(lines: list[str]) -> float:
    """Flesch-Kincaid grade of bullets read as one passage (each bullet a sentence)."""
    text = " ".join(line if line.rstrip().endswith((".", "!", "?")) else line.rstrip() + "." for line in lines)
    return max(0.0, round(textstat.flesch_kincaid_grade(text), 1))


def grade_notes(loaded: LoadedClinic) -> list[Problem]:
    notes = []
    for keys, lines in clinic_texts(loaded):
        grade = reading_grade(lines)
        if grade > GRADE_WARN:
            notes.append(loaded.problem(keys, f"reading grade {grade}, above {GRADE_WARN:g}. Use shorter sentences and everyday words (aim for 6).", "warning"))
        else:
            notes.append(loaded.problem(keys, f"reading grade {grade} (fine; aim for 6 or lower).", "info"))
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
                render_html(loaded, build_context(loaded, sample_visit(loaded, treatment, large), content))
            except TemplateProblem as exc:
                if str(exc) not in seen:
                    seen.add(str(exc))
                    problems.append(Problem(exc.file or str(loaded.folder / "templates"), exc.line, "", exc.message))
            except PacketsError as exc:
                problems.append(Problem(str(loaded.path), None, "", str(exc)))
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
        build_content(loaded)
    except ConfigError as exc:
        return exc.problems
    templates = template_problems(loaded) if render else []
    if render and not templates:
        from packets.checks.proof import proof_problems  # the render stack: only when asked
    proof = proof_problems(loaded) if render and not templates else []  # lay out real packets once the templates render
    return (templates + proof + review_warnings(loaded, today or date.today()) + stand_in_warnings(loaded)
            + logo_warnings(loaded) + grade_notes(loaded))
