"""``packets init-clinic``: a new clinic folder that validates and renders as created.

The config lists every key with a short comment, filled with safe stand-ins: phone
numbers from the 555-01xx range that is reserved for fiction, and ``.example`` web
addresses. ``packets validate`` warns about each stand-in still in place, so none
reaches a patient by accident.
"""

from __future__ import annotations

import contextlib
import os
import re
import zoneinfo
from datetime import date
from pathlib import Path

from packets.errors import PacketsError
from packets.files import write_atomic

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
STAND_IN_PHONE = re.compile(r"555[-.\s]?01\d\d\b")
STAND_IN_DOMAIN = ".example"

CONFIG = """\
# {name}: clinic config for `packets`. Every key is described in README.md
# ("Clinic config reference"). Check it with:  packets validate {id}
# Proof it with:  packets preview --clinic {id}   (PNGs in output/{id}/preview/)
#
# The phone numbers (555-01xx) and web addresses (.example) below are stand-ins.
# `packets validate` warns until every one is replaced with your own.

id: {id}                      # must match the folder name
name: {name}                  # clinic name as printed
address:                      # 1 to 4 lines
  - 100 Main Street, Suite 1
  - Springfield, OR 97477
logo: logo.svg                # PNG, JPEG or SVG in this folder; at most 5 MB and 25 megapixels
country: US                   # two-letter country code, for phone numbers
paper: letter                 # letter or a4
card_size: business           # business (3.5 x 2 in) or id-1 (85.60 x 53.98 mm)
language: en                  # shared content file: templates/content/en.yaml
# languages: [en, es]          # print in Spanish too; then write each text of your own in both (README: Languages)

contacts:
  main: "(541) 555-0100"          # office-hours line (keep phone numbers in quotes)
  after_hours: "(541) 555-0199"   # 24/7 line; also on the wallet card
  # on_call: "(541) 555-0150"     # on-call provider, if separate
  # on_call_name: Dr. Jane Smith
  # email: care@clinic.example
  # portal: https://portal.clinic.example
  crisis: "988"                   # crisis line (call or text)
  emergency: "911"                # emergency number

links:                            # QR codes point here; never put patient data in a link
  aftercare: https://{id}.example/aftercare
  # tracking_form: https://{id}.example/track   # online day 1-3 form (QR on the grid)
  # card: https://{id}.example/help             # wallet card QR (default: call the after-hours line)

treatments:                       # one block per treatment you offer:
                                  # iv-ketamine, im-ketamine, esketamine-nasal, oral-ketamine
  iv-ketamine:
    # label: IV ketamine infusion # name printed on the packet (default from shared content)
    monitoring_minutes: 45        # minutes you watch the patient before they go home ("at least 45 minutes")
    driving: 24                   # hours with no driving, or next-day (esketamine: next-day)
    alcohol_free_hours: 24        # hours with no alcohol (0 prints "No alcohol today.")
    escort: driver                # driver, companion (stays near) or sitter (at-home dose);
                                  # a list combines them, e.g. [driver, companion]
    # escort_hours: 8             # needed for companion or sitter
    sedative_free_hours: 4        # hours with no opioids, sleep or anxiety pills (unset: the rest of the day)
    # unreal_call_hours: 4        # call us if seeing things or feeling unreal lasts this long (default 4)
    # home_blood_pressure: "180/110"  # adds a home blood pressure row: call the clinic at this reading or higher
    series_length: 6              # treatments in the usual series ("treatment 3 of 6")
    instructions:                 # extra rules for today, in the Today box
      - Drink plenty of water today.
    before_next_visit:            # food and drink rules before the next visit
      - No solid food for 6 hours before your visit.
  # oral-ketamine:                # at-home dose: validate requires a sitter
  #   monitoring_minutes: 0
  #   driving: next-day
  #   alcohol_free_hours: 24
  #   escort: sitter
  #   escort_hours: 4

content:                          # adjust the shared aftercare text (see templates/content/en.yaml)
  hide: []                        # section ids to leave out, e.g. [first-week]; medicines cannot be hidden
  sections: {{}}                  # e.g. first-week: {{add: [Our group meets on Tuesdays.]}}
  warning_signs:                  # extra signs per tier (emergency, crisis, clinic)
    clinic: []
  treatments: {{}}                # the same keys for one treatment only, e.g.
                                  # oral-ketamine: {{sections: {{your-doses: {{add: [Keep a dose diary.]}}}}}}

branding:
  primary: "#1f4e79"              # headings and rules; needs 4.5:1 contrast on white
  accent: "#8a4b00"               # Today box; needs 4.5:1 contrast on white
  font: atkinson-hyperlegible     # atkinson-hyperlegible or noto-sans
  # css: extra.css                # extra CSS file in this folder

# review:                         # who reviewed the content, and when; printed in the footer
#   by: Dr. Jane Smith, Medical Director
#   date: {today}

footer_text: {name} · 100 Main Street, Springfield   # short line in every footer

schedule:                         # how to read your scheduling system's export (README: Schedule formats)
  {zone_line}
#   preset: simplepractice        # simplepractice, athenahealth, tebra, kareo or intakeq
#   columns:                      # or name your export's columns: our field -> your column
#     patient_name: Client
#     date_time: Date of Service  # date and time in one cell
#     treatment: Billing Code
#   date_order: MDY               # MDY, DMY or YMD: how to read 05/06/2026
#   treatments:                   # appointment type or billing code -> treatment kind, or skip
#     "96365": iv-ketamine
#     "99214": skip
#   locations: [Main Street]      # print only these locations
"""

