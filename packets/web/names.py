"""What an uploaded file's name may become: text on the page, and the saved copy's suffix.

A name comes from the front desk's computer and may hold anything: a path, a NUL,
a newline. It is only ever shown (printable characters only, last path part) and
never used to name a file: the copy is saved under an opaque token and a plain suffix.
"""

from __future__ import annotations

import re

from packets.web.station import MAX_UPLOAD

MAX_NAME = 100
TOO_LARGE = f"the schedule is over {MAX_UPLOAD // 1_000_000} MB. Split it by day."


def shown_name(raw: str) -> str:
    """An uploaded file's name as the page shows it: the last part, printable characters only, at most ``MAX_NAME``."""
    last = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in last if c.isprintable()).strip()[:MAX_NAME]
    return name or "the uploaded file"


def saved_suffix(name: str) -> str:
    """The saved copy's suffix: ``.csv``, ``.json``, ``.hl7``... (letters and digits only), else none."""
    match = re.search(r"\.([A-Za-z0-9]{1,8})$", name)
    return f".{match.group(1).lower()}" if match else ""
