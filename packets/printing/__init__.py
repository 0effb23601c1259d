"""Print packets and card sheets on the clinic's CUPS queues (the stage after render/batch).

The API a CLI, a front-desk page or an audit log calls::

    settings = job_settings("packet", loaded)       # from the clinic's printing: section
    check_queue(settings)                           # optional: submit checks too
    job = submit(pdf_path, settings)                # -> PrintJob(id, queue, "pending")
    job = wait(job, settings.wait_seconds)          # -> completed / aborted / canceled / held / timed out

Nothing earlier in the pipeline imports this package.
"""

from packets.printing.jobs import describe, pdf_paper, status, submit, wait
from packets.printing.model import KINDS, JobSettings, Kind, PrintError, PrintJob, QueueInfo
from packets.printing.queue import check_queue, queue_info
from packets.printing.settings import job_settings

__all__ = ["KINDS", "JobSettings", "Kind", "PrintError", "PrintJob", "QueueInfo", "check_queue", "describe",
           "job_settings", "pdf_paper", "queue_info", "status", "submit", "wait"]
