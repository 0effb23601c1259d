"""Shared aftercare content, merged with one clinic's overrides.

Content is data (``templates/content/<language>.yaml``), so a new language is a new
file, not a code change. A clinic can hide a section, replace its bullets, add
bullets or warning signs; this module applies those changes and fills the
``{placeholders}`` with the clinic's own numbers. Clinical numbers never live in
the prose: a placeholder that names no known value is an error.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from packets.assets.paths import content_dir
from packets.config.loading import LoadedClinic
from packets.errors import ConfigError, Problem
from packets.config.yamlfile import load_yaml

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Section(_Data):
    id: str
    title: str
    intro: str | None = None
    items: tuple[str, ...]


class Tier(_Data):
    id: Literal["emergency", "crisis", "clinic"]
    label_key: str
    title: str
    intro: str
    phone: Literal["emergency", "crisis", "after_hours", "main"]
    signs: tuple[str, ...]
    signs_need_review: bool = False


class Relapse(_Data):
    intro: str
    items: tuple[str, ...]


class TrackingRow(_Data):
    id: str
    label: str
    hint: str
    urgent: bool = False


class Formats(_Data):
    weekdays: tuple[str, ...] = Field(min_length=7, max_length=7)
    weekdays_short: tuple[str, ...] = Field(min_length=7, max_length=7)
    months_short: tuple[str, ...] = Field(min_length=12, max_length=12)
    clock: Literal["12h", "24h"]
    am: str
    pm: str


class Content(_Data):
    """Everything a packet says that is not patient data."""

    language: str
    formats: Formats
    treatment_labels: dict[str, str]
    labels: dict[str, str]
    sections: tuple[Section, ...]
    warning_tiers: tuple[Tier, ...]
    relapse_signs: Relapse
    tracking_rows: tuple[TrackingRow, ...]


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
        raise ConfigError([Problem(str(path), None, "language", f"no shared content for language '{language}'. Available: {', '.join(available_languages())}.")])
    data, lines = load_yaml(path)
    try:
        return Content.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([
            Problem(str(path), lines.get(tuple(e["loc"])), ".".join(map(str, e["loc"])), e["msg"]) for e in exc.errors()
        ]) from None


def placeholder_values(loaded: LoadedClinic) -> dict[str, str]:
    """The only values content text may name."""
    c = loaded.clinic
    return {
        "clinic": c.name,
        "main": c.contacts.main,
        "after_hours": c.contacts.after_hours,
        "crisis": c.contacts.crisis,
        "emergency": c.contacts.emergency,
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; an unknown name is a ``KeyError``."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def build_content(loaded: LoadedClinic, language: str | None = None) -> Content:
    """Shared content with the clinic's overrides applied and placeholders filled."""
    shared = load_shared(language or loaded.clinic.language)
    overrides = loaded.clinic.content
    known = {s.id for s in shared.sections}
    problems = [
        loaded.problem(("content", "hide", i), f"no section '{sid}'. Section ids: {', '.join(sorted(known))}.")
        for i, sid in enumerate(overrides.hide) if sid not in known
    ] + [
        loaded.problem(("content", "sections", sid), f"no section '{sid}'. Section ids: {', '.join(sorted(known))}.")
        for sid in overrides.sections if sid not in known
    ]
    values = placeholder_values(loaded)
    sections = []
    for section in shared.sections:
        if section.id in overrides.hide:
            continue
        change = overrides.sections.get(section.id)
        if change is not None:
            section = section.model_copy(update={
                "title": change.title or section.title,
                "intro": change.intro if change.intro is not None else section.intro,
                "items": tuple(change.items if change.items is not None else section.items) + tuple(change.add),
            })
        sections.append(section)
    extra = overrides.warning_signs
    tiers = tuple(t.model_copy(update={"signs": t.signs + tuple(getattr(extra, t.id))}) for t in shared.warning_tiers)
    merged = shared.model_copy(update={"sections": tuple(sections), "warning_tiers": tiers})
    try:
        filled = _fill_all(merged, values)
    except KeyError as exc:
        problems.append(Problem(str(content_dir()), None, "", f"unknown placeholder {{{exc.args[0]}}} in content. Known: {', '.join(sorted(values))}."))
    if problems:
        raise ConfigError(problems)
    return filled


def _fill_all(content: Content, values: dict[str, str]) -> Content:
    """Fill placeholders in every patient-facing string except label templates.

    Labels keep their own ``{n}``-style fields, filled when the packet is built.
    """
    def fix(obj):  # noqa: ANN001, ANN202 - walks plain data
        if isinstance(obj, str):
            return fill(obj, values)
        if isinstance(obj, (list, tuple)):
            return [fix(o) for o in obj]
        if isinstance(obj, dict):
            return {k: fix(v) for k, v in obj.items()}
        return obj

    data = content.model_dump()
    for key in ("sections", "warning_tiers", "relapse_signs", "tracking_rows"):
        data[key] = fix(data[key])
    data["labels"] = {k: fill_known(v, values) for k, v in data["labels"].items()}
    return Content.model_validate(data)


def fill_known(text: str, values: dict[str, str]) -> str:
    """Fill only the placeholders we know now; leave the rest for later."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def section_texts(content: Content) -> dict[str, str]:
    """Each section's patient-facing text as one string, for reading-grade checks."""
    texts = {s.id: " ".join([s.title, s.intro or "", *s.items]) for s in content.sections}
    for tier in content.warning_tiers:
        texts[f"warning-{tier.id}"] = " ".join([tier.intro, *(s + "." for s in tier.signs)])
    texts["relapse-signs"] = " ".join([content.relapse_signs.intro, *(s + "." for s in content.relapse_signs.items)])
    return texts
