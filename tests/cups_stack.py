"""A real, private CUPS stack for the printing tests, confined to loopback.

Started once per test session (see ``conftest.py``):

- a private D-Bus system bus (its own socket in a temp folder) and ``avahi-daemon``
  on it, with ``allow-interfaces=lo`` and publishing disabled, because
  ``ippeveprinter`` will not start without DNS-SD; no multicast leaves the machine;
- two ``ippeveprinter`` virtual IPP Everywhere printers on loopback ports, keeping
  every job file (``-k``) in a temp folder: one duplex (Letter and A4, card stock,
  a by-pass tray, print-scaling), one simplex that has Letter paper only, and one
  whose print command fails every job, and one that takes 8 seconds a job;
- a private ``cupsd`` (own ServerRoot, RequestRoot, logs in the temp folder)
  listening on a loopback port, with a queue for each printer made by
  ``lpadmin -m everywhere``.

Every process is stopped by the PID this module started it with.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BINARIES = ("dbus-daemon", "avahi-daemon", "ippeveprinter", "cupsd", "lpadmin", "lp", "lpstat", "ipptool",
            "cupsdisable", "cupsenable")
SBIN = ("/usr/sbin", "/sbin")

LETTER = "na_letter_8.5x11in"
A4 = "iso_a4_210x297mm"
SIZES = {LETTER: (21590, 27940), A4: (21000, 29700)}

BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
    <allow user="*"/>
  </policy>
</busconfig>
"""

AVAHI_CONF = """[server]
allow-interfaces=lo
use-ipv6=no
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=yes
disable-user-service-publishing=yes
publish-addresses=no
publish-hinfo=no
publish-workstation=no
publish-domain=no
[reflector]
enable-reflector=no
"""

CUPS_FILES_CONF = """ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice No
SystemGroup root
"""

CUPSD_CONF = """Listen 127.0.0.1:{port}
Browsing Off
BrowseLocalProtocols none
WebInterface No
LogLevel info
PreserveJobHistory Yes
PreserveJobFiles No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

COMPLETED_JOBS_TEST = """{
  NAME "Get completed jobs"
  OPERATION Get-Jobs
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword which-jobs completed
  ATTR keyword requested-attributes all
  STATUS successful-ok
}
"""


def completed_jobs(uri: str, scratch: Path) -> list[dict]:
    """Get-Jobs (which-jobs completed, requested-attributes all) on ``uri``, newest first."""
    test = scratch / "completed-jobs.test"
    test.write_text(COMPLETED_JOBS_TEST)
    out = subprocess.run([_which("ipptool"), "-X", uri, str(test)], capture_output=True, check=True, timeout=30)
    plist = plistlib.loads(out.stdout)
    groups = plist["Tests"][0]["ResponseAttributes"][1:]  # the first group is the operation's
    return sorted(groups, key=lambda g: g["job-id"], reverse=True)


def missing_binaries() -> list[str]:
    """The stack's programs not installed here (empty: the printing tests run)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SBIN])
    return [name for name in BINARIES if shutil.which(name, path=path) is None]


