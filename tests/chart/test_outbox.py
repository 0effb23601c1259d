"""The chart outbox: one valid FHIR R4 DocumentReference (and HL7 MDM^T02) per packet, holding the exact PDF."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path

import hl7
import pytest
from fhir.resources.R4B.documentreference import DocumentReference

from conftest import PACKETS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "visits"))
from schedule_clinics import DATA, SCHEDULES, clinic_with_schedule

CHART = "chart:\n  hl7: true\n  identifier_system: urn:oid:2.16.840.1.113883.3.9999.1\n"
LEFT_OUT = {"fhir": 1, "hl7": 0}
SECRETS = ("Quill", "Ruiz", "Baker", "Jane", "1980-05-01", "19800501")


@pytest.fixture(scope="module", params=["fhir", "hl7"])
def day(request, tmp_path_factory):
    """A batch of the format's example schedule with a chart outbox: (format, packets folder, outbox, result)."""
    name = request.param
    work = tmp_path_factory.mktemp(f"chart-{name}")
    config = clinic_with_schedule(work, name, SCHEDULES[name][1] + CHART)
    file = {"fhir": "fhir-bundle.json", "hl7": "siu-s12.hl7"}[name]
    done = subprocess.run([*PACKETS, "batch", "--clinic", str(config), "--schedule", str(DATA / file), "--date", "2026-11-21",
                           "--out", str(work / "out"), "--jobs", "1", "--chart", str(work / "outbox")],
                          capture_output=True, text=True, timeout=600)
    return name, work / "out" / config.parent.name / "2026-11-21", work / "outbox", done


def _records(outbox: Path, suffix: str) -> list[Path]:
    return sorted(outbox.glob(f"*{suffix}"))


def test_one_valid_document_reference_per_packet_holding_its_exact_pdf(day) -> None:
    name, folder, outbox, done = day
    packets = {p.read_bytes() for p in folder.glob("*-row*.pdf")}
    records = _records(outbox, ".fhir.json")
    left_out = LEFT_OUT[name]  # FHIR: the appointment's contained patient has no identifier
    assert len(records) == len(packets) - left_out > 0, done.stderr
    assert f"chart: {len(records)} record(s) in {outbox}" in done.stdout + done.stderr
    assert (f"left out {left_out} packet(s): no patient identifier" in done.stderr) == bool(left_out)
    subjects = set()
    for path in records:
        resource = json.loads(path.read_text())
        DocumentReference.model_validate(resource)  # valid R4B, as written
        attachment = resource["content"][0]["attachment"]
        pdf = base64.b64decode(attachment["data"])
        assert pdf in packets and attachment["size"] == len(pdf)
        assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()
        assert resource["type"]["coding"][0] == {"system": "http://loinc.org", "code": "69730-0", "display": "Instructions"}
        assert resource["status"] == "current" and resource["author"][0]["reference"] == "#clinic"
        assert resource["context"]["period"]["start"].startswith("2026-11-21T") and resource["context"]["period"]["start"][-6:] == "-08:00"
        assert resource["masterIdentifier"]["value"] == f"urn:uuid:{path.name.split('.')[0]}"
        subjects.add((resource["subject"].get("reference"), resource["subject"]["identifier"]["value"]))
        assert resource["subject"]["identifier"]["system"] == "urn:oid:2.16.840.1.113883.3.9999.1"
        title = attachment["title"]
        assert not any(secret in title or secret in path.name for secret in SECRETS)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700
    if name == "fhir":  # the schedule's own Patient reference, and the MR identifier (not the SSN)
        assert ("Patient/pat-quill", "A-1001") in subjects and ("Patient/pat-ruiz", "A-1002") in subjects
    else:  # PID-3's MR repetition
        assert {mrn for _, mrn in subjects} == {"A-1001", "A-1002", "A-1003"} and {ref for ref, _ in subjects} == {None}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["runs"][-1]["chart"]["records"]) == sorted(p.name.split(".")[0] for p in records)


