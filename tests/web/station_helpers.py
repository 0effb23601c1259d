"""Shared by the station's browser tests: the server as a subprocess, sign-in, screenshots, axe-core."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from conftest import PACKETS, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

SHOTS = REPO / "output" / "station-screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery"
NAMES = ["Jane Doe", "Omar Haddad", "Li Wei"]
SCHEDULE = (
    "patient_name,time,treatment,date_of_birth,mrn\n"
    "Jane Doe,09:30,iv-ketamine,1980-05-01,A-100\n"
    "Omar Haddad,10:15,im-ketamine,,A-101\n"
    "Li Wei,25:99,iv-ketamine,,A-102\n"          # a bad time: that row fails, the others print
    "Nobody Here,11:00,laser-therapy,,A-103\n"    # a treatment the clinic does not offer
)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``packets serve`` as a subprocess on a loopback port; stopped by its PID.

    Warming (laying out every example clinic's bases ahead, a minute of CPU) is off
    unless ``warm``: the tests that need it ask for it, the others stay quick.
    """

    def __init__(self, folder: Path, *extra: str, env: dict[str, str] | None = None, warm: bool = False) -> None:
        extra = extra if warm else (*extra, "--no-warm")
        self.data = folder / "data"
        env = {"PACKETS_CLINICS": str(REPO / "clinics"), **(env or os.environ)}
        subprocess.run([*PACKETS, "users", "add", "mlopez", "--data", str(self.data), "--password-stdin"], input=PASSWORD + "\n",
                       text=True, check=True, capture_output=True, env=env)
        # A free port can be taken by another process between asking and binding: then
        # our server exits at once, and another server may be the one answering. Try
        # again on a new port until our own process is the one that answers.
        for _ in range(5):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self.log = folder / f"serve-{self.port}.log"
            self.process = subprocess.Popen([*PACKETS, "serve", "--data", str(self.data), "--port", str(self.port), *extra],
                                            stdout=subprocess.DEVNULL, stderr=self.log.open("w"), env=env, cwd=folder)
            if self._answers():
                return
            self.stop()
        raise RuntimeError(f"the station did not start: {self.log.read_text()}")

    def _answers(self) -> bool:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(self.url + "/signin", timeout=1)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
                continue
            time.sleep(0.3)
            return self.process.poll() is None  # still ours: it did bind the port
        return False

    def kill(self) -> None:
        """kill -9: no shutdown code runs, as when the power goes or the OOM killer strikes."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def sign_in(page, server: Server) -> None:
    page.goto(server.url + "/signin")
    page.get_by_label("Name").fill("mlopez")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/today**")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_serious(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def upload_schedule(page, schedule: Path, clinic: str = "sunrise-iv") -> None:
    """Load a schedule file on the Today page, as the front desk does, and wait for its list."""
    choose_clinic(page, clinic)
    page.get_by_label("Schedule file from your scheduling system (CSV)").set_input_files(str(schedule))
    page.get_by_role("button", name="Load and make packets").click()
    page.wait_for_url(re.compile(r".*/days/[A-Za-z0-9_-]+$"))


def choose_clinic(page, clinic: str) -> None:
    """The Today page's one clinic picker: choose, then show that clinic's lists and upload form."""
    picker = page.get_by_label("Clinic", exact=True)
    if picker.count() and picker.input_value() != clinic:
        picker.select_option(clinic)
        page.get_by_role("button", name="Show this clinic").click()
        page.wait_for_url(re.compile(rf".*/today\?clinic={clinic}$"))


class Answer:
    """A response as a non-browser client sees it."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes, cookies: list[str]) -> None:
        self.status, self.headers, self.body, self.set_cookies = status, headers, body, cookies

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Client:
    """Plain HTTP to the station (no browser): its cookies kept by name, redirects not followed.

    Sends no Origin or Sec-Fetch-Site unless told, as a script or curl would; the CSRF
    and sign-in tokens still have to be right.
    """

    def __init__(self, server: Server, host: str | None = None) -> None:
        self.server = server
        self.host = host if host is not None else f"127.0.0.1:{server.port}"
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: Any = b"", headers: dict[str, str] | None = None) -> Answer:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        try:
            sent = {"Host": self.host, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent, encode_chunked=not isinstance(body, bytes))
            response = connection.getresponse()
            data = response.read()
            cookies = response.headers.get_all("set-cookie") or []
            for line in cookies:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0].strip('"')
                if "Max-Age=0" in line or not value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data, cookies)
        finally:
            connection.close()

    def form(self, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def sign_in(self, name: str = "mlopez", password: str = PASSWORD, headers: dict[str, str] | None = None) -> Answer:
        page = self.request("GET", "/signin")
        token = re.search(r'name="signin_token" value="([^"]+)"', page.text).group(1)
        return self.form("/signin", {"signin_token": token, "name": name, "password": password}, headers)

    def csrf(self) -> str:
        page = self.request("GET", "/today")
        assert page.status == 200, page.status
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def upload(self, file_name: bytes, data: bytes, clinic: str = "sunrise-iv") -> Answer:
        """POST a schedule as the Today page's form would, with a file name sent byte for byte."""
        boundary = "----packets-test-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{self.csrf()}\r\n'.encode(),
                 f'--{boundary}\r\nContent-Disposition: form-data; name="clinic"\r\n\r\n{clinic}\r\n'.encode(),
                 f'--{boundary}\r\nContent-Disposition: form-data; name="schedule"; filename="'.encode() + file_name
                 + b'"\r\nContent-Type: text/csv\r\n\r\n' + data + b"\r\n", f"--{boundary}--\r\n".encode()]
        return self.request("POST", "/today/upload", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})