def _which(name: str) -> str:
    found = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), *SBIN]))
    assert found, name
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def printer_conf(name: str, duplex: bool, media: tuple[str, ...]) -> str:
    """ippeveprinter attributes (``-a``): paper sizes, sides, trays, media types, print-scaling."""
    def col(key: str, extra: str = "") -> str:
        x, y = SIZES[key]
        return (f'{{\n    MEMBER keyword media-key "{key}"\n    MEMBER collection media-size {{\n'
                f"        MEMBER integer x-dimension {x}\n        MEMBER integer y-dimension {y}\n    }}\n"
                f'    MEMBER keyword media-size-name "{key}"\n'
                "    MEMBER integer media-bottom-margin 635\n    MEMBER integer media-left-margin 635\n"
                f"    MEMBER integer media-right-margin 635\n    MEMBER integer media-top-margin 635\n{extra}}}")
    quoted = lambda values: ",".join(f'"{v}"' for v in values)  # noqa: E731
    sides = ("one-sided", "two-sided-long-edge", "two-sided-short-edge") if duplex else ("one-sided",)
    default = media[0]
    return "\n".join([
        f'ATTR textWithoutLanguage printer-make-and-model "Virtual {name}"',
        f'ATTR textWithoutLanguage printer-device-id "MFG:Virtual;MDL:{name};CMD:PDF;"',
        'ATTR mimeMediaType document-format-default "application/octet-stream"',
        'ATTR mimeMediaType document-format-supported "application/octet-stream","application/pdf"',
        "ATTR integer copies-default 1",
        "ATTR rangeOfInteger copies-supported 1-999",
        "ATTR enum finishings-default 3",
        "ATTR enum finishings-supported 3",
        "ATTR collection media-col-database " + ",".join(col(m) for m in media),
        "ATTR collection media-col-default " + col(default, '    MEMBER keyword media-source "main"\n'
                                                           '    MEMBER keyword media-type "stationery"\n'),
        "ATTR collection media-col-ready " + col(default, '    MEMBER keyword media-source "main"\n'
                                                         '    MEMBER keyword media-type "stationery"\n'),
        f'ATTR keyword media-default "{default}"',
        f'ATTR keyword media-ready "{default}"',
        f"ATTR keyword media-supported {quoted(media)}",
        "ATTR collection media-size-supported " + ",".join(
            f"{{\n    MEMBER integer x-dimension {SIZES[m][0]}\n    MEMBER integer y-dimension {SIZES[m][1]}\n}}" for m in media),
        "ATTR integer media-bottom-margin-supported 635",
        "ATTR integer media-left-margin-supported 635",
        "ATTR integer media-right-margin-supported 635",
        "ATTR integer media-top-margin-supported 635",
        'ATTR keyword media-col-supported "media-bottom-margin","media-left-margin","media-right-margin",'
        '"media-size","media-size-name","media-source","media-top-margin","media-type"',
        'ATTR keyword media-source-supported "auto","main","by-pass-tray"',
        'ATTR keyword media-type-supported "auto","stationery","cardstock"',
        "ATTR enum orientation-requested-default 3",
        "ATTR enum orientation-requested-supported 3,4,5,6",
        'ATTR keyword output-bin-default "face-down"',
        'ATTR keyword output-bin-supported "face-down"',
        "ATTR boolean page-ranges-supported true",
        "ATTR integer pages-per-minute 60",
        'ATTR keyword print-color-mode-default "monochrome"',
        'ATTR keyword print-color-mode-supported "monochrome"',
        "ATTR enum print-quality-default 4",
        "ATTR enum print-quality-supported 3,4,5",
        'ATTR keyword print-scaling-default "auto"',
        'ATTR keyword print-scaling-supported "auto","auto-fit","fill","fit","none"',
        "ATTR resolution printer-resolution-default 600x600dpi",
        "ATTR resolution printer-resolution-supported 600x600dpi",
        'ATTR keyword sides-default "one-sided"',
        f"ATTR keyword sides-supported {quoted(sides)}",
        'ATTR keyword multiple-document-handling-supported "separate-documents-uncollated-copies","separate-documents-collated-copies"',
        "ATTR boolean color-supported false",
        "",
    ])


@dataclass
class VirtualPrinter:
    """One ippeveprinter: the queue name CUPS knows it by and where its job files land."""

    queue: str
    port: int
    spool: Path

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print"

    def completed_jobs(self) -> list[dict]:
        """Every job the virtual printer completed, with all its attributes, newest first."""
        return completed_jobs(self.uri, self.spool.parent)

    def job_file(self, job_id: int) -> Path:
        found = sorted(self.spool.glob(f"{job_id}-*"))
        assert found, f"no job file for job {job_id} in {self.spool}: {sorted(os.listdir(self.spool))}"
        return found[0]


