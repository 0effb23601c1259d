"""The patient's name as the page footer prints it: short enough for one line.

The footer only has to tell whose page this is when sheets are mixed up, in a space
about 5 cm wide, so a long name is cut down the way people already write names
short: given names to initials, the last name kept whole ("M. A. O. Ruiz"). A last
name that is itself very long keeps its first part and initials for the rest
("M. Oyelaran-V.-C."); only past that is it cut, with an ellipsis.
"""

from __future__ import annotations

FOOTER_NAME_MAX = 24  # characters: one footer line at 9 pt, and at 12 pt in large print


def _initial(word: str) -> str:
    return word[0] + "."


def footer_name(name: str, limit: int = FOOTER_NAME_MAX) -> str:
    """``name`` itself when it fits, else a shortened form of at most ``limit`` characters."""
    name = " ".join(name.split())
    if len(name) <= limit:
        return name
    words = name.split(" ")
    given, family = words[:-1], words[-1]
    short = " ".join([*(_initial(w) for w in given), family])
    if len(short) <= limit:
        return short
    parts = family.split("-")
    family = "-".join([parts[0], *(_initial(p) for p in parts[1:] if p)])
    short = " ".join([*(_initial(w) for w in given), family])
    if len(short) <= limit:
        return short
    return short[: limit - 1].rstrip(" -.") + "…"
