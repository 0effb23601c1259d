"""Every example clinic x treatment, read back from the PDF as a patient (and a psychiatrist) would."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from packets.config.loading import load_clinic
from packets.content.shared import build_content, for_treatment
from packets.errors import RenderError
from packets.render.packet import render_packet
from packets.visits.model import Visit

from conftest import SAMPLE_WHEN
from pdfcheck import Pdf

CASES = [("sunrise-iv", "iv-ketamine"), ("sunrise-iv", "im-ketamine"), ("harbor-spravato", "esketamine-nasal"),
         ("willow-home", "im-ketamine"), ("willow-home", "oral-ketamine")]
FOOTER_MM = 15.0  # bottom page margin: footers live below it
CARD_ZONE_NOTE = "Your wallet card is on the back of this space."


@pytest.fixture(scope="module", params=CASES, ids=[f"{c}-{k}" for c, k in CASES])
def packet(request):
    clinic, kind = request.param
    loaded = load_clinic(clinic)
    visit = Visit(name="Jane Doe", treatment=kind, when=SAMPLE_WHEN, date_of_birth=datetime(1980, 5, 1).date(), mrn="A-1",
                  session=3, escort="Sam Doe", next_visit=datetime(2026, 11, 24, 10, 0), provider="Dr. Chen")
    content = for_treatment(loaded, build_content(loaded), kind)
    return loaded, kind, content, Pdf(render_packet(loaded, visit))


def test_sheet_fits_one_sheet_then_grid_then_card(packet) -> None:
    _, _, _, pdf = packet
    texts = pdf.page_texts()
    assert len(texts) == 4
    assert "How are you feeling? Days 1 to 3" in texts[2] and "Get help fast" in texts[3]


def test_get_help_is_on_page_one(packet) -> None:
    loaded, _, _, pdf = packet
    first = pdf.page_texts()[0]
    c = loaded.clinic.contacts
    for words in ("When to get help", "EMERGENCY", "CRISIS", "CALL US", f"Call {c.emergency} now",
                  f"Call or text {c.crisis} any time", c.after_hours):
        assert words in first, words


def test_suicide_rule_is_word_for_word_the_same_on_sheet_grid_and_card(packet) -> None:
    _, _, content, pdf = packet
    texts = pdf.page_texts()
    sheet, grid, card = " ".join(texts[:2]), texts[2], texts[3]
    rules = [content.labels["suicide_thoughts"], content.labels["suicide_plan"]]
    assert rules == ["Thoughts of suicide or of hurting yourself: call or text 988 now, and tell us today.",
                     "A plan or intent to end your life, or to hurt yourself or others, or you cannot stay safe: call 911 now."]
    for rule in rules:
        for where, text in (("sheet", sheet), ("grid", grid), ("card", card)):
            assert rule in text, (where, rule)
    # No other instruction for suicidal thoughts anywhere.
    assert "thoughts of suicide are new" not in pdf.text().lower()


def test_emergency_tier_is_complete(packet) -> None:
    _, _, _, pdf = packet
    sheet = " ".join(pdf.page_texts()[:2])
    emergency = sheet[sheet.index("EMERGENCY"):sheet.index("CRISIS")]
    for sign in ("Chest pain", "Trouble breathing", "no one can wake you",
                 "A seizure", "Signs of a stroke: a drooping face, a weak arm, or slurred speech",
                 "A sudden, very bad headache", "Confusion that does not clear", "Swelling of the face, lips, tongue, or throat"):
        assert sign in emergency, sign


def test_card_cues_and_call_or_text(packet) -> None:
    _, _, _, pdf = packet
    card = pdf.page_texts()[3]
    for cue in ("Chest pain, breathing, or not safe", "Thoughts of suicide or self-harm: call or text", "Questions, side effects"):
        assert cue in card, cue


def test_today_box_counts_from_the_dose_and_says_one_alcohol_rule(packet) -> None:
    loaded, kind, _, pdf = packet
    sheet = " ".join(pdf.page_texts()[:2])
    proto = loaded.clinic.treatments[kind]
    end = {"iv-ketamine": "3:30 PM", "im-ketamine": "2:35 PM", "esketamine-nasal": "2:45 PM", "oral-ketamine": "2:30 PM"}[kind]
    assert f"(hours count from the end of your dose, about {end})" in sheet
    assert f"No alcohol, cannabis, or street drugs for 24 hours (until about {end}, Sunday, Nov 22)." in sheet
    assert proto.alcohol_free_hours == 24
    assert "No alcohol, cannabis, or street drugs for 24 hours after your dose." in sheet
    assert "several days" not in sheet and "Avoid alcohol" not in sheet


def test_wording_is_true_when_printed_the_day_before(packet) -> None:
    loaded, kind, _, pdf = packet
    text = pdf.text()
    assert not re.search(r"\bwe (watched|checked)\b", text, re.IGNORECASE)
    minutes = loaded.clinic.treatments[kind].monitoring_minutes
    if minutes:
        hours = minutes // 60
        said = f"{minutes} minutes" if minutes % 60 else ("1 hour" if hours == 1 else f"{hours} hours")
        assert f"We watch you for at least {said} before you go home." in text
        assert minutes % 60 or f"{minutes} minutes" not in text


def test_medicines_and_sedative_rules_on_every_packet(packet) -> None:
    loaded, kind, _, pdf = packet
    sheet = " ".join(pdf.page_texts()[:2])
    assert "Your medicines" in sheet
    assert "No opioids, sleep pills, or anxiety pills you take only now and then" in sheet
    assert sheet.count("If you take one every day, ask us what to do, and never stop it on your own.") == 2  # Today box and medicines
    assert "These add to the sleepy effect and can slow your breathing." in sheet
    assert "Keep taking your other daily pills, like ones for low mood, unless your doctor says to stop." in sheet
    assert "If you are pregnant or nursing" in sheet
    for topic in ("do not take a bath, climb a ladder, cook, or use sharp tools alone.",
                  "For the rest of the day, do not care for young children on your own.",
                  "sip clear drinks", "Bladder pain, a strong need to pass urine often, or blood in your urine"):
        assert topic in sheet, topic
    hours = loaded.clinic.treatments[kind].sedative_free_hours
    if hours:
        assert f"anxiety pills you take only now and then for {hours} hours after your dose." in sheet
        assert f"No opioids, sleep pills, or anxiety pills you take only now and then for {hours} hours (until about" in sheet


def test_oral_packet_is_about_home_not_the_clinic(packet) -> None:
    loaded, kind, _, pdf = packet
    text = pdf.text()
    if kind != "oral-ketamine":
        assert "your ride" in text
        return
    for clinic_words in ("stay with us", "your ride", "Getting home", "Stay in your seat"):
        assert clinic_words.lower() not in text.lower(), clinic_words
    for rule in ("Sam Doe stays with you, awake, for 6 hours after each dose.", "Your sitter stays awake and in the same room as you.",
                 "Your sitter calls 911 if they cannot wake you or your breathing is slow, and turns you on your side if you throw up.",
                 "Take only the dose we prescribed, at the time we set.", "Never take a second dose, even if you feel nothing.",
                 "If you miss a dose, skip it and call us.",
                 "Lock your medicine away from children, guests, and pets, and never share it."):
        assert rule in text, rule


def test_esketamine_packet_never_calls_the_drug_ketamine(packet) -> None:
    _, kind, _, pdf = packet
    text = pdf.text()
    if kind == "esketamine-nasal":
        assert "esketamine" in text and "Spravato" in text
        assert not re.search(r"(?<!es)ketamine", text, re.IGNORECASE), re.findall(r".{30}(?<!es)ketamine.{10}", text, re.IGNORECASE)
        assert ("We watch you for at least 2 hours" in text
                and "No driving or machines until Sunday, Nov 22, after a full night's sleep." in text)
        assert "Blood pressure at home" in text  # this clinic asks for a home blood pressure row
    else:
        assert "esketamine" not in text.lower() and "Blood pressure at home" not in text


def test_im_today_box_says_someone_drives_you_home(packet) -> None:
    loaded, kind, _, pdf = packet
    if kind != "im-ketamine":
        return
    sheet = pdf.page_texts()[0]
    hours = loaded.clinic.treatments[kind].escort_hours
    assert "Sam Doe takes you home. Do not drive yourself." in sheet
    assert f"Have a sober adult stay near you for {hours} hours." in sheet


def test_tracking_grid_asks_in_two_steps_with_answers_in_every_cell(packet) -> None:
    _, _, _, pdf = packet
    grid = pdf.page_texts()[2]
    for row in ("Any thoughts of suicide or of hurting yourself?", "A plan or intent to act on them, or to hurt someone else?",
                "Seeing things, or feeling unreal?",
                "Bladder pain, urgency, or blood in urine?", "Circle one answer in each box."):
        assert row in grid, row
    assert grid.count("Low OK High") == 3 and grid.count("No Yes") >= 3 * 4


def test_content_version_in_every_footer(packet) -> None:
    _, _, content, pdf = packet
    assert all(f"Text {content.version}" in t for t in pdf.page_texts())


def _band(glyphs: list[tuple[str, float, float]], text: str) -> float:
    """Baseline height (mm from the page bottom) of the first run of ``text`` on a page."""
    chars = "".join(c for c, _, _ in glyphs)
    at = chars.index(text.replace(" ", ""))
    return glyphs[at][2]


def _assert_card_cut_spares_the_grid(pdf: Pdf) -> None:
    """Printed duplex, page 4 is the back of page 3: the card's band on page 4 is empty on page 3."""
    glyphs = pdf.glyph_sizes()
    grid, card = glyphs[2], glyphs[3]
    card_top = _band(card, "Get help fast") + 6  # title baseline: 2.5 mm padding and one line under the top edge
    in_band = [g for g in grid if FOOTER_MM < g[2] < card_top + 2]
    note = "".join(CARD_ZONE_NOTE.split()) + "Cuttingitoutdoesnotcutyourtrackingpage."
    assert "".join(c for c, _, _ in in_band) == note  # only the note that says so
    # ...and every card glyph is at least 8 pt.
    card_glyphs = [g for g in card if FOOTER_MM < g[2] < card_top]
    assert len(card_glyphs) > 150
    assert min(size for _, size, _ in card_glyphs) >= 8.0


