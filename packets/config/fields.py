"""The building blocks of the clinic config schema: strict models and the value types they share.

``Strict`` forbids unknown keys and coercion; ``Said`` is text a clinic writes and a
patient reads, in one language or one per language; ``Minutes``, ``Hours`` and
``Count`` refuse what YAML reads loosely (``yes``, ``~``, ``"24"``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from packets.textsafety import excerpt

TreatmentKind = Literal["iv-ketamine", "im-ketamine", "esketamine-nasal", "oral-ketamine"]


HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


SHORT_CODE_FIELDS = ("crisis", "emergency")


Text = Annotated[StrictStr, Field(min_length=1, max_length=600)]


LanguageCode = Annotated[StrictStr, Field(pattern=r"^[a-z]{2,3}$")]


# Text the clinic writes and a patient reads: plain text in the clinic's `language`, or
# one text per language it offers ({en: ..., es: ...}). packets.config.languages checks
# that every offered language has one and picks the packet's.
Said = Text | dict[LanguageCode, Text]


SAID_SHOWN = "text, or text per language `{en: ..., es: ...}`"


# A value that may differ by language but need not: a plain value serves every language
# (a web page in the clinic's `language`, a name); {en: ..., es: ...} gives one per
# language, and a language without its own uses the clinic's main language's.
Link = StrictStr | dict[LanguageCode, StrictStr]
PerLanguageText = Text | dict[LanguageCode, Text]


def per_language(description: str, shown: str) -> dict:
    """Field settings for a value a clinic may give per language (found by ``per_language`` in the schema)."""
    shown_as = f"{shown}, or one per language `{{en: ..., es: ...}}`"
    return {"description": description, "json_schema_extra": {"per_language": True, "shown_as": shown_as}}


def said(description: str, plural: bool = False) -> dict:
    """Field settings for clinic-written, patient-read text (found by ``said`` in the schema)."""
    shown = "list; each item text, or text per language `{en: ..., es: ...}`" if plural else SAID_SHOWN
    return {"description": description, "json_schema_extra": {"said": True, "shown_as": shown}}


def _not_a_number(value: object) -> str:
    """What YAML actually read, said so that the fix is obvious."""
    if isinstance(value, bool):
        return "YAML read this as yes/no (true/false), not a number"
    if value is None:
        return "this is empty"
    if isinstance(value, str):
        return f"{excerpt(value)} is text, not a number"
    if isinstance(value, float):
        return f"{value} is not a whole number"
    return "this is a list or a mapping, not a number"


def whole_number(hint: str, *words: str) -> BeforeValidator:
    """A strict whole number (or one of ``words``): ``yes``, ``~`` or ``"24"`` is an error, never 1 or 0.

    Pydantic's lax mode would read ``driving: yes`` as 1 hour; on paper that is
    "do not drive until 3:30 PM" for a 2:30 PM dose.
    """
    def check(value: object) -> object:
        if value in words and isinstance(value, str):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{_not_a_number(value)}; {hint}.")
        return value
    return BeforeValidator(check)


Minutes = Annotated[int, whole_number("put a number of minutes, like 45")]


Hours = Annotated[int, whole_number("put a number of hours, like 24")]


Count = Annotated[int, whole_number("put a whole number, like 6")]


class Strict(BaseModel):
    """Base for every config model: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)
