"""The station's print buttons, in a real browser, printing to the virtual CUPS printer."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import CLINICS_DIR, not_a_sample
from cups_stack import CupsStack
from station_helpers import BROWSER_ARGS, CHROMIUM, SCHEDULE, Server, axe_serious, shot, sign_in, upload_schedule

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def station(tmp_path_factory, cups: CupsStack):
    """A station whose sunrise-iv clinic prints to the stack's duplex queue."""
    folder = tmp_path_factory.mktemp("printing-station")
    target = folder / "clinics" / "sunrise-iv"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", target)
    config = target / "clinic.yaml"
    text = not_a_sample(re.sub(r"\nprinting:\n(?:[ #].*\n|\n)*", "\n", config.read_text()))  # not a SAMPLE
    config.write_text(text + "\nprinting:\n  packets:\n    queue: duplex\n  wait_seconds: 120\n")
    started = Server(folder, env=cups.client_env())
    yield started
    started.stop()


@pytest.fixture(scope="module")
def page(station: Server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(bypass_csp=True)
        tab = context.new_page()
        sign_in(tab, station)
        yield tab
        browser.close()


def _wait_for_printer(page) -> str:
    """The page refreshes itself while the job runs; wait for the final line."""
    page.wait_for_function("() => /job \\S+: \\S+|Not printed/.test(document.querySelector('[role=status]')?.innerText || '')",
                           timeout=120_000)
    return page.get_by_role("status").inner_text()


def test_print_one_packet_and_the_whole_day(page, station: Server, cups: CupsStack, tmp_path: Path) -> None:
    printer = cups.printers["duplex"]
    # By job id, not by count: the virtual printer forgets completed jobs after a minute or so,
    # so on a slow run an earlier test's job can drop out of the list while this one prints.
    before = {job["job-id"] for job in printer.completed_jobs()}
    schedule = tmp_path / "day.csv"
    schedule.write_text(SCHEDULE)
    upload_schedule(page, schedule)
    day_url = page.url

    page.get_by_role("link", name="Open packet, row 2").click()
    page.get_by_role("button", name="Print", exact=True).click()
    line = _wait_for_printer(page)
    assert re.search(r"job duplex-\d+: completed", line), line
    shot(page, "6-printed-one")
    assert axe_serious(page) == []
    assert page.get_by_role("button", name="Print again").is_visible()
    jobs = [job for job in printer.completed_jobs() if job["job-id"] not in before]
    assert len(jobs) == 1
    assert jobs[0]["sides"] == "two-sided-long-edge"

    page.goto(day_url)
    page.get_by_role("button", name=re.compile(r"Print the whole day \(2 packets")).click()
    line = _wait_for_printer(page)
    assert re.search(r"job duplex-\d+: completed", line), line
    shot(page, "7-printed-day")
    assert len([job for job in printer.completed_jobs() if job["job-id"] not in before]) == 2
    assert page.locator("tbody .status.printed").count() == 2

    page.get_by_role("link", name="Log").click()
    entries = [row.inner_text() for row in page.locator("tbody tr").all()]
    assert sum("print (whole day)" in e for e in entries) == 2  # one line per packet of the day
    assert sum("\tprint\t" in e for e in entries) == 1  # the single packet, printed first
    assert all("duplex" in e and "completed" in e for e in entries[:3])


def test_a_print_that_never_reached_cups_is_logged_as_not_printed_with_the_reason(page, station: Server, tmp_path: Path) -> None:
    context = page.context.browser.new_context(bypass_csp=True)  # a fresh tab: the last test's page still refreshes
    page = context.new_page()
    sign_in(page, station)
    config = station.data.parent / "clinics" / "sunrise-iv" / "clinic.yaml"
    original = config.read_text()
    try:
        config.write_text(original.replace("queue: duplex", "queue: gone-away"))
        info = config.stat()
        os.utime(config, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))  # the station reads it again
        schedule = tmp_path / "day.csv"
        schedule.write_text(SCHEDULE)
        upload_schedule(page, schedule)
        page.get_by_role("link", name="Open packet, row 2").click()
        page.get_by_role("button", name=re.compile("^Print")).click()
        assert "Not printed" in _wait_for_printer(page)
        page.get_by_role("link", name="Log").click()
        newest = page.locator("tbody tr").first.inner_text()
        assert "Not printed" in newest and "gone-away" in newest, newest
    finally:
        config.write_text(original)
        context.close()
