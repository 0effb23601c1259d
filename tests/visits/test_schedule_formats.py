"""Each schedule format read into the same rows, with the same per-row errors and skip counts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from packets.config.loading import load_clinic
from packets.errors import ConfigError
from packets.visits.readers.presets import PRESETS
from packets.visits.readers.sniff import sniff_delimiter, sniff_format
from packets.visits.schedule import Schedule, ScheduleError, read_schedule
from packets.visits.when import DateProblem, parse_day

from schedule_clinics import DATA, SCHEDULES, clinic_with_schedule

NAMES = ("Quill", "Ruiz", "Baker", "Park", "Okafor", "Doe", "Soto", "Patel", "Visser", "Bakker", "Rossi", "Neil", "A-10")


def _read(tmp_path: Path, name: str, file: str, day: date, block: str | None = None, **kw) -> Schedule:
    return read_schedule(DATA / file, load_clinic(str(clinic_with_schedule(tmp_path, name, block))), day, **kw)


def _good(schedule: Schedule) -> dict[int, tuple]:
    return {r.number: (r.visit.name, r.visit.when.strftime("%H:%M"), r.visit.treatment, r.visit.language)
            for r in schedule.rows if r.visit}


def _bad(schedule: Schedule) -> dict[int, str]:
    return {r.number: str(r.error) for r in schedule.rows if r.error}


def _no_patient_data_in(messages) -> None:
    for message in messages:
        for name in NAMES:
            assert name not in message, message


# ---- FHIR R4 ------------------------------------------------------------------------


def test_fhir_bundle(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "fhir", "fhir-bundle.json", date(2026, 11, 21))
    assert schedule.format == "fhir"
    assert _good(schedule) == {
        8: ("Jane Quill", "09:30", "iv-ketamine", "en"),  # 17:30Z; en-US preferred
        9: ("Ana María Ruiz", "10:15", "iv-ketamine", "es"),  # Spanish preferred over English
        11: ("Tom Baker", "11:00", "im-ketamine", None),  # 14:00-05:00
        12: ("Sam Doe", "13:45", "iv-ketamine", None),  # contained patient, 21:45+00:00, type as text only
        17: ("Mo Okafor", "08:00", "iv-ketamine", None),  # urn:uuid reference into the bundle
    }
    families = {r.number: r.visit.family_name for r in schedule.rows if r.visit}
    assert families[8] == "Quill" and families[9] == "Ruiz"  # Patient.name.family, kept apart for the footer
    bad = _bad(schedule)
    assert sorted(bad) == [13, 16]
    assert "refers to a patient who is not in the file" in bad[13]
    assert "appointment type 'Ketamine consult' is not in schedule.treatments" in bad[16]
    assert ('Add it under schedule.treatments, as "Ketamine consult": iv-ketamine (a treatment kind), '
            'or "Ketamine consult": skip if it is not a ketamine treatment.') in bad[16]
    assert "Also without" not in bad[16]  # types that resolve are not listed as unknown
    assert dict(schedule.skipped) == {"cancelled": 2, "other-day": 1}
    assert schedule.skipped_summary() == "2 cancelled or no-show, 1 on another day"
    rows = {r.number: r for r in schedule.rows}
    assert rows[9].time_text == "10:15" and rows[13].time_text == "11:00" and rows[13].initials == "XX"
    assert rows[8].visit.provider == "Dr. Maria Chen" and rows[8].visit.mrn == "A-1001"
    assert rows[8].visit.date_of_birth == date(1980, 5, 1)
    _no_patient_data_in(bad.values())


def test_fhir_practitioner_by_urn_is_not_taken_for_the_patient(tmp_path: Path) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:doc", "resource": {"resourceType": "Practitioner", "name": [{"family": "Chen", "given": ["Maria"]}]}},
        {"fullUrl": "urn:uuid:pat", "resource": {"resourceType": "Patient", "name": [{"family": "Quill", "given": ["Jane"]}]}},
        {"resource": {"resourceType": "Appointment", "status": "booked", "start": "2026-11-21T09:30:00-08:00",
                      "appointmentType": {"text": "IVK"}, "participant": [
                          {"actor": {"reference": "urn:uuid:doc"}, "status": "accepted"},
                          {"actor": {"reference": "urn:uuid:pat"}, "status": "accepted"}]}},
        {"resource": {"resourceType": "Appointment", "status": "booked", "start": "2026-11-21T10:30:00-08:00",
                      "appointmentType": {"text": "IVK"}, "participant": [
                          {"actor": {"reference": "urn:uuid:doc"}, "status": "accepted"}]}},
    ]}
    file = tmp_path / "one.json"
    file.write_text(json.dumps(bundle))
    schedule = read_schedule(file, load_clinic(str(clinic_with_schedule(tmp_path, "fhir"))), date(2026, 11, 21))
    assert _good(schedule) == {3: ("Jane Quill", "09:30", "iv-ketamine", None)}
    assert schedule.rows[0].visit.provider == "Maria Chen"
    assert _bad(schedule) == {4: "Appointment.participant (patient_name): the appointment has no patient participant."}


def test_fhir_appointments_are_r4_not_r5() -> None:
    """The fixture is ordinary R4 (serviceType as a CodeableConcept): the package's default R5 model refuses it."""
    from fhir.resources.appointment import Appointment as R5Appointment

    first = next(e["resource"] for e in json.loads((DATA / "fhir-bundle.json").read_text())["entry"]
                 if e["resource"]["resourceType"] == "Appointment")
    with pytest.raises(ValidationError):
        R5Appointment.model_validate(first)


