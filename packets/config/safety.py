"""The safety floor for treatment protocols: numbers below what the drug's own rules allow.

A clinic sets its own protocol numbers, but some have a floor that no clinic may go
under, because the paper would then tell a patient something unsafe (drive two hours
after esketamine, take an at-home dose alone). Each message names the rule's source so
the clinic can check it. Errors stop ``validate`` and every render (``build_content``
calls this); a short IV or IM driving ban is only a warning, for the medical director
to confirm.
"""

from __future__ import annotations

from packets.config.loading import LoadedClinic
from packets.errors import Problem

# Where each floor comes from, quoted in the message so a clinic can check it.
REMS = "Spravato (esketamine) REMS: at least 2 hours of monitoring after each dose, no driving until the next day after a restful sleep"
AT_HOME = "at-home ketamine safety: a sober adult stays with the patient, awake, for set hours after each dose"
IV_IM_DRIVING = "usual IV and IM ketamine practice: no driving for 12 to 24 hours, or until the next day"
ESKETAMINE_MIN_MONITORING = 120
IV_IM_MIN_DRIVING_HOURS = 12


def protocol_floor(loaded: LoadedClinic) -> list[Problem]:
    """Protocols below what the drug's own safety rules allow: errors (a warning for short IV/IM driving bans)."""
    found = []
    for kind, proto in loaded.clinic.treatments.items():
        at = ("treatments", kind)
        if kind == "esketamine-nasal":
            if proto.monitoring_minutes < ESKETAMINE_MIN_MONITORING:
                found.append(loaded.problem((*at, "monitoring_minutes"), (
                    f"{proto.monitoring_minutes} minutes of monitoring is below the floor of {ESKETAMINE_MIN_MONITORING}. "
                    f"Source: {REMS}. Set monitoring_minutes: {ESKETAMINE_MIN_MONITORING} or more.")))
            if proto.driving != "next-day":
                found.append(loaded.problem((*at, "driving"), (
                    f"driving after {proto.driving} hours is not allowed for esketamine. Source: {REMS}. Set driving: next-day.")))
        if kind == "oral-ketamine":
            if "sitter" not in proto.escorts:
                found.append(loaded.problem((*at, "escort"), (
                    f"an at-home dose needs a sitter. Source: {AT_HOME}. Set escort: sitter (or add sitter to the list) "
                    "and escort_hours.")))
            elif not proto.escort_hours:
                found.append(loaded.problem((*at, "escort_hours"), f"a sitter needs escort_hours. Source: {AT_HOME}."))
        if kind in ("iv-ketamine", "im-ketamine") and isinstance(proto.driving, int) and proto.driving < IV_IM_MIN_DRIVING_HOURS:
            found.append(loaded.problem((*at, "driving"), (
                f"driving after {proto.driving} hours is shorter than usual ({IV_IM_MIN_DRIVING_HOURS} hours or more). "
                f"Source: {IV_IM_DRIVING}. Check this is your medical director's rule."), "warning"))
    return found
