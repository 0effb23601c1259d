"""Send a PDF to a queue and follow the job until it is done, held or out of time.

``submit`` checks the queue first (``queue.check_queue``) and the PDF's page size
against the clinic's paper, so a job is refused before anything reaches the printer.
``wait`` polls CUPS (IPP Get-Job-Attributes) and returns the job's final state for
the caller to show or log.
"""

from __future__ import annotations

import time
from pathlib import Path

import pikepdf

from packets.printing import cups
from packets.printing.model import JOB_STATES, PAPER_NAMES, JobSettings, PrintError, PrintJob
from packets.printing.queue import check_queue, job_options

POINTS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
TOLERANCE = 2.0  # points; PDF writers round page sizes
POLL_SECONDS = 0.5


def pdf_paper(pdf_path: Path) -> str:
    """``letter`` or ``a4``: the paper every page of the PDF is laid out for; ``PrintError`` otherwise."""
    if not pdf_path.is_file():
        raise PrintError(f"{pdf_path}: no such file. Give the path of a PDF this tool wrote.")
    try:
        with pikepdf.open(pdf_path) as pdf:
            boxes = [[float(v) for v in page.mediabox] for page in pdf.pages]
    except (OSError, pikepdf.PdfError, ValueError) as exc:
        raise PrintError(f"{pdf_path}: cannot read this PDF ({exc}).") from None
    sizes = {(round(abs(x1 - x0)), round(abs(y1 - y0))) for x0, y0, x1, y1 in boxes}
    papers = set()
    for width, height in sizes:
        found = [name for name, (w, h) in POINTS.items()
                 if abs(min(width, height) - w) <= TOLERANCE and abs(max(width, height) - h) <= TOLERANCE]
        if not found:
            raise PrintError(f"{pdf_path}: a page is {width} x {height} pt, neither Letter nor A4; only packets "
                             "and card sheets made by this tool are printed.")
        papers.add(found[0])
    if len(papers) != 1:
        raise PrintError(f"{pdf_path}: mixes Letter and A4 pages; print each size on its own.")
    return papers.pop()


def submit(pdf_path: Path, settings: JobSettings, refuse_reason: str | None = None) -> PrintJob:
    """Check the queue, then send ``pdf_path`` as ``settings`` ask; return the new job.

    ``refuse_reason``: when not None, nothing is sent and ``PrintError`` carries it.
    HOOK (issue 16): the caller passes the sample-config check's message here
    (``is_sample(loaded)``: a config with stand-in phone numbers must never reach a
    patient), so every route to a printer refuses a sample packet the same way.
    """
    if refuse_reason is not None:
        raise PrintError(f"not sent to queue '{settings.queue}': {refuse_reason}")
    paper = pdf_paper(pdf_path)
    if paper != settings.paper:
        raise PrintError(f"{pdf_path} is laid out for {PAPER_NAMES[paper]} but this clinic prints on "
                         f"{PAPER_NAMES[settings.paper]}; printing it would re-page or scale it. Render it again.")
    check_queue(settings)
    options = job_options(settings)
    job_id = cups.lp(settings.queue, pdf_path.read_bytes(), options, settings.copies, settings.title)
    return PrintJob(job_id, settings.queue, "pending")


def status(job: PrintJob) -> PrintJob:
    """The job's current state from CUPS."""
    attrs = cups.ipp(job.queue, "get-job.test", job_id=job.id)
    code = attrs.get("job-state")
    state = JOB_STATES.get(code, str(code)) if isinstance(code, int) else str(code)
    reasons = _as_list(attrs.get("job-state-reasons"))
    message = str(attrs.get("job-state-message") or attrs.get("job-printer-state-message") or "").strip()
    if state == "completed":  # only warnings are news once a job printed
        reasons = [r for r in reasons if r.startswith("job-completed-with")]
        message = message if reasons else ""
    reasons = [r for r in reasons if r not in ("none", "processing-to-stop-point")]  # the latter: CUPS bookkeeping
    reason = "; ".join(part for part in (", ".join(reasons), message) if part) or None
    return PrintJob(job.id, job.queue, state, reason)


def wait(job: PrintJob, timeout: float) -> PrintJob:
    """Follow ``job`` until completed, canceled, aborted or held, or ``timeout`` seconds pass.

    A job still pending or processing when time runs out comes back with
    ``timed_out=True`` and its last state; it stays queued in CUPS.
    """
    deadline = time.monotonic() + timeout
    while True:
        current = status(job)
        if current.done:
            return current
        if time.monotonic() >= deadline:
            return PrintJob(current.id, current.queue, current.state, current.reason, timed_out=True)
        time.sleep(POLL_SECONDS)


def describe(job: PrintJob) -> str:
    """One line for the front desk: the job id, its final state and what to do."""
    line = f"job {job.name}: {job.state}"
    if job.reason:
        line += f" ({job.reason})"
    if job.timed_out:
        line += f"; still not printed when the wait ended. Check the printer; lpstat -o {job.queue} lists it, cancel {job.name} removes it"
    elif job.state == "pending-held":
        line += f"; held at the printer. Release it with: lp -i {job.name} -H resume"
    elif job.state in ("aborted", "canceled"):
        line += "; nothing more will print for this job. Check the printer and send it again"
    return line


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]
