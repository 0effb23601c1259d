"""Build the one context object a packet template sees.

Everything a template prints is computed here: dates in words, "do not drive until"
times, phone numbers, QR codes, footers. Templates only lay it out, so a clinic
override can change the look without being able to get a time or a number wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from packets.assets.fonts import CHOICES as FONT_CHOICES
from packets.config.languages import in_language, page_language
from packets.config.loading import LoadedClinic
from packets.config.phones import tel_uri
from packets.config.safety import active_exceptions
from packets.config.standins import is_sample
from packets.content.shared import Content, Section, duration, load_shared
from packets.errors import PacketsError
from packets.render.datewords import DateWords
from packets.render.names import footer_name
from packets.render.qr import QUIET_ZONE, qr_symbol
from packets.render.scripts import own_font, patient_text, with_patient_text
from packets.visits.model import Visit
from packets.visits.when import clinic_zone, hours_after

PAPER_MM = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}
CARD_MM = {"id-1": (85.60, 53.98), "business": (88.9, 50.8)}
SHEET_QR_MM = 22.0  # symbol width on a page (brief: at least 2 cm)
CARD_QR_MM = 16.0  # symbol width on a wallet card (brief: 15 to 20 mm)
# Large print: 18 pt will not fit a wallet card, so each side of the card grows to
# fit twice across a page's width, and the pair to under half a page's height.
LARGE_CARD_MM = (92.0, 130.0)
LARGE_CARD_QR_MM = 24.0
MIN_MODULE_MM = 0.5
SAMPLE_MARK = "SAMPLE — not for patient use"
PAGE_MARGINS_MM = 10 + 15  # top + bottom page margins in packet.css (@page)
# The card sits at the bottom of the last page; the same band at the bottom of the
# tracking page (its back when printed duplex) stays empty, so cutting the card out
# from the page edge cuts nothing that matters. Card zone: cutting note and crop marks
# (14 mm), the card, crop marks (8.5 mm). Shadow on the grid page: the card, the marks
# below it, and 3.5 mm to spare for a cut that strays upward.
CARD_ZONE_EXTRA_MM = 22.5
# The urgent grid rows' action in each "Yes" cell, by the rule the row prints: the same number as that rule.
YES_ACTIONS = {"suicide_thoughts": "yes_crisis", "suicide_plan": "yes_emergency"}
CARD_SHADOW_EXTRA_MM = 12.0


@dataclass(frozen=True)
class Contact:
    label: str
    value: str
    href: str | None = None


@dataclass(frozen=True)
class Qr:
    """A QR code with the text printed beside it (many patients have no smartphone)."""

    payload: str
    text: str
    src: str
    size_mm: float  # printed width including the quiet zone
    language_note: str | None = None  # "(page in English)": the linked page is not in the packet's language


@dataclass(frozen=True)
class TierView:
    id: str
    label: str
    title: str
    intro: str | None
    phone: str
    phone_note: str | None  # e.g. "call or text", printed beside the number
    cue: str  # when to use this number, in three to five words (page 1 strip, card)
    rule: str | None  # the safety rule printed in this tier, word for word as on grid and card
    signs: tuple[str, ...]
    card_note: str | None = None  # the card's phone note where it names the packet language's route (988 in Spanish)


@dataclass(frozen=True)
class DayColumn:
    day: str  # "Day 1"
    date_text: str  # "Sun, Nov 22": printed on its own line, never split
    date: date
    weekday: str = ""  # "Sun": large print puts it on a line of its own...
    month_day: str = ""  # ..."Nov 22" on the next, so 18 pt heads fit their column

    @property
    def heading(self) -> str:
        return f"{self.day} · {self.date_text}"


@dataclass(frozen=True)
class GridRow:
    """One tracking-grid question, its answer choices (printed in every cell) and the action for a yes."""

    id: str
    label: str
    hint: str | None
    choices: tuple[str, ...]
    rule: str | None
    urgent: bool
    yes_action: str | None = None  # printed in every day's cell under the answers: what a "Yes" means doing now


@dataclass(frozen=True)
class PacketContext:
    """All a packet template sees, as plain values."""

    lang: str
    title: str  # PDF title: clinic and document only, never the patient
    clinic_name: str
    clinic_address: tuple[str, ...]
    logo_url: str | None
    paper: str
    paper_mm: tuple[float, float]
    card_mm: tuple[float, float]
    page_content_mm: float  # printable height of a page (paper minus margins)
    card_zone_mm: float  # height of the card's area at the bottom of the last page
    card_shadow_mm: float  # height of the empty band on its back, at the bottom of the grid page
    large_print: bool
    primary: str
    accent: str
    font: str
    extra_css_url: str | None
    labels: dict[str, str]
    patient_name: str
    patient_lines: tuple[tuple[str, str], ...]
    treatment_label: str
    treatment_date: str
    today_title: str  # "Today", or "On the day of your dose, Tuesday, Dec 8" on a packet printed another day
    today_from: str  # which time the Today rules count from: the end of the dose, exact or "about"
    today: tuple[str, ...]
    today_extra: int  # how many of ``today``'s last lines are the clinic's own (instructions), not the floor's rules
    floor_items: tuple[str, ...]  # bullets no clinic may remove (content ``keep: true``): they must print
    before_next_visit: tuple[str, ...]  # the clinic's rules before any next visit: the same for every patient
    next_visit_line: str | None  # "Your next visit: Tuesday, Nov 24, 10:00 AM" (personal: in the Today box)
    sections: tuple[Section, ...]
    tiers: tuple[TierView, ...]
    relapse_intro: str
    relapse_signs: tuple[str, ...]
    contacts: tuple[Contact, ...]
    aftercare_qr: Qr
    tracking_qr: Qr | None
    tracking_days: tuple[DayColumn, ...]
    tracking_rows: tuple[GridRow, ...]
    safety_rules: tuple[str, ...]  # the suicide rule, one content key per step, printed identically everywhere
    card_qr: Qr
    footer_note: str | None
    review_note: str | None
    floor_exceptions: bool  # the review note says the protocol has signed exceptions (a longer footer)
    logo_wordmark: bool = False  # branding.logo_layout: wordmark (a wide logo across the header)
    footer_name: str = ""  # the patient's name shortened to one footer line (render.names)
    footer_font: str = ""  # the footer's font when the body font cannot draw that name whole (render.scripts)
    # (language, line) per other language the clinic prints in and names in the footer
    # (language_notice): "Pida este folleto en español en la recepción." in an English packet
    language_notice: tuple[tuple[str, str], ...] = ()
    sample_mark: str | None = None  # "SAMPLE — not for patient use" when the config has stand-in values
    page_number_css: str = ""  # the footer's "Page 1 of 4" as a CSS content value, words from the content file


def _label(labels: dict[str, str], key: str, **values: object) -> str:
    return labels[key].format(**values)


def dose_end(loaded: LoadedClinic, visit: Visit) -> tuple[datetime, bool]:
    """When the dose ends, and whether that is known (True) or the appointment plus ``dose_minutes`` (False)."""
    if visit.dose_ended is not None:
        return visit.dose_ended, True
    proto = loaded.clinic.treatments[visit.treatment]  # type: ignore[index]
    return visit.when + timedelta(minutes=proto.dose_length(visit.treatment)), False


def today_title(labels: dict[str, str], visit: Visit, words: DateWords) -> str:
    """``Today`` on the dose's own day; on any other day, the day the rules mean."""
    printed = visit.printed_on or date.today()
    if printed == visit.when.date():
        return labels["today_box"]
    return _label(labels, "dose_day_box", day=words.day(visit.when.date()))


