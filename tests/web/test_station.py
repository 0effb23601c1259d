"""The front-desk station, driven by a real browser (Debian's chromium) against the real server.

Screenshots of every page land in output/station-screenshots/ (not committed) to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import PACKETS, REPO
from pdfcheck import Pdf
from station_helpers import (
    BROWSER_ARGS,
    CHROMIUM,
    NAMES,
    PASSWORD,
    SCHEDULE,
    Server,
    axe_serious,
    choose_clinic,
    free_port,
    shot,
    sign_in,
    upload_schedule,
)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("station")
    started = Server(folder)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context, recording every URL it asks for."""
    context = browser.new_context(bypass_csp=True, accept_downloads=True)  # bypass: only so axe-core can be injected
    visited: list[str] = []
    context.on("request", lambda request: visited.append(request.url))
    tab = context.new_page()
    tab.visited = visited  # type: ignore[attr-defined]
    yield tab
    context.close()


def _upload(page, server: Server, tmp_path: Path) -> None:
    schedule = tmp_path / "monday-export.csv"
    schedule.write_text(SCHEDULE)
    upload_schedule(page, schedule)


def test_front_desk_day_from_sign_in_to_download(page, server: Server, tmp_path: Path) -> None:
    sign_in(page, server)
    shot(page, "1-today")
    assert axe_serious(page) == []
    _upload(page, server, tmp_path)
    shot(page, "2-day-list")
    assert axe_serious(page) == []
    rows = page.locator("tbody tr")
    assert rows.count() == 4
    text = page.locator("table").inner_text()
    assert "Jane Doe" in text and "Omar Haddad" in text
    assert "2 ready" in page.locator("main").inner_text() and "2 failed" in page.locator("main").inner_text()
    assert "column time" in text and "is not offered by sunrise-iv" in text  # the bad rows say why

    page.get_by_role("link", name="Open packet, row 2").click()
    page.wait_for_url(re.compile(r".*/rows/[A-Za-z0-9_-]+$"))
    images = page.locator("ol.pages img")
    assert images.count() == 4
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    shot(page, "3-packet")
    assert axe_serious(page) == []
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert "Jane" not in download.suggested_filename and download.suggested_filename.endswith("-JD.pdf")
    pdf = Pdf(Path(download.path()).read_bytes())
    assert "Patient: Jane Doe" in pdf.page_texts()[0]

    page.get_by_role("link", name="Log").click()
    shot(page, "4-log")
    assert axe_serious(page) == []
    log_text = page.locator("table").inner_text()
    assert "download" in log_text and "JD" in log_text and "A-100" in log_text and "Jane Doe" not in log_text

    # No patient data in any URL the browser asked for, nor in the server's log.
    for url in page.visited:
        assert not any(part in url for name in NAMES for part in name.split()), url
        assert "A-10" not in url
    server_log = server.log.read_text()
    assert "POST /today/upload 303" in server_log
    assert not any(part in server_log for name in NAMES for part in name.split())


def test_a_bad_upload_shows_the_cli_message_and_saves_nothing(page, server: Server, tmp_path: Path) -> None:
    sign_in(page, server)
    before = sorted(p.name for p in (server.data / "uploads").glob("*")) if (server.data / "uploads").exists() else []
    picture = tmp_path / "scan.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    choose_clinic(page, "sunrise-iv")
    page.get_by_label("Schedule file from your scheduling system (CSV)").set_input_files(str(picture))
    page.get_by_role("button", name="Load and make packets").click()
    alert = page.get_by_role("alert").inner_text()
    assert "scan.png" in alert and "not UTF-8" in alert and str(server.data) not in alert
    shot(page, "8-bad-upload")
    assert sorted(p.name for p in (server.data / "uploads").glob("*")) == before  # nothing half-saved


