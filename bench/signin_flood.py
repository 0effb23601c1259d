"""Benchmark: a packet's page at the station, quiet and under a flood of wrong sign-ins, in one run.

    pip install -e ".[bench]" && python bench/signin_flood.py

Starts the real station (``packets serve`` on a free 127.0.0.1 port, a temporary data
folder), loads a 2-patient schedule, then times GET of one packet's page (what the
front desk opens at discharge) in turns: a quiet round, then a round while
``--flooders`` threads post wrong passwords for made-up names as fast as the station
answers. Argon2 runs in the station's one hashing thread, so the flood should cost
other pages little; the ratio of the medians says how little. Everything started is
stopped by its PID and the folder removed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
SCHEDULE = "patient_name,time,treatment\nJane Doe,09:30,iv-ketamine\nOmar Haddad,10:15,im-ketamine\n"


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[int, str, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            for line in response.headers.get_all("set-cookie") or []:
                name, _, rest = line.partition("=")
                self.cookies[name] = rest.split(";", 1)[0].strip('"')
            return response.status, text, dict(response.getheaders())
        finally:
            connection.close()

    def sign_in(self, name: str, password: str) -> int:
        _, page, _ = self.request("GET", "/signin")
        token = re.search(r'name="signin_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"signin_token": token, "name": name, "password": password}).encode()
        return self.request("POST", "/signin", body, {"Content-Type": "application/x-www-form-urlencoded"})[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _upload(client: Client) -> str:
    _, today, _ = client.request("GET", "/today")
    csrf = re.search(r'name="csrf" value="([^"]+)"', today).group(1)
    boundary = "bench-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="clinic"\r\n\r\nsunrise-iv\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="schedule"; filename="day.csv"\r\n\r\n{SCHEDULE}\r\n'
            f"--{boundary}--\r\n").encode()
    status, _, headers = client.request("POST", "/today/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 303, status
    _, day, _ = client.request("GET", headers["location"])
    return re.search(r'href="(/rows/[^"]+)"', day).group(1)


def _times(client: Client, path: str, count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        status, _, _ = client.request("GET", path)
        out.append((time.perf_counter() - start) * 1000)
        assert status == 200, status
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40, help="page loads per round")
    parser.add_argument("--flooders", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        data, port = Path(folder) / "data", _free_port()
        env = {**os.environ, "PACKETS_CLINICS": str(ROOT / "clinics")}
        subprocess.run([sys.executable, "-m", "packets", "users", "add", "mlopez", "--data", str(data), "--password-stdin"],
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True, env=env)
        server = subprocess.Popen([sys.executable, "-m", "packets", "serve", "--data", str(data), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            staff = Client(port)
            assert staff.sign_in("mlopez", PASSWORD) == 303
            row = _upload(staff)
            _times(staff, row, 5)  # warm
            quiet, flooded, answers = [], [], {"401": 0, "503": 0, "other": 0}
            for _ in range(args.rounds):
                quiet += _times(staff, row, args.requests)
                stop = threading.Event()

                def flood(n: int, stop: threading.Event = stop) -> None:
                    k = 0
                    while not stop.is_set():
                        k += 1
                        status = Client(port).sign_in(f"flood{n}x{k}", "wrong password here")
                        answers[str(status) if str(status) in answers else "other"] += 1

                threads = [threading.Thread(target=flood, args=(n,)) for n in range(args.flooders)]
                for t in threads:
                    t.start()
                time.sleep(0.5)
                flooded += _times(staff, row, args.requests)
                stop.set()
                for t in threads:
                    t.join()
        finally:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(30)

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    print(f"{'packet page (GET /rows/<id>)':34} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'quiet':34} {statistics.median(quiet):8.1f} {p(quiet, 95):8.1f}")
    print(f"{'during the sign-in flood':34} {statistics.median(flooded):8.1f} {p(flooded, 95):8.1f}")
    print(f"flooded / quiet = {statistics.median(flooded) / statistics.median(quiet):.2f}x p50; flood answers: "
          f"{answers['401']} wrong-password, {answers['503']} busy, {answers['other']} other; {args.flooders} flooders, "
          f"{args.rounds} rounds of {args.requests}, load average {os.getloadavg()[0]:.1f}, {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