def test_fhir_needs_the_clinic_time_zone(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError, match=r"FHIR start times carry a UTC offset; set schedule.time_zone"):
        _read(tmp_path, "fhir", "fhir-bundle.json", date(2026, 11, 21), block="")


def test_fhir_invalid_appointment_fails_alone(tmp_path: Path) -> None:
    bundle = json.loads((DATA / "fhir-bundle.json").read_text())
    bundle["entry"][7]["resource"]["start"] = "2026-11-21T09:30:00"  # no offset: not a FHIR instant
    broken = tmp_path / "bundle.json"
    broken.write_text(json.dumps(bundle))
    config = clinic_with_schedule(tmp_path, "fhir")
    schedule = read_schedule(broken, load_clinic(str(config)), date(2026, 11, 21))
    bad = _bad(schedule)
    assert bad[8] == "entry 8 (appointment): not valid FHIR R4 at Appointment.start."
    assert sorted(_good(schedule)) == [9, 11, 12, 17]


def test_fhir_recognised_by_content_whatever_the_name(tmp_path: Path) -> None:
    renamed = tmp_path / "export.csv"
    renamed.write_bytes((DATA / "fhir-bundle.json").read_bytes())
    config = clinic_with_schedule(tmp_path, "fhir")
    assert read_schedule(renamed, load_clinic(str(config)), date(2026, 11, 21)).format == "fhir"
    with pytest.raises(ScheduleError, match="missing required column"):
        read_schedule(renamed, load_clinic(str(config)), date(2026, 11, 21), format="csv")


# ---- HL7 v2 SIU -----------------------------------------------------------------------


def test_hl7_siu_messages(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "hl7", "siu-s12.hl7", date(2026, 11, 21))
    assert schedule.format == "hl7"
    assert _good(schedule) == {
        1: ("Jane Quill", "09:30", "iv-ketamine", "en"),  # TQ1-7, PID-15 ENG
        2: ("Ana María Ruiz", "10:15", "iv-ketamine", "es"),  # PID-15 SPA; SCH-11.4 13:15-0500 -> 10:15
        5: ("Tom Baker", "14:00", "im-ketamine", None),  # AIS-4 start, SCH-7 type
    }
    bad = _bad(schedule)
    assert bad == {
        3: "message 3 (message): has no PID segment; a schedule message needs SCH and PID.",
        6: "TQ1-7 (time): the start has a date but no time, so no time can be printed.",
    }
    rows = {r.number: r for r in schedule.rows}
    assert rows[2].time_text == "10:15" and rows[6].initials == "PON"  # O\T\Neil is O&Neil once unescaped
    assert rows[1].visit.mrn == "A-1001" and rows[1].visit.provider == "Dr. Maria Chen"
    assert rows[1].visit.date_of_birth == date(1980, 5, 1)
    assert rows[2].visit.family_name == "Ruiz"  # PID-5.1, kept apart for the footer
    assert dict(schedule.skipped) == {"cancelled": 1}  # SIU^S15


