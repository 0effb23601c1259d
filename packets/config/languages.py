"""Clinic-written text in each language the clinic offers, and one language picked per packet.

A clinic writes some of what a patient reads: extra rules for today, added warning
signs, reworded sections, the footer. Each such field (``said`` in the schema) is
plain text in the clinic's main ``language``, or one text per language
(``{en: ..., es: ...}``). A packet prints only when every such text exists in its
language: never an English line inside a Spanish page. ``validate`` checks every
offered language; a render or a batch row checks its own.

Links and the on-call name (``per_language`` in the schema) may differ by language but
need not: a plain value serves every language, and a language missing from
``{en: ..., es: ...}`` uses the main language's. ``page_language`` says which one a
packet got, so a QR caption never promises a Spanish page that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel

from packets.config.loading import LoadedClinic
from packets.errors import ConfigError, Problem

if TYPE_CHECKING:
    from packets.config.schema import Clinic

Keys = tuple[Any, ...]


def language_name(code: str) -> str:
    """``es`` -> ``Spanish``: how a clinic names the language (the code itself when CLDR has none)."""
    try:
        return Locale.parse(code).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        return code


def _flag(model: BaseModel, name: str, flag: str) -> bool:
    extra = type(model).model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(flag))


def _is_said(model: BaseModel, name: str) -> bool:
    return _flag(model, name, "said")


def _flagged(model: BaseModel, flag: str, prefix: Keys = ()) -> Iterator[tuple[Keys, str | dict[str, str]]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        keys = (*prefix, name)
        if value is None:
            continue
        if _flag(model, name, flag):
            if isinstance(value, list):
                yield from (((*keys, i), v) for i, v in enumerate(value))
            else:
                yield keys, value
        elif isinstance(value, BaseModel):
            yield from _flagged(value, flag, keys)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, BaseModel):
                    yield from _flagged(inner, flag, (*keys, key))
        elif isinstance(value, list):
            for i, inner in enumerate(value):
                if isinstance(inner, BaseModel):
                    yield from _flagged(inner, flag, (*keys, i))


def said_texts(model: BaseModel, prefix: Keys = ()) -> Iterator[tuple[Keys, str | dict[str, str]]]:
    """Every clinic-written text in ``model``, with its keys in the file (list positions included)."""
    return _flagged(model, "said", prefix)


def per_language_values(model: BaseModel) -> Iterator[tuple[Keys, str | dict[str, str]]]:
    """Every value a clinic may give per language (links, the on-call name), with its keys in the file."""
    return _flagged(model, "per_language")


def page_language(value: str | dict[str, str], language: str, main: str) -> str:
    """The language of what a per-language value gives a packet in ``language``: its own, else the clinic's main one."""
    return language if isinstance(value, dict) and language in value else main


def missing_texts(loaded: LoadedClinic, languages: tuple[str, ...] | None = None) -> list[Problem]:
    """Each clinic text with no version in one of ``languages`` (default: every language offered)."""
    clinic = loaded.clinic
    offered = clinic.offered_languages
    wanted = languages or offered
    problems = []
    for keys, value in per_language_values(clinic):
        if isinstance(value, dict):
            problems += [loaded.problem((*keys, code), (
                f"'{code}' is not a language this clinic offers (languages: {', '.join(offered)}), so this value is never used. "
                f"Add '{code}' to languages: to print packets in it."), "info") for code in value if code not in offered]
            if clinic.language not in value:
                problems.append(loaded.problem(keys, (
                    f"no {language_name(clinic.language)} ('{clinic.language}') value. A language without its own uses the "
                    f"clinic's main language's, so give it: {{{clinic.language}: ..., {', '.join(f'{c}: ...' for c in value)}}}.")))
    for keys, value in said_texts(clinic):
        written = set(value) if isinstance(value, dict) else {clinic.language}
        if isinstance(value, dict):
            problems += [loaded.problem((*keys, code), (
                f"'{code}' is not a language this clinic offers (languages: {', '.join(offered)}), so this text never prints. "
                f"Add '{code}' to languages: to print packets in it."), "info") for code in value if code not in offered]
        for code in wanted:
            if code not in written:
                example = ", ".join(f"{c}: ..." for c in offered)
                problems.append(loaded.problem(keys, (
                    f"no {language_name(code)} ('{code}') text. The clinic offers {', '.join(offered)}: "
                    f"write this text once per language, as {{{example}}}.")))
    return problems


def text_in(value: str | dict[str, str], language: str) -> str:
    """One clinic text for a screen (not a packet): the ``language`` version, else the first written."""
    if isinstance(value, str):
        return value
    return value.get(language) or next(iter(value.values()))


def _pick(value: Any, language: str) -> Any:
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return value[language]
    if isinstance(value, list):
        return [_pick(v, language) for v in value]
    return value


def _resolve(model: BaseModel, language: str, main: str) -> BaseModel:
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None:
            continue
        if _is_said(model, name):
            update[name] = _pick(value, language)
        elif _flag(model, name, "per_language"):
            update[name] = value[page_language(value, language, main)] if isinstance(value, dict) else value
        elif isinstance(value, BaseModel):
            update[name] = _resolve(value, language, main)
        elif isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            update[name] = {k: _resolve(v, language, main) if isinstance(v, BaseModel) else v for k, v in value.items()}
    return model.model_copy(update=update)


def in_language(loaded: LoadedClinic, language: str | None) -> LoadedClinic:
    """The clinic with every text of its own in ``language`` (its main language when None).

    Raises ``ConfigError`` naming each missing text's key and the language, or the
    languages offered when the clinic does not print in ``language``. The result's main
    (and only) language is ``language``, so calling this again on it is a no-op.
    """
    clinic = loaded.clinic
    language = language or clinic.language
    if language not in clinic.offered_languages:
        raise ConfigError([loaded.problem(("languages",), (
            f"this clinic does not print packets in {language_name(language)} ('{language}'). "
            f"Offered: {', '.join(clinic.offered_languages)}. Add '{language}' to languages: and write the clinic's texts in it."))])
    problems = [p for p in missing_texts(loaded, (language,)) if p.severity == "error"]
    if problems:
        raise ConfigError(problems)
    if language == clinic.language and not any(isinstance(v, dict) for _, v in (*said_texts(clinic), *per_language_values(clinic))):
        return loaded  # every text is already plain, in this language
    resolved = _resolve(clinic, language, clinic.language).model_copy(update={"language": language, "languages": None})
    return replace(loaded, clinic=cast("Clinic", resolved))
