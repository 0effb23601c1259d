"""Ask a queue before sending: is it there, is it running, can it print this job as asked?

Each refusal is one line naming the queue, the missing capability and the fix, so
the front desk never finds a duplex print run printed on one side (two patients on
one sheet) or a card sheet shrunk to fit the page (cards no longer card size).
"""

from __future__ import annotations

import re
from typing import Any

from packets.printing import cups
from packets.printing.model import PAPER_NAMES, JobSettings, PrintError, QueueInfo

PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}


def _named(names: dict[int, str], code: Any) -> str:
    """An IPP enum's keyword (3 -> 'idle'), or the value as text when it is not one we know."""
    return names.get(code, str(code)) if isinstance(code, int) else str(code)


def _keywords(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def queue_info(queue: str, where: str = "--printer") -> QueueInfo:
    """The queue's state and capabilities; ``PrintError`` if CUPS or the queue is not there."""
    try:
        attrs = cups.ipp(queue, "get-printer.test")
    except cups.QueueNotFound:
        known = cups.queue_names()
        listed = f"Queues there: {', '.join(known)}." if known else "It has no queues (lpstat -e lists them)."
        raise PrintError(f"no printer queue '{queue}' on CUPS at {cups.server()} (named by {where}). {listed}") from None
    return QueueInfo(
        name=queue,
        state=_named(PRINTER_STATES, attrs.get("printer-state")),
        state_message=str(attrs.get("printer-state-message", "")).strip(),
        state_reasons=tuple(r for r in _keywords(attrs.get("printer-state-reasons")) if r != "none"),
        accepting=bool(attrs.get("printer-is-accepting-jobs", False)),
        sides=_keywords(attrs.get("sides-supported")),
        media=_keywords(attrs.get("media-supported")),
        media_types=_keywords(attrs.get("media-type-supported")),
        trays=_keywords(attrs.get("media-source-supported")),
        print_scaling=_keywords(attrs.get("print-scaling-supported")),
    )


def check_queue(settings: JobSettings) -> QueueInfo:
    """Read the queue and refuse, with one line, a job it cannot print as ``settings`` ask."""
    info = queue_info(settings.queue, settings.where)
    q = f"queue '{settings.queue}'"
    if info.state == "stopped":
        why = info.state_message or ", ".join(info.state_reasons) or "no reason given"
        raise PrintError(f"{q} is stopped ({why}). Start it with: cupsenable {settings.queue}")
    if not info.accepting:
        raise PrintError(f"{q} is not accepting jobs. Let it take jobs with: cupsaccept {settings.queue}")
    if settings.sides not in info.sides:
        why = ("a card sheet needs it so each card's back prints behind its front (or set printing.cards.sides: one-sided)"
               if settings.kind == "cards" else "a packet needs it so each patient's pages stay on their own sheets")
        raise PrintError(f"{q} cannot print two-sided on the long edge (sides-supported: {', '.join(info.sides) or 'none'}); "
                         f"{why}. Name a duplex queue in {settings.where}.")
    if settings.media not in info.media:
        raise PrintError(f"{q} has no {PAPER_NAMES[settings.paper]} paper ({settings.media} is not in media-supported); "
                         f"the clinic prints on {PAPER_NAMES[settings.paper]}. Name a queue that has it in {settings.where}.")
    if settings.print_scaling and settings.print_scaling not in info.print_scaling:
        raise PrintError(f"{q} cannot print at 100% (print-scaling '{settings.print_scaling}' not supported); "
                         "cards printed scaled are no longer card size.")
    if settings.media_type and settings.media_type not in info.media_types:
        raise PrintError(f"{q} has no media type '{settings.media_type}' (media-type-supported: "
                         f"{', '.join(info.media_types) or 'none'}). Fix printing.cards.media_type.")
    if settings.tray and settings.tray not in info.trays:
        raise PrintError(f"{q} has no tray '{settings.tray}' (media-source-supported: {', '.join(info.trays) or 'none'}). "
                         "Fix printing.cards.tray.")
    return info


def _squash(keyword: str) -> str:
    return re.sub(r"[^a-z0-9]", "", keyword.lower())


def job_options(settings: JobSettings) -> list[tuple[str, str]]:
    """``lp -o`` options for the job: media, sides, scaling, and the card stock's type and tray.

    Media type and tray go as the queue's driver choices (``MediaType=Cardstock``,
    ``InputSlot=ByPassTray``), matched to the IPP keyword ignoring case and hyphens,
    because that is the form CUPS forwards to the printer.
    """
    options = [("media", settings.media), ("sides", settings.sides)]
    if settings.print_scaling:
        options.append(("print-scaling", settings.print_scaling))
    wanted = [("MediaType", settings.media_type, "printing.cards.media_type"), ("InputSlot", settings.tray, "printing.cards.tray")]
    if any(value for _, value, _ in wanted):
        choices = cups.ppd_choices(settings.queue)
        for option, value, key in wanted:
            if not value:
                continue
            match = [c for c in choices.get(option, []) if _squash(c) == _squash(value)]
            if not match:
                raise PrintError(f"queue '{settings.queue}' has no {option} choice for '{value}' "
                                 f"(choices: {', '.join(choices.get(option, [])) or 'none'}). Fix {key}.")
            options.append((option, match[0]))
    return options
