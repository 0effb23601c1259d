"""The numbers a patient in danger dials: the country's own, never the clinic's guess.

A packet that says "call 411 now" for a plan to end one's life, or prints "call or text
any time ... veterans press 1" beside a clinic's office number, is worse than no
packet. So the emergency number must be one the country answers for emergencies, the
crisis line must be the country's national line, and the after-hours line must be a
different line from the office's unless the clinic says its main line is staffed day
and night. Countries are added here, with their source, as clinics need them.
"""

from __future__ import annotations

from packets.config.loading import LoadedClinic
from packets.errors import Problem

_EU_112 = ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IT", "LV", "LT", "LU",
           "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI")
# Emergency numbers by country (ITU-T E.161 operational bulletins; the EU's single number 112).
EMERGENCY: dict[str, tuple[str, ...]] = {
    "US": ("911",), "CA": ("911",), "MX": ("911",), "PR": ("911",),
    "GB": ("999", "112"), "IE": ("112", "999"), "AU": ("000", "112"), "NZ": ("111",),
    "CH": ("144", "112"), "NO": ("113", "112"), "IN": ("112",),
    **{code: ("112",) for code in _EU_112},
}
# National crisis lines whose call-and-text service the shared content describes ("call or
# text ... any time"): 988 in the US (since July 2022) and in Canada (since November 2023).
CRISIS: dict[str, str] = {"US": "988", "CA": "988"}
# The 988 Lifeline's phone menu (veterans press 1, Spanish press 2) exists in the US only.
MENU_988 = ("US",)


def lifeline_problems(loaded: LoadedClinic) -> list[Problem]:
    """Emergency, crisis and after-hours numbers that would send a patient to the wrong place."""
    clinic = loaded.clinic
    c, country = clinic.contacts, clinic.country
    found = []
    allowed = EMERGENCY.get(country)
    if allowed is None:
        found.append(loaded.problem(("country",), (
            f"packets has no emergency number on file for {country}, so it cannot check contacts.emergency. "
            "Ask the packets team to add your country's number (packets/config/lifelines.py).")))
    elif c.emergency not in allowed:
        found.append(loaded.problem(("contacts", "emergency"), (
            f"{c.emergency} is not the emergency number in {country}. Set emergency: \"{allowed[0]}\".")))
    crisis = CRISIS.get(country)
    if crisis is None:
        found.append(loaded.problem(("country",), (
            f"packets has no national crisis line on file for {country}; the crisis tier's words (call or text, any time) "
            "are written for 988 in the US and Canada. Ask the packets team to add your country's line.")))
    elif c.crisis != crisis:
        own = c.crisis in {c.main, c.after_hours, c.on_call}
        why = "one of your clinic's own numbers" if own else f"not the national crisis line in {country}"
        found.append(loaded.problem(("contacts", "crisis"), (
            f"{c.crisis} is {why}; the crisis tier promises a line answered by call or text, day and night. "
            f"Set crisis: \"{crisis}\" (your after-hours line prints in the CALL US tier).")))
    if c.after_hours == c.main and not c.main_staffed_24h:
        found.append(loaded.problem(("contacts", "after_hours"), (
            "after_hours is the same number as main, so the packet would tell patients at night to call the office. "
            "Give the 24/7 line, or set main_staffed_24h: true if your main line is answered day and night.")))
    return found


def has_988_menu(country: str, crisis: str) -> bool:
    """Whether the 988 phone menu (veterans 1, Spanish 2) is true of this clinic's crisis line."""
    return country in MENU_988 and crisis == "988"
