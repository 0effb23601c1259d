"""Phone numbers: check that they are real and print them the way patients dial them.

A wrong digit on a crisis card is the worst error this tool could print, so numbers are
parsed with Google's libphonenumber data (the ``phonenumbers`` package) instead of a
hand-written pattern, and always printed in the clinic country's national format.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat

from packets.textsafety import excerpt


def format_phone(raw: str, region: str, allow_short: bool = False) -> str:
    """Return ``raw`` in national format, or raise ``ValueError`` with a fix.

    Short codes (988, 911, 112) are allowed only where ``allow_short`` says so:
    a clinic's own line must be a full number a patient can dial from anywhere.
    """
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if allow_short and 2 <= len(digits) <= 6 and digits == text.replace(" ", ""):
        if phonenumbers.is_valid_short_number(phonenumbers.parse(digits, region)):
            return digits
        raise ValueError(f"{excerpt(text)} is not a valid short number in {region}. Use a full phone number.")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{excerpt(text)} is not a phone number. Write it like (555) 201-0142 or +1 555 201 0142.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{excerpt(text)} is not a valid phone number for {region}. Check the digits and area code.")
    if phonenumbers.region_code_for_number(number) != region:
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def tel_uri(display: str, region: str) -> str:
    """A ``tel:`` link for a QR code (E.164, or the bare short code such as 988)."""
    digits = "".join(ch for ch in display if ch.isdigit())
    if len(digits) <= 6:
        return f"tel:{digits}"
    number = phonenumbers.parse(display, region)
    return "tel:" + phonenumbers.format_number(number, PhoneNumberFormat.E164)
