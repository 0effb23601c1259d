"""Receivers on 127.0.0.1 for the chart tests: a FHIR endpoint and an MLLP interface engine, started and stopped by the test."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FhirServer:
    """A FHIR endpoint that fails its first ``fail`` requests, then files each identifier once (conditional create)."""

    def __init__(self, fail: int = 1) -> None:
        self.fail, self.filed, self.requests = fail, {}, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server calls it by this name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((self.path, dict(self.headers)))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                identifier = self.headers["If-None-Exist"].split("|", 1)[1]
                created = identifier not in outer.filed
                outer.filed.setdefault(identifier, json.loads(body))
                self.send_response(201 if created else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/fhir"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class MllpServer:
    """An interface engine that answers every framed message with an AA acknowledgement."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            with connection:
                data = b""
                while b"\x1c\r" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.messages.append(data.strip(b"\x0b\x1c\r"))
                connection.sendall(b"\x0bMSH|^~\\&|ENGINE|EHR|PACKETS|X|20261121||ACK|1|P|2.5.1\rMSA|AA|1\r\x1c\r")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.sock.close()