@dataclass
class CupsStack:
    root: Path
    cups_port: int
    printers: dict[str, VirtualPrinter] = field(default_factory=dict)
    pids: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.cups_port}"

    def queue_jobs(self, queue: str) -> list[dict]:
        """Completed jobs as the private cupsd recorded them (its own job attributes), newest first."""
        return completed_jobs(f"ipp://{self.server}/printers/{queue}", self.root)

    def client_env(self) -> dict[str, str]:
        """Environment for the CLI and the CUPS tools: this stack's cupsd, nothing of the system's."""
        env = dict(os.environ, **self.env)
        env["CUPS_SERVER"] = self.server
        env.pop("PRINTER", None)
        env.pop("LPDEST", None)
        return env

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([_which(args[0]), *args[1:]], env=self.client_env(), capture_output=True, text=True,
                              check=True, timeout=60)

    def _start(self, label: str, args: list[str], log: str) -> subprocess.Popen:
        with open(self.root / "log" / log, "ab") as out:  # the child keeps its own copy of the descriptor
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, **self.env))
        self.pids.append((label, proc))
        return proc

    def _wait_for(self, what: str, ready, proc: subprocess.Popen, log: str) -> None:
        for _ in range(200):
            if ready():
                return
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        text = (self.root / "log" / log).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{what} did not start:\n{text}")

    def start(self) -> None:
        for sub in ("log", "etc", "spool", "tmp", "cache", "state", "printers"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        # cupsd runs filters as user lp: every folder it uses must be reachable.
        for folder in [self.root, *self.root.iterdir()]:
            folder.chmod(0o755)
        self._start_dns_sd()
        # The failing printer's command takes a moment before it fails: a command that fails at
        # once was seen (once, under load) to leave the job reported as completed.
        failing = self.root / "fail-after-a-moment"
        failing.write_text("#!/bin/sh\nsleep 0.5\nexit 1\n")
        failing.chmod(0o755)
        # The slow printer takes 8 seconds a job: long enough to stop the station while a job is printing.
        slow = self.root / "print-slowly"
        slow.write_text("#!/bin/sh\nsleep 8\nexit 0\n")
        slow.chmod(0o755)
        for queue, duplex, media, command in (("duplex", True, (LETTER, A4), _which("true")), ("simplex", False, (LETTER,), _which("true")),
                                              ("failing", True, (LETTER, A4), str(failing)), ("slow", True, (LETTER, A4), str(slow))):
            self._start_printer(queue, duplex, media, command)
        self._start_cupsd()
        for printer in self.printers.values():
            self.run("lpadmin", "-p", printer.queue, "-E", "-v", printer.uri, "-m", "everywhere")
        # The failing printer fails every job; CUPS gives up on the job rather than stopping the queue.
        self.run("lpadmin", "-p", "failing", "-o", "printer-error-policy=abort-job")
        # A second queue on the duplex printer that holds every job until released.
        duplex = self.printers["duplex"]
        self.run("lpadmin", "-p", "held", "-E", "-v", duplex.uri, "-m", "everywhere", "-o", "job-hold-until-default=indefinite")

    def _start_dns_sd(self) -> None:
        """A private system bus and avahi on loopback only, unless avahi already runs here."""
        if subprocess.run([_which("avahi-daemon"), "--check"], capture_output=True).returncode == 0:
            bus = _running_avahi_bus()
            if bus is not None:  # another test stack's avahi, on its private bus: use that bus too
                self.env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={bus}"
            return
        bus = self.root / "bus.sock"
        conf = self.root / "etc" / "bus.conf"
        conf.write_text(BUS_CONF.format(socket=bus))
        proc = self._start("dbus-daemon", [_which("dbus-daemon"), "--config-file", str(conf), "--nofork"], "dbus.log")
        self._wait_for("dbus-daemon", bus.exists, proc, "dbus.log")
        self.env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={bus}"
        avahi_conf = self.root / "etc" / "avahi-daemon.conf"
        avahi_conf.write_text(AVAHI_CONF)
        proc = self._start("avahi-daemon", [_which("avahi-daemon"), "-f", str(avahi_conf), "--no-drop-root",
                                            "--no-chroot", "--no-rlimits", "--no-proc-title"], "avahi.log")
        self._wait_for("avahi-daemon", lambda: b"Server startup complete" in (self.root / "log" / "avahi.log").read_bytes(),
                       proc, "avahi.log")

    def _start_printer(self, queue: str, duplex: bool, media: tuple[str, ...], command: str) -> None:
        port = free_port()
        spool = self.root / "printers" / queue
        spool.mkdir(mode=0o755)
        conf = self.root / "etc" / f"{queue}.conf"
        conf.write_text(printer_conf(queue, duplex, media))
        # -n localhost: listen on 127.0.0.1 and ::1 only; -r off: advertise nothing.
        proc = self._start(f"ippeveprinter {queue}", [
            _which("ippeveprinter"), "-k", "-d", str(spool), "-p", str(port), "-n", "localhost", "-r", "off",
            "-a", str(conf), "-c", command, f"virtual-{queue}"], f"ippeveprinter-{queue}.log")
        self._wait_for(f"ippeveprinter {queue}", lambda: _listening(port), proc, f"ippeveprinter-{queue}.log")
        self.printers[queue] = VirtualPrinter(queue, port, spool)

    def _start_cupsd(self) -> None:
        (self.root / "etc" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=self.root))
        (self.root / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.cups_port))
        proc = self._start("cupsd", [_which("cupsd"), "-f", "-c", str(self.root / "etc" / "cupsd.conf"),
                                     "-s", str(self.root / "etc" / "cups-files.conf")], "cupsd.log")
        self._wait_for("cupsd", lambda: _listening(self.cups_port), proc, "cupsd.log")

    def stop(self) -> None:
        """Stop every process this stack started, newest first, by its PID."""
        for _label, proc in reversed(self.pids):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self.pids.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _running_avahi_bus() -> Path | None:
    """The private bus of an avahi started by another test stack on this machine, if that is what runs.

    Only one avahi-daemon can run per machine (its pid file is fixed). A second test
    run at the same time (two checkouts) finds the first one's avahi; ippeveprinter
    must then talk to it on the bus it listens on, not on the (absent) system bus.
    """
    try:
        pid = Path("/run/avahi-daemon/pid").read_text().strip()
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    if b"-f" not in args[:-1]:
        return None
    conf = Path(args[args.index(b"-f") + 1].decode())
    bus = conf.parent.parent / "bus.sock"
    return bus if conf.name == "avahi-daemon.conf" and bus.exists() else None


def start_stack() -> CupsStack:
    stack = CupsStack(Path(tempfile.mkdtemp(prefix="packets-cups-")), free_port())
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsStack]:
    """The stack for a test session; skipped, saying what to install, only if a binary is missing."""
    missing = missing_binaries()
    if missing:
        pytest.skip(f"CUPS test stack needs {', '.join(missing)} "
                    "(Debian: apt-get install cups cups-client cups-ipp-utils dbus avahi-daemon; .ci/run installs them)")
    stack = start_stack()
    try:
        yield stack
    finally:
        stack.stop()
