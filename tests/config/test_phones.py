"""Phone numbers as printed and dialled: checked for the clinic's country, never guessed."""

from __future__ import annotations

import pytest

from packets.config.phones import format_phone, tel_uri


def test_national_format_and_tel_links() -> None:
    assert format_phone("+1 503 201 4477", "US") == "(503) 201-4477"
    assert format_phone("5032014477", "US") == "(503) 201-4477"
    assert format_phone("988", "US", allow_short=True) == "988"
    assert tel_uri("(503) 201-4477", "US") == "tel:+15032014477"
    assert tel_uri("988", "US") == "tel:988"


@pytest.mark.parametrize("raw, short, message", [
    ("12345", False, "is not a valid phone number for US"),
    ("call us", False, "is not a phone number"),
    ("911", False, "is not a valid phone number for US"),  # short codes only where the schema allows them
])
def test_bad_numbers_are_refused_with_a_fix(raw: str, short: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        format_phone(raw, "US", allow_short=short)