def test_hl7_unparseable_message_never_echoed(tmp_path: Path) -> None:
    good = (DATA / "siu-s12.hl7").read_bytes().decode().split("\n")[0]
    file = tmp_path / "day.hl7"
    file.write_text(good + "\nMSH\rPID|1||A-SECRET||Secretname^Ann\r\n", newline="")
    config = clinic_with_schedule(tmp_path, "hl7")
    schedule = read_schedule(file, load_clinic(str(config)), date(2026, 11, 21))
    bad = _bad(schedule)
    assert bad == {2: "message 2 (message): is not a valid HL7 v2 message; check the export."}
    assert "Secretname" not in " ".join(schedule.warnings) and sorted(_good(schedule)) == [1]


# ---- CSV exports and presets ---------------------------------------------------------


def test_simplepractice_combined_date_time_and_repeated_columns(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "simplepractice", "simplepractice.csv", date(2026, 11, 23))
    assert _good(schedule) == {
        2: ("Jane Quill", "09:30", "iv-ketamine", None),
        3: ("Tom Baker", "14:00", "im-ketamine", None),
        10: ("Zoë Brontë", "12:00", "iv-ketamine", None),
    }
    bad = _bad(schedule)
    assert bad[4].startswith("column 'Billing Code' (treatment): appointment type '90837' is not in schedule.treatments")
    assert '"90837": skip if it is not a ketamine treatment.' in bad[4]
    assert bad[5] == ("column 'Date of Service' (date_time): '11/23/2026' has a date but no time. "
                      "Export the appointment's start time with its date.")
    assert dict(schedule.skipped) == {"cancelled": 2, "other-day": 1, "not-a-treatment": 1}
    # Paid and Unpaid appear twice (client and insurance); packets does not read them.
    assert any("ignoring column(s) not used by packets: Rate per Unit, Units, Total Fee, Paid, Unpaid" in w
               for w in schedule.warnings)


def test_repeated_column_that_is_read_stops_the_file(tmp_path: Path) -> None:
    lines = (DATA / "simplepractice.csv").read_text().splitlines()
    file = tmp_path / "sp.csv"
    file.write_text("\n".join([lines[0].replace("Location", "Client")] + lines[1:3]) + "\n")
    config = clinic_with_schedule(tmp_path, "simplepractice")
    with pytest.raises(ScheduleError, match=r"column 'Client' appears 2 times \(columns 2, 13\), and packets reads "
                                            r"patient_name from it"):
        read_schedule(file, load_clinic(str(config)), date(2026, 11, 23))


def test_preset_suggested_when_header_matches_but_not_configured(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError) as caught:
        _read(tmp_path, "simplepractice", "simplepractice.csv", date(2026, 11, 23), block="")
    message = str(caught.value)
    assert "missing required column(s): patient_name, time, treatment" in message
    assert "This looks like an export from SimplePractice: add `schedule: {preset: simplepractice}` to clinic.yaml" in message
    with pytest.raises(ScheduleError, match="This looks like an export from athenahealth: add `schedule: {preset: athenahealth}`"):
        _read(tmp_path, "simplepractice", "athenahealth.csv", date(2026, 11, 23), block="")


def test_athenahealth_seconds_location_filter_and_open_slots(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "athenahealth", "athenahealth.csv", date(2026, 11, 23))
    assert _good(schedule) == {
        2: ("Jane Quill", "08:15", "iv-ketamine", None),
        3: ("Tom Baker", "09:45", "im-ketamine", None),
        8: ("Kim Soto", "15:15", "iv-ketamine", None),
    }
    assert "'NEW PATIENT CONSULT' is not in schedule.treatments" in _bad(schedule)[7]
    assert dict(schedule.skipped) == {"cancelled": 2, "other-location": 1}  # x - Cancelled, o - Open; SALEM
    first = schedule.rows[0].visit
    assert first.date_of_birth == date(1980, 5, 1) and first.mrn == "A-1001" and first.provider == "CHEN MARIA"
    assert first.family_name == "Quill"  # the preset's last-name column, kept apart for the footer