def today_lines(loaded: LoadedClinic, content: Content, visit: Visit, words: DateWords,
                body_font: str = FONT_CHOICES["atkinson-hyperlegible"]) -> tuple[str, ...]:
    """The rules for the dose's day with computed times: driving, alcohol, sedatives, escorts, extras.

    Every line is true whether it is read at the clinic, at home, or the day before
    (batches print ahead): present tense, times counted from the end of the dose in
    real hours (a daylight-saving change moves the clock, not the rule). Without the
    dose's real end time, each line says how many hours and gives the time as "about".
    """
    proto = loaded.clinic.treatments[visit.treatment]  # type: ignore[index]
    labels = content.labels
    hours = lambda n: duration(labels, n * 60)  # noqa: E731 - tiny local formatter
    end, exact = dose_end(loaded, visit)
    zone = clinic_zone(loaded)

    def until(key: str, n: int) -> str:
        when = words.moment(hours_after(end, n, zone))
        return _label(labels, f"{key}_until", when=when) if exact else _label(labels, f"{key}_after", hours=hours(n), when=when)

    lines = []
    if proto.driving == "next-day":
        lines.append(_label(labels, "drive_next_day", day=words.day(end.date() + timedelta(days=1))))
    else:
        lines.append(until("drive", proto.driving))
    lines.append(until("alcohol", proto.alcohol_free_hours) if proto.alcohol_free_hours else labels["alcohol_none"])
    lines.append(until("sedatives", proto.sedative_free_hours) if proto.sedative_free_hours else labels["sedatives_rest_of_day"])
    lines.append(labels["sedatives_daily"])
    for index, escort in enumerate(proto.escorts):
        # The named person is who the front desk wrote down: the first escort rule.
        key = f"escort_{escort}" + ("_named" if visit.escort and index == 0 else "")
        lines.append(with_patient_text(labels[key], body_font, name=visit.escort or "",
                                       hours=hours(proto.escort_hours) if proto.escort_hours else ""))
    lines.extend(cast("list[str]", proto.instructions))  # in_language made every clinic text plain
    return tuple(lines)


