"""Talk to CUPS through its own client tools: ``ipptool`` to ask, ``lp`` to send.

Why the command-line tools rather than a Python binding: ``pycups`` is a C extension
built against libcups headers (another build dependency for every install), while
``lp``/``lpoptions`` (cups-client) and ``ipptool`` (cups-ipp-utils) are the stable,
documented interface every CUPS host already has. ``ipptool -X`` answers in an XML
plist that the standard library reads (``plistlib``), so queue capabilities and job
states arrive as typed IPP attributes (``sides-supported`` as a list of keywords),
which ``lpstat``'s human-readable text does not give.

The server is ``$CUPS_SERVER`` (``host`` or ``host:port``) when set, else
``localhost:631``, the same place ``lp`` uses.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from packets.printing.model import PrintError

IPP_TESTS = Path(__file__).with_name("ipp")
DEFAULT_SERVER = "localhost:631"
TOOL_TIMEOUT = 30  # seconds for one ipptool/lp call; CUPS answers in milliseconds when it runs


class QueueNotFound(PrintError):
    """CUPS has no queue by that name."""


def server() -> str:
    """``host:port`` of the CUPS server, as ``lp`` would pick it (a socket path means the local server)."""
    value = os.environ.get("CUPS_SERVER", "").strip()
    if not value or value.startswith("/"):
        return DEFAULT_SERVER
    return value if re.search(r":\d+$", value) else f"{value}:631"


def queue_uri(queue: str) -> str:
    return f"ipp://{server()}/printers/{queue}"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        package = "cups-ipp-utils" if name == "ipptool" else "cups-client"
        raise PrintError(f"'{name}' is not installed, so nothing can be sent to a printer. "
                         f"Install the CUPS client tools (Debian/Ubuntu: apt-get install cups-client cups-ipp-utils; "
                         f"'{name}' is in {package}).")
    return found


def ipp(queue: str, test: str, **variables: str | int) -> dict[str, Any]:
    """Run one bundled ipptool request against ``queue``; return the response's attributes.

    Raises ``PrintError`` when CUPS cannot be reached and ``QueueNotFound`` when it has
    no such queue. The operation group and the first object group are merged, so the
    caller sees ``status-message`` alongside the printer's or job's attributes.
    """
    args = [_tool("ipptool"), "-X", "-T", "10"]
    for key, value in variables.items():
        args += ["-d", f"{key}={value}"]
    args += [queue_uri(queue), str(IPP_TESTS / test)]
    try:
        done = subprocess.run(args, capture_output=True, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PrintError(f"CUPS at {server()} did not answer within {TOOL_TIMEOUT} s; check that the print service is running.") from None
    try:
        result = plistlib.loads(done.stdout)["Tests"][0]
    except (plistlib.InvalidFileException, ValueError, KeyError, IndexError):
        detail = " ".join(done.stderr.decode(errors="replace").split())
        raise PrintError(f"cannot reach CUPS at {server()} ({_connect_reason(detail)}): is the print service (cupsd) "
                         "running? Start it, or set CUPS_SERVER to the print server's host:port.") from None
    status = result.get("StatusCode", "")
    groups = result.get("ResponseAttributes", [])
    attrs: dict[str, Any] = {}
    for group in groups[:2]:
        attrs.update(group)
    if status == "client-error-not-found":
        raise QueueNotFound(attrs.get("status-message", "not found"))
    if not status.startswith("successful-ok"):
        raise PrintError(f"CUPS at {server()} refused a request about queue '{queue}': {status} "
                         f"({attrs.get('status-message', 'no message')}).")
    return attrs


def _connect_reason(stderr: str) -> str:
    match = re.search(r" - (.+)$", stderr)
    return (match.group(1) if match else stderr or "no answer").strip().rstrip(".").lower()


def queue_names() -> list[str]:
    """Queue names CUPS knows (``lpstat -e``), for a 'did you mean' list; empty if it cannot say."""
    try:
        done = subprocess.run([_tool("lpstat"), "-e"], capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    except (subprocess.TimeoutExpired, PrintError):
        return []
    return sorted(line.strip() for line in done.stdout.splitlines() if line.strip()) if done.returncode == 0 else []


def ppd_choices(queue: str) -> dict[str, list[str]]:
    """The queue's driver options and their choices (``lpoptions -p QUEUE -l``), e.g. ``MediaType``.

    CUPS turns ``-o MediaType=Cardstock`` into the IPP ``media-col`` it sends to the
    printer; its ``media-type`` option alone is not passed on by the ``ipp`` backend.
    """
    done = subprocess.run([_tool("lpoptions"), "-p", queue, "-l"], capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    options: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        key, sep, choices = line.partition(":")
        if sep:
            options[key.split("/")[0].strip()] = [c.lstrip("*") for c in choices.split()]
    return options


def lp(queue: str, pdf: bytes, options: list[tuple[str, str]], copies: int, title: str) -> int:
    """Send ``pdf`` to ``queue`` with ``lp``; return the CUPS job id.

    The document goes on standard input so no file name (which may name a patient)
    reaches the CUPS logs; ``title`` is the job name instead.
    """
    args = [_tool("lp"), "-d", queue, "-n", str(copies), "-t", title]
    for key, value in options:
        args += ["-o", f"{key}={value}"]
    try:
        done = subprocess.run(args, input=pdf, capture_output=True, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise PrintError(f"CUPS at {server()} did not take the job for queue '{queue}' within {TOOL_TIMEOUT} s.") from None
    out = done.stdout.decode(errors="replace")
    match = re.search(r"request id is (\S+)-(\d+)", out)
    if done.returncode != 0 or match is None:
        detail = " ".join((done.stderr.decode(errors="replace") or out).split()).removeprefix("lp: ")
        raise PrintError(f"queue '{queue}' did not accept the job: {detail or 'no reason given'}")
    return int(match.group(2))
