"""The clinic config schema: every key, its type, its default, and what it means.

Models forbid unknown keys so a typo (``after_hour:``) is an error, never a silently
missing number on paper. ``docs``-style descriptions here are the source for the
config reference in README.md. This module knows nothing about files or templates.
"""

from __future__ import annotations

import datetime as _dt
import re
import zoneinfo
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, StrictStr, ValidationInfo, field_validator, model_validator

from packets.config.fields import (
    EMAIL,
    HEX_COLOUR,
    SHORT_CODE_FIELDS,
    URL,
    Count,
    Hours,
    LanguageCode,
    Link,
    Minutes,
    PerLanguageText,
    Said,
    Strict,
    Text,
    TreatmentKind,
    per_language,
    said,
    whole_number,
)
from packets.config.overrides import ContentOverrides, Review
from packets.config.phones import format_phone
from packets.config.printers import Printing
from packets.textsafety import excerpt


def _phone(value: str | None, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    region = (info.context or {}).get("region", "US")
    return format_phone(value, region, allow_short=info.field_name in SHORT_CODE_FIELDS)


def _url(value: str | dict[str, str] | None) -> str | dict[str, str] | None:
    for one in (value.values() if isinstance(value, dict) else [value]):
        if one is not None and not URL.match(one):
            raise ValueError(f"{excerpt(one)} is not a web address. Write it in full, starting with https://")
    return value


class Contacts(Strict):
    """Numbers and addresses printed on every packet and card."""

    main: StrictStr = Field(description="Main clinic line (office hours).", json_schema_extra={"shown_as": "phone number, in quotes"})
    after_hours: StrictStr = Field(description="24/7 after-hours line; also the wallet card's QR if `links.card` is not set.",
                                   json_schema_extra={"shown_as": "phone number, in quotes"})
    on_call: StrictStr | None = Field(None, description="On-call provider's number, if separate.",
                                      json_schema_extra={"shown_as": "phone number, in quotes"})
    on_call_name: PerLanguageText | None = Field(None, **per_language(
        "Who answers the on-call line, e.g. 'Dr. Maria Chen', or `{en: Dr. Maria Chen, es: Dra. Maria Chen}`.", "text"))
    email: StrictStr | None = Field(None, description="Patient email address.", json_schema_extra={"shown_as": "email address"})
    portal: Link | None = Field(None, **per_language("Patient portal web address.", "web address `https://...`"))
    crisis: StrictStr = Field("988", description="Crisis line (call or text); must be the country's national line "
                              "(988 in the US and Canada).", json_schema_extra={"shown_as": "phone number or short code"})
    emergency: StrictStr = Field("911", description="Emergency number; must be the country's (911 in the US).",
                                 json_schema_extra={"shown_as": "phone number or short code"})
    main_staffed_24h: bool = Field(False, description="The main line is answered day and night: lets `after_hours` be the same number.")

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

    aftercare: Link = Field(**per_language("Aftercare page; QR on the discharge sheet. A packet in a language the "
                                           "page is not given in says which language the page is in.", "web address `https://...`"))
    tracking_form: Link | None = Field(None, **per_language("Online day 1-3 form; QR on the tracking grid.", "web address `https://...`"))
    card: Link | None = Field(None, **per_language("Link on the wallet card QR; default: a tel: link to the after-hours line.",
                                                   "web address `https://...`"))

    _urls = field_validator("aftercare", "tracking_form", "card")(_url)


EscortKind = Literal["driver", "companion", "sitter"]
# Minutes from the appointment's start to the end of the dose, when a clinic does not say:
# the longest usual infusion (40 to 60 minutes) with its set-up, three esketamine devices
# five minutes apart, a shot, a dose at home. "Until" times count from the end of the dose,
# so a longer guess prints later (safer) times.
DOSE_MINUTES: dict[str, int] = {"iv-ketamine": 60, "im-ketamine": 5, "esketamine-nasal": 15, "oral-ketamine": 0}
BLOOD_PRESSURE = re.compile(r"^\s*(\d{2,3})\s*/\s*(\d{2,3})\s*$")
FloorRule = Literal["monitoring", "driving", "alcohol", "sedatives", "driver", "sitter_hours"]


class FloorException(Strict):
    """A signed exception to one safety-floor rule (config/safety.py) for one treatment; valid for a year."""

    rule: FloorRule = Field(description="The floor rule this protocol goes below: monitoring, driving, alcohol, sedatives, "
                            "driver, sitter_hours.")
    reason: Text = Field(description="Why, in the medical director's words.")
    approved_by: Text = Field(description="The medical director who signed it (name and role).")
    date: _dt.date = Field(description="When it was signed; it expires a year later.")


class Protocol(Strict):
    """One treatment the clinic offers. The numbers are the clinic's own protocol.

    ``packets validate`` holds these numbers to a safety floor (see checks/validate.py):
    the esketamine REMS minimums, a sitter for at-home doses.
    """

    label: Said | None = Field(None, **said("Name printed on the packet; default from shared content."))
    monitoring_minutes: Minutes = Field(ge=0, le=600, description="Minutes of monitoring at the clinic before discharge "
                                        "(0 for an at-home dose).")
    dose_minutes: Minutes | None = Field(
        None, ge=0, le=480,
        description="Minutes from the appointment's start to the end of the dose (an infusion's length with its set-up). "
        "Every 'until' time counts from the end of the dose; without the real end time the sheet says 'about'. "
        "Default: IV 60, IM 5, esketamine 15, at home 0.")
    driving: Annotated[int | Literal["next-day"], whole_number("put a number of hours, or next-day", "next-day")] = Field(
        description="No driving or machines for this many hours after the dose ends, or 'next-day' (after a full night's sleep).",
        json_schema_extra={"shown_as": "hours 1-72, or `next-day`"},
    )
    alcohol_free_hours: Hours = Field(ge=0, le=24 * 14, description="No alcohol, cannabis or street drugs for this many hours "
                                      "after the dose ends (0: for the rest of the day).")
    escort: EscortKind | list[EscortKind] = Field(
        description="driver: a sober adult drives you home; companion: someone stays near you; sitter: a sober adult "
        "stays with you during an at-home dose. A list combines them, e.g. [driver, companion]."
    )
    escort_hours: Hours | None = Field(None, ge=1, le=48, description="For companion or sitter: how many hours they stay.")
    sedative_free_hours: Hours | None = Field(
        None, ge=1, le=72, description="No opioids, sleep or anxiety pills taken now and then for this many hours after the dose ends "
        "(default: for the rest of the day). A daily prescribed one is never stopped: the packet says to ask the clinic."
    )
    unreal_call_hours: Hours = Field(
        4, ge=1, le=24, description="Call the clinic if seeing things or feeling unreal is still there this many hours after the dose."
    )
    home_blood_pressure: StrictStr | None = Field(
        None, description="Add a home blood pressure row to the tracking grid, with the reading that means a call, e.g. \"180/110\" "
        "(top / bottom number, in quotes).", json_schema_extra={"shown_as": "reading in quotes, like `\"180/110\"`"})
    series_length: Count | None = Field(None, ge=1, le=60, description="Treatments in the usual series (prints 'treatment 3 of 6').")
    instructions: list[Said] = Field(default_factory=list, **said("Extra rules for today, printed in the Today box.", plural=True))
    floor_exceptions: list[FloorException] = Field(
        default_factory=list, description="Signed exceptions to the safety floor for this treatment (see \"Safety floor\"); each names "
        "the rule, the reason, the medical director and the date, and expires after a year. Not possible for esketamine's REMS rules.",
        json_schema_extra={"shown_as": "list of `{rule, reason, approved_by, date}`; rule: `monitoring`, `driving`, `alcohol`, "
                           "`sedatives`, `driver` or `sitter_hours`"})
    before_next_visit: list[Said] = Field(default_factory=list, **said("Food and drink rules before the next visit.", plural=True))

    @property
    def escorts(self) -> tuple[str, ...]:
        """The escort rules as a tuple, in the order the clinic wrote them, each once."""
        kinds = [self.escort] if isinstance(self.escort, str) else self.escort
        return tuple(dict.fromkeys(kinds))

    @field_validator("home_blood_pressure", mode="before")
    @classmethod
    def _blood_pressure(cls, value: object) -> object:
        """A reading to act on, or no row: a row with no number tells the patient nothing to do."""
        if value is None or value is False:
            return None
        shown = "yes/no" if isinstance(value, bool) else excerpt(str(value))
        m = BLOOD_PRESSURE.match(value) if isinstance(value, str) else None
        if m is None or not (90 <= int(m[1]) <= 250 and 50 <= int(m[2]) <= 150 and int(m[1]) > int(m[2])):
            raise ValueError(f"{shown} is not a blood pressure reading to call at; put the top and bottom numbers "
                             "in quotes, like \"180/110\", or leave the key out for no blood pressure row.")
        return f"{int(m[1])}/{int(m[2])}"

    @property
    def blood_pressure_call(self) -> tuple[int, int] | None:
        """The home reading (top, bottom) at which the patient calls, or None."""
        if self.home_blood_pressure is None:
            return None
        top, bottom = self.home_blood_pressure.split("/")
        return int(top), int(bottom)

    def dose_length(self, kind: str) -> int:
        """Minutes from the appointment to the end of the dose: the clinic's, else the kind's usual."""
        return self.dose_minutes if self.dose_minutes is not None else DOSE_MINUTES.get(kind, 0)

    @field_validator("escort")
    @classmethod
    def _escort(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list) and not value:
            raise ValueError("escort needs at least one of driver, companion, sitter.")
        return value

    @field_validator("driving")
    @classmethod
    def _driving(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 1 <= value <= 72:
            raise ValueError("driving hours must be between 1 and 72, or 'next-day'.")
        return value


class Branding(Strict):
    """Colours and fonts. Text colours must keep 4.5:1 contrast on white."""

    primary: StrictStr = Field("#1f4e79", description="Clinic name, headings, rules, card title; needs 4.5:1 contrast on white.",
                               json_schema_extra={"shown_as": "colour `\"#rrggbb\"`, in quotes"})
    accent: StrictStr = Field("#8a4b00", description="The Today box; needs 4.5:1 contrast on white.",
                              json_schema_extra={"shown_as": "colour `\"#rrggbb\"`, in quotes"})
    font: Literal["atkinson-hyperlegible", "noto-sans"] = Field("atkinson-hyperlegible", description="Body font.")
    css: StrictStr | None = Field(None, description="Extra CSS file in the clinic folder.", json_schema_extra={"shown_as": "file name"})
    logo_layout: Literal["square", "wordmark"] = Field(
        "square", description="square: the logo in an 18 mm square; wordmark: a wide logo, up to 64 mm across the header."
    )

    @field_validator("primary", "accent")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError(f"{excerpt(value)} is not a colour. Write it as '#RRGGBB' in quotes, e.g. '#1f4e79'.")
        return value.lower()


class ChartSettings(Strict):
    """The chart outbox (``packets.chart``): each packet recorded for the EHR as a FHIR DocumentReference."""

    outbox: StrictStr | None = Field(None, description="Folder where `render` and `batch` write each packet's chart records "
                                     "(relative to the output folder, or absolute); `--chart DIR` overrides it. Default: none "
                                     "(nothing is written for the chart).", json_schema_extra={"shown_as": "folder name"})
    hl7: bool = Field(False, description="Also write an HL7 v2.5.1 MDM^T02 message per packet, for an interface engine "
                      "(needs the patient's MRN).")
    identifier_system: StrictStr | None = Field(None, description="The URI of the MRN's system in the EHR, put in the "
                                                "DocumentReference's subject identifier (for example urn:oid:1.2.36.1.2001.1003.0).",
                                                json_schema_extra={"shown_as": "URI"})
    fhir_base: StrictStr | None = Field(None, description="Send each record to this FHIR R4 server (`POST [base]/DocumentReference`, "
                                        "as a conditional create on the record's id, so it is never filed twice). `https://` "
                                        "(certificate checked); `http://` only to this computer (127.0.0.1, localhost). "
                                        "Default: none (the records wait in the outbox for the clinic's integration).",
                                        json_schema_extra={"shown_as": "web address"})
    fhir_token_env: StrictStr | None = Field(None, description="Environment variable holding the FHIR server's bearer token.",
                                             json_schema_extra={"shown_as": "variable name"})
    fhir_token_file: StrictStr | None = Field(None, description="File holding the FHIR server's bearer token (absolute, or relative "
                                              "to the clinic folder); keep it owner-only.", json_schema_extra={"shown_as": "file name"})
    mllp: StrictStr | None = Field(None, description="Send each HL7 message (`hl7: true`) over MLLP to `host:port` on this "
                                   "computer (MLLP has no encryption: an interface engine here, or a TLS tunnel to a remote one) "
                                   "and wait for its acknowledgement. Default: none.",
                                   json_schema_extra={"shown_as": "host:port"})

    @field_validator("fhir_base")
    @classmethod
    def _fhir_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if not parsed.hostname or parsed.scheme not in ("https", "http") or (parsed.scheme == "http" and not local):
            raise ValueError(f"{value!r} is not an https:// address. Patient records travel only over TLS "
                             "(http:// is accepted for 127.0.0.1 or localhost only).")
        return value.rstrip("/")

    @field_validator("mllp")
    @classmethod
    def _mllp(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port, for example 127.0.0.1:2575.")
        if host.strip("[]") not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"{value!r} is not on this computer. MLLP has no encryption, so messages go only to 127.0.0.1 "
                             "(an interface engine here, or a TLS tunnel such as stunnel to the remote one).")
        return value


class StationSettings(Strict):
    """The front-desk station (``packets serve``): where exports land, how long data is kept."""

    inbox: StrictStr | None = Field(None, description="Folder (in or under the clinic folder) where the scheduling system drops exports; "
                                    "the Today page lists its files.",
                                    json_schema_extra={"shown_as": "folder name"})
    retention_days: int = Field(7, ge=1, le=90, description="Days uploaded schedules, their rows and packets are kept "
                                "before the station deletes them.")
    idle_minutes: int = Field(10, ge=1, le=60, description="Staff are signed out after this many minutes without use.")
    warm_large_print: bool = Field(False, description="Also lay out large-print packets ahead (the station's warming), so the first "
                                   "large-print patient of the day does not wait for them.")


# Our schedule fields, as a column map may name them (see visits/schedule.py).
ScheduleField = Literal[
    "patient_name", "time", "date", "date_time", "treatment", "date_of_birth", "mrn", "session_number",
    "series_length", "escort_name", "next_appointment", "provider", "language", "large_print", "status", "location",
]
# Built-in column maps (visits/readers/presets.py holds them; a test keeps the two lists equal).
PresetName = Literal["simplepractice", "athenahealth", "tebra", "kareo", "intakeq", "osmind"]
ColumnNames = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class ScheduleConfig(Strict):
    """How to read the clinic's own schedule export (CSV columns, dates, time zone, appointment types)."""

    preset: PresetName | None = Field(None, description="Read that system's CSV export (see \"Presets\").")
    columns: dict[ScheduleField, ColumnNames | list[ColumnNames]] = Field(
        default_factory=dict,
        description="Which export column holds `patient_name`, `time`, `date`, `date_time` (date and time in one cell), `treatment`, "
        "`date_of_birth`, `mrn`, `session_number`, `series_length`, `escort_name`, `next_appointment`, `provider`, `language`, "
        "`large_print`, `status`, `location`; a list joins several columns with a space. Overrides the preset; `date_time` and "
        "`date`/`time` exclude each other.",
        json_schema_extra={"shown_as": "mapping of field to column name(s)"},
    )
    date_order: Literal["MDY", "DMY", "YMD"] | None = Field(
        None, description="How to read dates like `05/06/2026`, in schedules, `render --date` and the station's walk-in form. "
        "Default: the preset's, else the clinic's country (`MDY` in the US, `YMD` in China, Japan, Korea and a few others, `DMY` "
        "elsewhere; none in Canada); `validate` says which applies."
    )
    time_zone: StrictStr | None = Field(None, description="The clinic's time zone; required for FHIR and for times with UTC offsets.",
                                        json_schema_extra={"shown_as": "IANA name, e.g. `America/Chicago`"})
    treatments: dict[StrictStr, Literal[TreatmentKind, "skip"]] = Field(
        default_factory=dict, description="e.g. `\"Spravato 84 mg\": esketamine-nasal`, `\"96365\": iv-ketamine`, `\"99214\": skip`; "
        "matched ignoring case and spacing; each kind must be one the clinic offers. Quote numeric codes.",
        json_schema_extra={"shown_as": "mapping of appointment type or billing code to a kind or `skip`"},
    )
    locations: list[Text] = Field(default_factory=list,
                                  description="Print only appointments at these locations (ignoring case); others are "
                                  "skipped and counted. A row with no location fails; a file with no location at all stops.")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name. Use an IANA name such as America/New_York or Europe/Berlin.") from None
        return value

    @field_validator("treatments", mode="before")
    @classmethod
    def _codes_are_text(cls, value: object) -> object:
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    raise ValueError(f"the code {key!r} was read as a number; put it in quotes, e.g. \"{key}\": iv-ketamine.")
        return value

    @model_validator(mode="after")
    def _one_source_of_time(self) -> ScheduleConfig:
        if "date_time" in self.columns and ({"time", "date"} & set(self.columns)):
            raise ValueError("columns: date_time holds the date and the time; map it, or date and time, not both.")
        return self


OPTIONAL_SECTIONS = ("content", "branding", "station", "schedule", "chart")  # default when left empty


class Clinic(Strict):
    """A clinic's whole config (``clinics/<id>/clinic.yaml``)."""

    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")] = Field(
        description="Short id: lowercase letters, digits and hyphens. Must match the folder name."
    )
    name: Text = Field(description="Clinic name as printed.")
    address: list[Text] = Field(min_length=1, max_length=4, description="Address lines.")
    logo: StrictStr | None = Field(None, description="Logo file in the clinic folder (PNG, JPEG or SVG).",
                                   json_schema_extra={"shown_as": "file name"})
    country: Annotated[StrictStr, Field(pattern=r"^[A-Z]{2}$")] = Field(
        "US", description="Country for checking and formatting phone numbers.", json_schema_extra={"shown_as": "two capital letters"})
    paper: Literal["letter", "a4"] = Field("letter", description="Paper size.")
    card_size: Literal["id-1", "business"] = Field("id-1", description="Wallet card: ID-1 (85.60 x 53.98 mm) or business (3.5 x 2 in).")
    language: LanguageCode = Field("en", description="The clinic's main language: shared content file `templates/content/<language>.yaml`, "
                                   "and the language of plain (not per-language) clinic text.",
                                   json_schema_extra={"shown_as": "two or three letters"})
    languages: list[LanguageCode] | None = Field(
        None, min_length=1, description="Languages the clinic prints packets in "
        "(a schedule's `language` column or `render --language` picks one); "
        "every clinic text must then be written in each. Default: `[language]`.",
        json_schema_extra={"shown_as": "list of two or three letters"})
    language_notice: list[LanguageCode] = Field(
        default_factory=list, description="Languages each packet says it is also printed in: one line per language in the page footer, "
        "written in that language (`labels.language_notice` of its content file), so an English packet of a clinic with `[es]` tells a "
        "Spanish reader to ask for the Spanish one. A packet leaves out its own language. "
        "Each must be in `languages`. Default: none (no line).",
        json_schema_extra={"shown_as": "list of two or three letters"})
    contacts: Contacts
    links: Links
    treatments: dict[TreatmentKind, Protocol] = Field(min_length=1, description="Protocols per treatment offered; "
                                                      "kinds: `iv-ketamine`, `im-ketamine`, `esketamine-nasal`, `oral-ketamine`.")
    content: ContentOverrides = Field(default_factory=ContentOverrides)
    branding: Branding = Field(default_factory=Branding)
    review: Review | None = Field(None, description="Content review record, printed small in the footer.")
    footer_text: Said | None = Field(None, **said("Short line printed in every footer."))
    station: StationSettings = Field(default_factory=StationSettings)
    chart: ChartSettings = Field(default_factory=ChartSettings, description="Recording each packet in the chart (EHR).")
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig, description="How to read the clinic's schedule export.")
    printing: Printing | None = Field(None, description="Printers for packets and card sheets (CUPS queues).")

    @model_validator(mode="before")
    @classmethod
    def _commented_out_sections_are_empty(cls, data: Any) -> Any:
        """``schedule:`` with every line under it commented out is read by YAML as null.

        A clinic editing its config comments lines in and out; a section left with none
        means "the defaults", as a missing section does, not an error.
        """
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if not (key in OPTIONAL_SECTIONS and value is None)}
        return data

    @property
    def offered_languages(self) -> tuple[str, ...]:
        """The languages packets print in; the main ``language`` first."""
        return tuple(dict.fromkeys([self.language, *(self.languages or ())]))

    @field_validator("language_notice")
    @classmethod
    def _notice_languages_are_offered(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        """A notice for a language the clinic does not print in would send patients asking for a packet that does not exist."""
        offered = tuple(dict.fromkeys([info.data.get("language", "en"), *(info.data.get("languages") or ())]))
        if stray := [code for code in codes if code not in offered]:
            raise ValueError(f"'{stray[0]}' is not a language this clinic prints packets in (languages: {', '.join(offered)}). "
                             "Add it to languages: or take it out of language_notice.")
        return codes

    @model_validator(mode="after")
    def _protocols(self) -> Clinic:
        if self.languages is not None and self.language not in self.languages:
            raise ValueError(f"languages: {', '.join(self.languages)} leaves out the main language '{self.language}'. Add it to the list.")
        for kind, proto in self.treatments.items():
            for escort in proto.escorts:
                if escort in ("companion", "sitter") and proto.escort_hours is None:
                    raise ValueError(f"treatments.{kind}: escort '{escort}' needs escort_hours (how long they stay).")
        for code, mapped in self.schedule.treatments.items():
            if mapped != "skip" and mapped not in self.treatments:
                raise ValueError(f"schedule.treatments: {code!r} maps to {mapped}, which this clinic does not offer "
                                 f"(treatments: {', '.join(self.treatments)}).")
        return self
