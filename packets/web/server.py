"""Start the station: check the binding, then run the app under uvicorn."""

from __future__ import annotations

import dataclasses
import errno
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from packets import facade
from packets.errors import PacketsError
from packets.web import security
from packets.web.app import Settings, create_app
from packets.web.store import Store, station_lock


def idle_minutes(clinics: Path | None) -> float:
    """The strictest idle time any served clinic asks for (default 10 minutes)."""
    minutes = []
    for clinic in facade.clinic_ids(clinics):
        try:
            minutes.append(facade.open_clinic(clinic, clinics).clinic.station.idle_minutes)
        except PacketsError:
            continue  # a broken clinic config is reported when someone picks it
    return float(min(minutes, default=10))


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, before anything else starts: a taken port is one clear error, not a crash at start-up."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PacketsError(f"port {port} on {host} is already in use (another station, or another program). "
                               f"Stop that one, or start this one with --port {port + 1}.") from None
        raise PacketsError(f"cannot listen on {host}:{port}: {exc.strerror}. Check --host and --port.") from None
    sock.set_inheritable(True)
    return sock


def run(settings: Settings, host: str, port: int, certfile: Path | None, keyfile: Path | None,
        on_listening: Callable[[], None] = lambda: None) -> None:
    """Bind, check the binding, then serve; ``on_listening`` prints the banner once the port is ours."""
    sock = bind(host, port)
    settings = dataclasses.replace(settings, host=host, port=port)  # the Host values the station answers to
    try:
        with station_lock(settings.data) as ours:
            if not ours:
                raise PacketsError(f"another station is already running with the data folder {settings.data}. "
                                   "Use that one, or stop it first.")
            _serve(sock, settings, host, port, certfile, keyfile, on_listening)
    finally:
        sock.close()


def _serve(sock: socket.socket, settings: Settings, host: str, port: int, certfile: Path | None, keyfile: Path | None,
           on_listening: Callable[[], None]) -> None:
    """Check the accounts and binding, then run uvicorn on ``sock`` (the data folder's lock is held)."""
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
    config = uvicorn.Config(create_app(settings), host=host, port=port, access_log=False, server_header=False,
                            log_level="warning", ssl_certfile=str(certfile) if certfile else None,
                            ssl_keyfile=str(keyfile) if keyfile else None)
    on_listening()
    uvicorn.Server(config).run(sockets=[sock])
