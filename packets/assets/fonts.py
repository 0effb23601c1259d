"""Bundled fonts, and the check that every patient-facing character can be drawn.

Fonts come from pip packages (``fontpkg-*``) so every machine prints the same
glyphs, with no dependency on system fonts. When no bundled font has a glyph,
WeasyPrint would print an empty box or fall back to a system font; a packet with a
boxed-out name is silently wrong paper, so we refuse it and name the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import fontpkg
from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class FontFace:
    family: str  # CSS family name used in our stylesheets
    path: Path
    weight: str  # CSS weight or range
    style: str


# CSS family name -> fontpkg family name. The first two are the body fonts a clinic
# picks from (``branding.font``). The others print patient text the body font cannot
# draw, each a STATIC cut: a variable font is re-instanced by WeasyPrint in every PDF
# that uses it (35 to 60 ms a packet), a static one is only subset.
FAMILIES = {
    "Atkinson Hyperlegible": "Atkinson Hyperlegible",
    "Noto Sans": "Noto Sans",
    "Fira Sans": "Fira Sans",  # Latin with Vietnamese, Greek, Cyrillic
    "IBM Plex Sans Arabic": "IBM Plex Sans Arabic",  # Arabic, Persian, Urdu letters (right to left)
    "Hind": "Hind",  # Devanagari
    "Sarabun": "Sarabun",  # Thai
}
CHOICES = {"atkinson-hyperlegible": "Atkinson Hyperlegible", "noto-sans": "Noto Sans"}
# Which family prints a patient's text that the body font cannot draw whole: the first
# that can draw all of it. Static cuts first; the variable Noto Sans only for the rare
# letters none of them has (it costs its per-PDF instancing only then).
OWN_FONTS = ("Fira Sans", "IBM Plex Sans Arabic", "Hind", "Sarabun", "Noto Sans")
WEIGHTS = frozenset({400, 700})  # what the stylesheets use; other cuts are not declared


@lru_cache(maxsize=1)
def font_faces() -> tuple[FontFace, ...]:
    faces = []
    for css_name, pkg_name in FAMILIES.items():
        family = fontpkg.family(pkg_name)
        for f in family.files:
            if not f.variable and f.weight not in WEIGHTS:
                continue
            # WeasyPrint does not take weight ranges; a variable face is declared at
            # its default instance and bold is drawn from it.
            weight = "400" if f.variable else str(f.weight)
            faces.append(FontFace(css_name, Path(f.path), weight, f.style))
    return tuple(faces)


def font_roots() -> tuple[Path, ...]:
    """Folders holding the bundled font files (the URL fetcher allows these)."""
    return tuple(sorted({face.path.resolve().parent for face in font_faces()}))


def font_face_css() -> str:
    """``@font-face`` rules for every bundled face, as ``file:`` URLs."""
    rules = []
    for face in font_faces():
        rules.append(f"@font-face {{ font-family: '{face.family}'; src: url('{face.path.resolve().as_uri()}'); "
                     f"font-weight: {face.weight}; font-style: {face.style}; }}")
    return "\n".join(rules)


@cache
def coverage(family: str) -> frozenset[int]:
    """Code points the upright regular face of ``family`` (a CSS name) can draw."""
    faces = [f for f in font_faces() if f.family == family and f.style == "normal"]
    face = min(faces, key=lambda f: abs(int(f.weight) - 400))
    with TTFont(face.path, lazy=True) as font:
        return frozenset(font.getBestCmap().keys())


def _draws(family: str, text: str) -> bool:
    have = coverage(family)
    return all(ord(ch) in have or ch.isspace() for ch in text)


def font_for(text: str, body: str) -> str | None:
    """The one family that prints all of ``text``: ``body`` when it can, else the first
    of ``OWN_FONTS`` that can, else None (no bundled font draws every letter of it).

    Text is never split between fonts: letters from two fonts inside one word print with
    a gap and copy out of the PDF as two words.
    """
    if _draws(body, text):
        return body
    return next((family for family in OWN_FONTS if _draws(family, text)), None)


def undrawable(text: str) -> list[str]:
    """Characters of the words in ``text`` that no single bundled font can draw whole.

    A word is printed in one font, so a word whose letters only two fonts together
    have (Thai letters with Arabic ones) is as unprintable as an unknown letter.
    """
    missing: set[str] = set()
    for word in text.split():
        if font_for(word, next(iter(FAMILIES))) is not None:
            continue
        nowhere = {ch for ch in word if not any(ord(ch) in coverage(f) for f in FAMILIES)}
        best = max((coverage(f) for f in FAMILIES), key=lambda have: sum(ord(ch) in have for ch in word))
        missing.update(nowhere or {ch for ch in word if ord(ch) not in best})
    return sorted(missing)


def undrawable_problem(text: str | None) -> str | None:
    """What is wrong with ``text`` if a bundled font cannot draw it, else None.

    The message shows code points, not the text, because the text may be a name.
    """
    if not text or not (missing := undrawable(text)):
        return None
    shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
    return (f"has characters the bundled fonts cannot print ({shown}). "
            "Type it in letters a bundled font has: Latin (with Vietnamese), Greek, Cyrillic, Arabic, Devanagari or Thai.")
