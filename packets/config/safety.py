"""The safety floor for treatment protocols: numbers below what the sources allow.

A clinic sets its own protocol numbers, but each kind has a floor, because below it
the paper would tell a patient something unsafe (drive two hours after an infusion,
take an at-home dose alone). Each message names the rule's source so the clinic can
check it. Errors stop ``validate`` and every render (``build_content`` calls
``floor_problems``).

A clinic may go below a floor only with a signed exception in its config
(``treatments.<kind>.floor_exceptions``: the rule, the reason, the medical director
and the date; it expires after a year). Esketamine's REMS rules allow no exception:
they are the drug's conditions of use. No exception can make a sentence impossible
("we watch you for at least 0 minutes"): a clinic dose with no monitoring, and an
at-home dose with no sitter, allow none either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from packets.config.contradictions import contradictions
from packets.config.lifelines import lifeline_problems
from packets.config.loading import LoadedClinic
from packets.config.schema import FloorException, Protocol
from packets.errors import Problem

# Where each floor comes from (reference/content-brief.md, "Numbers that differ by clinic
# and treatment", and the five aftercare sources it summarises), quoted in each message.
REMS = "Spravato (esketamine) REMS: at least 2 hours of monitoring after each dose, no driving until the next day after a restful sleep"
AT_HOME = ("at-home ketamine safety: a sober adult stays with the patient, awake, for set hours after each dose "
           "(acute effects last 1 to 2 hours)")
IV_IM_MONITORING = "usual IV and IM ketamine practice: 15 to 60 minutes of monitoring before discharge"
IV_IM_DRIVING = "usual IV and IM ketamine practice: no driving for 12 to 24 hours, or until the next morning"
CLINIC_RIDE = "ketamine and esketamine given at a clinic: no discharge without a sober adult to drive the patient home"
ALCOHOL = "ketamine aftercare: commonly no alcohol for 24 hours"
SEDATIVES = ("ketamine aftercare: no opioids, sleep or anxiety pills or cannabis for at least 4 hours "
             "(they add to sedation and slow breathing)")

ESKETAMINE_MIN_MONITORING = 120
IV_IM_MIN_MONITORING = 15
IV_IM_MIN_DRIVING_HOURS = 12
MIN_ALCOHOL_HOURS = 24
MIN_SEDATIVE_HOURS = 4
MIN_SITTER_HOURS = 2
EXCEPTION_DAYS = 365
AT_CLINIC = ("iv-ketamine", "im-ketamine", "esketamine-nasal")


@dataclass(frozen=True)
class Breach:
    """One protocol value below its floor."""

    rule: str  # a FloorRule
    key: str  # the config key under treatments.<kind>
    message: str
    fix: str
    exceptable: bool = True


def breaches(kind: str, proto: Protocol) -> list[Breach]:
    """Every floor rule ``proto`` goes below, before any exception."""
    found = []
    if kind == "esketamine-nasal":
        if proto.monitoring_minutes < ESKETAMINE_MIN_MONITORING:
            found.append(Breach("monitoring", "monitoring_minutes",
                                f"{proto.monitoring_minutes} minutes of monitoring is below the floor of {ESKETAMINE_MIN_MONITORING}. "
                                f"Source: {REMS}.",
                                f"Set monitoring_minutes: {ESKETAMINE_MIN_MONITORING} or more.", exceptable=False))
        if proto.driving != "next-day":
            found.append(Breach("driving", "driving", f"driving after {proto.driving} hours is not allowed for esketamine. Source: {REMS}.",
                                "Set driving: next-day.", exceptable=False))
    if kind in ("iv-ketamine", "im-ketamine"):
        if proto.monitoring_minutes < IV_IM_MIN_MONITORING:
            found.append(Breach("monitoring", "monitoring_minutes",
                                f"{proto.monitoring_minutes} minutes of monitoring is below the floor of {IV_IM_MIN_MONITORING}. "
                                f"Source: {IV_IM_MONITORING}.",
                                f"Set monitoring_minutes: {IV_IM_MIN_MONITORING} or more.",
                                exceptable=proto.monitoring_minutes > 0))  # "we watch you for at least 0 minutes" is never true
        if isinstance(proto.driving, int) and proto.driving < IV_IM_MIN_DRIVING_HOURS:
            found.append(Breach("driving", "driving",
                                f"driving after {proto.driving} hours is below the floor of {IV_IM_MIN_DRIVING_HOURS} hours. "
                                f"Source: {IV_IM_DRIVING}.",
                                f"Set driving: {IV_IM_MIN_DRIVING_HOURS} or more, or next-day."))
    if kind in AT_CLINIC and "driver" not in proto.escorts:
        found.append(Breach("driver", "escort", f"a patient treated at the clinic needs a driver home. Source: {CLINIC_RIDE}.",
                            "Add driver to escort."))
    if kind == "oral-ketamine":
        if "sitter" not in proto.escorts:
            found.append(Breach("sitter_hours", "escort", f"an at-home dose needs a sitter. Source: {AT_HOME}.",
                                "Set escort: sitter (or add sitter to the list) and escort_hours.", exceptable=False))
        elif (proto.escort_hours or 0) < MIN_SITTER_HOURS:
            found.append(Breach("sitter_hours", "escort_hours",
                                f"a sitter for {proto.escort_hours or 0} hours is below the floor of {MIN_SITTER_HOURS}. "
                                f"Source: {AT_HOME}.",
                                f"Set escort_hours: {MIN_SITTER_HOURS} or more."))
    if proto.alcohol_free_hours < MIN_ALCOHOL_HOURS:
        said = ("no alcohol for the rest of the day only" if proto.alcohol_free_hours == 0
                else f"{proto.alcohol_free_hours} hours without alcohol")
        found.append(Breach("alcohol", "alcohol_free_hours", f"{said} is below the floor of {MIN_ALCOHOL_HOURS} hours. Source: {ALCOHOL}.",
                            f"Set alcohol_free_hours: {MIN_ALCOHOL_HOURS} or more."))
    if proto.sedative_free_hours is not None and proto.sedative_free_hours < MIN_SEDATIVE_HOURS:
        found.append(Breach("sedatives", "sedative_free_hours",
                            f"{proto.sedative_free_hours} hours without sedatives is below the floor of {MIN_SEDATIVE_HOURS}. "
                            f"Source: {SEDATIVES}.",
                            f"Set sedative_free_hours: {MIN_SEDATIVE_HOURS} or more (or leave it out: the rest of the day)."))
    return found


def expires(exception: FloorException) -> date:
    return exception.date + timedelta(days=EXCEPTION_DAYS)


def active_exceptions(loaded: LoadedClinic, kind: str, today: date | None = None) -> list[FloorException]:
    """The signed, current exceptions that ``kind``'s protocol actually uses (for the review line)."""
    proto = loaded.clinic.treatments.get(kind)  # type: ignore[call-overload]
    if proto is None:
        return []
    today = today or date.today()
    used = {b.rule for b in breaches(kind, proto) if b.exceptable}
    return [e for e in proto.floor_exceptions if e.rule in used and e.date <= today < expires(e)]


