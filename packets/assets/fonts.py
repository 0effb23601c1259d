"""Bundled fonts, and the check that every patient-facing character can be drawn.

Fonts come from pip packages (``fontpkg-*``) so every machine prints the same
glyphs, with no dependency on system fonts. When no bundled font has a glyph,
WeasyPrint would print an empty box or fall back to a system font; a packet with a
boxed-out name is silently wrong paper, so we refuse it and name the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg
from fontTools.ttLib import TTFont



@dataclass(frozen=True)
class FontFace:
    family: str  # CSS family name used in our stylesheets
    path: Path
    weight: str  # CSS weight or range
    style: str


# CSS family name -> fontpkg family name. Order matters: the first is the body font,
# later ones are fallbacks for characters the first lacks (Vietnamese, Greek, Cyrillic).
FAMILIES = {
    "Atkinson Hyperlegible": "Atkinson Hyperlegible",
    "Noto Sans": "Noto Sans",
}
CHOICES = {"atkinson-hyperlegible": "Atkinson Hyperlegible", "noto-sans": "Noto Sans"}


@lru_cache(maxsize=1)
def font_faces() -> tuple[FontFace, ...]:
    faces = []
    for css_name, pkg_name in FAMILIES.items():
        family = fontpkg.family(pkg_name)
        for f in family.files:
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
        rules.append(
            "@font-face { font-family: '%s'; src: url('%s'); font-weight: %s; font-style: %s; }"
            % (face.family, face.path.resolve().as_uri(), face.weight, face.style)
        )
    return "\n".join(rules)


@lru_cache(maxsize=1)
def drawable() -> frozenset[int]:
    """Code points that at least one bundled upright face can draw."""
    points: set[int] = set()
    for face in font_faces():
        if face.style != "normal":
            continue
        with TTFont(face.path, lazy=True) as font:
            points.update(font.getBestCmap().keys())
    return frozenset(points)


def undrawable(text: str) -> list[str]:
    """Characters in ``text`` that no bundled font can draw (spaces are fine)."""
    have = drawable()
    return sorted({ch for ch in text if ord(ch) not in have and not ch.isspace()})


def undrawable_problem(text: str | None) -> str | None:
    """What is wrong with ``text`` if a bundled font cannot draw it, else None.

    The message shows code points, not the text, because the text may be a name.
    """
    if not text or not (missing := undrawable(text)):
        return None
    shown = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
    return (f"has characters the bundled fonts cannot print ({shown}). "
            "Type the name in Latin letters (or Greek, Cyrillic, Vietnamese).")
