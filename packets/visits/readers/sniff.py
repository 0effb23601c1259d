"""Which format a schedule file is, from its content: FHIR JSON, HL7 v2, or CSV and its delimiter."""

from __future__ import annotations

FORMATS = ("csv", "fhir", "hl7")
DELIMITERS = (",", ";", "\t")


def sniff_format(text: str) -> str:
    """``fhir`` for JSON, ``hl7`` for a file starting with an HL7 header segment, else ``csv``."""
    head = text.lstrip("\ufeff \t\r\n")
    if head[:1] in ("{", "["):
        return "fhir"
    if head[:4] in ("MSH|", "FHS|", "BHS|"):
        return "hl7"
    return "csv"


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: whichever of ``,`` ``;`` tab occurs most outside quotes.

    ``csv.Sniffer`` guesses from letter frequencies over several lines and can pick a
    space or a colon from a time like 9:30; a header line of column names is a
    cleaner signal. A tie or none (one column) keeps the comma.
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in text.lstrip("\ufeff"):
        if char == '"':
            quoted = not quoted
        elif char in "\r\n" and not quoted:
            if any(counts.values()):
                break
            continue
        elif char in counts and not quoted:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","