def build_context(loaded: LoadedClinic, visit: Visit, content: Content) -> PacketContext:
    """The packet for ``visit`` at ``loaded``'s clinic, ready for a template.

    ``content`` is the visit's treatment's, resolved once per packet by the caller
    (``Renderer.content`` or ``packet_content``) and passed down to the context and the bases.
    """
    clinic = loaded.clinic
    if visit.treatment not in clinic.treatments:
        offered = ", ".join(clinic.treatments)
        raise PacketsError(f"treatment '{visit.treatment}' is not offered by {clinic.id}. Use one of: {offered}.")
    if content.treatment != visit.treatment:  # a bug in the caller: the packet would print another treatment's text
        raise ValueError(f"content resolved for {content.treatment}, not {visit.treatment}: pass packet_content()'s result")
    notes = link_notes(loaded, content)  # before the links are resolved to one language
    loaded = in_language(loaded, content.language)  # the clinic's own texts in the packet's language
    clinic = loaded.clinic
    proto = clinic.treatments[visit.treatment]
    labels = content.labels
    words = DateWords(content, clinic.country)
    short_name = footer_name(visit.name, visit.family_name, language=content.language)
    body_font = FONT_CHOICES[clinic.branding.font]
    region = clinic.country
    c = clinic.contacts

    total = visit.series_length or proto.series_length
    patient_lines: list[tuple[str, str]] = []
    if visit.date_of_birth:
        patient_lines.append((labels["date_of_birth"], words.full_date(visit.date_of_birth)))
    if visit.mrn:
        patient_lines.append((labels["mrn"], patient_text(visit.mrn, body_font)))
    treatment_label = proto.label or content.treatment_labels[visit.treatment]
    patient_lines.append((labels["treatment"], f"{treatment_label}, {words.full_date(visit.when.date())}, {words.clock(visit.when)}"))
    if visit.session:
        key = "treatment_of" if total else "treatment_number"
        patient_lines.append(("", _label(labels, key, n=visit.session, total=total)))
    if visit.provider:
        patient_lines.append((labels["provider"], patient_text(visit.provider, body_font)))

    before_next = list(proto.before_next_visit)
    next_visit_line = _label(labels, "next_visit", when=words.appointment(visit.next_visit)) if visit.next_visit else None

    contacts = [
        Contact(labels["main_line"], c.main, tel_uri(c.main, region)),
        Contact(labels["after_hours_line"], c.after_hours, tel_uri(c.after_hours, region)),
    ]
    if c.on_call:
        name = f" ({c.on_call_name})" if c.on_call_name else ""
        contacts.append(Contact(labels["on_call_line"] + name, c.on_call, tel_uri(c.on_call, region)))
    if c.email:
        contacts.append(Contact(labels["email"], c.email))
    if c.portal:
        contacts.append(Contact(labels["portal"], cast(str, c.portal)))  # one language: in_language picked it

    phones = {"emergency": c.emergency, "crisis": c.crisis, "after_hours": c.after_hours, "main": c.main}
    tiers = tuple(
        TierView(
            id=t.id, label=labels[t.label_key], title=t.title, intro=t.intro,
            phone=phones[t.phone], phone_note=labels[t.phone_note_key] if t.phone_note_key else None,
            cue=labels[t.cue_key], rule=labels[t.rule_key] if t.rule_key else None, signs=t.signs, card_note=t.card_988,
        )
        for t in content.warning_tiers
    )
    links = clinic.links
    aftercare, tracking, card_link = (cast("str | None", v) for v in (links.aftercare, links.tracking_form, links.card))
    assert aftercare is not None  # in_language resolved every per-language value to one
    card_payload = card_link or tel_uri(c.after_hours, region)
    days = tuple(
        DayColumn(_label(labels, "tracking_day", n=n), words.short_day(visit.when.date() + timedelta(days=n)),
                  visit.when.date() + timedelta(days=n), *words.short_day_parts(visit.when.date() + timedelta(days=n)))
        for n in (1, 2, 3)
    )
    rows = tuple(
        GridRow(r.id, r.label, r.hint, r.choices, labels[r.rule_key] if r.rule_key else None, r.urgent,
                labels[YES_ACTIONS[r.rule_key]] if r.urgent and r.rule_key in YES_ACTIONS else None)
        for r in content.tracking_rows
    )
    review = clinic.review
    version = _label(labels, "content_version", version=content.version)
    review_note = f"{_label(labels, 'reviewed', by=review.by, date=words.full_date(review.date))} · {version}" if review else version
    excepted = bool(active_exceptions(loaded, visit.treatment))
    ended = dose_end(loaded, visit)  # when the Today box's hours start, and whether that is known
    if excepted:
        review_note = f"{review_note} · {labels['floor_exceptions']}"  # a signed exception to the safety floor is in use
    return PacketContext(
        lang=content.language,
        title=f"{clinic.name}: {labels['packet_title']}",
        clinic_name=clinic.name,
        clinic_address=tuple(clinic.address),
        logo_url=(loaded.folder / clinic.logo).resolve().as_uri() if clinic.logo else None,
        paper=clinic.paper,
        paper_mm=PAPER_MM[clinic.paper],
        card_mm=LARGE_CARD_MM if visit.large_print else CARD_MM[clinic.card_size],
        page_content_mm=round(PAPER_MM[clinic.paper][1] - PAGE_MARGINS_MM, 2),
        card_zone_mm=round((LARGE_CARD_MM if visit.large_print else CARD_MM[clinic.card_size])[1] + CARD_ZONE_EXTRA_MM, 2),
        card_shadow_mm=round((LARGE_CARD_MM if visit.large_print else CARD_MM[clinic.card_size])[1] + CARD_SHADOW_EXTRA_MM, 2),
        large_print=visit.large_print,
        primary=clinic.branding.primary,
        accent=clinic.branding.accent,
        font=body_font,
        extra_css_url=(loaded.folder / clinic.branding.css).resolve().as_uri() if clinic.branding.css else None,
        labels=labels,
        patient_name=patient_text(visit.name, body_font),
        patient_lines=tuple(patient_lines),
        treatment_label=cast(str, treatment_label),
        treatment_date=words.full_date(visit.when.date()),
        today_title=today_title(labels, visit, words),
        today_from=_label(labels, "counted_from" if ended[1] else "counted_from_about", time=words.at_time(ended[0])),
        today=today_lines(loaded, content, visit, words, body_font),
        today_extra=len(proto.instructions),
        floor_items=content.floor_items,
        before_next_visit=tuple(cast("list[str]", before_next)),
        next_visit_line=next_visit_line,
        sections=content.sections,
        tiers=tiers,
        relapse_intro=content.relapse_signs.intro,
        relapse_signs=content.relapse_signs.items,
        contacts=tuple(contacts),
        aftercare_qr=_qr(aftercare, aftercare, SHEET_QR_MM, notes["aftercare"]),
        tracking_qr=_qr(tracking, tracking, SHEET_QR_MM, notes["tracking_form"]) if tracking else None,
        tracking_days=days,
        tracking_rows=rows,
        safety_rules=tuple(t.rule for t in tiers[::-1] if t.rule),
        card_qr=_qr(card_payload, card_link or c.after_hours, LARGE_CARD_QR_MM if visit.large_print else CARD_QR_MM,
                    notes["card"] if card_link else None),
        footer_note=cast("str | None", clinic.footer_text),  # plain: in_language resolved it
        review_note=review_note,
        floor_exceptions=excepted,
        footer_name=short_name,
        footer_font=own_font(short_name, body_font) or "",
        language_notice=tuple((code, load_shared(code).labels["language_notice"])
                              for code in clinic.language_notice if code != content.language),
        logo_wordmark=clinic.branding.logo_layout == "wordmark",
        sample_mark=labels.get("sample_mark", SAMPLE_MARK) if is_sample(loaded) else None,
        page_number_css=page_number_css(labels["page_of"]),
    )


