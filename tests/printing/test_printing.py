"""Printing through a real CUPS stack (private cupsd + virtual IPP Everywhere printers).

Every job goes through the CLI exactly as the front desk runs it. Each test then reads
back what the virtual printer received (the job file it kept, and the job's IPP
attributes) and checks what a patient would hold: the right pages, the right text,
the right paper size, printed two-sided for packets and at 100% on card stock for cards.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from conftest import CLINICS_DIR, PACKETS, not_a_sample
from cups_stack import A4, LETTER, SIZES, CupsStack, free_port
from pdfcheck import Pdf

CLINICS = {  # clinic id: (treatment, IPP media, page size in mm, clinic name as printed)
    "harbor-spravato": ("esketamine-nasal", A4, (210.0, 297.0), "Harbor Mental Health"),
    "sunrise-iv": ("iv-ketamine", LETTER, (215.9, 279.4), "Sunrise"),
}

PRINTING = """
printing:
  packets:
    queue: {packets}
  cards:
    queue: {cards}
    media_type: cardstock
    tray: by-pass-tray
    sides: {sides}
  wait_seconds: 120
"""


def clinic_with_printing(tmp_path: Path, clinic_id: str, packets: str = "duplex", cards: str = "duplex",
                         sides: str = "two-sided-long-edge") -> Path:
    """A copy of an example clinic whose printing: section names this stack's queues."""
    target = tmp_path / clinic_id
    shutil.copytree(CLINICS_DIR / clinic_id, target)
    config = target / "clinic.yaml"
    # Real-looking links: an example clinic's .example links make it a SAMPLE, which is never printed.
    text = not_a_sample(re.sub(r"\nprinting:\n(?:[ #].*\n|\n)*", "\n", config.read_text()))
    config.write_text(text + PRINTING.format(packets=packets, cards=cards, sides=sides))
    return config


def real_copy(tmp_path: Path, clinic_id: str) -> str:
    """An example clinic with real-looking links (not a SAMPLE) and no printing: section."""
    target = tmp_path / f"{clinic_id}-real"
    shutil.copytree(CLINICS_DIR / clinic_id, target)
    config = target / "clinic.yaml"
    config.write_text(not_a_sample(re.sub(r"\nprinting:\n(?:[ #].*\n|\n)*", "\n", config.read_text())))
    return str(config)


def run(cups: CupsStack, *args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PACKETS, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env=env or cups.client_env())


def job_line(result: subprocess.CompletedProcess) -> str:
    found = re.findall(r"^job (\S+): (\S+)", result.stdout + result.stderr, re.M)
    assert len(found) == 1, result.stdout + result.stderr
    return f"{found[0][0]}: {found[0][1]}"


def received(cups: CupsStack, queue: str) -> tuple[dict, Pdf]:
    """The newest completed job on the virtual printer behind ``queue``: attributes and file."""
    printer = cups.printers[queue]
    jobs = printer.completed_jobs()
    assert jobs, "the virtual printer completed no job"
    job = jobs[0]
    assert job["job-state"] == 9, job  # completed
    return job, Pdf(printer.job_file(job["job-id"]).read_bytes())


def pixel_difference(a: Pdf, b: Pdf, dpi: int = 50) -> float:
    """Mean difference (0-1) between the first pages of two PDFs, rendered in grey at ``dpi``."""
    def grey(pdf: Pdf) -> bytes:
        doc = pdfium.PdfDocument(pdf.data)
        image = doc[0].render(scale=dpi / 72).to_pil().convert("L")
        doc.close()
        return image.tobytes(), image.size

    (pa, size_a), (pb, size_b) = grey(a), grey(b)
    assert size_a == size_b
    return sum(abs(x - y) for x, y in zip(pa, pb)) / (255 * len(pa))


def media_size(job: dict) -> tuple[int, int]:
    size = job["media-col"]["media-size"]
    return size["x-dimension"], size["y-dimension"]


