"""``hcbot web``, and ``hcbot run`` with HCBOT_WEB_PORT, serve the desk on 127.0.0.1 and stop cleanly on
SIGTERM; a port already taken is one clear line, no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own loopback server)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.mark.parametrize("command", [["web"], ["run"]])
def test_the_desk_is_served_on_loopback_and_stops_on_sigterm(command: list[str], tmp_path: Path) -> None:
    port = _free_port()
    environment = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
                   "HCBOT_WEB_PORT": str(port), "HCBOT_CONSOLE": "false"}
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *command], env=environment, cwd=tmp_path,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        status = None
        while status is None and time.monotonic() < deadline and process.poll() is None:
            status = _status(f"http://127.0.0.1:{port}/plans")
            if status is None:
                time.sleep(0.1)  # between polls of the condition, so the starting bot gets the CPU
        # Served, and closed to a browser without a session.
        assert status == 403
    finally:
        process.send_signal(signal.SIGTERM)
        _out, error = process.communicate(timeout=30)
    assert process.returncode == 0, error
    assert f"web desk on http://127.0.0.1:{port}" in error


def test_a_taken_port_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}"}
        done = subprocess.run([sys.executable, "-m", "bot.cli", "web", "--port", str(port)], env=environment,
                              cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                              check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("hcbot: cannot serve the web desk:")
    assert "Traceback" not in done.stderr