def test_cutting_out_the_card_cuts_nothing_on_the_grid(packet) -> None:
    _assert_card_cut_spares_the_grid(packet[3])


def test_fullest_grid_on_the_shortest_page_still_clears_the_card(clinic_copy) -> None:
    """Letter paper, the taller ID-1 card, a tracking QR and the optional blood pressure row."""
    path = clinic_copy()
    text = path.read_text().replace("card_size: business", "card_size: id-1")
    path.write_text(text.replace("    escort: driver\n", "    escort: driver\n    home_blood_pressure: \"180/110\"\n", 1))
    pdf = Pdf(render_packet(load_clinic(str(path)), Visit(name="Jane Doe", treatment="iv-ketamine", when=SAMPLE_WHEN)))
    assert len(pdf.page_texts()) == 4 and "Blood pressure at home" in pdf.page_texts()[2]
    _assert_card_cut_spares_the_grid(pdf)


def test_large_print_card_has_a_blank_back() -> None:
    """Large print runs long: the card starts a new sheet (a front page) and nothing prints on its back."""
    visit = Visit(name="Jane Doe", treatment="im-ketamine", when=SAMPLE_WHEN, large_print=True)
    texts = Pdf(render_packet(load_clinic("willow-home"), visit)).page_texts()
    assert "Get help fast" in texts[-1] and len(texts) % 2 == 1  # last page is a front; its back is blank paper
    assert all("Get help fast" not in t for t in texts[:-1])


def test_a_grid_that_reaches_the_card_band_is_refused_naming_the_fix(clinic_copy) -> None:
    """Taller rows (a clinic's CSS) push the grid into the band behind the card: refused, never cut in half."""
    path = clinic_copy()
    path.write_text(path.read_text().replace("branding:\n", "branding:\n  css: extra.css\n", 1))
    (path.parent / "extra.css").write_text(".grid tbody tr { height: 16mm; }\n")
    with pytest.raises(RenderError) as caught:
        render_packet(load_clinic(str(path)), Visit(name="Jane Doe", treatment="iv-ketamine", when=SAMPLE_WHEN))
    message = str(caught.value)
    assert "page 3, the tracking grid runs into the band kept empty behind the wallet card (by " in message
    assert "home_blood_pressure" in message and "card_size: business" in message
