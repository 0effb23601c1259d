"""The ``printing`` section of the clinic config: which CUPS queues packets and cards go to."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, StrictStr, field_validator

from packets.config.fields import Strict

QUEUE_NAME = re.compile(r"^[^\s/#\\'\"]{1,127}$")


IPP_KEYWORD = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def _queue(value: str) -> str:
    if not QUEUE_NAME.match(value):
        raise ValueError(f"{value!r} is not a CUPS queue name: no spaces, '/', '#' or quotes, at most 127 characters. "
                         "Use the name 'lpstat -e' lists.")
    return value


def _keyword(value: str | None) -> str | None:
    if value is not None and not IPP_KEYWORD.match(value):
        raise ValueError(f"{value!r} is not a printer keyword: lowercase letters, digits and hyphens, "
                         "as the printer lists it (e.g. cardstock, by-pass-tray, tray-2).")
    return value


class PacketPrinter(Strict):
    """Where packets and print runs go: two-sided on the long edge, on the clinic's paper."""

    queue: StrictStr = Field(description="Queue for packets and print runs; must print two-sided (long edge) on the clinic's `paper`.",
                             json_schema_extra={"shown_as": "CUPS queue name"})

    _queue = field_validator("queue")(_queue)


class CardPrinter(Strict):
    """Where card sheets go: at 100% (no scaling) on card stock."""

    queue: StrictStr = Field(description="Queue for card sheets; must support `print-scaling=none` and the clinic's `paper`.",
                             json_schema_extra={"shown_as": "CUPS queue name"})
    media_type: StrictStr | None = Field(None, description="Paper type for cards as the printer lists it (IPP `media-type`), "
                                         "e.g. `cardstock`; default: the printer's.",
                                         json_schema_extra={"shown_as": "printer keyword"})
    tray: StrictStr | None = Field(None, description="Tray holding the card stock (IPP `media-source`), e.g. `by-pass-tray`, `tray-2`; "
                                   "default: the printer's.", json_schema_extra={"shown_as": "printer keyword"})
    sides: Literal["two-sided-long-edge", "one-sided"] = Field(
        "two-sided-long-edge", description="two-sided-long-edge (fronts and backs in one pass) or one-sided (feed the sheet back by hand).")

    _queue = field_validator("queue")(_queue)
    _keywords = field_validator("media_type", "tray")(_keyword)


class Printing(Strict):
    """The clinic's printers (CUPS queues). See README: Printing."""

    packets: PacketPrinter | None = Field(None, description="Queue for packets and print runs.")
    cards: CardPrinter | None = Field(None, description="Queue for card sheets.")
    wait_seconds: int = Field(300, ge=5, le=3600, description="How long to follow a job before reporting it as still pending.")
