"""The safety floor, proven on the paper: what keeps a patient alive must print, visibly.

A clinic may restyle and override its templates, so checking the config proves
nothing about the page: CSS can hide the "When to get help" tiers, a template can
empty the card's block, white text can sit on white. So after every layout (whole
packets, the fast path's bases and patient layers, card sheets) this reads the laid-out
boxes and requires each floor text, computed from the packet's own context, to print:

* in its place: the shared templates mark the places with ``data-floor`` (``tiers``,
  ``today``, ``grid``, ``card-front``, ``card-back``); sections are looked for on the
  discharge sheet's pages;
* whole and in order: every tier on one page, the three in order, on page 1 in normal
  print (large print: each tier whole, in order);
* visibly: not ``visibility``-hidden (``display: none`` leaves no box, hence no text),
  no ``opacity`` or colour that takes the text under 4.5:1 contrast with what is
  behind it, no font under the floor's size, no ``transform``, no background image
  under it (its contrast cannot be known), not under a positioned box with a background.

A packet that fails is refused (``FloorError``) naming the rule, never printed. Text
that may be patient data (the Today box) is never quoted in a message.

Uses WeasyPrint's box tree, private API, as ``fit`` does (the version is pinned).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes as wb
from weasyprint.layout.absolute import AbsolutePlaceholder

from packets.assets.paths import inside
from packets.errors import FloorError

if TYPE_CHECKING:
    from packets.render.context import PacketContext

FLOOR = "data-floor"
PERSONAL = "data-personal"
MIN_CONTRAST = 4.5  # WCAG 2.1 AA for body text
PT_PX = 96 / 72
# Smallest font a floor text may print in, by place: the shared templates' own sizes
# (tier labels 11 pt, grid text 12 pt, card text 8 pt); large print promises 18 pt.
MIN_PT = {"tiers": 11.0, "today": 11.0, "sheet": 11.0, "grid": 12.0, "card-front": 8.0, "card-back": 8.0}
MIN_PT_LARGE = 18.0
_SPACE = re.compile(r"[\s\u00ad]+")


def _plain(text: str) -> str:
    """What prints of a context string: a Markup line (a name in its own font) without its tags."""
    return str(text.striptags()) if isinstance(text, Markup) else text


@dataclass(frozen=True)
class Need:
    """One floor text, and where and how it must print."""

    rule: str  # how a reader names it: "the EMERGENCY tier (911)"
    place: str  # a ``data-floor`` name, or "sheet" (the pages before the tracking grid)
    texts: tuple[str, ...]  # each must print, in this order, within ``place``
    whole: bool = False  # all of it on one page
    first_page: bool = False  # all of it on page 1
    personal: bool = False  # may hold patient data: never quoted

    def __post_init__(self) -> None:
        object.__setattr__(self, "texts", tuple(_plain(t) for t in self.texts))


@dataclass(frozen=True)
class Floor:
    """Everything one document must print."""

    needs: tuple[Need, ...]
    large_print: bool = False


@dataclass
class _Run:
    text: str
    page: int
    why_not: str | None  # None: prints visibly
    personal: bool


def packet_floor(ctx: PacketContext, *, sheet: bool = True, card: bool = True) -> Floor:
    """The floor of one packet (or, ``sheet=False``, of a card sheet), from the context it printed from."""
    needs: list[Need] = []
    if sheet:
        needs.append(Need("the 'When to get help' heading", "tiers", (ctx.labels["warning_title"],), first_page=not ctx.large_print))
        for tier in ctx.tiers:
            rule = f"the {tier.label} tier ({tier.phone})"
            texts = (tier.label, tier.title, *([tier.intro] if tier.intro else []), *tier.signs, *([tier.rule] if tier.rule else []))
            needs.append(Need(rule, "tiers", texts, whole=True, first_page=not ctx.large_print))
        needs.append(Need("the order of the warning tiers (EMERGENCY, then CRISIS, then CALL US)", "tiers",
                          tuple(text for t in ctx.tiers for text in (t.label, t.title))))
        # Large print: the three on the first page they fit on together; normal print: page 1 (above).
        needs.append(Need("the three warning tiers together", "tiers",
                          tuple(text for t in ctx.tiers for text in (t.label, t.title, *t.signs)), whole=True))
        # The Today box: its rules (driving, alcohol, sedatives, escort or sitter), not the clinic's extra lines.
        rules = ctx.today[: len(ctx.today) - ctx.today_extra] if ctx.today_extra else ctx.today
        needs.append(Need("the Today box's rules (driving, alcohol, sedatives, who stays with you)", "today", tuple(rules),
                          whole=True, personal=True))
        for section in ctx.sections:
            kept = tuple(item for item in section.items if item in ctx.floor_items)
            if section.required or kept:
                needs.append(Need(f"the '{section.title}' section", "sheet", ((section.title,) if section.required else ()) + kept))
        urgent = [row for row in ctx.tracking_rows if row.urgent and row.rule]
        for row in urgent:
            actions = (row.yes_action,) * len(ctx.tracking_days) if row.yes_action else ()
            needs.append(Need(f"the grid's '{row.label}' row", "grid", (row.label, *actions, row.rule or ""), whole=True))
        if len(urgent) > 1:
            in_order = [text for row in urgent for text in (row.label, row.yes_action) if text]  # the rows, then their rules
            needs.append(Need("the grid's suicide rows and their rules (together on one page)", "grid",
                              tuple(in_order + [row.rule for row in urgent if row.rule]), whole=True))
    if card:
        needs.append(Need("the wallet card's numbers", "card-front",
                          tuple(text for t in ctx.tiers for text in (t.label, t.phone)), whole=True))
        needs.append(Need("the suicide rule on the wallet card", "card-back", ctx.safety_rules, whole=True))
    return Floor(tuple(needs), ctx.large_print)


def _attr(box: wb.Box, name: str) -> str | None:
    element = getattr(box, "element", None)
    if element is None or not hasattr(element, "get"):
        return None
    value = element.get(name)
    return None if value is None else str(value)


def _rgba(colour: object) -> tuple[float, float, float, float]:
    srgb = colour.to("srgb")  # type: ignore[attr-defined]
    r, g, b = (min(max(float(c), 0.0), 1.0) for c in srgb.coordinates)
    return r, g, b, float(srgb.alpha)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio of two sRGB colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(top: tuple[float, float, float, float], under: tuple[float, float, float]) -> tuple[float, float, float]:
    a = top[3]
    return (top[0] * a + under[0] * (1 - a), top[1] * a + under[1] * (1 - a), top[2] * a + under[2] * (1 - a))


def _rect(box: wb.Box) -> tuple[float, float, float, float]:
    return box.border_box_x(), box.border_box_y(), box.border_box_x() + box.border_width(), box.border_box_y() + box.border_height()


def _meets(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 1.0 and min(a[3], b[3]) - max(a[1], b[1]) > 1.0


def _has_background(box: wb.Box) -> bool:
    style = box.style
    return _rgba(style["background_color"])[3] > 0.1 or any(kind != "none" for kind, _ in style["background_image"])


def _covers(box: wb.Box) -> bool:
    """A positioned box that paints something opaque-ish over what lies under it."""
    style = getattr(box, "style", None)
    if style is None or not _positioned(box) or style["visibility"] != "visible":
        return False
    z = style["z_index"]
    if isinstance(z, int) and z < 0:
        return False  # painted under the flow
    return _has_background(box) or isinstance(box, wb.ReplacedBox)


def _positioned(box: wb.Box) -> bool:
    return box.style["position"] not in ("static", "running()") and not isinstance(box, wb.PageBox)


def _walk(box: wb.Box, ancestors: list[wb.Box], positioned: bool = False) -> Iterator[tuple[wb.Box, list[wb.Box], bool]]:
    """Every box in paint-tree order with its ancestors (and whether one is positioned)."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    yield box, ancestors, positioned
    if isinstance(box, wb.ParentBox):
        inner = ancestors + [box]
        here = positioned or (getattr(box, "style", None) is not None and _positioned(box))
        for child in box.children:
            yield from _walk(child, inner, here)


