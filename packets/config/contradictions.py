"""Clinic text that would contradict the packet's own safety rules, refused with its line.

A clinic may add bullets and reword sections, but "You can have one glass of wine
tonight" on a sheet whose Today box says "No alcohol until 2:30 PM tomorrow" leaves the
patient to pick a rule, and chest pain listed under CALL US tells them to wait for a
call-back. The packet states driving, alcohol, sedatives and who stays with the patient
once, from the protocol (``treatments``); a clinic sentence that *permits* any of them
is refused, and so is a danger-to-life or suicide sign placed in a lower tier.

The patterns are deliberately simple and err towards refusing: a sentence that names
the subject, grants permission, and says no "no", "not", "until" or "unless". Each
message says how to say it instead. English and Spanish, the languages the shared
content ships in; other languages' text is left to the clinic's review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packets.config.languages import said_texts
from packets.config.loading import LoadedClinic
from packets.errors import Problem

Keys = tuple[object, ...]


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# Per language: the subjects of the packet's rules, permission, and negation.
SUBJECTS: dict[str, dict[str, re.Pattern[str]]] = {
    "en": {
        "alcohol": _words(r"alcohol\w*", "wine", "beers?", "liquor", "spirits", "cocktails?", "booze", "a drink", "drinks with alcohol"),
        "driving": _words("drive", "driving", "drove", r"get behind the wheel"),
        "sedatives": _words(r"opioids?", r"sleep(ing)? pills?", r"anxiety pills?", r"benzo\w*", "xanax", "valium", "ativan", "klonopin",
                            "ambien", "alprazolam", "lorazepam", "clonazepam", "diazepam", "zolpidem", "cannabis", "marijuana", "weed",
                            "thc", r"edibles?", r"painkillers?"),
        "alone": _words("alone", "by yourself", "on your own", "without (a|your) (sitter|driver|companion)"),
    },
    "es": {
        "alcohol": _words("alcohol", "vino", r"cervezas?", "licor", r"tragos?", r"copas?", "bebidas alcohólicas"),
        "driving": _words("manejar", "conducir", "maneje", "conduzca", "manejo"),
        "sedatives": _words(r"opioides?", "pastillas para dormir", r"pastillas para los nervios", r"calmantes?", r"benzodiacepinas?",
                            "cannabis", "marihuana", "alprazolam", "lorazepam", "clonazepam", "diazepam", "zolpidem"),
        "alone": _words(r"sol[oa]s?", "a solas", "sin (su )?(acompañante|cuidador|cuidadora|chofer)"),
    },
}
PERMITS = {
    "en": _words("can", "could", "may", "might", r"(are|is) (allowed|fine|ok|okay|safe)", r"(ok|okay|fine|safe|allowed) to",
                 "feel free", r"go ahead", "one glass", "a glass", "a small", "a little", "a bit of"),
    "es": _words("puede", "pueden", "podrá", "podrán", "está bien", "se permite", r"permitid[oa]s?", "una copa", "un poco"),
}
NEGATES = {
    "en": _words("no", "not", "never", r"don'?t", r"doesn'?t", r"can'?t", "cannot", r"shouldn'?t", "avoid", "without", "until",
                 "unless", "before", "nor", r"won'?t", "stop"),
    "es": _words("no", "nunca", "jamás", "evite", "sin", "hasta", "antes", "ni", "deje"),
}
# A daily prescribed medicine is the prescriber's to change, never the packet's: these
# words mark a sentence about one (issue 23's rule), not a permission to sedate.
PRESCRIBED = {"en": _words("prescribed", "daily", "every day", "usual", "regular"),
              "es": _words("recetad[oa]s?", "diari[oa]s?", "todos los días", "de siempre", "habitual(es)?")}

RULE_WORDS = {
    "alcohol": "the packet's alcohol rule (treatments.<kind>.alcohol_free_hours)",
    "driving": "the packet's driving rule (treatments.<kind>.driving)",
    "sedatives": "the packet's rule on opioids, sleep and anxiety pills and cannabis (treatments.<kind>.sedative_free_hours)",
    "alone": "the packet's rule on who stays with the patient (treatments.<kind>.escort)",
}

# Signs that belong under EMERGENCY (call 911 now), in the languages we ship.
EMERGENCY_SIGNS = {
    "en": re.compile(
        r"chest pain|can(no|')t breathe|trouble breathing|not breathing|slow breathing|short of breath|seizure|faint|pass(ed|es)? out|"
        r"unconscious|cannot be woken|can't be woken|won't wake|stroke|slurred|swell\w* (of )?(the )?(face|lips?|tongue|throat)|"
        r"(face|lips?|tongue|throat) swell|overdose|blue lips", re.IGNORECASE),
    "es": re.compile(
        r"dolor (en el|de) pecho|no puede respirar|dificultad para respirar|respira(ción)? lent|convulsi|desmay|inconsciente|"
        r"no (se )?despierta|derrame|habla arrastrada|hinchaz[oó]n de (la )?(cara|labios|lengua|garganta)|sobredosis", re.IGNORECASE),
}
SUICIDE_SIGNS = {
    "en": re.compile(r"suicid|end (your|my|their) life|kill (yourself|myself|themsel)|self-harm|harm(ing)? (yourself|myself)|"
                     r"hurt(ing)? (yourself|myself|someone|others)", re.IGNORECASE),
    "es": re.compile(r"suicid|quitarse la vida|hacerse daño|lastimarse|hacer daño a (alguien|otr)", re.IGNORECASE),
}


def _texts(loaded: LoadedClinic) -> Iterator[tuple[Keys, str, str]]:
    """Every clinic-written text with its keys and language."""
    main = loaded.clinic.language
    for keys, value in said_texts(loaded.clinic):
        if isinstance(value, str):
            yield keys, main, value
        else:
            for language, text in value.items():
                yield (*keys, language), language, text


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;])\s+", text) if s.strip()]


def permits(language: str, text: str) -> str | None:
    """The rule ``text`` would loosen ("alcohol", "driving", ...), or None."""
    subjects, permit, negate = SUBJECTS.get(language), PERMITS.get(language), NEGATES.get(language)
    if subjects is None or permit is None or negate is None:
        return None
    for sentence in _sentences(text):
        if not permit.search(sentence) or negate.search(sentence):
            continue
        for rule, pattern in subjects.items():
            if pattern.search(sentence) and not (rule == "sedatives" and PRESCRIBED[language].search(sentence)):
                return rule
    return None


def contradictions(loaded: LoadedClinic) -> list[Problem]:
    """Clinic text that permits what the floor forbids, or files a danger sign under a lower tier."""
    found = []
    for keys, language, text in _texts(loaded):
        if keys[-1] == language:
            where: Keys = keys[:-1]
        else:
            where = keys
        if rule := permits(language, text):
            found.append(loaded.problem(keys, (
                f"'{text[:90]}' contradicts {RULE_WORDS[rule]}: the packet states that rule once, from the protocol. "
                "Remove this sentence, or change the protocol value if your medical director agrees.")))
            continue
        tier = next((str(k) for k in where if k in ("crisis", "clinic")), None) if "warning_signs" in where else None
        if tier is None:
            continue
        if (emergency := EMERGENCY_SIGNS.get(language)) is not None and emergency.search(text):
            found.append(loaded.problem(keys, (
                f"'{text[:90]}' is a danger to life, but it is under {tier}: the patient would wait for a call-back. "
                "Move it to warning_signs.emergency (call 911 now).")))
        elif tier == "clinic" and (suicide := SUICIDE_SIGNS.get(language)) is not None and suicide.search(text):
            found.append(loaded.problem(keys, (
                f"'{text[:90]}' is about suicide or harm, but it is under clinic (CALL US). Thoughts of suicide go to the crisis "
                "line (warning_signs.crisis); a plan, intent or danger to others to emergency.")))
    return found
