"""Reading level of text as a patient reads it on paper.

Readability formulas count sentences by their end marks. Printed bullets often have
none, and adding periods before measuring (or joining bullets into one passage)
changes the score. Here each heading or bullet is one sentence, as it is read; a
paragraph counts its own sentences; nothing is added. Word, syllable and hard-word
counts come from ``textstat`` (its syllable dictionary and Dale-Chall word list);
only the sentence count is ours.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import textstat

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9(\"“])")

FK_MAX = 6.0  # AMA and HHS: grade 6 or lower for patient materials
SMOG_MAX = 8.0


@dataclass(frozen=True)
class Scores:
    words: int
    sentences: int
    fk_grade: float  # Flesch-Kincaid grade level
    smog: float  # SMOG grade
    dale_chall: float  # new Dale-Chall score (4.9 or lower: easy for grade 4)

    def fits(self) -> bool:
        return self.fk_grade <= FK_MAX and self.smog <= SMOG_MAX


def _sentences(unit: str) -> int:
    """A bullet is one sentence; a paragraph may hold more than one."""
    return 1 + len(SENTENCE_END.findall(unit.strip()))


def scores(units: list[str]) -> Scores:
    """Scores of ``units`` (bullets, headings, paragraphs) read as printed."""
    words = [w for unit in units for w in WORD.findall(unit)]
    sentences = sum(_sentences(u) for u in units if u.strip())
    if not words or not sentences:
        return Scores(0, 0, 0.0, 0.0, 0.0)
    syllables = sum(max(1, textstat.syllable_count(w)) for w in words)
    poly = sum(1 for w in words if textstat.syllable_count(w) >= 3)
    hard = sum(1 for w in words if textstat.is_difficult_word(w))
    per_sentence = len(words) / sentences
    fk = 0.39 * per_sentence + 11.8 * syllables / len(words) - 15.59
    smog = 1.043 * math.sqrt(poly * 30 / sentences) + 3.1291
    hard_pct = 100 * hard / len(words)
    dale = 0.1579 * hard_pct + 0.0496 * per_sentence + (3.6365 if hard_pct > 5 else 0.0)
    return Scores(len(words), sentences, round(max(fk, 0.0), 1), round(smog, 1), round(dale, 1))


# Spanish: reading ease (higher is easier), with the same "a bullet is one sentence" rule.
SZIGRISZT_MIN = 65.0  # INFLESZ "bastante fácil" (fairly easy) or easier
FERNANDEZ_HUERTA_MIN = 70.0  # "bastante fácil" on Fernández-Huerta's scale
WORD_ANY = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*")
SENTENCE_END_ANY = re.compile(r"[.!?](?=\s+[\w(\"“¿¡])")


@dataclass(frozen=True)
class EaseScores:
    words: int
    sentences: int
    szigriszt_pazos: float  # INFLESZ scale: 65 to 80 "bastante fácil", above 80 "muy fácil"
    fernandez_huerta: float  # 70 to 80 "bastante fácil"

    def fits(self) -> bool:
        return self.szigriszt_pazos >= SZIGRISZT_MIN and self.fernandez_huerta >= FERNANDEZ_HUERTA_MIN


def spanish_scores(units: list[str]) -> EaseScores:
    """Spanish reading ease of ``units`` as printed: textstat's Spanish syllable counts, our sentence count.

    A textstat instance of its own (not ``textstat.set_lang``, which changes the
    module's shared instance for every caller in the process).
    """
    from textstat.textstat import textstatistics

    counter = textstatistics()
    counter.set_lang("es")
    words = [w for unit in units for w in WORD_ANY.findall(unit)]
    sentences = sum(1 + len(SENTENCE_END_ANY.findall(u.strip())) for u in units if u.strip())
    if not words or not sentences:
        return EaseScores(0, 0, 0.0, 0.0)
    per_word = sum(max(1, counter.syllable_count(w)) for w in words) / len(words)
    per_sentence = len(words) / sentences
    return EaseScores(len(words), sentences, round(206.835 - 62.3 * per_word - per_sentence, 1),
                      round(206.84 - 60 * per_word - 1.02 * per_sentence, 1))
