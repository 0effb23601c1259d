"""Closing the station's database while other threads still query it: an error for them, never a crash.

The segmentation faults of `packets serve` on a taken port (exit 139, in libsqlite3) came
from here: the lifespan closed the shared connection while the start-up purge was still
running a statement on it in a worker thread. Run in a subprocess, since a crash would
take the test run with it; before the fix this crashed in 15 of 15 runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys, threading, time
from pathlib import Path
from packets.web.store import Store

store = Store(Path(sys.argv[1]))
store.audit(user="a", action="download", clinic="c", day="2026-12-07")
errors = []
stop = threading.Event()

def work():
    while not stop.is_set():
        try:
            store.query("SELECT * FROM audit")
            store.audit_log()
        except Exception as exc:
            errors.append(type(exc).__name__)

threads = [threading.Thread(target=work) for _ in range(3)]
for t in threads:
    t.start()
time.sleep(0.05)
store.close()
time.sleep(0.05)
stop.set()
for t in threads:
    t.join()
print(sorted(set(errors)))
"""


def test_close_waits_for_running_statements_and_later_ones_fail_cleanly(tmp_path: Path) -> None:
    for attempt in range(5):
        data = tmp_path / f"data{attempt}"
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(data)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (done.returncode, done.stderr[-500:])
        assert done.stdout.strip() == "['ProgrammingError']", done.stdout  # "Cannot operate on a closed database"
