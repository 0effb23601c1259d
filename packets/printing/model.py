"""Typed values the printing stage passes around: what to print how, and what became of it.

These are plain frozen dataclasses so the CLI, a front-desk web page and an audit log
can all hold, compare and serialise them without touching CUPS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from packets.errors import PacketsError

Kind = Literal["packet", "cards"]
KINDS: tuple[Kind, ...] = ("packet", "cards")

# IPP media size keywords (PWG 5101.1) for the clinic's ``paper`` setting.
MEDIA_FOR_PAPER = {"letter": "na_letter_8.5x11in", "a4": "iso_a4_210x297mm"}
PAPER_NAMES = {"letter": "Letter", "a4": "A4"}

# IPP job-state enum (RFC 8011 5.3.7) to its keyword.
JOB_STATES = {3: "pending", 4: "pending-held", 5: "processing", 6: "processing-stopped",
              7: "canceled", 8: "aborted", 9: "completed"}
DONE_STATES = frozenset({"completed", "canceled", "aborted"})


class PrintError(PacketsError):
    """A job that was not sent, or did not print; the message is one line naming the queue."""


@dataclass(frozen=True)
class JobSettings:
    """Everything a print job asks of its queue. Never holds patient data.

    ``media`` is the IPP media size keyword for the clinic's paper; ``sides`` is
    ``two-sided-long-edge`` for packets (a print run keeps each patient on their own
    sheets only when printed duplex); card sheets add ``print_scaling='none'`` (cards
    are exact size only at 100%) and the card stock's ``media_type`` and ``tray``.
    """

    queue: str
    kind: Kind
    paper: str  # "letter" or "a4"
    sides: str = "two-sided-long-edge"
    print_scaling: str | None = None
    media_type: str | None = None
    tray: str | None = None
    copies: int = 1
    title: str = "packets"  # the job name CUPS logs and shows: clinic id and kind only
    wait_seconds: int = 300
    where: str = "--printer"  # the config key (or option) that named the queue, for messages

    @property
    def media(self) -> str:
        return MEDIA_FOR_PAPER[self.paper]


@dataclass(frozen=True)
class QueueInfo:
    """A queue's state and capabilities, as CUPS reports them (IPP Get-Printer-Attributes)."""

    name: str
    state: str  # idle, processing, stopped
    state_message: str
    state_reasons: tuple[str, ...]
    accepting: bool
    sides: tuple[str, ...]
    media: tuple[str, ...]
    media_types: tuple[str, ...]
    trays: tuple[str, ...]
    print_scaling: tuple[str, ...]


@dataclass(frozen=True)
class PrintJob:
    """One job on a CUPS queue and its last known state.

    ``state`` is the IPP job-state keyword (pending, pending-held, processing,
    processing-stopped, canceled, aborted, completed); ``reason`` the job-state-reasons
    and message CUPS gave; ``timed_out`` is set by ``wait`` when the job was still not
    finished when the time ran out.
    """

    id: int
    queue: str
    state: str
    reason: str | None = None
    timed_out: bool = False

    @property
    def name(self) -> str:
        """The job id as ``lpstat`` and ``cancel`` write it: ``QUEUE-ID``."""
        return f"{self.queue}-{self.id}"

    @property
    def done(self) -> bool:
        """No longer waiting on the printer: finished, or held until someone releases it."""
        return self.state in DONE_STATES or self.state == "pending-held"

    @property
    def ok(self) -> bool:
        return self.state == "completed"