@pytest.mark.parametrize("clinic_id", CLINICS)
def test_packet_prints_two_sided_on_the_clinic_paper(cups: CupsStack, tmp_path: Path, clinic_id: str):
    treatment, media, page_mm, clinic_name = CLINICS[clinic_id]
    config = clinic_with_printing(tmp_path, clinic_id)
    out = tmp_path / "Ana-Lima.pdf"
    result = run(cups, "render", "--clinic", str(config), "--name", "Ana Lima", "--treatment", treatment,
                 "--date", "2026-11-21", "--time", "9:05", "--out", str(out), "--print")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"duplex-\d+: completed", job_line(result))
    job, pdf = received(cups, "duplex")
    assert job["sides"] == "two-sided-long-edge"
    assert media_size(job) == SIZES[media]
    # CUPS named no patient: the job carries the clinic and kind only, never the file name.
    assert job["job-name"] == f"{clinic_id} packets"
    assert "Ana" not in str(job) and "Lima" not in str(job)
    sent = Pdf(out.read_bytes())
    assert len(pdf.reader.pages) == len(sent.reader.pages)
    assert set(pdf.page_sizes_mm()) == {page_mm}
    text = pdf.text()
    assert "Ana Lima" in text and clinic_name in text and "988" in text


SCHEDULE = "patient_name,time,treatment\nAna Lima,09:30,{t}\nBo Reyes,10:00,{t}\nCy Tran,10:30,{t}\n"


@pytest.mark.parametrize("clinic_id", CLINICS)
def test_batch_print_run_goes_to_the_packet_queue(cups: CupsStack, tmp_path: Path, clinic_id: str):
    treatment, media, page_mm, clinic_name = CLINICS[clinic_id]
    config = clinic_with_printing(tmp_path, clinic_id)
    schedule = tmp_path / "day.csv"
    schedule.write_text(SCHEDULE.format(t=treatment))
    result = run(cups, "batch", "--clinic", str(config), "--schedule", str(schedule), "--date", "2026-11-21",
                 "--out", str(tmp_path / "out"), "--jobs", "1", "--print")
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"duplex-\d+: completed", job_line(result))
    job, pdf = received(cups, "duplex")
    assert job["sides"] == "two-sided-long-edge"
    assert media_size(job) == SIZES[media]
    run_pdf = Pdf((tmp_path / "out" / clinic_id / "2026-11-21" / "print-run.pdf").read_bytes())
    assert len(pdf.reader.pages) == len(run_pdf.reader.pages) and len(pdf.reader.pages) % 2 == 0
    assert set(pdf.page_sizes_mm()) == {page_mm}
    text = pdf.text()
    assert all(name in text for name in ("Ana Lima", "Bo Reyes", "Cy Tran"))
    assert text.index("Ana Lima") < text.index("Bo Reyes") < text.index("Cy Tran")


@pytest.mark.parametrize("clinic_id", CLINICS)
def test_card_sheet_prints_at_full_size_on_card_stock(cups: CupsStack, tmp_path: Path, clinic_id: str):
    _, media, page_mm, _ = CLINICS[clinic_id]
    config = clinic_with_printing(tmp_path, clinic_id)
    out = tmp_path / "cards.pdf"
    result = run(cups, "cards", "--clinic", str(config), "--out", str(out), "--print")
    assert result.returncode == 0, result.stderr
    assert "print-scaling none" in result.stdout
    assert re.fullmatch(r"duplex-\d+: completed", job_line(result))
    job, pdf = received(cups, "duplex")
    # CUPS applies print-scaling in its own filter (pdftopdf) and its ipp backend does not
    # forward it to the printer (CUPS 2.4), so the setting is read from CUPS's record of
    # the job, and the 100% is checked on the page the printer got (below).
    assert cups.queue_jobs("duplex")[0]["print-scaling"] == "none"
    assert job["media-col"]["media-type"] == "cardstock"
    assert job["media-col"]["media-source"] == "by-pass-tray"
    assert media_size(job) == SIZES[media]
    assert job["sides"] == "two-sided-long-edge"
    assert len(pdf.reader.pages) == 2  # fronts, then backs
    assert set(pdf.page_sizes_mm()) == {page_mm}
    assert "988" in pdf.page_texts()[0] + pdf.page_texts()[1]
    # At 100%: the page the printer got draws every card and crop mark where the sheet put them.
    assert pixel_difference(pdf, Pdf(out.read_bytes())) < 0.01


