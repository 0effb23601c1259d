"""``packets validate``: every problem in a clinic's config, in one pass.

Errors come from loading (schema, files) and from merging the content; warnings
flag things a clinic should look at but that still print correctly (a missing or
old content review, defaults that need the clinic's sign-off).
"""

from __future__ import annotations

from datetime import date

from .config import LoadedClinic, load_clinic
from .content import build_content, load_shared
from .errors import ConfigError, Problem

REVIEW_MAX_DAYS = 730  # 24 months


def review_warnings(loaded: LoadedClinic, today: date) -> list[Problem]:
    review = loaded.clinic.review
    if review is None:
        shared = load_shared(loaded.clinic.language)
        needs = [t.id for t in shared.warning_tiers if t.signs_need_review]
        extra = f" The default warning signs ({', '.join(needs)}) need your clinicians' sign-off." if needs else ""
        return [loaded.problem(("review",), "no content review recorded. Add review: {by: ..., date: YYYY-MM-DD}." + extra, "warning")]
    if (today - review.date).days > REVIEW_MAX_DAYS:
        return [loaded.problem(("review", "date"), f"content was last reviewed on {review.date}, over 24 months ago. Review it again and update the date.", "warning")]
    return []


def validate(id_or_path: str, today: date | None = None) -> list[Problem]:
    """All problems for one config (errors and warnings); raises nothing for bad configs."""
    try:
        loaded = load_clinic(id_or_path)
        build_content(loaded)
    except ConfigError as exc:
        return exc.problems
    return review_warnings(loaded, today or date.today())