def _why_not(leaf: wb.TextBox, ancestors: list[wb.Box], page_bg: tuple[float, float, float], min_px: float,
             layer: bool, base_personal: bool) -> str | None:
    """Why this text would not print visibly, or None."""
    style = leaf.style
    if style["visibility"] != "visible" and not base_personal:
        return "it is hidden (visibility)"
    if style["font_size"] < min_px - 0.01:
        return f"its font is {style['font_size'] / PT_PX:.1f} pt, under the floor's {min_px / PT_PX:g} pt"
    opacity = 1.0
    for box in ancestors:
        if box.style["transform"]:
            return "it is moved or scaled by a CSS transform"
        opacity *= float(box.style["opacity"])
    if layer:  # the patient layer has no backgrounds: contrast was checked on the group's base
        return None if opacity >= 0.99 else f"it is faded (opacity {opacity:.2f})"
    under = page_bg
    for box in ancestors:
        if any(kind != "none" for kind, _ in box.style["background_image"]) and not isinstance(box, wb.PageBox):
            return "it sits on a background image (its contrast cannot be checked)"
        colour = _rgba(box.style["background_color"])
        if colour[3] > 0:
            under = _over(colour, under)
    r, g, b, a = _rgba(style["color"])
    seen = _over((r, g, b, a * opacity), under)
    ratio = contrast(seen, under)
    if ratio < MIN_CONTRAST:
        faded = f" (it is faded: opacity {opacity:.2f})" if opacity < 0.99 else ""
        return f"its contrast with the background is {ratio:.1f}:1, under {MIN_CONTRAST}:1{faded}"
    return None