def test_print_command_with_copies(cups: CupsStack, tmp_path: Path):
    config = clinic_with_printing(tmp_path, "sunrise-iv")
    out = tmp_path / "cards.pdf"
    assert run(cups, "cards", "--clinic", str(config), "--out", str(out)).returncode == 0
    result = run(cups, "print", str(out), "--clinic", str(config), "--kind", "cards", "--copies", "2")
    assert result.returncode == 0, result.stderr
    job, received_pdf = received(cups, "duplex")
    cups_job = cups.queue_jobs("duplex")[0]
    assert cups_job["copies"] == 2 and cups_job["print-scaling"] == "none"
    assert job["copies"] == 2 and len(received_pdf.reader.pages) == 2


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def a4_packet(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("a4")  # a real-looking clinic: `print FILE` refuses a page marked SAMPLE
    out = folder / "packet.pdf"
    done = subprocess.run([*PACKETS, "render", "--clinic", real_copy(folder, "harbor-spravato"), "--name", "Ana Lima", "--treatment",
                           "esketamine-nasal", "--date", "2026-11-21", "--time", "9:05", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def test_duplex_packet_to_a_simplex_queue_is_refused(cups: CupsStack, tmp_path: Path, a4_packet: Path):
    before = {job["job-id"] for job in cups.printers["simplex"].completed_jobs()}  # by id: old jobs drop out after a while
    line = one_line_error(run(cups, "print", str(a4_packet), "--printer", "simplex", "--clinic", real_copy(tmp_path, "harbor-spravato")))
    assert "queue 'simplex' cannot print two-sided" in line and "sides-supported: one-sided" in line
    assert {job["job-id"] for job in cups.printers["simplex"].completed_jobs()} <= before
    assert not cups.run("lpstat", "-o", "simplex").stdout.strip()  # nothing was sent


def test_queue_without_the_clinic_paper_is_refused(cups: CupsStack, tmp_path: Path):
    config = clinic_with_printing(tmp_path, "harbor-spravato", cards="simplex", sides="one-sided")
    out = tmp_path / "cards.pdf"
    line = one_line_error(run(cups, "cards", "--clinic", str(config), "--out", str(out), "--print"))
    assert "queue 'simplex' has no A4 paper" in line


def test_pdf_of_another_paper_size_is_refused(cups: CupsStack, a4_packet: Path, tmp_path: Path):
    line = one_line_error(run(cups, "print", str(a4_packet), "--clinic", real_copy(tmp_path, "sunrise-iv"), "--printer", "duplex"))
    assert "laid out for A4 but this clinic prints on Letter" in line


def test_stopped_queue(cups: CupsStack, a4_packet: Path):
    cups.run("cupsdisable", "duplex")
    try:
        line = one_line_error(run(cups, "print", str(a4_packet), "--printer", "duplex"))
    finally:
        cups.run("cupsenable", "duplex")
    assert "queue 'duplex' is stopped" in line and "cupsenable duplex" in line


def test_missing_queue(cups: CupsStack, a4_packet: Path):
    line = one_line_error(run(cups, "print", str(a4_packet), "--printer", "front-desk"))
    assert "no printer queue 'front-desk'" in line and line.endswith("Queues there: duplex, failing, held, simplex, slow.")


def test_cups_not_running(cups: CupsStack, a4_packet: Path):
    env = dict(cups.client_env(), CUPS_SERVER=f"127.0.0.1:{free_port()}")
    line = one_line_error(run(cups, "print", str(a4_packet), "--printer", "duplex", env=env))
    assert "cannot reach CUPS at 127.0.0.1:" in line and "cupsd" in line


def test_clinic_without_printing_section(cups: CupsStack, a4_packet: Path, tmp_path: Path):
    line = one_line_error(run(cups, "print", str(a4_packet), "--clinic", real_copy(tmp_path, "harbor-spravato")))
    assert "printing.packets.queue" in line


def test_held_job_is_reported_and_exits_1(cups: CupsStack, a4_packet: Path):
    result = run(cups, "print", str(a4_packet), "--printer", "held")
    assert result.returncode == 1
    line = result.stderr.strip()
    assert re.fullmatch(r"job held-(\d+): pending-held \(.*job-hold-until-specified.*\); held at the printer\. "
                        r"Release it with: lp -i held-\1 -H resume", line), line
    cups.run("cancel", "-a", "held")


def test_wait_gives_up_on_a_job_that_does_not_move(cups: CupsStack, a4_packet: Path, monkeypatch):
    """The API the front-desk page calls: a job on a stopped printer comes back pending, timed out."""
    from packets.printing import PrintJob, describe, wait

    monkeypatch.setenv("CUPS_SERVER", cups.server)
    cups.run("cupsdisable", "simplex")
    try:
        queued = cups.run("lp", "-d", "simplex", "-t", "stuck", str(a4_packet)).stdout
        job_id = int(re.search(r"simplex-(\d+)", queued).group(1))
        final = wait(PrintJob(job_id, "simplex", "pending"), timeout=1)
    finally:
        cups.run("cancel", "-a", "simplex")
        cups.run("cupsenable", "simplex")
    assert final.timed_out and final.state == "pending" and not final.ok
    assert describe(final).startswith(f"job simplex-{job_id}: pending")
    assert "still not printed when the wait ended" in describe(final)


def test_full_size_check_sees_a_scaled_sheet(cups: CupsStack, tmp_path: Path, monkeypatch):
    """Control for the 100% check above: the same sheet sent 'fit to page' fails it."""
    from packets.printing import PrintJob, wait

    monkeypatch.setenv("CUPS_SERVER", cups.server)
    out = tmp_path / "cards.pdf"
    assert run(cups, "cards", "--clinic", "harbor-spravato", "--out", str(out)).returncode == 0
    queued = cups.run("lp", "-d", "duplex", "-o", "print-scaling=fit", "-o", "media=iso_a4_210x297mm", str(out)).stdout
    job_id = int(re.search(r"duplex-(\d+)", queued).group(1))
    assert wait(PrintJob(job_id, "duplex", "pending"), timeout=120).ok
    _, pdf = received(cups, "duplex")
    assert pixel_difference(pdf, Pdf(out.read_bytes())) > 0.05  # measured: 0.13 (fit), 0.0 (none)


def test_batch_checks_the_queue_before_rendering(cups: CupsStack, tmp_path: Path):
    config = clinic_with_printing(tmp_path, "sunrise-iv", packets="simplex")
    schedule = tmp_path / "day.csv"
    schedule.write_text(SCHEDULE.format(t="iv-ketamine"))
    line = one_line_error(run(cups, "batch", "--clinic", str(config), "--schedule", str(schedule),
                              "--out", str(tmp_path / "out"), "--print"))
    assert "queue 'simplex' cannot print two-sided" in line and "printing.packets.queue" in line
    assert line.endswith("Nothing was rendered.")
    assert not (tmp_path / "out").exists()


def test_job_the_printer_fails_is_reported_and_exits_1(cups: CupsStack, tmp_path: Path):
    config = clinic_with_printing(tmp_path, "sunrise-iv", packets="failing")
    out = tmp_path / "Ana-Lima.pdf"
    result = run(cups, "render", "--clinic", str(config), "--name", "Ana Lima", "--treatment", "iv-ketamine",
                 "--date", "2026-11-21", "--time", "9:05", "--out", str(out), "--print")
    assert result.returncode == 1
    assert out.exists()  # the packet was written; only printing failed
    line = result.stderr.strip()
    assert re.fullmatch(r"job failing-\d+: (canceled|aborted) \(.+\); nothing more will print for this job\. "
                        r"Check the printer and send it again", line), line


def test_a_sample_clinic_is_never_printed(cups: CupsStack, tmp_path: Path) -> None:
    """Stand-in numbers or links (the examples' .example links) mark paper SAMPLE: no route prints it."""
    config = clinic_with_printing(tmp_path, "sunrise-iv")
    config.write_text(config.read_text().replace(".clinic", ".example"))
    before = len(cups.printers["duplex"].completed_jobs())
    out = tmp_path / "packet.pdf"
    result = run(cups, "render", "--clinic", str(config), "--name", "Ana Lima", "--treatment", "iv-ketamine",
                 "--date", "2026-11-21", "--time", "9:05", "--out", str(out), "--print")
    assert result.returncode == 1 and out.exists()  # the PDF is written (it says SAMPLE); it is not printed
    assert "not printed" in result.stderr and "marked SAMPLE" in result.stderr
    direct = run(cups, "print", str(out), "--clinic", str(config))
    assert direct.returncode == 1 and "marked SAMPLE" in direct.stderr
    assert len(cups.printers["duplex"].completed_jobs()) == before
