"""Sending the outbox: each waiting record to the clinic's FHIR server and/or interface engine, once.

A record moves to ``<outbox>/sent/`` only after the receiver took it; whatever could not
be sent stays where it is and goes on the next run, so nothing is lost. Nothing is filed
twice either: a FHIR record is a conditional create (``If-None-Exist`` on its
``masterIdentifier``, the record's stable id), so a record sent but not moved (the run
was killed in between) is recognised by the server; an HL7 message carries the same id in
TXA-12 (and its first 20 characters, MSH-10's limit, as the message control id). Error
lines name the receiver and the HTTP status or ACK code only, never anything from a
response body (it may echo patient data).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from packets.config.loading import LoadedClinic
from packets.errors import PacketsError
from packets.files import make_missing_dirs

SENT = "sent"
TIMEOUT_SECONDS = 20.0
MLLP_START, MLLP_END = b"\x0b", b"\x1c\r"


@dataclass
class Sending:
    """What one pass over the outbox did (counts and receiver-level reasons only)."""

    sent: int = 0
    waiting: int = 0
    problems: list[str] = field(default_factory=list)


def sends(loaded: LoadedClinic) -> bool:
    """Whether the clinic's config names a receiver."""
    chart = loaded.clinic.chart
    return bool(chart.fhir_base or (chart.hl7 and chart.mllp))


def send_waiting(loaded: LoadedClinic, outbox: Path) -> Sending:
    """Send every record in ``outbox`` not sent yet, oldest first; a receiver that fails is left for the next run."""
    chart = loaded.clinic.chart
    result = Sending()
    if not outbox.is_dir():
        return result
    sent = make_missing_dirs(outbox / SENT)
    plan = []
    if chart.fhir_base:
        try:
            token = _token(loaded)
        except PacketsError as exc:  # the packets and records are written: say why nothing was sent
            result.problems.append(str(exc))
            result.waiting += len(list(outbox.glob("*.fhir.json")))
        else:
            plan.append((".fhir.json", lambda path: _post_fhir(chart.fhir_base or "", token, path.read_bytes())))
    if chart.hl7 and chart.mllp:
        plan.append((".mdm.hl7", lambda path: _send_mllp(chart.mllp or "", path.read_bytes())))
    for suffix, send in plan:
        waiting = sorted(outbox.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime)
        for number, path in enumerate(waiting):
            try:
                send(path)
            except PacketsError as exc:
                result.problems.append(str(exc))
                result.waiting += len(waiting) - number  # the receiver is down: try the rest next run
                break
            os.replace(path, sent / path.name)
            result.sent += 1
    return result


def _token(loaded: LoadedClinic) -> str | None:
    chart = loaded.clinic.chart
    if chart.fhir_token_env:
        value = os.environ.get(chart.fhir_token_env, "").strip()
        if not value:
            raise PacketsError(f"chart.fhir_token_env: the environment variable {chart.fhir_token_env} is not set. "
                               "Set it to the FHIR server's token, or take the key out of clinic.yaml.")
        return value
    if chart.fhir_token_file:
        path = Path(chart.fhir_token_file).expanduser()
        path = path if path.is_absolute() else loaded.folder / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PacketsError(f"chart.fhir_token_file: cannot read {path} ({exc.strerror}). Check the file name in clinic.yaml.") from None
    return None


def _post_fhir(base: str, token: str | None, body: bytes) -> None:
    """One conditional create; PacketsError (receiver and status only) unless the server took it."""
    record = json.loads(body)["masterIdentifier"]["value"]
    headers = {"Content-Type": "application/fhir+json", "Accept": "application/fhir+json",
               "If-None-Exist": f"identifier=urn:ietf:rfc:3986|{record}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base}/DocumentReference", data=body, headers=headers, method="POST")
    context = ssl.create_default_context()  # certificates and host names checked
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=context) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise PacketsError(f"the FHIR server {base} answered HTTP {exc.code}; the records wait in the outbox for the next run") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PacketsError(f"the FHIR server {base} could not be reached ({type(reason).__name__}); "
                           "the records wait in the outbox for the next run") from None
    if status not in (200, 201):
        raise PacketsError(f"the FHIR server {base} answered HTTP {status}; the records wait in the outbox for the next run")


def _send_mllp(address: str, message: bytes) -> None:
    """One MLLP frame, then wait for an ACK whose MSA-1 accepts it (AA or CA)."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT_SECONDS) as connection:
            connection.sendall(MLLP_START + message + MLLP_END)
            answer = b""
            while MLLP_END not in answer:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
    except OSError as exc:
        raise PacketsError(f"the interface engine at {address} could not be reached ({type(exc).__name__}); "
                           "the messages wait in the outbox for the next run") from None
    code = _ack_code(answer)
    if code not in ("AA", "CA"):
        raise PacketsError(f"the interface engine at {address} answered {code or 'no ACK'}; "
                           "the messages wait in the outbox for the next run")


def _ack_code(answer: bytes) -> str | None:
    for segment in answer.strip(MLLP_START + MLLP_END + b"\r\n").split(b"\r"):
        if segment.startswith(b"MSA|"):
            fields = segment.split(b"|")
            return fields[1].decode("ascii", "replace") if len(fields) > 1 else None
    return None
