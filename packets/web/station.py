"""What one running station owns: its settings, store, renderers, prints in progress, page templates.

Nothing lives at module level: two stations in one process (the tests make several)
share no state. Pages reach their station through ``station_of(request)``.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from packets import facade
from packets.errors import PacketsError
from packets.visits.readers.csvfile import MAX_BYTES
from packets.web.gate import Origins
from packets.web.security import Hashing
from packets.web.store import Session, Store
from packets.web.warming import Warmer
from packets.web.work import Renderers

LOG = logging.getLogger("packets.station")

MAX_UPLOAD = MAX_BYTES  # the same bound as ``packets batch``: one day's export


@dataclass
class Settings:
    """How ``packets serve`` was started."""

    data: Path
    clinics: Path | None = None
    idle_minutes: float = 10.0
    tls: bool = False
    jobs: int = 2
    retention_days: int | None = None  # None: each clinic's config (default 7)
    inbox_limit: int = 50
    host: str = "127.0.0.1"
    port: int = 8750
    names: tuple[str, ...] = ()  # more host names staff use to reach it (``--name``)
    warm: bool = True  # lay out today's bases ahead (``warming``); ``--no-warm`` turns it off

    @property
    def origins(self) -> Origins:
        return Origins.of(self.host, self.port, self.tls, self.names)


@dataclass
class PrintTask:
    """A print the station is following (the page shows it until the printer is done)."""

    label: str
    line: str = "Sending to the printer..."
    done: bool = False
    ok: bool = False


@dataclass
class Station:
    """Everything one running station owns."""

    settings: Settings
    store: Store
    renderers: Renderers
    prints: dict[str, PrintTask] = field(default_factory=dict)  # by row or day token
    pages: Environment = field(default_factory=lambda: Environment(
        loader=PackageLoader("packets.web", "templates"), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True))
    hashing: Hashing = field(default_factory=Hashing)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))  # binds sign-in tokens to their cookie
    warmer: Warmer | None = None  # set while the app runs, when warming is on
    chart_lock: threading.Lock = field(default_factory=threading.Lock)  # one pass over a chart outbox at a time

    _clinics: dict[str, facade.LoadedClinic] = field(default_factory=dict)

    def clinic(self, ref: str) -> facade.LoadedClinic:
        """A clinic's config, read again only when a file in its folder changed.

        Reading and checking a config takes about 10 ms; a walk-in's packet is meant
        to take a few times that. An edited config is picked up by the next request.
        """
        loaded = self._clinics.get(ref)
        if loaded is None or not facade.clinic_is_current(loaded):
            loaded = self._clinics[ref] = facade.open_clinic(ref, self.settings.clinics)
        return loaded

    def chart_outbox(self, loaded: facade.LoadedClinic) -> Path | None:
        """The clinic's chart outbox (``chart.outbox``, relative to the station's data folder), or None."""
        return facade.chart_folder(loaded, None, self.settings.data)

    def chart_held(self, loaded: facade.LoadedClinic, day_token: str) -> Path | None:
        """Where a list's chart records wait until each packet is printed or downloaded: inside its packets folder,
        so retention and the start-up sweep remove them with the packets."""
        return self._held(day_token) if self.chart_outbox(loaded) else None

    def _held(self, day_token: str) -> Path:
        return self.settings.data / "packets" / day_token / "chart-held"

    def file_in_chart(self, clinic: str, rows: list[Any]) -> None:
        """The rows' packets were handed over (printed or downloaded): their held records go to the chart, in the background.

        A row filed before (a second print) has nothing held any more, so nothing is sent twice.
        """
        try:
            loaded = self.clinic(clinic)
        except PacketsError:
            return
        outbox = self.chart_outbox(loaded)
        wanted: dict[str, list[str]] = {}  # by list: one move and one pass over the outbox per list, not per packet
        for row in rows:
            if row["chart"]:
                wanted.setdefault(row["day_token"], []).append(row["chart"])
        if outbox is None or not wanted:
            return

        def file() -> None:
            with self.chart_lock:
                for day_token, records in wanted.items():
                    try:
                        facade.release_chart(loaded, self._held(day_token), outbox, records)
                    except (PacketsError, OSError) as exc:
                        LOG.warning("chart: a record could not be filed (%s)", type(exc).__name__)

        threading.Thread(target=file, name="packets-chart", daemon=True).start()

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.idle_minutes)

    def words(self, ref: str) -> facade.ClinicWords:
        """How the pages name a clinic and its treatments and languages; its id where its config cannot be read."""
        try:
            return facade.clinic_words(self.clinic(ref))
        except PacketsError:
            return facade.ClinicWords(ref, {}, {})

    def html(self, name: str, session: Session | None, **values: Any) -> str:
        values.setdefault("words", functools.cache(self.words))  # per page: the Log names one clinic per row, read once
        values.setdefault("message", None)
        values.setdefault("error", None)
        values.setdefault("printing", None)
        values.setdefault("refresh", values["printing"] is not None and not values["printing"].done)
        return self.pages.get_template(name).render(user=session.user if session else None,
                                                    csrf=session.csrf if session else "", **values)

    def page(self, name: str, request: Request, session: Session | None, status: int = 200, **values: Any) -> HTMLResponse:
        return HTMLResponse(self.html(name, session, **values), status_code=status)

    def fault_page(self, status: int, title: str, sentence: str) -> bytes:
        """The page ``faults.Faults`` sends: no session is looked up (the database may be the fault)."""
        return self.html("message.html", None, title=title, error=sentence).encode()

    def close(self) -> None:
        self.hashing.close()
        self.store.close()
        self.renderers.close()


def station_of(request: Request) -> Station:
    return request.app.state.station