def test_tebra_separate_date_and_time_columns(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "tebra", "tebra.csv", date(2026, 11, 23))
    assert _good(schedule) == {2: ("Jane Quill", "09:00", "iv-ketamine", None), 3: ("Tom Baker", "10:30", "im-ketamine", None)}
    assert schedule.rows[0].visit.family_name is None  # one name column: no family name apart
    assert dict(schedule.skipped) == {"cancelled": 2}  # Cancelled, No-Show


def test_intakeq_other_location_skipped(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "intakeq", "intakeq.csv", date(2026, 11, 23))
    assert _good(schedule) == {2: ("Jane Quill", "09:00", "iv-ketamine", None), 3: ("Tom Baker", "10:30", "im-ketamine", None)}
    assert dict(schedule.skipped) == {"cancelled": 1, "other-location": 1}


def test_osmind_separate_date_and_time_cancelled_and_skipped_types(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "osmind", "osmind.csv", date(2026, 11, 23))
    assert _good(schedule) == {2: ("Jane Quill", "09:00", "esketamine-nasal", None), 3: ("Tom Baker", "10:30", "esketamine-nasal", None)}
    assert schedule.rows[0].visit.date_of_birth == date(1981, 4, 12)  # MDY, from the preset
    assert dict(schedule.skipped) == {"cancelled": 1, "not-a-treatment": 1}


def test_location_filter_never_guesses(tmp_path: Path) -> None:
    lines = (DATA / "intakeq.csv").read_text().splitlines()
    file = tmp_path / "iq.csv"
    file.write_text("\n".join([lines[0], lines[1].replace(",Main Street,", ",,")]) + "\n")
    schedule = read_schedule(file, load_clinic(str(clinic_with_schedule(tmp_path, "intakeq"))), date(2026, 11, 23))
    assert _bad(schedule) == {2: "column location: empty, and schedule.locations is set: packets cannot "
                                 "tell whether this appointment is at one of your locations."}
    block = SCHEDULES["tebra"][1] + "  locations: [Main Street]\n  columns:\n    location: Room\n"
    with pytest.raises(ScheduleError, match=r"does not have: location -> 'Room' \(schedule.columns\)\."):
        _read(tmp_path, "tebra", "tebra.csv", date(2026, 11, 23), block=block)
    with pytest.raises(ScheduleError, match="schedule.locations is set, but this file gives no location"):
        _read(tmp_path, "dmy", "semicolon-dmy.csv", date(2026, 6, 5), block=SCHEDULES["dmy"][1] + "  locations: [Room 2]\n")


def test_semicolon_dmy_export(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "dmy", "semicolon-dmy.csv", date(2026, 6, 5))
    assert _good(schedule) == {
        2: ("Emma Visser", "09:30", "esketamine-nasal", "en"),
        3: ("Lars Jensen", "11:00", "esketamine-nasal", None),
        7: ("Anna Müller", "14:30", "esketamine-nasal", None),
    }
    assert schedule.rows[1].visit.date_of_birth == date(1990, 4, 3)  # 03/04/1990 day first
    assert _bad(schedule) == {
        4: "column time: empty. Type the appointment time, like 14:30 or 2:30 PM.",
        6: "column language: 'it' has no shared content. Available: en, es.",
    }
    assert dict(schedule.skipped) == {"other-day": 1}  # 06/05/2026 is 6 May


def test_a_file_that_contradicts_the_country_order_is_refused_whole(tmp_path: Path) -> None:
    block = SCHEDULES["dmy"][1].replace("  date_order: DMY\n", "")  # a US clinic (month first) with a day-first export
    with pytest.raises(ScheduleError, match="some dates in this file only make sense day first, but a clinic with country: US "
                                            "reads dates month first. Set schedule.date_order: DMY in clinic.yaml"):
        _read(tmp_path, "dmy", "semicolon-dmy.csv", date(2026, 6, 5), block=block)


