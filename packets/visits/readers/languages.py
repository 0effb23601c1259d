"""A patient's language as a content language code (``es``), from BCP 47, ISO 639-2 or HL7 table 0296.

Only the code is mapped here; whether shared content exists for it is the row
builder's check, so a Spanish-speaking patient's row is reported, not printed in
English. A code this table does not know is passed on as written (lowercased), so
that check names it rather than dropping it.
"""

from __future__ import annotations

# ISO 639-2 (bibliographic and terminology) codes, as HL7 table 0296 and many exports
# use them, for the languages most often met at US and European clinics.
_THREE_LETTER = {
    "eng": "en", "spa": "es", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de", "ita": "it", "por": "pt",
    "chi": "zh", "zho": "zh", "vie": "vi", "kor": "ko", "jpn": "ja", "rus": "ru", "ara": "ar", "tgl": "tl",
    "fil": "tl", "pol": "pl", "ukr": "uk", "hin": "hi", "per": "fa", "fas": "fa", "dut": "nl", "nld": "nl",
    "gre": "el", "ell": "el", "hat": "ht", "heb": "he", "tur": "tr", "som": "so", "amh": "am",
}
# Language names some systems send instead of a code.
_NAMES = {"english": "en", "spanish": "es", "español": "es", "french": "fr", "vietnamese": "vi", "chinese": "zh"}


def language_code(text: str) -> str:
    """``es-MX`` -> ``es``; ``SPA`` -> ``es``; ``English`` -> ``en``; unknown codes unchanged (lowercased)."""
    value = text.strip().lower().replace("_", "-")
    if not value:
        return ""
    if value in _NAMES:
        return _NAMES[value]
    primary = value.split("-", 1)[0]
    if len(primary) == 2 and primary.isalpha():
        return primary
    return _THREE_LETTER.get(primary, value)
