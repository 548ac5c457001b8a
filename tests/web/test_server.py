"""``birtereze serve --workers 2``: a listening socket per process, stopped cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from birtereze.core.migrate import upgrade
from birtereze.web.server import _listen

pytestmark = pytest.mark.postgres


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_sockets_share_a_port() -> None:
    port = _free_port()
    first, second = _listen("127.0.0.1", port), _listen("127.0.0.1", port)
    try:
        assert first.getsockname()[1] == second.getsockname()[1] == port
    finally:
        first.close()
        second.close()


def test_it_serves_from_two_processes_and_stops_on_sigint(postgresql_url: str) -> None:
    upgrade(postgresql_url)
    port = _free_port()
    env = {**os.environ, "BIRTEREZE_DATABASE_URL": postgresql_url, "BIRTEREZE_EMBEDDED_WORKER": "0"}
    command = [
        str(Path(sys.executable).with_name("birtereze")),
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.3)
        for _ in range(20):  # new connections, spread by the kernel over the two processes' sockets
            with httpx.Client() as client:
                assert client.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output
    assert "Traceback" not in output
