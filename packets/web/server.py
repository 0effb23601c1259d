"""Start the station: check the binding, then run the app under uvicorn."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from packets import facade
from packets.errors import PacketsError
from packets.web import security
from packets.web.app import Settings, create_app
from packets.web.store import Store


def idle_minutes(clinics: Path | None) -> float:
    """The strictest idle time any served clinic asks for (default 10 minutes)."""
    minutes = []
    for clinic in facade.clinic_ids(clinics):
        try:
            minutes.append(facade.open_clinic(clinic, clinics).clinic.station.idle_minutes)
        except PacketsError:
            continue  # a broken clinic config is reported when someone picks it
    return float(min(minutes, default=10))


def run(settings: Settings, host: str, port: int, certfile: Path | None, keyfile: Path | None) -> None:
    store = Store(settings.data)
    try:
        security.check_binding(host, store.user_count(), tls=bool(certfile and keyfile))
    finally:
        store.close()
    import uvicorn

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log = logging.getLogger("packets.station")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    uvicorn.run(create_app(settings), host=host, port=port, access_log=False, server_header=False, log_level="warning",
                ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None)
