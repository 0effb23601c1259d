"""The fictional patient used for proofs (``preview``) and for ``validate``'s test renders."""

from __future__ import annotations

from datetime import datetime, timedelta

from packets.config.loading import LoadedClinic
from packets.visits.model import Visit, VisitError

SAMPLE_NAME = "Alex Sample"


def sample_visit(loaded: LoadedClinic, treatment: str | None = None, large_print: bool = False,
                 now: datetime | None = None, language: str | None = None) -> Visit:
    """A fictional patient treated today at 10:00, with every field the packet can show."""
    offered = list(loaded.clinic.treatments)
    if treatment is not None and treatment not in offered:
        raise VisitError("treatment", f"'{treatment}' is not offered by {loaded.clinic.id}. Use one of: {', '.join(offered)}.")
    when = (now or datetime.now()).replace(hour=10, minute=0, second=0, microsecond=0)
    return Visit(
        name=SAMPLE_NAME, treatment=treatment or offered[0], when=when, date_of_birth=when.date().replace(year=when.year - 40),
        mrn="SAMPLE-0001", session=2, escort="Sam Sample", next_visit=when + timedelta(days=3), provider="Dr. Example",
        large_print=large_print, language=language,
    )
