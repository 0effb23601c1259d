"""Text that prints must read the way it was typed, and messages must stay short.

Two kinds of characters make paper lie without anyone seeing why:

- bidirectional controls (U+202A-U+202E, U+2066-U+2069) reorder what follows them, so
  a phone number or a "do not drive until" time prints reversed or shuffled;
- C0 and C1 control characters (ESC, BEL, NUL...) draw nothing on paper and, echoed
  in an error message, drive the terminal (colours, cursor moves, a bell).

``unsafe_character`` finds the first such character; every field that prints (clinic
config strings and patient fields) is checked with it and refused with the field and
the position. ``excerpt`` is how any value is quoted back in a message: short, with
controls shown as escapes, never a 900 KB line.
"""

from __future__ import annotations

import unicodedata

from packets.errors import PacketsError

BIDI_CONTROLS = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
# Line breaks and tabs are layout, not content: YAML block text and HTML use them.
LAYOUT_WHITESPACE = frozenset("\t\n\r")
EXCERPT_CHARS = 40


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if char in BIDI_CONTROLS:
        name = unicodedata.name(char, "").lower()
        return f"a text-direction control ({code} {name})" if name else f"a text-direction control ({code})"
    return f"a control character ({code})"


def unsafe_character(text: str, allow_layout: bool = False) -> tuple[int, str] | None:
    """``(1-based position, description)`` of the first character that must not print."""
    for index, char in enumerate(text):
        if char in BIDI_CONTROLS:
            return index + 1, _describe(char)
        if unicodedata.category(char) == "Cc" and not (allow_layout and char in LAYOUT_WHITESPACE):
            return index + 1, _describe(char)
    return None


def unsafe_problem(text: str | None, allow_layout: bool = False) -> str | None:
    """A message for the first unsafe character (without quoting the text), or None."""
    if not text:
        return None
    found = unsafe_character(text, allow_layout)
    if found is None:
        return None
    position, what = found
    return (f"contains {what} at character {position}. It would print invisibly or reorder the text; "
            "retype the value without it.")


def excerpt(value: object, limit: int = EXCERPT_CHARS, quote: bool = True) -> str:
    """``value`` in quotes, cut to ``limit`` characters, controls escaped (safe to echo)."""
    text = str(value)
    cut = text[:limit]
    shown = "".join(c if c.isprintable() and c not in BIDI_CONTROLS else f"\\u{ord(c):04x}" for c in cut)
    more = f"... ({len(text):,} characters)" if len(text) > limit else ""
    return f"'{shown}'{more}" if quote else f"{shown}{more}"


MESSAGE_LINE_CHARS = 400


def terminal_safe(message: str, limit: int = MESSAGE_LINE_CHARS) -> str:
    """Every line of ``message`` with controls escaped and cut to ``limit`` characters.

    The last guard before a message reaches the terminal: whatever a parser quoted
    (a 100,000-character option, an ESC sequence), the screen gets a short, inert line.
    """
    lines = []
    for line in message.split("\n"):
        shown = "".join(c if c.isprintable() and c not in BIDI_CONTROLS else f"\\u{ord(c):04x}" for c in line)
        lines.append(shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown):,} characters)")
    return "\n".join(lines)


class UnsafeText(PacketsError):
    """A field that prints holds a control or text-direction character."""


def check_fields(fields: dict[str, str | None]) -> None:
    """Refuse the first field (by the name we report) holding a character that must not print."""
    for name, value in fields.items():
        if problem := unsafe_problem(value):
            raise UnsafeText(f"{name}: {problem}")