Places = dict[str, dict[int, list[_Run]]]


def read_places(document: Document, floor: Floor, *, layer: bool = False, base: bool = False) -> Places:
    """Each floor place's text runs, per marked box (each card of a card sheet), with why each does not print (None: it does)."""
    runs: Places = {}
    tracking_page = next((i for i, p in enumerate(document.pages) if "tracking" in p.anchors), len(document.pages))
    min_for = (lambda place: MIN_PT_LARGE * PT_PX) if floor.large_print else (lambda place: MIN_PT.get(place, 11.0) * PT_PX)
    for number, page in enumerate(document.pages):
        root = page._page_box
        page_bg = _over(_rgba(root.style["background_color"]), (1.0, 1.0, 1.0))
        covers: list[tuple[int, wb.Box]] = []
        texts: list[tuple[int, wb.TextBox, list[wb.Box], bool]] = []
        for index, (box, ancestors, positioned) in enumerate(_walk(root, [])):
            if isinstance(box, wb.MarginBox) or any(isinstance(a, wb.MarginBox) for a in ancestors):
                continue
            if not layer and not isinstance(box, (wb.PageBox, wb.TextBox, wb.LineBox)) and _covers(box):
                covers.append((index, box))
            if isinstance(box, wb.TextBox) and box.text.strip():
                texts.append((index, box, ancestors, positioned))
        for index, leaf, ancestors, positioned in texts:
            places = [(p, id(a.element)) for a in ancestors if (p := _attr(a, FLOOR))]
            personal = any(_attr(a, PERSONAL) is not None for a in ancestors)
            found = places[-1] if places else (("sheet", 0) if number < tracking_page else None)
            if found is None:
                continue
            keys = {found, ("sheet", 0)} if number < tracking_page else {found}
            why = _why_not(leaf, ancestors, page_bg, min(min_for(k[0]) for k in keys), layer, base and personal)
            if why is None:
                rect = (leaf.position_x, leaf.position_y, leaf.position_x + leaf.width, leaf.position_y + leaf.height)
                for at, cover in covers:
                    # Positioned boxes paint after the normal flow, later ones over earlier ones;
                    # an ancestor's own background is under its text.
                    if any(a is cover for a in ancestors) or (positioned and at < index):
                        continue
                    if _meets(rect, _rect(cover)):
                        why = "another box is drawn over it"
                        break
            for place, group in keys:
                runs.setdefault(place, {}).setdefault(group, []).append(_Run(leaf.text, number, why, personal))
    return runs


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class Found:
    pages: tuple[int, ...]
    why_not: str | None = None  # the first reason a part of it does not print
    missing: str | None = None  # a text not found at all

    def ok(self, need: Need) -> bool:
        return self.missing is None and self.why_not is None and not (need.first_page and self.pages and max(self.pages) > 0) \
            and not (need.whole and len(self.pages) > 1)


def find(runs: list[_Run], texts: tuple[str, ...]) -> Found:
    """Where ``texts`` print in ``runs``, in order, spaces ignored; why not, if they do not."""
    visible = [r for r in runs if r.why_not is None]
    joined, owner = _index(visible)
    pages: list[int] = []
    start = 0
    for text in texts:
        want = _squash(text)
        if not want:
            continue
        at = joined.find(want, start)
        if at < 0:
            every, every_owner = _index(runs)
            at_all = every.find(want)
            if at_all >= 0:
                reason = next((every_owner[i].why_not for i in range(at_all, at_all + len(want)) if every_owner[i].why_not), None)
                return Found(tuple(pages), reason or "it prints out of order")
            return Found(tuple(pages), missing=text)
        pages.extend({owner[i].page for i in range(at, at + len(want))})
        start = at + len(want)
    return Found(tuple(sorted(set(pages))))