LOGO = """\
<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120">
  <!-- Placeholder logo: replace logo.svg with your own (PNG, JPEG or SVG). -->
  <rect width="120" height="120" rx="18" fill="#1f4e79"/>
  <text x="60" y="76" font-family="sans-serif" font-size="44" font-weight="bold" fill="#ffffff" text-anchor="middle">{initials}</text>
</svg>
"""


def zone_line(zone: str | None) -> str:
    """The scaffold's ``time_zone`` line, with a comment saying where the zone came from."""
    if zone is None:
        return ("# time_zone: America/Chicago   # could not tell this computer's time zone: put the clinic's own here "
                "and remove the #. Export times with a UTC offset (FHIR, HL7) print in it")
    if is_utc(zone):
        return (f"time_zone: {zone}  # this computer is set to UTC; most clinics are not: put the clinic's own here, "
                "e.g. America/Chicago. Export times with a UTC offset (FHIR, HL7) print in it")
    return (f"time_zone: {zone}  # this computer's time zone when the folder was made; change it if the clinic is elsewhere. "
            "Export times with a UTC offset (FHIR, HL7) print in it")


def is_utc(zone: str) -> bool:
    """``Etc/UTC``, ``UTC``, ``GMT`` and the like: a computer's default, not a place a clinic is."""
    return zone.upper().removeprefix("ETC/") in {"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "UNIVERSAL", "ZULU", "GREENWICH"}


def machine_time_zone() -> str | None:
    """This computer's IANA time zone name: ``$TZ``, else ``/etc/timezone``, else where ``/etc/localtime`` links.

    None when none of them names a zone this Python knows (then the scaffold asks for one).
    """
    candidates = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name and not name.startswith("/") and _known_zone(name):
            return name
    return None


def _known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def clinic_name(clinic_id: str) -> str:
    return " ".join(part.capitalize() for part in clinic_id.split("-") if part)


def init_clinic(clinic_id: str, parent: Path, today: date | None = None, time_zone: str | None = None) -> Path:
    """Create ``parent/clinic_id/`` with clinic.yaml and logo.svg; return the config path.

    ``time_zone``: the clinic's IANA zone (default: this computer's), written into the
    config so the first FHIR or HL7 export the clinic loads prints in clinic time.
    """
    if not ID_PATTERN.match(clinic_id):
        raise PacketsError(f"'{clinic_id}' is not a clinic id. Use 2 to 41 lowercase letters, digits and hyphens, like lakeside-ketamine.")
    if time_zone is not None and not _known_zone(time_zone):
        raise PacketsError(f"--time-zone: '{time_zone}' is not a time zone name. "
                           "Use an IANA name such as America/New_York or Europe/Berlin.")
    folder = parent / clinic_id
    if folder.exists():
        raise PacketsError(f"{folder} already exists. Choose another id, or edit {folder / 'clinic.yaml'}.")
    name = clinic_name(clinic_id)
    initials = "".join(part[0] for part in clinic_id.split("-") if part and part[0].isalpha())[:2].upper() or "C"
    config = folder / "clinic.yaml"
    write_atomic(folder / "logo.svg", LOGO.format(initials=initials).encode())
    write_atomic(config, CONFIG.format(id=clinic_id, name=name, today=(today or date.today()).isoformat(),
                                        zone_line=zone_line(time_zone or machine_time_zone())).encode())
    for path in (folder / "logo.svg", config):
        path.chmod(0o644)  # config, not patient data: the team shares and versions it
    folder.chmod(0o755)
    return config