def test_one_patient_form_makes_a_packet(page, server: Server) -> None:
    sign_in(page, server)
    page.get_by_role("link", name="One patient").click()
    shot(page, "5-one-patient")
    assert axe_serious(page) == []
    page.get_by_label("Clinic").select_option("harbor-spravato")
    page.get_by_label("Patient name").fill("Ana Lima")
    page.get_by_label("Date of the dose").fill("2026-12-31")
    page.get_by_label("Time of the dose").fill("09:05")
    page.get_by_label("Date of birth (optional)").fill("2030-01-01")  # in the future: refused with the batch's words
    page.get_by_role("button", name="Make the packet").click()
    assert "date_of_birth: is not before the treatment date" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Patient name").input_value() == "Ana Lima"  # nothing typed is lost
    page.get_by_label("Date of birth (optional)").fill("1990-03-04")
    page.get_by_label(re.compile("Time the dose ended")).fill("09:25")  # known at discharge: exact times, no "about"
    page.get_by_role("button", name="Make the packet").click()
    page.wait_for_url(re.compile(r".*/rows/[A-Za-z0-9_-]+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Ana Lima"
    assert page.locator("ol.pages img").count() == 4
    pdf = page.request.get(page.url + "/packet.pdf")
    first = " ".join(Pdf(pdf.body()).page_texts()[0].split())
    assert "(hours count from the end of your dose at 9:25 AM)" in first
    assert "No alcohol, cannabis, or street drugs until 9:25 AM, Friday, Jan 1." in first


def test_keyboard_only_sign_in(browser, server: Server) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(server.url + "/signin")
    for _ in range(3):  # the name field has focus on arrival; otherwise Tab reaches it after the skip link
        if tab.evaluate("document.activeElement && document.activeElement.id") == "name":
            break
        tab.keyboard.press("Tab")
    tab.keyboard.type("mlopez")
    tab.keyboard.press("Tab")
    tab.keyboard.type(PASSWORD)
    tab.keyboard.press("Enter")
    try:
        tab.wait_for_url(server.url + "/today**")
    finally:
        shot(tab, "0-signed-in-by-keyboard")
    context.close()


def test_post_without_csrf_token_is_refused(page, server: Server) -> None:
    sign_in(page, server)
    response = page.request.post(server.url + "/patient", form={"clinic": "sunrise-iv", "name": "Jane Doe"})
    assert response.status == 403
    signed_out = page.request.post(server.url + "/signout", form={})
    assert signed_out.status == 403


def test_wrong_password_and_rate_limit(browser, server: Server) -> None:
    context = browser.new_context()
    tab = context.new_page()
    for _ in range(5):
        tab.goto(server.url + "/signin")
        tab.get_by_label("Name").fill("someone")
        tab.get_by_label("Password").fill("wrong password here")
        tab.get_by_role("button", name="Sign in").click()
        assert "do not match" in tab.get_by_role("alert").inner_text()
    tab.goto(server.url + "/signin")
    tab.get_by_label("Name").fill("someone")
    tab.get_by_label("Password").fill("wrong password here")
    tab.get_by_role("button", name="Sign in").click()
    assert "Too many failed sign-ins" in tab.get_by_role("alert").inner_text()
    context.close()


def test_idle_session_asks_to_sign_in_again(browser, tmp_path: Path) -> None:
    quick = Server(tmp_path, "--idle-minutes", "0.05")  # 3 seconds
    try:
        context = browser.new_context()
        tab = context.new_page()
        sign_in(tab, quick)
        time.sleep(4)
        tab.get_by_role("link", name="Log").click()
        tab.wait_for_url(quick.url + "/signin?idle=1")
        assert "signed out after a time without use" in tab.get_by_role("status").inner_text()
        context.close()
    finally:
        quick.stop()


def test_security_headers(server: Server) -> None:
    with urllib.request.urlopen(server.url + "/signin") as response:
        headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["cache-control"] == "no-store"
    assert "default-src 'self'" in headers["content-security-policy"] and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "same-origin"  # ids never travel to another site; our POSTs carry Origin
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_refuses_a_public_address_without_tls(tmp_path: Path) -> None:
    env = {**os.environ, "PACKETS_CLINICS": str(REPO / "clinics")}
    subprocess.run([*PACKETS, "users", "add", "mlopez", "--data", str(tmp_path / "d"), "--password-stdin"], input=PASSWORD + "\n",
                   text=True, check=True, capture_output=True, env=env)
    done = subprocess.run([*PACKETS, "serve", "--data", str(tmp_path / "d"), "--host", "0.0.0.0", "--port", str(free_port())],
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 1
    assert "refusing to listen on 0.0.0.0" in done.stderr and "--certfile" in done.stderr


def test_refuses_to_start_without_staff_accounts(tmp_path: Path) -> None:
    done = subprocess.run([*PACKETS, "serve", "--data", str(tmp_path / "empty"), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 1 and "packets users add" in done.stderr


def test_data_folder_is_owner_only(server: Server) -> None:
    assert (server.data.stat().st_mode & 0o777) == 0o700
    assert ((server.data / "station.db").stat().st_mode & 0o777) == 0o600


def test_purge_deletes_expired_uploads(server: Server) -> None:
    """Runs last: everything the other tests loaded is past a retention of 0 days."""
    assert any((server.data / "packets").glob("*/*/*/*.pdf")) or any((server.data / "packets").glob("*/*.pdf"))
    time.sleep(1.1)  # creation times have whole seconds
    done = subprocess.run([*PACKETS, "purge", "--data", str(server.data), "--days", "0"], capture_output=True, text=True)
    assert done.returncode == 0 and re.search(r"removed [1-9]\d* upload", done.stdout), done.stdout + done.stderr
    assert not list((server.data / "packets").rglob("*.pdf"))
    assert not list((server.data / "uploads").iterdir())


def test_the_station_leaves_tmpdir_empty_after_shutdown(browser, tmp_path: Path) -> None:
    """A packet made and shown at the station copies WeasyPrint's fonts into TMPDIR; SIGTERM removes them."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    own = Server(tmp_path, env={**os.environ, "TMPDIR": str(tmp)})
    context = browser.new_context()
    try:
        tab = context.new_page()
        sign_in(tab, own)
        tab.get_by_role("link", name="One patient").click()
        tab.get_by_label("Clinic").select_option("harbor-spravato")
        tab.get_by_label("Patient name").fill("Ana Lima")
        tab.get_by_label("Date of the dose").fill("2026-12-31")
        tab.get_by_label("Time of the dose").fill("09:05")
        tab.get_by_role("button", name="Make the packet").click()
        tab.wait_for_url(re.compile(r".*/rows/[A-Za-z0-9_-]+$"))
        assert tab.locator("ol.pages img").count() == 4
        assert [p.name for p in tmp.iterdir() if p.name.startswith("packets-fonts-")]  # the fonts were there
    finally:
        context.close()
        own.stop()
    log = own.log.read_text()
    assert own.process.returncode == 128 + 15 and "Traceback" not in log, log[-2000:]  # ended by SIGTERM, cleanly
    assert sorted(p.name for p in tmp.iterdir()) == []