def test_a_us_clinic_reads_month_first_without_date_order(tmp_path: Path) -> None:
    file = tmp_path / "day.csv"
    file.write_text("patient_name,date,time,treatment,date_of_birth\n"
                    "Jo Ng,12/6/2026,10:00,iv-ketamine,02/03/1980\n"
                    "Al Ng,12/6/2026,11:00,iv-ketamine,02/30/1980\n")
    schedule = read_schedule(file, load_clinic("sunrise-iv"), None)
    assert schedule.day == date(2026, 12, 6)
    assert schedule.rows[0].visit.date_of_birth == date(1980, 2, 3)
    bad = _bad(schedule)[3]  # impossible, not ambiguous; private, so the value is never echoed
    assert bad == ("column date_of_birth: not a real date read month first (MDY, from country: US). "
                   "Check the month and day.")
    assert "02/30" not in bad


def test_a_misspelt_type_gets_did_you_mean_and_the_line_to_add(tmp_path: Path) -> None:
    file = tmp_path / "day.csv"
    file.write_text("Patient,Date,Time,Appointment type\nGail Park,12/6/2026,8:30,IV Ketamin Infusion\n"
                    "Al Ng,12/6/2026,9:30,IV Ketamine Infusion\nBo Li,12/6/2026,10:30,Consult\n")
    block = ("schedule:\n  columns: {patient_name: Patient, treatment: Appointment type}\n"
             "  treatments:\n    IV Ketamine Infusion: iv-ketamine\n")
    schedule = read_schedule(file, load_clinic(clinic_with_schedule(tmp_path, "tebra", block)), None)
    bad = _bad(schedule)
    assert "Did you mean 'IV Ketamine Infusion'?" in bad[2] and "'IV Ketamine Infusion'," not in bad[2].split("Also")[-1]
    assert bad[2].endswith("Also without a treatment in this file: 'Consult'.")
    assert '"Consult": skip if it is not a ketamine treatment.' in bad[4] and "Did you mean" not in bad[4]


def test_an_impossible_date_says_which_order_would_read_it() -> None:
    with pytest.raises(DateProblem, match=r"date '13/12/2026' is not a real date read month first \(MDY, from country: US\); "
                                          r"read day first it would be 13 December 2026\. If your dates are day first, "
                                          r"set schedule.date_order: DMY in clinic.yaml\."):
        parse_day("13/12/2026", "MDY", "country: US")
    with pytest.raises(DateProblem, match="the day and month could be either way round"):
        parse_day("05/06/2026", None, "country CA writes dates both ways")
    assert parse_day("05/06/2026", "DMY") == date(2026, 6, 5)


def test_wrong_run_date_warns(tmp_path: Path) -> None:
    schedule = _read(tmp_path, "tebra", "tebra.csv", date(2026, 11, 24))
    assert schedule.rows == [] and dict(schedule.skipped) == {"cancelled": 2, "other-day": 2}
    assert any("no appointments on 2026-11-24; 2 are on other days. Check --date." in w for w in schedule.warnings)


def test_dates_in_both_orders_stop_the_file(tmp_path: Path) -> None:
    file = tmp_path / "day.csv"
    file.write_text("patient_name,date,time,treatment\nJo Ng,11/21/2026,10:00,iv-ketamine\nAl Ng,21/11/2026,11:00,iv-ketamine\n")
    with pytest.raises(ScheduleError, match="some dates are month-first and some day-first"):
        read_schedule(file, load_clinic("sunrise-iv"), None)


def test_tab_delimited_and_sniffing() -> None:
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter('"x;y",b,c\n') == ","
    assert sniff_delimiter("Patient;Date;Time\n") == ";"
    assert sniff_delimiter("patient_name\n") == ","
    assert sniff_format("\ufeff  {\"resourceType\": \"Bundle\"}") == "fhir"
    assert sniff_format("MSH|^~\\&|X\r") == "hl7" and sniff_format("MSH,time\n") == "csv"


def test_tab_delimited_file(tmp_path: Path) -> None:
    file = tmp_path / "day.tsv"
    file.write_text("patient_name\ttime\ttreatment\nJo Ng\t9:30:00 AM\tiv-ketamine\n")
    schedule = read_schedule(file, load_clinic("sunrise-iv"), date(2026, 11, 21))
    assert _good(schedule) == {2: ("Jo Ng", "09:30", "iv-ketamine", None)}


# ---- config --------------------------------------------------------------------------


