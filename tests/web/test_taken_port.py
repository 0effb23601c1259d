"""``packets serve`` on a port already in use: one error line and exit 1, every time, before anything starts."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from conftest import PACKETS


def test_serve_on_a_taken_port_exits_1_with_one_line_twenty_times(tmp_path: Path) -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        for _ in range(20):
            done = subprocess.run([*PACKETS, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp_path / "data")],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 1, done.stderr
            assert done.stderr.splitlines() == [
                f"error: port {port} on 127.0.0.1 is already in use (another station, or another program). "
                f"Stop that one, or start this one with --port {port + 1}."]
            assert "front desk:" not in done.stdout
        assert not (tmp_path / "data").exists()  # nothing started: no database, no folders
    finally:
        holder.close()
