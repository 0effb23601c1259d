"""The clinic config schema: every key, its type, its default, and what it means.

Models forbid unknown keys so a typo (``after_hour:``) is an error, never a silently
missing number on paper. ``docs``-style descriptions here are the source for the
config reference in README.md. This module knows nothing about files or templates.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr, ValidationInfo, field_validator, model_validator

from packets.config.phones import format_phone
from packets.textsafety import excerpt

TreatmentKind = Literal["iv-ketamine", "im-ketamine", "esketamine-nasal", "oral-ketamine"]

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

SHORT_CODE_FIELDS = ("crisis", "emergency")

Text = Annotated[StrictStr, Field(min_length=1, max_length=600)]


def _not_a_number(value: object) -> str:
    """What YAML actually read, said so that the fix is obvious."""
    if isinstance(value, bool):
        return "YAML read this as yes/no (true/false), not a number"
    if value is None:
        return "this is empty"
    if isinstance(value, str):
        return f"{excerpt(value)} is text, not a number"
    if isinstance(value, float):
        return f"{value} is not a whole number"
    return "this is a list or a mapping, not a number"


def whole_number(hint: str, *words: str) -> BeforeValidator:
    """A strict whole number (or one of ``words``): ``yes``, ``~`` or ``"24"`` is an error, never 1 or 0.

    Pydantic's lax mode would read ``driving: yes`` as 1 hour; on paper that is
    "do not drive until 3:30 PM" for a 2:30 PM dose.
    """
    def check(value: object) -> object:
        if value in words and isinstance(value, str):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_not_a_number(value)}; {hint}.")
        return value
    return BeforeValidator(check)


Minutes = Annotated[int, whole_number("put a number of minutes, like 45")]
Hours = Annotated[int, whole_number("put a number of hours, like 24")]
Count = Annotated[int, whole_number("put a whole number, like 6")]


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _phone(value: str | None, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    region = (info.context or {}).get("region", "US")
    return format_phone(value, region, allow_short=info.field_name in SHORT_CODE_FIELDS)


def _url(value: str | None) -> str | None:
    if value is not None and not URL.match(value):
        raise ValueError(f"{excerpt(value)} is not a web address. Write it in full, starting with https://")
    return value


class Contacts(Strict):
    """Numbers and addresses printed on every packet and card."""

    main: StrictStr = Field(description="Main clinic line (office hours).")
    after_hours: StrictStr = Field(description="24/7 after-hours line.")
    on_call: StrictStr | None = Field(None, description="On-call provider's number, if separate.")
    on_call_name: Text | None = Field(None, description="Who answers the on-call line, e.g. 'Dr. Maria Chen'.")
    email: StrictStr | None = Field(None, description="Patient email address.")
    portal: StrictStr | None = Field(None, description="Patient portal web address.")
    crisis: StrictStr = Field("988", description="Crisis line (call or text).")
    emergency: StrictStr = Field("911", description="Emergency number.")

    _phones = field_validator("main", "after_hours", "on_call", "crisis", "emergency")(_phone)
    _portal = field_validator("portal")(_url)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError(f"{excerpt(value)} is not an email address.")
        return value


class Links(Strict):
    """Web addresses behind the QR codes. Never patient data."""

    aftercare: StrictStr = Field(description="Aftercare page; QR on the discharge sheet.")
    tracking_form: StrictStr | None = Field(None, description="Online day 1-3 form; QR on the tracking grid.")
    card: StrictStr | None = Field(None, description="Link on the wallet card QR; default: a tel: link to the after-hours line.")

    _urls = field_validator("aftercare", "tracking_form", "card")(_url)


class Protocol(Strict):
    """One treatment the clinic offers. The numbers are the clinic's own protocol."""

    label: Text | None = Field(None, description="Name printed on the packet; default from shared content.")
    monitoring_minutes: Minutes = Field(ge=0, le=600, description="Minutes of monitoring at the clinic before discharge.")
    driving: Annotated[int | Literal["next-day"], whole_number("put a number of hours, or next-day", "next-day")] = Field(
        description="No driving for this many hours after the dose, or 'next-day' (after a full night's sleep)."
    )
    alcohol_free_hours: Hours = Field(ge=0, le=24 * 14, description="No alcohol for this many hours after the dose.")
    escort: Literal["driver", "companion", "sitter"] = Field(
        description="driver: a sober adult drives you home; companion: someone stays near you; sitter: a sober adult stays with you during an at-home dose."
    )
    escort_hours: Hours | None = Field(None, ge=1, le=48, description="For companion or sitter: how many hours they stay.")
    series_length: Count | None = Field(None, ge=1, le=60, description="Treatments in the usual series (prints 'treatment 3 of 6').")
    instructions: list[Text] = Field(default_factory=list, description="Extra rules for today, printed in the Today box.")
    before_next_visit: list[Text] = Field(default_factory=list, description="Food and drink rules before the next visit.")

    @field_validator("driving")
    @classmethod
    def _driving(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 72:
            raise ValueError("driving hours must be between 1 and 72, or 'next-day'.")
        return value


class SectionOverride(Strict):
    """Change one shared content section. Lists replace; ``add`` appends."""

    title: Text | None = None
    intro: Text | None = None
    items: list[Text] | None = Field(None, description="Replace the section's bullets.")
    add: list[Text] = Field(default_factory=list, description="Bullets added after the shared ones.")


class WarningOverride(Strict):
    """Extra warning signs per tier, appended to the shared list."""

    emergency: list[Text] = Field(default_factory=list)
    crisis: list[Text] = Field(default_factory=list)
    clinic: list[Text] = Field(default_factory=list)


class ContentOverrides(Strict):
    """How the clinic adjusts the shared aftercare content, without touching templates."""

    hide: list[StrictStr] = Field(default_factory=list, description="Section ids to leave out.")
    sections: dict[StrictStr, SectionOverride] = Field(default_factory=dict, description="Per-section changes, by id.")
    warning_signs: WarningOverride = Field(default_factory=WarningOverride)


class Review(Strict):
    """Who at the clinic reviewed the packet's content, and when."""

    by: Text
    date: date


class Branding(Strict):
    """Colours and fonts. Text colours must keep 4.5:1 contrast on white."""

    primary: StrictStr = Field("#1f4e79", description="Headings and rules (hex, e.g. '#1f4e79').")
    accent: StrictStr = Field("#8a4b00", description="Box borders and labels (hex).")
    font: Literal["atkinson-hyperlegible", "noto-sans"] = Field("atkinson-hyperlegible", description="Body font.")
    css: StrictStr | None = Field(None, description="Extra CSS file in the clinic folder.")

    @field_validator("primary", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError(f"{excerpt(value)} is not a colour. Write it as '#RRGGBB' in quotes, e.g. '#1f4e79'.")
        return value.lower()


class Clinic(Strict):
    """A clinic's whole config (``clinics/<id>/clinic.yaml``)."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")] = Field(
        description="Short id: lowercase letters, digits and hyphens. Must match the folder name."
    )
    name: Text = Field(description="Clinic name as printed.")
    address: list[Text] = Field(min_length=1, max_length=4, description="Address lines.")
    logo: StrictStr | None = Field(None, description="Logo file in the clinic folder (PNG, JPEG or SVG).")
    country: Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$")] = Field("US", description="Country code for phone numbers.")
    paper: Literal["letter", "a4"] = Field("letter", description="Paper size.")
    card_size: Literal["id-1", "business"] = Field("id-1", description="Wallet card: ID-1 (85.60 x 53.98 mm) or business (3.5 x 2 in).")
    language: Annotated[StrictStr, Field(pattern=r"^[a-z]{2}$")] = Field("en", description="Shared content language file.")
    contacts: Contacts
    links: Links
    treatments: dict[TreatmentKind, Protocol] = Field(min_length=1, description="Protocols per treatment kind offered.")
    content: ContentOverrides = Field(default_factory=ContentOverrides)
    branding: Branding = Field(default_factory=Branding)
    review: Review | None = Field(None, description="Content review record, printed small in the footer.")
    footer_text: Text | None = Field(None, description="Short line printed in every footer.")

    @model_validator(mode="after")
    def _protocols(self) -> "Clinic":
        for kind, proto in self.treatments.items():
            if proto.escort in ("companion", "sitter") and proto.escort_hours is None:
                raise ValueError(f"treatments.{kind}: escort '{proto.escort}' needs escort_hours (how long they stay).")
        return self