def protocol_floor(loaded: LoadedClinic, today: date | None = None) -> list[Problem]:
    """Protocols below the floor without a valid exception (errors); exceptions in use (warnings, so validate lists them)."""
    today = today or date.today()
    found = []
    for kind, proto in loaded.clinic.treatments.items():
        at = ("treatments", kind)
        signed = {e.rule: (i, e) for i, e in enumerate(proto.floor_exceptions)}
        below = breaches(kind, proto)
        for breach in below:
            where = (*at, breach.key)
            if breach.rule not in signed:
                hint = (" Or, if your medical director signs it, add a floor_exceptions entry "
                        f"(rule: {breach.rule}, reason, approved_by, date).") if breach.exceptable else ""
                found.append(loaded.problem(where, f"{breach.message} {breach.fix}{hint}"))
                continue
            index, exception = signed[breach.rule]
            key = (*at, "floor_exceptions", index)
            if not breach.exceptable:
                found.append(loaded.problem(key, f"{breach.message} This rule allows no exception. {breach.fix}"))
            elif exception.date > today:
                found.append(loaded.problem(key, f"the exception for '{breach.rule}' is dated {exception.date}, in the future. "
                                            "Put the date it was signed."))
            elif today >= expires(exception):
                found.append(loaded.problem(key, (
                    f"the exception for '{breach.rule}' signed on {exception.date} expired on {expires(exception)}. "
                    f"Have it signed again (new date) or {breach.fix[0].lower()}{breach.fix[1:]}")))
            else:
                found.append(loaded.problem(where, (
                    f"exception to the safety floor: {breach.message} Approved by {exception.approved_by} on {exception.date} "
                    f"(reason: {exception.reason}); expires on {expires(exception)}. The packet's footer says it has approved exceptions."),
                    "warning"))
        used = {b.rule for b in below}
        for rule, (index, _) in signed.items():
            if rule not in used:
                found.append(loaded.problem((*at, "floor_exceptions", index), (
                    f"the exception for '{rule}' is not needed: the protocol meets that floor. Remove it."), "warning"))
    return found


def floor_problems(loaded: LoadedClinic, today: date | None = None) -> list[Problem]:
    """The whole config-side floor: the numbers patients dial, the protocols, and clinic text that contradicts them."""
    return lifeline_problems(loaded) + protocol_floor(loaded, today) + contradictions(loaded)
