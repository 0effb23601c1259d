"""Which English text each translated section was made from, and whether it still is.

A translation is only as good as the English it followed: when an English section
changes after its translation was reviewed, the translated file falls behind without
a sound. So each language file other than English records, per section, a short hash
of the English it was translated from, who reviewed it and when (``translation:`` at
its end). This module hashes the English as it is now; ``packets translations``,
``validate`` and the tests name every section whose English has moved on.

The hash covers the English data (words, kinds, keys), not its comments, so a comment
edit leaves translations current and any change a reader could see does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from packets.assets.paths import content_dir
from packets.config.yamlfile import load_yaml

SOURCE = "en"  # the language every other content file is translated from
WHOLE = ("treatment_labels", "drug_names", "labels", "relapse_signs")  # one section each
BY_ID = ("sections", "warning_tiers", "tracking_rows")  # one section per item, named by its id


@dataclass(frozen=True)
class SectionStatus:
    """One section of a translation: the English hash it records, and the English's now."""

    section: str  # "labels", "sections.first-day", "warning_tiers.crisis"
    recorded: str | None  # None: the file has no record for this section
    current: str | None  # None: the English no longer has this section
    reviewed_by: str | None = None
    reviewed_on: date | None = None

    @property
    def is_current(self) -> bool:
        return self.recorded is not None and self.recorded == self.current

    def problem(self) -> str:
        """What is wrong and what to do, in one line (for a current section: empty)."""
        if self.is_current:
            return ""
        if self.current is None:
            return f"{self.section}: recorded, but the English has no such section any more. Remove its record."
        if self.recorded is None:
            return (f"{self.section}: no record of the English it was translated from. Translate and review it, "
                    f"then record it: {self.record_line()}")
        return (f"{self.section}: the English changed after this was translated (recorded {self.recorded}, English now "
                f"{self.current}). Translate the change, have it reviewed, then record it: {self.record_line()}")

    def record_line(self, by: str = "NAME", on: date | None = None) -> str:
        """The line to put under ``translation.sections`` once the section is translated and reviewed."""
        return (f"{self.section}: {{source: {self.current}, reviewed_by: {by}, "
                f"reviewed_on: {(on or date.today()).isoformat()}}}")


def english_sections(data: dict[str, Any]) -> dict[str, Any]:
    """The English content file's data, cut into the sections a translation records."""
    sections = {key: data.get(key) for key in WHOLE}
    for group in BY_ID:
        for item in data.get(group) or ():
            sections[f"{group}.{item['id']}"] = item
    return sections


def fingerprint(value: Any) -> str:
    """A short, stable hash of one section's data (key order and YAML layout do not count)."""
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def translated_languages(folder: Path | None = None) -> list[str]:
    """Every content language but the source, by file name."""
    return sorted(p.stem for p in (folder or content_dir()).glob("*.yaml") if p.stem != SOURCE)


def translation_status(language: str, folder: Path | None = None) -> list[SectionStatus]:
    """Each section of ``language``'s file against the English as it is now, in the English's order."""
    folder = folder or content_dir()
    english, _ = load_yaml(folder / f"{SOURCE}.yaml")
    data, _ = load_yaml(folder / f"{language}.yaml")
    records: dict[str, Any] = ((data or {}).get("translation") or {}).get("sections") or {}
    now = {name: fingerprint(value) for name, value in english_sections(english).items()}
    status = [_status(name, records.get(name), current) for name, current in now.items()]
    status += [_status(name, record, None) for name, record in records.items() if name not in now]
    return status


def stale_sections(language: str, folder: Path | None = None) -> list[SectionStatus]:
    """The sections of ``language`` whose English changed, that have no record, or that the English lost."""
    return [s for s in translation_status(language, folder) if not s.is_current]


def stale_report(languages: Iterable[str], folder: Path | None = None) -> list[tuple[str, SectionStatus]]:
    """``(language, section)`` for every out-of-date section of ``languages``."""
    return [(code, s) for code in languages if code != SOURCE for s in stale_sections(code, folder)]


def _status(name: str, record: Any, current: str | None) -> SectionStatus:
    record = record if isinstance(record, dict) else {}
    on = record.get("reviewed_on")
    return SectionStatus(name, str(record["source"]) if record.get("source") else None, current,
                         record.get("reviewed_by"), on if isinstance(on, date) else None)
