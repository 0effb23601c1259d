"""The station under attack and faults: other pages, floods, kills, full disks, hostile names.

Each test drives the real ``packets serve`` on 127.0.0.1 (and Debian's Chromium
where a browser is the attacker's tool: cookies shared across ports, cross-site
links). Nothing listens beyond loopback; every process is stopped by its PID.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import CLINICS_DIR, PACKETS
from station_helpers import BROWSER_ARGS, CHROMIUM, PASSWORD, SCHEDULE, Client, Server

playwright = pytest.importorskip("playwright.sync_api")
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

OTHER_PASSWORD = "another long password"


def _add_user(server: Server, name: str, password: str) -> None:
    subprocess.run([*PACKETS, "users", "add", name, "--data", str(server.data), "--password-stdin"], input=password + "\n",
                   text=True, check=True, capture_output=True)


def _with_inbox(folder: Path) -> Path:
    """A copy of sunrise-iv whose station lists an inbox folder (under the clinic folder)."""
    target = folder / "clinics" / "sunrise-iv"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", target)
    config = target / "clinic.yaml"
    text = re.sub(r"\nstation:\n(?:[ #].*\n|\n)*", "\n", config.read_text())
    config.write_text(text + "\nstation:\n  inbox: inbox\n")
    (target / "inbox").mkdir()
    return target / "inbox"


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hardened")
    inbox = _with_inbox(folder)
    tmp = folder / "tmp"
    tmp.mkdir()
    started = Server(folder, env={**os.environ, "TMPDIR": str(tmp)})
    started.inbox = inbox  # type: ignore[attr-defined]
    started.tmp = tmp  # type: ignore[attr-defined]
    _add_user(started, "intruder", OTHER_PASSWORD)
    yield started
    started.stop()


def _db(server: Server, sql: str) -> list[tuple]:
    with sqlite3.connect(server.data / "station.db") as db:
        return list(db.execute(sql))


# ---- 1. only this station's pages ------------------------------------------------------


def test_a_rebinding_host_name_is_refused_before_any_page(station: Server) -> None:
    for host in ("rebind.evil.example", f"rebind.evil.example:{station.port}", f"127.0.0.1:{station.port + 1}", ""):
        answer = Client(station, host=host).request("GET", "/signin")
        assert answer.status == 421, host
        assert not answer.set_cookies  # no pre-sign-in cookie for a stranger's name
        assert f"http://127.0.0.1:{station.port}/" in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")  # headers on refusals too
    for host in (f"127.0.0.1:{station.port}", f"localhost:{station.port}", f"LOCALHOST:{station.port}"):
        assert Client(station, host=host).request("GET", "/signin").status == 200, host


def test_a_name_given_with_name_is_answered(tmp_path: Path) -> None:
    named = Server(tmp_path, "--name", "FrontDesk.clinic.lan")
    try:
        assert Client(named, host=f"frontdesk.clinic.lan:{named.port}").request("GET", "/signin").status == 200
        assert Client(named, host=f"other.clinic.lan:{named.port}").request("GET", "/signin").status == 421
    finally:
        named.stop()


class _AttackerPage(http.server.BaseHTTPRequestHandler):
    """A page on another localhost port: it planted a sign-in cookie pair it fetched itself."""

    page = b""
    cookie = ""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        if self.cookie:
            self.send_header("Set-Cookie", f"packets_signin={self.cookie}; Path=/")  # cookies ignore ports
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker():
    """An HTTP server on 127.0.0.1 (another port), stopped after the test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AttackerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def chromium():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@needs_chromium
