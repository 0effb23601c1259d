"""The station files a packet in the chart when it is handed over (printed or downloaded), once, not when it is made."""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
import time
from pathlib import Path

from receivers import FhirServer

from conftest import CLINICS_DIR

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "web"))
from station_helpers import Client, Server

SCHEDULE = b"patient_name,time,treatment,mrn\nJane Doe,09:30,iv-ketamine,A-100\nOmar Haddad,10:15,im-ketamine,A-101\n"


def _wait(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_packet_goes_to_the_chart_when_it_is_downloaded_and_only_once(tmp_path: Path) -> None:
    clinics = tmp_path / "clinics"
    shutil.copytree(CLINICS_DIR / "sunrise-iv", clinics / "sunrise-iv")
    fhir = FhirServer(fail=0)
    config = clinics / "sunrise-iv" / "clinic.yaml"
    config.write_text(config.read_text(encoding="utf-8") + f"chart:\n  outbox: chart-outbox\n  fhir_base: {fhir.base}\n", encoding="utf-8")
    station = Server(tmp_path, env={**os.environ, "PACKETS_CLINICS": str(clinics)})
    try:
        client = Client(station)
        client.sign_in()
        day = client.upload(b"today.csv", SCHEDULE).headers["location"]
        outbox = station.data / "chart-outbox"
        assert not outbox.exists() or not any(outbox.glob("*.fhir.json"))  # made, not handed over: nothing filed yet
        assert not fhir.filed
        rows = re.findall(r'href="(/rows/[^"]+)"', client.request("GET", day).text)
        assert len(set(rows)) == 2

        first = client.request("GET", rows[0] + "/packet.pdf")
        assert first.status == 200 and first.body.startswith(b"%PDF")
        assert _wait(lambda: len(fhir.filed) == 1), station.log.read_text()
        (record,) = fhir.filed.values()
        assert base64.b64decode(record["content"][0]["attachment"]["data"]) == first.body  # the very packet handed over
        assert record["subject"]["identifier"]["value"] in ("A-100", "A-101")
        assert _wait(lambda: len(list((outbox / "sent").glob("*.fhir.json"))) == 1)

        client.request("GET", rows[0] + "/packet.pdf")  # handed over again: already filed
        time.sleep(1.0)
        assert len(fhir.requests) == 1

        client.request("GET", day + "/packets.pdf")  # the whole day: the other packet now
        assert _wait(lambda: len(fhir.filed) == 2)
        assert {r["subject"]["identifier"]["value"] for r in fhir.filed.values()} == {"A-100", "A-101"}
        assert len(fhir.requests) == 2
        names = [p.name for p in outbox.rglob("*")]
        assert not any(secret in name for name in names for secret in ("Jane", "Doe", "Omar", "A-100"))
        log = station.log.read_text()
        assert "Jane" not in log and "A-100" not in log
    finally:
        station.stop()
        fhir.close()