def page_number_css(label: str) -> Markup:
    """``Page {page} of {pages}`` as CSS ``content``: quoted words around page counters.

    The words and their order are the content file's; only the counters are CSS.
    """
    parts = []
    for i, piece in enumerate(re.split(r"\{(page|pages)\}", label)):
        if i % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append('"' + "".join(ch if ch.isalnum() or ch in " .,:-" else f"\\{ord(ch):x} " for ch in piece) + '"')
    return Markup(" ".join(parts))


def _qr(payload: str, text: str, min_symbol_mm: float, language_note: str | None = None) -> Qr:
    """Size the code so the symbol is at least ``min_symbol_mm`` and a module 0.5 mm."""
    code = qr_symbol(payload)
    module = max(min_symbol_mm / (code.modules - 2 * QUIET_ZONE), MIN_MODULE_MM)
    return Qr(payload=payload, text=text.removeprefix("https://"), src=code.src, size_mm=round(module * code.modules, 2),
              language_note=language_note)


def _name_in(code: str, language: str) -> str:
    """``en`` named in ``language`` ("inglés"); the code itself where CLDR has no such locale (a private-use one)."""
    try:
        return Locale.parse(language).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


def link_notes(loaded: LoadedClinic, content: Content) -> dict[str, str | None]:
    """Per link, what its caption adds when the page is not in the packet's language ("(página en inglés)"), else None.

    A plain link is a page in the clinic's main language; ``{en: ..., es: ...}`` gives one per language.
    """
    clinic, language = loaded.clinic, content.language
    notes: dict[str, str | None] = {}
    for key in ("aftercare", "tracking_form", "card"):
        value = getattr(clinic.links, key)
        page = page_language(value, language, clinic.language) if value is not None else language
        notes[key] = None if page == language else _label(content.labels, "link_language", language=_name_in(page, language))
    return notes
