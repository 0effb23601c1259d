"""Dates and times in the packet's language, from Babel's CLDR data (offline).

Every date and time a patient reads goes through ``DateWords``, so the sheet, the grid
and the card say one moment the same way ("2:30 PM, Sunday, Nov 22").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import cast

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, match_skeleton, tokenize_pattern, untokenize_pattern

from packets.content.shared import Content, PluralForm


class DateWords:
    """Dates and times in the content language's words, from Babel's CLDR data (offline).

    The locale is the content's language with the clinic's country (``es_US``), or the
    language alone when CLDR has no such pair; the content file picks the skeletons.
    """

    def __init__(self, content: Content, country: str = "US"):
        self.f = content.formats
        self.locale = date_locale(content, country)

    def clock(self, when: datetime) -> str:
        """``2:30 PM`` (en_US), ``2:30 p.m.`` (es_US), ``14:30`` where the country uses 24 hours.

        The space inside the time is a no-break space (Latin-1, so every font has it): a
        line may end before "2:30 PM" but never between "2:30" and "PM".
        """
        return format_time(when, "short", locale=self.locale).replace("\u202f", "\u00a0").replace(" ", "\u00a0")

    def _skeleton(self, skeleton: str, d: date) -> str:
        return _spaces(format_date(d, skeleton_pattern(skeleton, self.locale), locale=self.locale))

    def day(self, d: date) -> str:
        """``Sunday, Nov 22``."""
        return self._skeleton(self.f.day, d)

    def short_day_parts(self, d: date) -> tuple[str, str]:
        """``("Sun", "Nov 22")``: the two halves of ``short_day``."""
        return self._skeleton(self.f.weekday, d), self._skeleton(self.f.month_day, d)

    def short_day(self, d: date) -> str:
        """``Sun, Nov 22``."""
        return self._skeleton(self.f.short_day, d)

    def full_date(self, d: date) -> str:
        """``Nov 21, 2026``."""
        return self._skeleton(self.f.full_date, d)

    def at_time(self, when: datetime) -> str:
        """The clock time with the words before it that agree with its hour: ``la 1:05 p.m.``, ``las 2:30 p.m.``.

        The hour is the number on the clock (13:05 is "1:05 p.m." in es_US, "13:05" in es_ES),
        and its CLDR plural form picks the content's phrase.
        """
        clock = self.clock(when)
        hour = re.search(r"\d+", clock)
        form = self.locale.plural_form(int(hour.group(0))) if hour else "other"
        return self.f.at_time.get(cast(PluralForm, form), self.f.at_time["other"]).format(time=clock)

    def moment(self, when: datetime) -> str:
        """``2:30 PM, Sunday, Nov 22``."""
        return self.f.moment.format(time=self.at_time(when), day=self.day(when.date()))


    def appointment(self, when: datetime) -> str:
        """``Tuesday, Nov 24, 10:00 AM``."""
        return self.f.appointment.format(time=self.at_time(when), day=self.day(when.date()))


def date_locale(content: Content, country: str) -> Locale:
    """The CLDR locale for this content and clinic: ``es`` + ``US`` is ``es_US``."""
    if content.formats.locale:
        return Locale.parse(content.formats.locale)
    try:
        return Locale.parse(f"{content.language}_{country}")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(content.language)


@lru_cache(maxsize=256)
def skeleton_pattern(skeleton: str, locale: Locale) -> str:
    """The locale's pattern for ``skeleton``, with the widths the skeleton asks for.

    A pure function of CLDR data, memoised: matching a skeleton takes Babel about a
    tenth of a millisecond, and a packet prints a dozen dates.

    CLDR lists a few skeletons per locale (``MMMEd``); Babel picks the nearest one but
    keeps its widths, so ``MMMMEEEEd`` would print "dom, 22 de nov". As ICU does, widen
    the weekday and month fields of the matched pattern to the requested width.
    """
    match = match_skeleton(skeleton, locale.datetime_skeletons, allow_different_fields=False)
    if match is None:
        raise ValueError(f"no CLDR pattern for skeleton '{skeleton}' in {locale}")
    wanted = {m.group(0)[0]: len(m.group(0)) for m in re.finditer(r"E+|M+", skeleton)}
    same = {"E": "E", "c": "E", "M": "M", "L": "M"}  # stand-alone weekday and month take the same width

    def widen(token: tuple) -> tuple:
        kind, value = token
        if kind != "field" or value[0] not in same or wanted.get(same[value[0]], 0) < 3:
            return token
        if value[0] != "E" and value[1] < 3:  # E is always a name; M, L and c are numbers below 3
            return token
        return kind, (value[0], wanted[same[value[0]]])

    widened = [widen(t) for t in tokenize_pattern(str(locale.datetime_skeletons[match]))]
    return untokenize_pattern(widened)


def _spaces(text: str) -> str:
    """CLDR puts narrow no-break spaces in times ("2:30\u202fPM"); print plain spaces, which every font has."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
