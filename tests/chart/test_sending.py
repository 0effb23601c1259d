"""Sending the outbox to a FHIR server and an MLLP interface engine on 127.0.0.1: retried, never filed twice."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import hl7
import pytest
from receivers import FhirServer, MllpServer

from conftest import CLINICS_DIR, PACKETS

TOKEN = "test-token-not-a-secret"


@pytest.fixture
def receivers():
    fhir, mllp = FhirServer(fail=1), MllpServer()
    yield fhir, mllp
    fhir.close()
    mllp.close()


def _clinic(tmp_path: Path, fhir: FhirServer, mllp: MllpServer) -> Path:
    target = tmp_path / "sunrise-iv"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", target)
    config = target / "clinic.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"chart:\n  hl7: true\n  fhir_base: {fhir.base}\n"
                      f"  fhir_token_env: PACKETS_TEST_FHIR_TOKEN\n  mllp: {mllp.address}\n", encoding="utf-8")
    return config


def _batch(config: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,time,treatment,mrn\nAna Lima,9:00,iv-ketamine,M-1\nBo Wu,10:00,iv-ketamine,M-2\n", encoding="utf-8")
    return subprocess.run([*PACKETS, "batch", "--clinic", str(config), "--schedule", str(schedule), "--date", "2026-11-21",
                           "--out", str(tmp_path / "out"), "--jobs", "1", "--chart", str(tmp_path / "outbox")],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PACKETS_TEST_FHIR_TOKEN": TOKEN})


def test_a_failed_send_waits_for_the_next_run_and_nothing_is_filed_twice(tmp_path: Path, receivers) -> None:
    fhir, mllp = receivers
    config = _clinic(tmp_path, fhir, mllp)
    outbox = tmp_path / "outbox"

    first = _batch(config, tmp_path)  # the FHIR server is down for this run
    assert first.returncode == 0, first.stderr
    assert f"the FHIR server {fhir.base} answered HTTP 503; the records wait in the outbox for the next run" in first.stderr
    assert "2 wait for the next run" in first.stderr and not fhir.filed
    assert len(list(outbox.glob("*.fhir.json"))) == 2  # kept, not lost
    assert len(mllp.messages) == 2 and len(list((outbox / "sent").glob("*.mdm.hl7"))) == 2  # the engine was up

    second = _batch(config, tmp_path)  # up again: this run sends what waited
    assert second.returncode == 0, second.stderr
    assert "chart: sent 2 record(s)" in second.stdout + second.stderr  # the FHIR records that waited; the HL7 ones were taken
    assert len(mllp.messages) == 2  # not sent again
    assert len(fhir.filed) == 2 and not list(outbox.glob("*.fhir.json"))
    assert sorted(p.name for p in (outbox / "sent").glob("*.fhir.json")) == sorted(
        f"{identifier.removeprefix('urn:uuid:')}.fhir.json" for identifier in fhir.filed)

    third = _batch(config, tmp_path)  # printed again, unchanged: already in the chart, so nothing is written or sent
    assert third.returncode == 0, third.stderr
    assert "chart: 0 record(s)" in third.stdout + third.stderr and "2 already in the chart" in third.stdout + third.stderr
    assert len(fhir.filed) == 2 and len(fhir.requests) == 3 and len(mllp.messages) == 2  # 503, then one POST per packet
    for path, headers in fhir.requests:
        assert path == "/fhir/DocumentReference"
        assert headers["Authorization"] == f"Bearer {TOKEN}" and headers["Content-Type"] == "application/fhir+json"
        assert headers["If-None-Exist"].startswith("identifier=urn:ietf:rfc:3986|urn:uuid:")
    pid3 = {str(hl7.parse(m.decode()).segment("PID")[3][0][0]) for m in mllp.messages}
    assert pid3 == {"M-1", "M-2"}
    for text in (first.stderr, second.stderr, third.stderr, first.stdout):
        assert "Ana Lima" not in text and TOKEN not in text


@pytest.mark.parametrize(("key", "value", "says"), [
    ("fhir_base", "http://ehr.example/fhir", "is not an https:// address"),
    ("mllp", "hl7.example:2575", "is not on this computer"),
])
def test_patient_records_travel_only_over_tls_or_to_this_computer(tmp_path: Path, key: str, value: str, says: str) -> None:
    target = tmp_path / "sunrise-iv"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", target)
    config = target / "clinic.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"chart:\n  hl7: true\n  {key}: {value}\n", encoding="utf-8")
    done = subprocess.run([*PACKETS, "validate", "--no-render", str(config)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and says in done.stderr and f"chart.{key}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
