"""Shared aftercare content, merged with one clinic's overrides, for one treatment kind.

Content is data (``templates/content/<language>.yaml``), so a new language is a new
file, not a code change. The same section can read differently per treatment kind
(``variants``), a section or bullet can belong to some kinds only (``kinds``), and a
clinic can hide a section, replace its bullets, add bullets or warning signs, for every
treatment or for one kind. Clinical numbers never live in the prose: placeholders name
the clinic's numbers (``{main}``) and the treatment's protocol (``{drug}``,
``{monitoring}``); a placeholder that names no known value is an error.

Two steps, so a batch can build the clinic's content once per language and every
packet still reads right for its own treatment:

- ``build_content(loaded)`` checks the clinic's overrides and placeholders against every
  treatment it offers, and returns the shared content (kinds and variants kept).
- ``for_treatment(loaded, content, kind)`` picks that kind's sections, applies the
  clinic's overrides and fills every placeholder. It is what a packet prints.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from functools import lru_cache
from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from packets.assets.paths import content_dir
from packets.config.fields import TreatmentKind
from packets.config.languages import in_language
from packets.config.lifelines import has_988_menu
from packets.config.loading import LoadedClinic
from packets.config.overrides import TreatmentContentOverrides
from packets.config.safety import floor_problems
from packets.config.schema import Protocol
from packets.config.yamlfile import load_yaml
from packets.errors import ConfigError, Problem

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
KINDS: tuple[str, ...] = TreatmentKind.__args__  # type: ignore[attr-defined]


PluralForm = Literal["zero", "one", "two", "few", "many", "other"]  # CLDR plural categories

class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Data):
    """A bullet that belongs to some treatment kinds only, or that a clinic cannot remove."""

    text: str
    kinds: tuple[TreatmentKind, ...] | None = None
    keep: bool = False  # printed even when a clinic replaces the section's bullets


class Variant(_Data):
    """How a section reads for one treatment kind (unset parts: the common text)."""

    title: str | None = None
    intro: str | None = None
    items: tuple[str | Item, ...] | None = None


class Section(_Data):
    id: str
    title: str
    intro: str | None = None
    items: tuple[str | Item, ...]
    kinds: tuple[TreatmentKind, ...] | None = None  # None: every kind
    variants: dict[TreatmentKind, Variant] = Field(default_factory=dict)
    required: bool = False  # a clinic may reword it but never hide it


class Tier(_Data):
    id: Literal["emergency", "crisis", "clinic"]
    label_key: str
    title: str
    intro: str | None = None
    phone: Literal["emergency", "crisis", "after_hours", "main"]
    phone_note_key: str | None = None  # e.g. "call or text", printed by the number
    cue_key: str  # three to five words: when to use this number (strip on page 1, card)
    rule_key: str | None = None  # the safety rule printed in this tier (one content key)
    signs: tuple[str, ...]
    signs_need_review: bool = False
    menu_988: str | None = None  # the 988 Lifeline's phone menu: added to the intro only where it is true (config/lifelines.py)
    card_988: str | None = None  # the card's phone note naming the packet language's route into 988, where the menu is true


class Relapse(_Data):
    intro: str
    items: tuple[str, ...]


class TrackingRow(_Data):
    id: str
    label: str
    hint: str | None = None
    choices: tuple[str, ...] = ()  # printed in every cell: circle one
    rule_key: str | None = None  # the safety rule printed under the question
    needs: Literal["home_blood_pressure"] | None = None  # only when the protocol asks for it
    urgent: bool = False


class Formats(_Data):
    """How dates and times read, as CLDR skeletons: Babel supplies the words and their order.

    A skeleton names the fields (``MMMEEEEd``: weekday, abbreviated month, day); the
    locale (this language and the clinic's country) decides names, order and the clock,
    so no weekday or month name lives in code or content.
    """

    day: str = "MMMEEEEd"  # en_US: Sunday, Nov 22
    short_day: str = "MMMEd"  # en_US: Sun, Nov 22
    weekday: str = "EEE"  # en_US: Sun
    month_day: str = "MMMd"  # en_US: Nov 22
    full_date: str = "yMMMd"  # en_US: Nov 22, 2026
    moment: str = "{time}, {day}"  # a deadline: "until 2:30 PM, Sunday, Nov 22" (an order CLDR does not give)
    appointment: str = "{day}, {time}"  # a visit: "Tuesday, Nov 24, 10:00 AM"
    # A clock time with the words the language puts before it, by the CLDR plural form of
    # the hour on the clock: Spanish says "la 1:00" but "las 2:00". It fills {time} in
    # moment, appointment and the counted_from label.
    at_time: dict[PluralForm, str] = {"other": "{time}"}
    locale: str | None = None  # the CLDR locale for dates; default: language_COUNTRY, else language

    @field_validator("at_time")
    @classmethod
    def _every_hour_has_a_phrase(cls, phrases: dict[str, str]) -> dict[str, str]:
        if "other" not in phrases:
            raise ValueError("needs an 'other' phrase (used for every hour without its own)")
        if bad := [form for form, phrase in phrases.items() if "{time}" not in phrase]:
            raise ValueError(f"the '{bad[0]}' phrase has no {{time}}")
        return phrases


class Reviewed(_Data):
    """One translated section's record: the English it followed (content.translation), who reviewed it, when."""

    source: str = Field(pattern=r"^[0-9a-f]{12}$")
    reviewed_by: str = Field(min_length=1)
    reviewed_on: date


class Translation(_Data):
    sections: dict[str, Reviewed] = Field(default_factory=dict)


class Content(_Data):
    """Everything a packet says that is not patient data."""

    language: str
    updated: date  # when the shared text last changed; a clinic review must be newer
    formats: Formats
    treatment_labels: dict[str, str]
    drug_names: dict[TreatmentKind, str]
    labels: dict[str, str]
    sections: tuple[Section, ...]
    warning_tiers: tuple[Tier, ...]
    relapse_signs: Relapse
    tracking_rows: tuple[TrackingRow, ...]
    translation: Translation | None = None  # in a translated file: which English each section followed (content/translation.py)
    treatment: TreatmentKind | None = None  # set once resolved for one kind
    version: str = ""  # updated date plus a hash of the file: printed in the footer
    # The bullets no clinic can remove (``keep: true``) for the resolved kind: part of the
    # safety floor, which render/floor.py requires to print.
    floor_items: tuple[str, ...] = ()


def content_version() -> str:
    """A short hash of the shared content files, so a manifest or audit log says which text was printed."""
    digest = hashlib.sha256()
    for path in sorted(content_dir().glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def available_languages() -> list[str]:
    return sorted(p.stem for p in content_dir().glob("*.yaml"))


@lru_cache(maxsize=8)
def load_shared(language: str) -> Content:
    """The shared content for ``language``, as written (placeholders not filled)."""
    path = content_dir() / f"{language}.yaml"
    if not path.is_file():
        raise ConfigError([Problem(str(path), None, "language", f"no shared content for language '{language}'. "
                                   f"Available: {', '.join(available_languages())}.")])
    data, lines = load_yaml(path)
    try:
        content = Content.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([
            Problem(str(path), lines.get(tuple(e["loc"])), ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()
        ]) from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:6]
    return content.model_copy(update={"version": f"{content.updated.isoformat()}.{digest}"})


def placeholder_values(loaded: LoadedClinic) -> dict[str, str]:
    """The clinic's values content text may name."""
    c = loaded.clinic
    return {
        "clinic": c.name,
        "main": c.contacts.main,
        "after_hours": c.contacts.after_hours,
        "crisis": c.contacts.crisis,
        "emergency": c.contacts.emergency,
    }


def duration(labels: dict[str, str], minutes: int) -> str:
    """``2 hours``, ``1 hour``, ``90 minutes``: whole hours in hours, as people say them."""
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return labels["one_hour"] if hours == 1 else labels["n_hours"].format(n=hours)
    return labels["n_minutes"].format(n=minutes)


def treatment_values(content: Content, proto: Protocol, kind: str) -> dict[str, str]:
    """The protocol's values content text may name, in words."""
    labels = content.labels
    hours = lambda n: duration(labels, n * 60)  # noqa: E731 - tiny local formatter
    return {
        "drug": content.drug_names[kind],  # type: ignore[index]
        "monitoring": duration(labels, proto.monitoring_minutes),
        "escort_hours": hours(proto.escort_hours) if proto.escort_hours else "",
        "unreal_hours": hours(proto.unreal_call_hours),
        "alcohol_rule": labels["alcohol_for"].format(hours=hours(proto.alcohol_free_hours)) if proto.alcohol_free_hours
                        else labels["alcohol_none"],
        "sedative_window": labels["sedatives_for"].format(hours=hours(proto.sedative_free_hours)) if proto.sedative_free_hours
                           else labels["sedatives_today"],
        "bp_top": str(bp[0]) if (bp := proto.blood_pressure_call) else "",
        "bp_bottom": str(bp[1]) if bp else "",
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; an unknown name is a ``KeyError``."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def fill_known(text: str, values: dict[str, str]) -> str:
    """Fill only the placeholders we know now; leave the rest for later."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _wants(kinds: tuple[str, ...] | None, kind: str) -> bool:
    return kinds is None or kind in kinds


def _items_for(items: tuple[str | Item, ...], kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every bullet for ``kind``, the bullets a clinic cannot remove)."""
    chosen = [i for i in items if isinstance(i, str) or _wants(i.kinds, kind)]
    text = tuple(i if isinstance(i, str) else i.text for i in chosen)
    kept = tuple(i.text for i in chosen if isinstance(i, Item) and i.keep)
    return text, kept


def _apply(sections: list[Section], kept: dict[str, tuple[str, ...]], change: TreatmentContentOverrides) -> list[Section]:
    """One layer of clinic overrides: hide, reword, replace or add bullets."""
    out = []
    for section in sections:
        if section.id in change.hide and not section.required:
            continue
        edit = change.sections.get(section.id)
        if edit is not None:
            items = tuple(edit.items) if edit.items is not None else section.items
            must = tuple(k for k in kept.get(section.id, ()) if k not in items)
            section = section.model_copy(update={
                "title": edit.title or section.title,
                "intro": edit.intro if edit.intro is not None else section.intro,
                "items": items + must + tuple(edit.add),
            })
        out.append(section)
    return out


def for_treatment(loaded: LoadedClinic, content: Content, kind: str) -> Content:
    """What a packet for ``kind`` prints: that kind's sections, the clinic's overrides, placeholders filled.

    Raises ``KeyError`` for an unknown placeholder (``build_content`` reports it first).
    """
    if content.treatment == kind:
        return content
    if content.treatment is not None:  # a bug in the caller, not a clinic's problem
        raise ValueError(f"content already resolved for {content.treatment}, not {kind}: pass build_content()'s result")
    loaded = in_language(loaded, content.language)
    proto = loaded.clinic.treatments[kind]  # type: ignore[index]
    sections: list[Section] = []
    kept: dict[str, tuple[str, ...]] = {}
    for section in content.sections:
        if not _wants(section.kinds, kind):
            continue
        variant = section.variants.get(kind) or Variant()  # type: ignore[call-overload]
        items, kept[section.id] = _items_for(variant.items if variant.items is not None else section.items, kind)
        sections.append(Section(
            id=section.id, title=variant.title or section.title,
            intro=variant.intro if variant.intro is not None else section.intro,
            items=items, required=section.required,
        ))
    overrides = loaded.clinic.content
    sections = _apply(sections, kept, overrides)
    by_kind = overrides.treatments.get(kind)  # type: ignore[call-overload]
    if by_kind is not None:
        sections = _apply(sections, kept, by_kind)
    extra = [overrides.warning_signs] + ([by_kind.warning_signs] if by_kind else [])
    menu = has_988_menu(loaded.clinic.country, loaded.clinic.contacts.crisis)
    tiers = tuple(t.model_copy(update={"signs": t.signs + tuple(s for e in extra for s in getattr(e, t.id)),
                                       # where it is true, the Lifeline's own line (its name, hours and phone menu) replaces the intro
                                       "intro": (t.menu_988 if menu and t.menu_988 else t.intro) or None,
                                       "menu_988": None, "card_988": t.card_988 if menu else None})
                  for t in content.warning_tiers)
    rows = tuple(r for r in content.tracking_rows if r.needs is None or getattr(proto, r.needs))
    values = placeholder_values(loaded) | treatment_values(content, proto, kind)
    floor = tuple(dict.fromkeys(text for texts in kept.values() for text in texts))
    merged = content.model_copy(update={"sections": tuple(sections), "warning_tiers": tiers, "tracking_rows": rows,
                                        "floor_items": floor})
    return _fill_all(merged, values).model_copy(update={"treatment": kind})


def packet_content(loaded: LoadedClinic, language: str | None, kind: str) -> Content:
    """What one packet of ``kind`` in ``language`` prints: checked, then resolved (``build_content``, ``for_treatment``).

    A renderer keeps it per clinic, language and treatment (``Renderer.content``); this is for one-off uses.
    """
    return for_treatment(loaded, build_content(loaded, language), kind)


def build_content(loaded: LoadedClinic, language: str | None = None) -> Content:
    """The shared content, checked against this clinic's protocols and overrides for every treatment it offers.

    Raises ``ConfigError`` for a protocol below the safety floor, a hidden medicines
    section, an unknown section id or placeholder: no packet prints from such a config.
    """
    loaded = in_language(loaded, language)  # the clinic's own texts in this language, or an error naming each missing one
    shared = load_shared(loaded.clinic.language)
    overrides = loaded.clinic.content
    known = {s.id for s in shared.sections}
    required = {s.id for s in shared.sections if s.required}
    ids = ", ".join(sorted(known))
    layers = [((), overrides)] + [(("treatments", k), o) for k, o in overrides.treatments.items()]
    problems = [p for p in floor_problems(loaded) if p.severity == "error"]
    for prefix, layer in layers:
        for i, sid in enumerate(layer.hide):
            if sid not in known:
                problems.append(loaded.problem(("content", *prefix, "hide", i), f"no section '{sid}'. Section ids: {ids}."))
            elif sid in required:
                problems.append(loaded.problem(("content", *prefix, "hide", i), (
                    f"the '{sid}' section cannot be hidden: every packet must say which medicines add to sleepiness. "
                    f"Reword it under content.sections.{sid} instead.")))
        problems += [loaded.problem(("content", *prefix, "sections", sid), f"no section '{sid}'. Section ids: {ids}.")
                     for sid in layer.sections if sid not in known]
    problems += [loaded.problem(("content", "treatments", k), f"'{k}' is not a treatment this clinic offers. "
                                f"Offered: {', '.join(loaded.clinic.treatments)}.")
                 for k in overrides.treatments if k not in loaded.clinic.treatments]
    for kind in loaded.clinic.treatments:
        try:
            for_treatment(loaded, shared, kind)
        except KeyError as exc:
            known_names = sorted(placeholder_values(loaded) | treatment_values(shared, loaded.clinic.treatments[kind], kind))
            problems.append(Problem(str(loaded.path), loaded.line("content"), "content",
                                    f"unknown placeholder {{{exc.args[0]}}} in content. Known: {', '.join(known_names)}."))
            break
    if problems:
        raise ConfigError(problems)
    return shared


def _fill_all(content: Content, values: dict[str, str]) -> Content:
    """Fill placeholders in every patient-facing string.

    Labels keep their own ``{n}``-style fields, filled when the packet is built.
    """
    def fix(obj):
        if isinstance(obj, str):
            return fill(obj, values)
        if isinstance(obj, (list, tuple)):
            return [fix(o) for o in obj]
        if isinstance(obj, dict):
            return {k: fix(v) for k, v in obj.items()}
        return obj

    data = content.model_dump()
    for key in ("sections", "warning_tiers", "relapse_signs", "tracking_rows", "floor_items"):
        data[key] = fix(data[key])
    data["labels"] = {k: fill_known(v, values) for k, v in data["labels"].items()}
    return Content.model_validate(data)


def section_units(content: Content) -> dict[str, list[str]]:
    """Each printed block of a resolved packet as the units a reader meets, for reading-grade checks.

    A heading or a bullet is one unit (read as one sentence); an intro is its own
    sentences. Nothing is added: no periods, no joining words.
    """
    units: dict[str, list[str]] = {s.id: [s.title, *([s.intro] if s.intro else []),
                                          *cast("tuple[str, ...]", s.items)]  # resolved: text only
                                   for s in content.sections}
    for tier in content.warning_tiers:
        units[f"tier-{tier.id}-intro"] = [tier.title, *([tier.intro] if tier.intro else []),
                                          *([content.labels[tier.rule_key]] if tier.rule_key else [])]
        if tier.signs:
            units[f"tier-{tier.id}-list"] = list(tier.signs)
    units["relapse-signs"] = [content.relapse_signs.intro, *content.relapse_signs.items]
    units["closing"] = [content.labels["closing"]]
    return units
