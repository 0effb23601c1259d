"""The shared stylesheet's rules that keep whole renders quick without changing the paper."""

from __future__ import annotations

import tinycss2

from packets.assets.paths import templates_dir


def _rules() -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of each plain style rule in packet.css."""
    sheet = tinycss2.parse_stylesheet((templates_dir() / "packet.css").read_text(encoding="utf-8"),
                                      skip_comments=True, skip_whitespace=True)
    rules = []
    for rule in sheet:
        if rule.type != "qualified-rule":
            continue
        selectors = [" ".join(s.split()) for s in tinycss2.serialize(rule.prelude).split(",")]
        declarations = {d.lower_name: tinycss2.serialize(d.value).strip()
                        for d in tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True)
                        if d.type == "declaration"}
        rules.append((selectors, declarations))
    return rules


def test_every_flex_row_has_items_without_a_minimum_height() -> None:
    rules = _rules()
    rows = {s for selectors, d in rules if d.get("display") == "flex" for s in selectors}
    assert {"header.clinic", ".top", ".card-pair"} <= rows
    assert not any(d.get("flex-direction", "row").startswith("column") for _, d in rules), \
        "min-height: 0 is neutral only for rows; a column's items need their automatic minimum"
    unset = {s for selectors, d in rules if d.get("min-height") == "0" for s in selectors}
    assert {f"{row} > *" for row in rows} <= unset, "add the new flex row's items to the min-height: 0 rule"
