"""The station's SQLite database: staff, sessions, the day's rows, and the audit log.

One file (``station.db``, mode 0600) in the data folder (0700). The schema is
created and upgraded by numbered migrations in this module, so an older data folder
is brought up to date on start. Patient names live only here and in the packets;
rows and uploads are deleted after the clinic's retention period (``purge``).
The audit log keeps what was printed for whom by initials, time and MRN.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DB_NAME = "station.db"
LOCK_NAME = "station.lock"  # held by the running station (released by the kernel even on kill -9)
LOCK_WAIT = 5.0  # seconds a starting station waits for a purge that holds the lock

MIGRATIONS: list[str] = [
    # 1: staff, sessions, sign-in failures, uploads (days), rows, audit
    """
    CREATE TABLE users (name TEXT PRIMARY KEY, hash TEXT NOT NULL, created TEXT NOT NULL);
    CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                           csrf TEXT NOT NULL, created TEXT NOT NULL, last_seen TEXT NOT NULL);
    CREATE TABLE signin_failures (key TEXT NOT NULL, at TEXT NOT NULL);
    CREATE INDEX signin_failures_key ON signin_failures(key);
    CREATE TABLE days (token TEXT PRIMARY KEY, clinic TEXT NOT NULL, day TEXT NOT NULL, source TEXT NOT NULL,
                       folder TEXT NOT NULL, print_run TEXT, created TEXT NOT NULL, created_by TEXT NOT NULL);
    CREATE TABLE rows (token TEXT PRIMARY KEY, day_token TEXT NOT NULL REFERENCES days(token) ON DELETE CASCADE,
                       row INTEGER NOT NULL, time TEXT NOT NULL, initials TEXT NOT NULL, name TEXT NOT NULL,
                       treatment TEXT NOT NULL, language TEXT NOT NULL, mrn TEXT, status TEXT NOT NULL,
                       error TEXT, file TEXT, pages INTEGER, sha256 TEXT, printed INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, user TEXT NOT NULL,
                        action TEXT NOT NULL, clinic TEXT NOT NULL, day TEXT NOT NULL, row INTEGER,
                        time TEXT, initials TEXT, mrn TEXT, content_version TEXT, sha256 TEXT,
                        printer TEXT, job TEXT, job_state TEXT, row_token TEXT);
    """,
    # 2: why a print did not happen (audit.reason); a failed row's reason in front-desk words (rows.reason);
    # the day's skipped appointments: counted (days.skipped) and listed (rows with status 'skipped')
    """
    ALTER TABLE audit ADD COLUMN reason TEXT;
    ALTER TABLE rows ADD COLUMN reason TEXT;
    ALTER TABLE days ADD COLUMN skipped TEXT;
    """,
    # 3: files being written (an upload's copy and packets, a walk-in's packet) before their day's row exists,
    # so a kill at any step leaves a record that start-up and purge follow to the files
    """
    CREATE TABLE pending (token TEXT PRIMARY KEY, created TEXT NOT NULL);
    """,
    # 4: the packet's chart record id (packets.chart), held until the packet is printed or downloaded
    """
    ALTER TABLE rows ADD COLUMN chart TEXT;
    """,
]

PRINT_IN_FLIGHT = ("sending", "sent")  # audit job_state values a later start fills in


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    last_seen: datetime


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """An opaque id for URLs and cookies: 128 bits, never derived from patient data."""
    return secrets.token_urlsafe(16)


class Store:
    """All the station's state, in one SQLite file. Safe to share between threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        make_private(folder)
        self.path = folder / DB_NAME
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.chmod(self.path, 0o600)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = DELETE")  # no -wal side files to leak past 0600
        self.migrate()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One all-or-nothing change: an upload's rows are saved whole or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                # A COMMIT refused by a full disk may leave the transaction open: end it, and
                # keep the error that says why (a failing ROLLBACK must not replace it).
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args))

    def version(self) -> int:
        with self._lock:
            return self._db.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        for number, script in enumerate(MIGRATIONS, 1):
            if self.version() < number:
                with self.transaction() as db:
                    for statement in filter(str.strip, script.split(";")):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")

    def close(self) -> None:
        """Close the connection once no statement is running on it.

        Threads share the one connection (``check_same_thread=False``) under ``_lock``. A
        close that skipped the lock freed the connection under a statement still running
        in another thread (the start-up purge, in ``asyncio.to_thread``, while uvicorn gave
        up on a taken port): a segmentation fault in libsqlite3. A statement that comes
        after the close raises ``sqlite3.ProgrammingError`` instead.
        """
        with self._lock:
            self._db.close()

    # ---- staff and sessions ------------------------------------------------

    def add_user(self, name: str, password_hash: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO users VALUES (?, ?, ?)", (name, password_hash, _now().isoformat()))

    def user_hash(self, name: str) -> str | None:
        found = self.query("SELECT hash FROM users WHERE name = ?", name)
        return found[0]["hash"] if found else None

    def user_count(self) -> int:
        return self.query("SELECT count(*) AS n FROM users")[0]["n"]

    def new_session(self, user: str) -> tuple[str, str]:
        """A session for ``user``: the cookie token (only its hash is stored) and the CSRF token."""
        token, csrf = new_token() + new_token(), new_token()
        now = _now().isoformat()
        with self.transaction() as db:
            db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)", (_hash_token(token), user, csrf, now, now))
        return token, csrf

    def session(self, token: str, idle: timedelta) -> Session | None:
        """The live session for a cookie, touched now; None (and deleted) when idle too long."""
        key = _hash_token(token)
        found = self.query("SELECT user, csrf, last_seen FROM sessions WHERE token_hash = ?", key)
        if not found:
            return None
        last = datetime.fromisoformat(found[0]["last_seen"])
        if _now() - last > idle:
            self.end_session(token)
            return None
        try:
            with self.transaction() as db:
                db.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (_now().isoformat(), key))
        except sqlite3.OperationalError:
            pass  # a full disk or read-only folder: still signed in, so the pages that only read keep working
        return Session(found[0]["user"], found[0]["csrf"], last)

    def end_session(self, token: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash_token(token),))

    def failures(self, key: str, window: timedelta) -> int:
        since = (_now() - window).isoformat()
        return self.query("SELECT count(*) AS n FROM signin_failures WHERE key = ? AND at > ?", key, since)[0]["n"]

    def record_failure(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO signin_failures VALUES (?, ?)", (key, _now().isoformat()))

    def clear_failures(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM signin_failures WHERE key = ?", (key,))

    # ---- days, rows, audit ---------------------------------------------------

    def day(self, token: str) -> sqlite3.Row | None:
        found = self.query("SELECT * FROM days WHERE token = ?", token)
        return found[0] if found else None

    def days_for(self, clinic: str, day: str) -> list[sqlite3.Row]:
        """Lists for ``day`` and later days, and lists loaded on ``day``: by the day they are for, newest load first."""
        return self.query("SELECT * FROM days WHERE clinic = ? AND (day >= ? OR substr(created, 1, 10) = ?) "
                          "ORDER BY day, created DESC", clinic, day, day)

    def lists_for_day(self, clinic: str, day: str) -> list[sqlite3.Row]:
        """The schedule lists loaded for ``clinic``'s ``day``, which a new one replaces (walk-in packets stay)."""
        return self.query("SELECT * FROM days WHERE clinic = ? AND day = ? AND source != 'one patient'", clinic, day)

    def rows_of(self, day_token: str) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM rows WHERE day_token = ? ORDER BY time, row", day_token)

    def row(self, token: str) -> sqlite3.Row | None:
        found = self.query("SELECT rows.*, days.clinic, days.day, days.folder FROM rows JOIN days ON days.token = rows.day_token "
                           "WHERE rows.token = ?", token)
        return found[0] if found else None

    def mark_printed(self, token: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE rows SET printed = printed + 1 WHERE token = ?", (token,))

    def audit(self, **entry: Any) -> int:
        """Add a Log entry; returns its id (a print's entry is filled in as the job goes on)."""
        entry.setdefault("at", _now().isoformat())
        columns = ", ".join(entry)
        with self.transaction() as db:
            cursor = db.execute(f"INSERT INTO audit ({columns}) VALUES ({', '.join('?' * len(entry))})", tuple(entry.values()))
        return int(cursor.lastrowid or 0)

    def update_audit(self, ids: list[int], **fields: Any) -> None:
        """Fill in a print's queue, job and state on its entries (fields are column names from this module)."""
        sets = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as db:
            for entry in ids:
                db.execute(f"UPDATE audit SET {sets} WHERE id = ?", (*fields.values(), entry))

    def prints_in_flight(self) -> list[sqlite3.Row]:
        """Print entries whose job was being sent or followed when the station stopped."""
        marks = ", ".join("?" * len(PRINT_IN_FLIGHT))
        return self.query(f"SELECT * FROM audit WHERE job_state IN ({marks}) ORDER BY id", *PRINT_IN_FLIGHT)

    # ---- files being written -------------------------------------------------

    def begin_files(self, token: str) -> None:
        """Record ``token`` before any file named by it is written: the sweep can always find them."""
        with self.transaction() as db:
            db.execute("INSERT INTO pending VALUES (?, ?)", (token, _now().isoformat()))

    def end_files(self, token: str, db: sqlite3.Connection | None = None) -> None:
        """``token``'s files are now owned by its day's row (pass ``db`` to do it in that row's transaction)."""
        if db is not None:
            db.execute("DELETE FROM pending WHERE token = ?", (token,))
            return
        with self.transaction() as own:
            own.execute("DELETE FROM pending WHERE token = ?", (token,))

    def pending(self, before: datetime | None = None) -> list[str]:
        """Tokens whose files were begun (before ``before``, if given) and never finished or removed."""
        if before is None:
            return [r["token"] for r in self.query("SELECT token FROM pending")]
        return [r["token"] for r in self.query("SELECT token FROM pending WHERE created < ?", before.isoformat())]

    def known_tokens(self) -> set[str]:
        """Every token that owns files: a day's list, or files being written now."""
        rows = self.query("SELECT token FROM days UNION SELECT token FROM pending")
        return {r["token"] for r in rows}

    def audit_log(self, limit: int = 200) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit)

    def expired_days(self, clinic: str, before: datetime) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM days WHERE clinic = ? AND created < ?", clinic, before.isoformat())

    def delete_day(self, token: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM days WHERE token = ?", (token,))


def make_private(folder: Path) -> None:
    """Create ``folder`` (and missing parents) owner-only; an existing folder must be a real folder."""
    if folder.is_symlink():
        raise OSError(f"{folder} is a symbolic link; give the real folder")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)


@contextmanager
def station_lock(folder: Path, wait: float = LOCK_WAIT) -> Iterator[bool]:
    """Hold the data folder's lock while the block runs; yields False if another process holds it after ``wait``.

    One station per data folder: a second one would sweep the first one's writes in
    progress as abandoned. ``packets purge`` takes the lock without waiting; when it
    gets it, no station is running and every pending write is a dead run's.
    """
    make_private(folder)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.1)
        yield True
    finally:
        os.close(fd)
