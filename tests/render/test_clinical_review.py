"""What a psychiatrist checks, read back from the paper of every example clinic × treatment × language × size.

Urgent content never splits (the three tiers together, the suicide rows with their
actions and rules), the emergency rule names intent and other people, a daily
prescribed sedative is never stopped by the packet, times count from the end of the
dose in real hours, a packet printed ahead names its day, and the examples print
fiction-range numbers only.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from packets.config.loading import load_clinic
from packets.content.shared import load_shared
from packets.render.packet import render_packet
from packets.visits.model import Visit
from packets.visits.when import hours_after

from conftest import PACKETS
from pdfcheck import Pdf

CASES = [("sunrise-iv", "iv-ketamine"), ("sunrise-iv", "im-ketamine"), ("harbor-spravato", "esketamine-nasal"),
         ("willow-home", "im-ketamine"), ("willow-home", "oral-ketamine")]
PACKETS_ALL = [(clinic, kind, lang, large) for clinic, kind in CASES for lang in ("en", "es") for large in (False, True)]
WHEN = datetime(2026, 12, 8, 9, 30)
PHONE = re.compile(r"\(\d{3}\) \d{3}-\d{4}")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def printed() -> dict[tuple[str, str, str, bool], list[str]]:
    """Each example packet once (printed the day before its dose), as page texts with spaces made single."""
    out = {}
    for clinic, kind, lang, large in PACKETS_ALL:
        visit = Visit(name="María Guadalupe Hernández López", treatment=kind, when=WHEN, date_of_birth=date(1980, 2, 3),
                      session=3, escort="Rosa Díaz", next_visit=WHEN + timedelta(days=3), language=lang, large_print=large,
                      printed_on=WHEN.date() - timedelta(days=1))
        out[(clinic, kind, lang, large)] = [_flat(t) for t in Pdf(render_packet(load_clinic(clinic), visit)).page_texts()]
    return out


def _labels(lang: str) -> dict[str, str]:
    # As the PDF's text reads back: no-break spaces ("911\u00a0ya") come out as plain ones.
    return {k: " ".join(v.replace("{crisis}", "988").replace("{emergency}", "911").split()) for k, v in load_shared(lang).labels.items()}


def _page_of(pages: list[str], text: str, start: int = 0) -> int:
    found = [i for i, page in enumerate(pages) if i >= start and text in page]
    assert found, f"{text!r} is not printed (from page {start + 1})"
    return found[0]


@pytest.mark.parametrize("case", PACKETS_ALL, ids=lambda c: "-".join(str(x) for x in c))
def test_the_three_tiers_print_together_in_order(printed, case) -> None:
    """Normal print: all three on page 1. Large print: on one page, the first they fit on together."""
    pages = printed[case]
    labels = _labels(case[2])
    heads = [labels[k] for k in ("tier_emergency", "tier_crisis", "tier_clinic")]
    where = [_page_of(pages, head) for head in heads]
    assert len(set(where)) == 1, f"tiers on pages {[w + 1 for w in where]}"
    page = pages[where[0]]
    assert page.index(heads[0]) < page.index(heads[1]) < page.index(heads[2])
    if not case[3]:
        assert where[0] == 0
    # The Today box is whole: its first rule and its last escort line on one page, before the tiers.
    today = _page_of(pages, labels["sedatives_daily"])
    assert today <= where[0]


@pytest.mark.parametrize("case", PACKETS_ALL, ids=lambda c: "-".join(str(x) for x in c))
def test_suicide_rows_their_yes_actions_and_rules_share_one_grid_page(printed, case) -> None:
    pages = printed[case]
    labels = _labels(case[2])
    grid = _page_of(pages, labels["tracking_title"])
    rows = {r.id: r.label for r in load_shared(case[2]).tracking_rows}
    first = _page_of(pages, rows["suicide-thoughts"], grid)
    page = pages[first]
    for text in (rows["suicide-plan"], labels["suicide_thoughts"], labels["suicide_plan"]):
        assert text in page, f"{text!r} is not on the grid page of the first suicide row"
    assert page.count(labels["yes_crisis"]) == 3 and page.count(labels["yes_emergency"]) == 3  # one per day


@pytest.mark.parametrize("case", PACKETS_ALL, ids=lambda c: "-".join(str(x) for x in c))
def test_one_emergency_rule_with_intent_and_others_on_sheet_grid_and_card(printed, case) -> None:
    pages = printed[case]
    rule = _labels(case[2])["suicide_plan"]
    assert ("intent to end your life, or to hurt yourself or others" in rule) if case[2] == "en" else ("dañar a otros" in rule)
    grid = _page_of(pages, _labels(case[2])["tracking_title"])
    assert rule in " ".join(pages[:grid])  # the sheet (the tiers)
    assert rule in " ".join(pages[grid:-1])  # the grid
    assert rule in pages[-1]  # the wallet card


@pytest.mark.parametrize("case", PACKETS_ALL, ids=lambda c: "-".join(str(x) for x in c))
def test_sedatives_wait_but_a_daily_prescribed_one_is_never_stopped(printed, case) -> None:
    pages = printed[case]
    labels = _labels(case[2])
    sheet = " ".join(pages[: _page_of(pages, labels["tracking_title"])])
    assert sheet.count(labels["sedatives_daily"]) == 2  # the Today box and Your medicines: the same words
    occasional = "you take only now and then" if case[2] == "en" else "que usa solo a veces"
    assert sheet.count(occasional) == 2
    assert "unless your care team said so" not in sheet  # the old rule that told daily users to skip their dose


@pytest.mark.parametrize("case", PACKETS_ALL, ids=lambda c: "-".join(str(x) for x in c))
def test_printed_the_day_before_it_names_the_day_and_counts_from_the_end_of_the_dose(printed, case) -> None:
    pages = printed[case]
    clinic, kind, lang, _ = case
    first = pages[0] + " " + pages[1]
    if lang == "en":
        assert "On the day of your dose, Tuesday, Dec 8" in first
        assert "Today (" not in first and "tomorrow" not in " ".join(pages).lower()
        end = {"iv-ketamine": "10:30 AM", "im-ketamine": "9:35 AM", "esketamine-nasal": "9:45 AM", "oral-ketamine": "9:30 AM"}[kind]
        assert f"(hours count from the end of your dose, about {end})" in first
    else:
        assert "El día de su dosis, martes, 8 de diciembre" in first
        assert "mañana" not in " ".join(pages).lower()


def test_no_example_prints_a_number_outside_the_fiction_range(printed) -> None:
    numbers = {n for pages in printed.values() for page in pages for n in PHONE.findall(page)}
    assert numbers and all(re.search(r"555-01\d\d$", n) for n in numbers), sorted(numbers)
    for clinic, _ in CASES:
        for number in PHONE.findall((load_clinic(clinic).path).read_text(encoding="utf-8")):
            assert "555-01" in number, f"{clinic}: {number}"


def test_hours_are_real_hours_across_daylight_saving_changes() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    # Fall back (Nov 1, 2026): 24 real hours after 10 PM Saturday is 9 PM Sunday on the clock.
    assert hours_after(datetime(2026, 10, 31, 22, 0), 24, zone) == datetime(2026, 11, 1, 21, 0)
    # Spring forward (Mar 8, 2026): 4 real hours after 11 PM is 4 AM on the clock.
    assert hours_after(datetime(2026, 3, 7, 23, 0), 4, zone) == datetime(2026, 3, 8, 4, 0)
    assert hours_after(datetime(2026, 3, 7, 23, 0), 4, None) == datetime(2026, 3, 8, 3, 0)  # no zone: the wall clock
    # 4 real hours after 10 PM on the fall-back night is the second 1:00 AM: printed as 2:00 AM, a time
    # that happens once, rather than a "1:00 AM" a patient could take for the first (an hour early).
    assert hours_after(datetime(2026, 10, 31, 22, 0), 4, zone) == datetime(2026, 11, 1, 2, 0)
    assert hours_after(datetime(2026, 10, 31, 21, 0), 4, zone) == datetime(2026, 11, 1, 1, 0)  # the first 1:00 AM: as is


def _render(tmp_path, *args: str) -> str:
    out = tmp_path / "packet.pdf"
    done = subprocess.run([*PACKETS, "render", *args, "--name", "Jane Doe", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return _flat(Pdf(out.read_bytes()).page_texts()[0])


def test_cli_times_across_the_fall_change_count_real_hours(tmp_path) -> None:
    """Sunrise (Portland): a 9 PM IV slot the night before the clocks go back; the infusion ends about 10 PM."""
    page = _render(tmp_path, "--clinic", "sunrise-iv", "--treatment", "iv-ketamine", "--date", "2026-10-31", "--time", "21:00")
    assert "No driving or machines for 24 hours (until about 9:00 PM, Sunday, Nov 1)." in page
    assert "(hours count from the end of your dose, about 10:00 PM)" in page


def test_cli_dose_ended_gives_exact_times(tmp_path) -> None:
    page = _render(tmp_path, "--clinic", "sunrise-iv", "--treatment", "iv-ketamine", "--date", "2026-12-08", "--time", "9:30",
                   "--dose-ended", "10:40")
    assert "(hours count from the end of your dose at 10:40 AM)" in page
    assert "No driving or machines until 10:40 AM, Wednesday, Dec 9." in page
    assert "about" not in page.split("When to get help")[0]


def test_cli_dose_ended_before_the_appointment_is_refused_in_one_line(tmp_path) -> None:
    done = subprocess.run([*PACKETS, "render", "--clinic", "sunrise-iv", "--treatment", "iv-ketamine", "--date", "2026-12-08",
                           "--time", "9:30", "--dose-ended", "9:00", "--name", "Jane Doe", "--out", str(tmp_path / "p.pdf")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "dose_ended" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "p.pdf").exists()


def test_a_packet_printed_on_its_day_says_today(tmp_path) -> None:
    page = _render(tmp_path, "--clinic", "harbor-spravato", "--treatment", "esketamine-nasal", "--time", "9:30",
                   "--date", date.today().isoformat())
    assert "Today (hours count from the end of your dose, about 9:45 AM)" in page
    assert "On the day of your dose" not in page


def test_home_blood_pressure_needs_the_reading_to_call_at(clinic_copy, tmp_path) -> None:
    path = clinic_copy("harbor-spravato")
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'home_blood_pressure: "180/110".*', "home_blood_pressure: true", text), encoding="utf-8")
    done = subprocess.run([*PACKETS, "validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 1 and "home_blood_pressure" in done.stderr and '"180/110"' in done.stderr
    assert "Traceback" not in done.stderr
    path.write_text(text.replace('home_blood_pressure: "180/110"', 'home_blood_pressure: "160/100"'), encoding="utf-8")
    page = Pdf(render_packet(load_clinic(str(path)), Visit(name="Jane Doe", treatment="esketamine-nasal", when=WHEN))).page_texts()[2]
    assert "Call us at 160/100 or higher" in _flat(page)
