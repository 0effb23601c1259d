"""The station serves previews from several threads: PDFium must never be entered by two at once."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

from packets import facade
from packets.config.loading import load_clinic
from packets.visits.model import Visit

SCRIPT = """
import sys, threading
from pathlib import Path
from packets import facade
pdf = Path(sys.argv[1])
def work():
    for _ in range(15):
        for page in (1, 2, 3, 4):
            assert facade.page_png(pdf, page, dpi=40).startswith(b"\\x89PNG")
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print("all previews made")
"""


def test_previews_from_four_threads_at_once(tmp_path: Path) -> None:
    """Without the lock this aborted the process ("corrupted double-linked list"): the server died silently."""
    out = tmp_path / "packet.pdf"
    facade.render_one(load_clinic("sunrise-iv"), Visit(name="Ana Lima", treatment="iv-ketamine",
                                                       when=datetime(2026, 12, 30, 9, 5)), out)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert "all previews made" in done.stdout