def test_each_packet_also_goes_out_as_an_hl7_mdm_t02_that_parses_back(day) -> None:
    name, folder, outbox, _ = day
    packets = {p.read_bytes() for p in folder.glob("*-row*.pdf")}
    messages = _records(outbox, ".mdm.hl7")
    assert len(messages) == len(packets) - LEFT_OUT[name]
    mrns = set()
    for path in messages:
        message = hl7.parse(path.read_bytes().decode())
        assert str(message.segment("MSH")[9]) == "MDM^T02^MDM_T02"
        assert str(message.segment("TXA")[12]) == path.name.split(".")[0]  # TXA-12: the record's stable id
        mrns.add(str(message.segment("PID")[3][0][0]))
        assert base64.b64decode(str(message.segment("OBX")[5][0][4])) in packets
    assert {"A-1001", "A-1002"} <= mrns


def test_printing_the_day_again_rewrites_the_same_records(day, tmp_path: Path) -> None:
    """A record's id is the visit's, so a second run never adds a second record for one packet."""
    name, folder, outbox, done = day
    before = sorted(p.name for p in outbox.iterdir())
    config = next(folder.parent.parent.parent.glob("*/clinic.yaml"))
    file = {"fhir": "fhir-bundle.json", "hl7": "siu-s12.hl7"}[name]
    again = subprocess.run([*PACKETS, "batch", "--clinic", str(config), "--schedule", str(DATA / file), "--date", "2026-11-21",
                            "--out", str(folder.parent.parent), "--jobs", "1", "--chart", str(outbox)],
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == done.returncode
    assert sorted(p.name for p in outbox.iterdir()) == before


def test_a_packet_without_a_patient_identifier_is_left_out_and_counted(tmp_path: Path) -> None:
    schedule = tmp_path / "day.csv"
    schedule.write_text("patient_name,time,treatment,mrn\nAna Lima,9:00,iv-ketamine,M-1\nBo Wu,10:00,iv-ketamine,\n", encoding="utf-8")
    done = subprocess.run([*PACKETS, "batch", "--clinic", "sunrise-iv", "--schedule", str(schedule), "--date", "2026-11-21",
                           "--out", str(tmp_path / "out"), "--jobs", "1", "--chart", str(tmp_path / "outbox")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out" / "sunrise-iv" / "2026-11-21").glob("*-row*.pdf"))) == 2  # both patients get a packet
    assert len(list((tmp_path / "outbox").glob("*.fhir.json"))) == 1
    assert "chart: 1 record(s)" in done.stderr and "left out 1 packet(s): no patient identifier" in done.stderr
    manifest = json.loads((tmp_path / "out" / "sunrise-iv" / "2026-11-21" / "manifest.json").read_text())
    assert list(manifest["runs"][-1]["chart"]["left_out"].values()) == [1]
    assert "Bo Wu" not in done.stderr + done.stdout


def test_render_files_one_packet_and_a_bad_outbox_is_one_clear_line(tmp_path: Path) -> None:
    render = [*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Ana Lima", "--treatment", "iv-ketamine",
              "--date", "2026-11-21", "--time", "9:00", "--mrn", "M-7", "--out", str(tmp_path / "p.pdf")]
    done = subprocess.run([*render, "--chart", str(tmp_path / "outbox")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (record,) = (tmp_path / "outbox").glob("*.fhir.json")
    attachment = json.loads(record.read_text())["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == (tmp_path / "p.pdf").read_bytes()
    (tmp_path / "afile").write_text("x")
    bad = subprocess.run([*render, "--chart", str(tmp_path / "afile" / "outbox")], capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) <= 2, bad.stderr


def test_a_packet_that_says_something_else_is_a_record_of_its_own_for_the_same_visit(tmp_path: Path) -> None:
    render = [*PACKETS, "render", "--clinic", "sunrise-iv", "--name", "Ana Lima", "--treatment", "iv-ketamine", "--date", "2026-11-21",
              "--time", "9:00", "--mrn", "M-7", "--out", str(tmp_path / "p.pdf"), "--chart", str(tmp_path / "outbox")]
    for escort in ("Sam Lee", "Sam Lee", "Kim Ode"):  # the same packet twice, then a corrected one
        done = subprocess.run([*render, "--escort", escort], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    records = [json.loads(p.read_text()) for p in (tmp_path / "outbox").glob("*.fhir.json")]
    assert len(records) == 2  # the unchanged reprint rewrote its own record; the correction added one
    assert records[0]["identifier"] == records[1]["identifier"] and records[0]["identifier"][0]["system"] == "urn:packets:visit"
    assert records[0]["masterIdentifier"] != records[1]["masterIdentifier"]