def test_every_preset_has_a_sample_file_that_reads(tmp_path: Path) -> None:
    tested = {"simplepractice": "simplepractice.csv", "athenahealth": "athenahealth.csv", "tebra": "tebra.csv",
              "kareo": "tebra.csv", "intakeq": "intakeq.csv", "osmind": "osmind.csv"}
    assert set(tested) == set(PRESETS)
    for preset, file in tested.items():
        assert PRESETS[preset].matches((DATA / file).read_text().splitlines()[0].split(",")), preset


@pytest.mark.parametrize("block, message", [
    ("schedule:\n  time_zone: America/Portland\n", "'America/Portland' is not a time zone name"),
    ("schedule:\n  treatments:\n    96365: iv-ketamine\n", "the code 96365 was read as a number; put it in quotes"),
    ("schedule:\n  treatments:\n    Spravato: esketamine-nasal\n", "'Spravato' maps to esketamine-nasal, which this clinic does not offer"),
    ("schedule:\n  preset: epic\n", "'epic' is not allowed here"),
    ("schedule:\n  date_order: MMDDYYYY\n", "'MMDDYYYY' is not allowed here"),
    ("schedule:\n  columns:\n    date_time: Start\n    time: Time\n", "map it, or date and time, not both"),
    ("schedule:\n  columns:\n    patient: Client\n", "schedule.columns.patient"),
])
def test_schedule_config_errors(tmp_path: Path, block: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_clinic(str(clinic_with_schedule(tmp_path, "simplepractice", block)))
    assert message in str(caught.value)


def test_configured_preset_that_does_not_match_names_the_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(ScheduleError) as caught:
        _read(tmp_path, "simplepractice", "athenahealth.csv", date(2026, 11, 23))
    message = str(caught.value)
    assert ("the column map names column(s) this file does not have: date_time -> 'Date of Service' (preset simplepractice)"
            in message)
    assert "This looks like an export from athenahealth: add `schedule: {preset: athenahealth}`" in message


def test_csv_times_with_utc_offsets_need_the_time_zone(tmp_path: Path) -> None:
    file = tmp_path / "day.csv"
    file.write_text("patient_name,date_time,treatment\nJo Ng,2026-11-21T17:30:00Z,iv-ketamine\n")
    block = "schedule:\n  time_zone: America/Los_Angeles\n"
    schedule = read_schedule(file, load_clinic(str(clinic_with_schedule(tmp_path, "fhir", block))), date(2026, 11, 21))
    assert _good(schedule) == {2: ("Jo Ng", "09:30", "iv-ketamine", None)}
    schedule = read_schedule(file, load_clinic(str(clinic_with_schedule(tmp_path, "fhir", ""))), date(2026, 11, 21))
    assert _bad(schedule) == {2: "column date_time: '2026-11-21T17:30:00Z' has a UTC offset; set schedule.time_zone in "
                                 "clinic.yaml so it can be shown as clinic time."}


@pytest.mark.parametrize("fmt, message", [
    ("hl7", "no HL7 message found (each starts with an MSH segment)"),
    ("csv", "missing required column(s)"),
])
def test_format_option_that_does_not_fit_the_file(tmp_path: Path, fmt: str, message: str) -> None:
    import subprocess

    from conftest import PACKETS

    config = clinic_with_schedule(tmp_path, "fhir")
    done = subprocess.run([*PACKETS, "batch", "--clinic", str(config), "--schedule", str(DATA / "fhir-bundle.json"),
                           "--format", fmt, "--out", str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True)
    assert done.returncode == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_an_ignored_column_that_looks_like_a_field_is_suggested_as_a_mapping(tmp_path: Path) -> None:
    file = tmp_path / "day.csv"
    file.write_text("patient_name,date,time,treatment,DOB,Chart Number,Room\nGail Park,12/6/2026,8:30,iv-ketamine,1/2/1980,55,3\n")
    schedule = read_schedule(file, load_clinic("sunrise-iv"), None)
    assert any(w.endswith("ignoring column(s) not used by packets: DOB, Chart Number, Room. To use them, add under "
                          "schedule.columns in clinic.yaml: date_of_birth: DOB; mrn: Chart Number") for w in schedule.warnings)
