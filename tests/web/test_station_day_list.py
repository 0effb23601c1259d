"""The station's day list, as the front desk uses it in Chromium: names on failed rows, one list per day,
days by their date, skipped appointments, a whole-day PDF without a printer, one clinic picker."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from pdfcheck import Pdf
from station_helpers import BROWSER_ARGS, CHROMIUM, Server, axe_serious, shot, sign_in, upload_schedule

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
playwright = pytest.importorskip("playwright.sync_api")

TOMORROW = date.today() + timedelta(days=1)


def _schedule(folder: Path, name: str, li_wei_time: str) -> Path:
    day = TOMORROW.isoformat()
    path = folder / name
    path.write_text("patient_name,date,time,treatment,status\n"
                    f"Jane Doe,{day},09:30,iv-ketamine,booked\n"
                    f"Li Wei,{day},{li_wei_time},iv-ketamine,booked\n"
                    f"Rosa Diaz,{day},10:45,iv-ketamine,cancelled\n")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    started = Server(tmp_path_factory.mktemp("station-day-list"))
    yield started
    started.stop()


@pytest.fixture
def page(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(bypass_csp=True, accept_downloads=True)  # bypass: only so axe-core can be injected
        yield context.new_page()
        context.close()
        browser.close()


def test_a_day_list_the_front_desk_can_act_on(page, server: Server, tmp_path: Path) -> None:
    sign_in(page, server)
    assert page.get_by_label("Clinic", exact=True).count() == 1  # one picker, not one per form
    upload_schedule(page, _schedule(tmp_path, "tuesday.csv", "25:99"))
    label = f"Tomorrow, {TOMORROW:%A}, {TOMORROW:%b} {TOMORROW.day}"
    assert page.get_by_role("heading", level=1).inner_text() == f"Sunrise Infusion Center: {label}"  # the clinic's name
    main = page.locator("main").inner_text()
    ready = page.locator("tr.ready").inner_text()  # the treatment's label and the language's own name, not their ids
    assert "Ketamine drip into a vein (IV)" in ready and "English" in ready
    assert "iv-ketamine" not in main and "sunrise-iv" not in main
    assert "1 ready" in main and "1 failed" in main and "skipped, no packet: 1 cancelled or no-show" in main
    failed = page.locator("tr.failed").inner_text()
    assert "Li Wei" in failed  # the name was read, so it is shown
    assert "The appointment time could not be read." in failed and "For the manager: column time" in failed
    page.get_by_text("Skipped appointments (1)").click()
    assert "Rosa Diaz" in page.locator("details").inner_text() and "Cancelled or no-show" in page.locator("details").inner_text()
    shot(page, "10-day-list-tomorrow")
    assert axe_serious(page) == []

    # No printer is set for sunrise-iv: the whole day still downloads as one PDF.
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download the whole day")).click()
    assert "Jane" not in info.value.suggested_filename
    assert "Patient: Jane Doe" in Pdf(Path(info.value.path()).read_bytes()).page_texts()[0]

    # A corrected schedule for the same day replaces the list; the Today page shows one list, by its date.
    first = page.url
    page.get_by_role("link", name="Today").click()
    upload_schedule(page, _schedule(tmp_path, "tuesday-fixed.csv", "10:15"))
    assert "2 ready" in page.locator("main").inner_text() and "failed" not in page.locator("main").inner_text()
    page.get_by_role("link", name="All lists for Sunrise Infusion Center").click()
    assert "Load a day's schedule for Sunrise Infusion Center" in page.locator("main").inner_text()
    lists = page.get_by_role("link", name=f"Open the list for {label}")
    assert lists.count() == 1
    shot(page, "11-today-one-list")
    assert page.goto(first).status == 404  # the replaced list is gone, with its packets
    page.get_by_role("link", name="Log").click()
    log = page.locator("table").inner_text()
    assert "download (whole day)" in log  # the earlier list's download stays logged
    assert f"Sunrise Infusion Center, {TOMORROW.isoformat()}" in log and "sunrise-iv" not in log