def _index(runs: list[_Run]) -> tuple[str, list[_Run]]:
    parts, owner = [], []
    for run in runs:
        squashed = _squash(run.text)
        parts.append(squashed)
        owner.extend([run] * len(squashed))
    return "".join(parts), owner


def problems(document: Document, floor: Floor, *, layer: bool = False, base: bool = False) -> list[tuple[str, str]]:
    """Every floor rule the laid-out document breaks: (a sentence, the place)."""
    places = read_places(document, floor, layer=layer, base=base)
    found: list[tuple[str, str]] = []
    for need in floor.needs:
        if layer and (not need.personal or need.place not in places):
            continue  # the patient layer holds only the patient's boxes; the rest was checked on the group's base
        if need.place not in places:
            hint = f'the template has no box marked data-floor="{need.place}"' if need.place != "sheet" else "the sheet is empty"
            found.append((f"{need.rule} does not print: {hint} (keep the shared template's markup for it)", need.place))
            continue
        where = next((w for w in (find(runs, need.texts) for runs in places[need.place].values()) if not w.ok(need)),
                     Found(()))
        if where.missing is not None:
            what = "" if need.personal else f": '{where.missing[:80]}' is missing"
            found.append((f"{need.rule} does not print as the safety rules require{what}", need.place))
        elif where.why_not is not None:
            found.append((f"{need.rule} would not be seen: {where.why_not}", need.place))
        elif need.first_page and where.pages and max(where.pages) > 0:
            found.append((f"{need.rule} must print on page 1, but it reaches page {max(where.pages) + 1}", need.place))
        elif need.whole and len(where.pages) > 1:
            found.append((f"{need.rule} is split across pages {where.pages[0] + 1} and {where.pages[-1] + 1}", need.place))
    return found


def check_floor(document: Document, floor: Floor, clinic: Path | None = None, css: str | None = None, *,
                layer: bool = False, base: bool = False) -> None:
    """Refuse a layout that does not print the safety floor (``FloorError``), naming every rule it breaks.

    ``clinic`` (its folder) and ``css`` (its ``branding.css``) let the message point at
    the clinic's file and line that most likely did it.
    """
    broken = problems(document, floor, layer=layer, base=base)
    if not broken:
        return
    rule, place = broken[0]
    others = list(dict.fromkeys(r for r, _ in broken[1:] if r != rule))  # every rule it breaks, each once
    more = f" (also: {'; '.join(others)})" if others else ""
    if place == "tiers" and "must print on page 1" in rule:  # too much above them, not a hiding rule
        where = None
        advice = ("Page 1 must hold the Today box and all three tiers: shorten the clinic's Today lines (instructions) "
                  "or warning signs, or make the clinic's styles take less room.")
    else:
        where = culprit(clinic, css, place) if clinic is not None else None
        advice = "A clinic may restyle these parts but not remove, hide, fade, shrink or cover them."
    see = f" See {where[0]}:{where[1]}." if where else (
        " Check the clinic's stylesheet and templates." if clinic is not None and (css or (clinic / "templates").is_dir()) else "")
    raise FloorError(f"the safety floor would not print, so nothing was printed: {rule}{more}.{see} {advice}",
                     *(where or (None, None)))


# Words in a clinic's CSS or template that touch each floor place (classes and ids of the shared templates).
PLACE_WORDS = {
    "tiers": ("warnings", "tier", "get-help", "block warnings", "signs"),
    "today": ("today", "block today"),
    "grid": ("grid", "urgent", "row-", "tracking", "choice"),
    "card-front": ("card", "block cards"),
    "card-back": ("card", "block cards"),
    "sheet": ("section", "medicines", "block sections", "sheet"),
}
_GENERAL = re.compile(r"(^|[\s,}])(\*|body|html|li|ul|p|h2|div|span|section)\s*[{,:.]"
                      r"|visibility|opacity|transform|display\s*:\s*none|color\s*:")


def culprit(clinic: Path, css: str | None, place: str) -> tuple[str, int] | None:
    """The clinic file and line most likely to have broken ``place``: a rule or block naming it, else a general one."""
    files = [clinic / css] if css else []
    templates = clinic / "templates"
    if templates.is_dir():
        files += sorted(templates.rglob("*"))
    general = None
    for path in files:
        real = inside(path, clinic)  # a link out of the clinic is never read
        if real is None or not real.is_file():
            continue
        try:
            lines = real.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            if any(word in line for word in PLACE_WORDS.get(place, ())):
                return str(path), number
            if general is None and _GENERAL.search(line):
                general = (str(path), number)
    return general
