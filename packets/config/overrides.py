"""The ``content`` and ``review`` sections of the clinic config: how a clinic adjusts the shared text.

What a clinic may not change (the safety floor) is checked where the content is
merged (``content.shared``) and on the printed page (``render.floor``).
"""

from __future__ import annotations

import datetime as _dt

from pydantic import Field, StrictStr

from packets.config.fields import Said, Strict, TreatmentKind, said


class SectionOverride(Strict):
    """Change one shared content section. Lists replace; ``add`` appends."""

    title: Said | None = Field(None, **said("Replace the section's title."))
    intro: Said | None = Field(None, **said("Replace the section's first line."))
    items: list[Said] | None = Field(None, **said("Replace the section's bullets.", plural=True))
    add: list[Said] = Field(default_factory=list, **said("Bullets added after the shared ones.", plural=True))


class WarningOverride(Strict):
    """Extra warning signs per tier, appended to the shared list."""

    emergency: list[Said] = Field(default_factory=list, **said("Signs added to 'Call 911'.", plural=True))
    crisis: list[Said] = Field(default_factory=list, **said("Signs added to the crisis tier (988).", plural=True))
    clinic: list[Said] = Field(default_factory=list, **said("Signs added to 'Call us'.", plural=True))


class TreatmentContentOverrides(Strict):
    """Content changes for one treatment kind only, applied after the clinic-wide ones."""

    hide: list[StrictStr] = Field(default_factory=list, description="Section ids to leave out for this treatment.",
                                  json_schema_extra={"shown_as": "list of section ids"})
    sections: dict[StrictStr, SectionOverride] = Field(default_factory=dict, description="Per-section changes for this treatment, by id.")
    warning_signs: WarningOverride = Field(default_factory=WarningOverride)


class ContentOverrides(TreatmentContentOverrides):
    """How the clinic adjusts the shared aftercare content, without touching templates.

    ``hide``, ``sections`` and ``warning_signs`` apply to every treatment;
    ``treatments.<kind>`` holds the same keys for one treatment kind.
    The medicines section can be reworded but never hidden.
    """

    treatments: dict[TreatmentKind, TreatmentContentOverrides] = Field(
        default_factory=dict, description="Changes for one treatment kind only (same keys: hide, sections, warning_signs)."
    )


class Review(Strict):
    """Who at the clinic reviewed the packet's content, and when."""

    by: Said = Field(**said("Who reviewed the content (name and role)."))
    date: _dt.date = Field(description="When; validate warns after 24 months.")
