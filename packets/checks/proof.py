"""``validate`` proves a render: it lays out real packets, so OK means ``render`` and ``batch`` work.

Checking the config and the template text is not enough: fourteen added bullets only
show as a three-page sheet once laid out, and a web image in a clinic template only
fails when WeasyPrint asks for it. So for each treatment the clinic offers, in normal
and large print, and in each language it offers, this lays out a whole packet for a
fictional patient with a long hyphenated name and every optional field, through the
same fetcher and checks as ``render`` (sheet length, blocked resources, text cut off,
characters no font can draw). Normal print also goes through the batch's fast path,
whose sheet budget is sized for the fullest packet. The card sheet is laid out too.
Each problem names the config key or the template file and line to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from packets.assets.paths import inside
from packets.config.loading import LoadedClinic
from packets.content.shared import build_content, for_treatment
from packets.errors import FloorError, PacketsError, Problem
from packets.render.cards import render_cards
from packets.render.packet import render_packet
from packets.render.renderer import Renderer
from packets.render.templating import TemplateProblem
from packets.visits.model import Visit

# 60 characters, hyphenated: long, and real names are this long.
PROOF_NAME = "Maximiliana Alexandra Oyelaran-Vandenberghe-Castellanos Ruiz"
PROOF_DAY = date(2027, 9, 29)  # a Wednesday: the longest weekday name
_URL = re.compile(r"(?:https?|ftp|file|data)://\S+|//\S+")


@dataclass(frozen=True)
class Case:
    treatment: str
    large_print: bool
    language: str

    def label(self) -> str:
        return f"{self.treatment}, {'large print' if self.large_print else 'normal print'}, language '{self.language}'"


def proof_visit(case: Case) -> Visit:
    """A fictional patient with every field the packet can print, as long as real ones get."""
    when = datetime.combine(PROOF_DAY, datetime.min.time()).replace(hour=23, minute=58)
    return Visit(
        name=PROOF_NAME, treatment=case.treatment, when=when, date_of_birth=date(1988, 12, 29),
        mrn="MRN-0012345678", session=12, series_length=12, escort="Jonathan Wellington-Smythe",
        next_visit=when + timedelta(days=7), provider="Dr. Evangeline Montgomery-Hart",
        language=case.language, large_print=case.large_print,
    )


def languages(loaded: LoadedClinic) -> tuple[str, ...]:
    """The content languages the clinic prints in: its main ``language``, then the rest of ``languages``."""
    return loaded.clinic.offered_languages


def _template_line(loaded: LoadedClinic, needle: str) -> tuple[str, int] | None:
    """The clinic file (template or extra CSS) and line that names ``needle``."""
    files = sorted((loaded.folder / "templates").rglob("*")) if (loaded.folder / "templates").is_dir() else []
    if loaded.clinic.branding.css:
        files.append(loaded.folder / loaded.clinic.branding.css)
    for path in files:
        real = inside(path, loaded.folder)  # a link out of the clinic is never read
        if real is None or not real.is_file():
            continue
        try:
            lines = real.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if needle in line:
                return str(path), number
    return None


def _problem(loaded: LoadedClinic, case: Case | None, exc: PacketsError) -> Problem:
    """Point the error at what to change: a template line, a config key, or the config."""
    message = str(exc)
    prefix = f"{case.label()}: " if case else "card sheet: "
    if isinstance(exc, FloorError) and exc.file:
        return Problem(exc.file, exc.line, "", prefix + message)
    if isinstance(exc, TemplateProblem):
        return Problem(exc.file or str(loaded.folder / "templates"), exc.line, "", prefix + exc.message)
    if "blocked a resource" in message or "could not load a resource" in message:
        for url in _URL.findall(message):
            url = url.rstrip(".,)")
            found = _template_line(loaded, url) or _template_line(loaded, url.split("/")[-1])
            if found:
                return Problem(found[0], found[1], "", prefix + message)
        return loaded.problem(("logo",), prefix + message) if loaded.clinic.logo else Problem(str(loaded.path), None, "", prefix + message)
    if "discharge sheet is" in message or "must print on page 1" in message:
        return loaded.problem(("content",), prefix + message)
    if "cut off" in message:
        for keys in (("contacts",), ("links", "card"), ("treatments", case.treatment) if case else ("name",),
                     ("footer_text",), ("content",)):
            if ".".join(keys) in message:
                return loaded.problem(keys, prefix + message)
    return Problem(str(loaded.path), None, "", prefix + message)


def proof_problems(loaded: LoadedClinic) -> list[Problem]:
    """Lay out every packet the clinic can print; one problem per distinct failure."""
    problems: list[Problem] = []
    seen: set[str] = set()

    def report(case: Case | None, exc: PacketsError) -> None:
        key = str(exc)
        if key not in seen:
            seen.add(key)
            problems.append(_problem(loaded, case, exc))

    # One engine for every proof render (each fast-path check gets a fresh base), closed after.
    with Renderer() as renderer:
        for language in languages(loaded):
            try:
                content = build_content(loaded, language)
            except PacketsError as exc:
                report(None, exc)
                continue
            for treatment in loaded.clinic.treatments:
                resolved = for_treatment(loaded, content, treatment)  # once per treatment, passed down to every render
                for large in (False, True):
                    case = Case(treatment, large, language)
                    visit = proof_visit(case)
                    try:
                        # The reference render: the whole packet, with the one-sheet check.
                        render_packet(loaded, visit, resolved, renderer=renderer, fast=False)
                        if not large:  # the batch's way: the group's base is sized for the fullest packet
                            render_packet(loaded, visit, resolved, renderer=renderer)
                    except PacketsError as exc:
                        report(case, exc)
        try:
            render_cards(loaded, renderer=renderer)
        except PacketsError as exc:
            report(None, exc)
    return problems

