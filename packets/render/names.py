"""The patient's name as the page footer prints it: short enough for one line.

The footer only has to tell whose page this is when sheets are mixed up, in a space
about 5 cm wide, so a long name is cut down the way its owner would write it short:
given names to initials, the family name kept whole. Three rules keep the name a
clinic files the patient under:

* Particles (``de``, ``del``, ``de la``, ``van``, ``von``, ``bin``, ``y`` ...) belong to
  the word after them and are never turned into initials: "J. de la Cruz Hernández",
  not "J. d. l. C. Hernández".
* Where the schedule gives the family name on its own (FHIR ``Patient.name.family``,
  HL7 PID-5.1, a CSV's last-name column), it is kept whole first, and when it holds two
  family names the first one stays whole: "M. G. Hernández L.".
* From a single string the family name is a guess: the last two words are kept whole
  when they fit ("M. G. Hernández López"); past that, a Spanish packet keeps the first
  of them whole (Spanish and Latin American names file under the first family name)
  and any other keeps the last word whole ("M. A. O.-V.-C. Ruiz").

A family name that is itself very long keeps its first part and initials for the rest
("M. Oyelaran-V.-C."); only past that is it cut, with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

FOOTER_NAME_MAX = 24  # characters: one footer line at 9 pt, and at 12 pt in large print

# Lower-case forms of the words that join the name after them (Spanish, Portuguese,
# Italian, French, Dutch, German, Arabic). "Le" and "Van" alone are also Vietnamese
# names, but only "van" is common as a particle in US records, so "le" is left out.
PARTICLES = frozenset({
    "de", "del", "de la", "la", "las", "los", "da", "das", "do", "dos", "di", "du", "des",
    "van", "von", "der", "den", "ter", "ten", "zu", "al", "el", "bin", "binti", "bint", "ibn", "y", "e",
})

Unit = tuple[str, ...]  # particles, then the word they belong to: ("de", "la", "Cruz")


def _units(words: Sequence[str], first_may_join: bool) -> list[Unit]:
    """Group each particle with the word after it; a name's first word is never a particle
    unless it starts a family name given on its own ("de la Cruz")."""
    units: list[Unit] = []
    pending: list[str] = []
    for i, word in enumerate(words):
        joins = word.casefold() in PARTICLES and i + 1 < len(words) and (i > 0 or first_may_join)
        pending.append(word)
        if not joins:
            units.append(tuple(pending))
            pending = []
    return units


def _letter(word: str) -> str:
    """"Anne-Marie" -> "A.-M."; a word without letters stays as it is."""
    parts = [next((c for c in part if c.isalpha()), "") for part in word.split("-")]
    return "-".join(p + "." for p in parts if p) or word


def _whole(unit: Unit) -> str:
    return " ".join(unit)


def _initial(unit: Unit) -> str:
    return " ".join([*unit[:-1], _letter(unit[-1])])


def _hyphen_short(unit: Unit) -> str:
    """The first part of a hyphenated name whole, initials for the rest: "Oyelaran-V.-C."."""
    first, *rest = unit[-1].split("-")
    return " ".join([*unit[:-1], "-".join([first, *(_letter(p) for p in rest if p)])])


def _forms(given: list[Unit], family: list[Unit]) -> Iterator[str]:
    """Ever shorter forms that keep the first family name longest."""
    first, rest = family[0], [_initial(u) for u in family[1:]]
    for names in (given, given[:1]):  # with every given initial, then only the first
        initials = [_initial(u) for u in names]
        yield " ".join([*initials, *(_whole(u) for u in family)])
        yield " ".join([*initials, _whole(first), *rest])
        yield " ".join([*initials, _hyphen_short(first), *rest])


def footer_name(name: str, family: str | None = None, limit: int = FOOTER_NAME_MAX, language: str = "en") -> str:
    """``name`` itself when it fits, else a shortened form of at most ``limit`` characters.

    ``family`` is the family name as the schedule gave it, when it did and ``name`` ends
    with it; ``language`` is the packet's, the hint for a name given as one string.
    """
    name = " ".join(name.split())
    if len(name) <= limit:
        return name
    family = " ".join((family or "").split())
    if family and len(family) < len(name) and name.endswith(" " + family):
        forms = list(_forms(_units(name[: -len(family)].split(), False), _units(family.split(), True)))
    else:
        units = _units(name.split(), False)
        one = list(_forms(units[:-1], units[-1:]))
        two = list(_forms(units[:-2], units[-2:])) if len(units) >= 3 else []
        forms = [*two, *one] if language == "es" else [*two[:1], *one]
    for form in forms:
        if len(form) <= limit:
            return form
    return forms[-1][: limit - 1].rstrip(" -.") + "…"