def test_login_csrf_from_another_localhost_port_is_refused(station: Server, attacker, chromium) -> None:
    # The attacker fetches a valid cookie and token pair from the station itself, plants the
    # cookie in the front desk's browser (same host, other port), and posts its own account.
    scout = Client(station)
    page = scout.request("GET", "/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', page.text).group(1)
    _AttackerPage.cookie = scout.cookies["packets_signin"]
    _AttackerPage.page = (f'<form id="f" method="post" action="{station.url}/signin">'
                          f'<input name="signin_token" value="{token}"><input name="name" value="intruder">'
                          f'<input name="password" value="{OTHER_PASSWORD}"></form>'
                          '<script>document.getElementById("f").submit()</script>').encode()
    context = chromium.new_context()
    try:
        tab = context.new_page()
        answers: list[int] = []
        tab.on("response", lambda r: answers.append(r.status) if r.url == station.url + "/signin" else None)
        tab.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        tab.wait_for_url(station.url + "/signin")
        assert answers == [403]
        assert "did not come from this station" in tab.content()
        assert "packets_session" not in {c["name"] for c in context.cookies()}
        tab.goto(station.url + "/today")
        assert tab.url.startswith(station.url + "/signin")  # not signed in as the intruder
    finally:
        context.close()
    # The pair itself was valid: only the origin check stopped it.
    scout.cookies["packets_signin"] = _AttackerPage.cookie
    assert scout.form("/signin", {"signin_token": token, "name": "intruder", "password": OTHER_PASSWORD}).status == 303


@needs_chromium
def test_a_cross_site_link_does_not_sign_the_front_desk_out(station: Server, attacker, chromium) -> None:
    context = chromium.new_context()
    try:
        tab = context.new_page()
        tab.goto(station.url + "/signin")
        tab.get_by_label("Name").fill("mlopez")
        tab.get_by_label("Password").fill(PASSWORD)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(station.url + "/today**")
        # localhost and 127.0.0.1 are different sites: the strict cookie stays home on this link.
        _AttackerPage.cookie = ""
        _AttackerPage.page = f'<a id="go" href="{station.url}/today">Your station</a>'.encode()
        tab.goto(f"http://localhost:{attacker.server_address[1]}/")
        tab.click("#go")
        tab.wait_for_url(station.url + "/signin**")
        tab.goto(station.url + "/today")
        assert tab.url == station.url + "/today"
        assert "Signed in as mlopez" in tab.inner_text("header")
    finally:
        context.close()


def test_a_cross_origin_post_is_refused_by_origin_and_fetch_site(station: Server) -> None:
    client = Client(station)
    assert client.sign_in().status == 303
    csrf = client.csrf()
    fields = {"csrf": csrf, "clinic": "sunrise-iv", "name": "Ana Lima"}
    for headers in ({"Origin": "http://127.0.0.1:9"}, {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Referer": "http://evil.example/page"}, {"Origin": "null"}):
        answer = client.form("/patient", fields, headers)
        assert answer.status == 403 and "did not come from this station" in answer.text, headers
    own = client.form("/signout", {"csrf": csrf}, {"Origin": station.url, "Sec-Fetch-Site": "same-origin"})
    assert own.status == 303


# ---- 2. fair, cheap sign-in ------------------------------------------------------------


def test_failures_lock_one_account_and_never_the_colleague_at_the_same_computer(station: Server) -> None:
    for attempt in range(6):
        answer = Client(station).sign_in("temp.staff", "wrong password here")
        assert answer.status == (401 if attempt < 5 else 429)
    assert "for this account" in Client(station).sign_in("temp.staff", "wrong password here").text
    for n in range(25):  # a flood of other names from 127.0.0.1: no address lock on loopback
        Client(station).sign_in(f"guess{n}", "wrong password here")
    assert Client(station).sign_in().status == 303


def test_a_sign_in_flood_is_queued_or_turned_away_and_other_pages_keep_answering(station: Server) -> None:
    staff = Client(station)
    assert staff.sign_in().status == 303

    def attempt(n: int) -> int:
        return Client(station).sign_in(f"flood{n}", "wrong password here").status

    with ThreadPoolExecutor(40) as pool:
        flood = [pool.submit(attempt, n) for n in range(120)]
        pages = [staff.request("GET", "/log").status for _ in range(10)]
        statuses = [f.result() for f in flood]
    assert pages == [200] * 10
    assert set(statuses) <= {401, 503} and statuses.count(401) >= 9
    assert statuses.count(503) > 0, "the hashing queue is bounded: a flood is told to wait"
    assert Client(station).sign_in().status == 303  # and the queue drains


def test_bodies_are_limited_before_they_are_read(station: Server) -> None:
    with socket.create_connection(("127.0.0.1", station.port), timeout=10) as raw:
        raw.sendall(f"POST /signin HTTP/1.1\r\nHost: 127.0.0.1:{station.port}\r\nContent-Type: multipart/form-data; "
                    f"boundary=x\r\nContent-Length: 52428800\r\n\r\n".encode() + b"--x\r\n" * 100)
        reply = raw.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413") and "content-security-policy" in reply.lower()
    with socket.create_connection(("127.0.0.1", station.port), timeout=10) as raw:  # no Content-Length: counted as it comes
        raw.sendall(f"POST /signin HTTP/1.1\r\nHost: 127.0.0.1:{station.port}\r\nContent-Type: application/x-www-form-urlencoded"
                    f"\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        raw.sendall((b"2000\r\n" + b"a" * 0x2000 + b"\r\n") * 2)  # 16 KB of a body that never ends: refused at 4 KB
        reply = raw.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    assert not list(station.tmp.iterdir())  # nothing spooled


def test_signing_in_again_ends_the_earlier_session(station: Server) -> None:
    client = Client(station)
    assert client.sign_in().status == 303
    first = client.cookies["packets_session"]
    assert client.sign_in("intruder", OTHER_PASSWORD).status == 303
    assert client.cookies["packets_session"] != first
    old = Client(station)
    old.cookies["packets_session"] = first
    assert old.request("GET", "/today").status == 303  # back to sign-in


# ---- 5. input ----------------------------------------------------------------------------


def test_hostile_file_names_and_deep_json_get_messages_not_500(station: Server) -> None:
    client = Client(station)
    assert client.sign_in().status == 303
    named = client.upload(b"day\x00.csv\nforged", SCHEDULE.encode())
    assert named.status == 303
    day = client.request("GET", named.headers["location"])
    assert "day.csvforged" in day.text and "\x00" not in day.text
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}(\.[a-z0-9]{1,8})?", p.name) for p in (station.data / "uploads").iterdir())
    deep = '{"resourceType":"Bundle","type":"collection","entry":[' + "[" * 50_000 + "]" * 50_000 + "]}"
    refused = client.upload(b"deep.json", deep.encode())
    assert refused.status == 400 and "nested more than 32 levels deep" in refused.text


def test_a_newline_in_a_path_cannot_forge_a_log_line(station: Server) -> None:
    Client(station).request("GET", "/rows/abc%0A2026-12-07%2009:00:00%20POST%20/signin%20303")
    for _ in range(50):  # the line is written once the response has gone
        lines = station.log.read_text().splitlines()
        if any("/rows/abc" in line for line in lines):
            break
        time.sleep(0.1)
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d |front desk: |INFO|WARNING", line) for line in lines), lines[-3:]
    assert any("/rows/abc%0A2026" in line for line in lines)


def test_an_inbox_link_to_a_file_outside_is_not_listed_or_read(station: Server, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(SCHEDULE)
    (station.inbox / "linked.csv").symlink_to(outside)
    (station.inbox / "real.csv").write_text(SCHEDULE)
    client = Client(station)
    assert client.sign_in().status == 303
    today = client.request("GET", "/today?clinic=sunrise-iv").text
    assert "real.csv" in today and "linked.csv" not in today
    answer = client.form("/today/upload", {"csrf": client.csrf(), "clinic": "sunrise-iv", "inbox": "linked.csv"})
    assert answer.status == 400 and "outside the inbox folder" in answer.text and "Jane Doe" not in answer.text


def test_head_on_a_packet_is_not_a_download_and_other_pages_cannot_fetch_one(station: Server) -> None:
    client = Client(station)
    assert client.sign_in().status == 303
    day = client.upload(b"day.csv", SCHEDULE.encode()).headers["location"]
    row = re.search(r'href="(/rows/[^"]+)"', client.request("GET", day).text).group(1)
    before = _db(station, "SELECT count(*) FROM audit")[0][0]
    assert client.request("HEAD", row + "/packet.pdf").status == 200
    assert client.request("HEAD", day + "/packets.pdf").status == 200
    assert _db(station, "SELECT count(*) FROM audit")[0][0] == before
    assert client.request("GET", row + "/packet.pdf").body.startswith(b"%PDF")
    assert _db(station, "SELECT count(*) FROM audit")[0][0] == before + 1
    for path in (row + "/packet.pdf", row + "/pages/1.png", day + "/packets.pdf"):  # not for another page, not logged
        assert client.request("GET", path, headers={"Sec-Fetch-Site": "same-site"}).status == 403, path
    assert _db(station, "SELECT count(*) FROM audit")[0][0] == before + 1
