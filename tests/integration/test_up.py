"""`vigilmar up`: the one-command local stack starts, shows alerts, and leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from streams.broker import free_port

pytestmark = pytest.mark.integration

VIGILMAR = str(Path(sys.executable).parent / "vigilmar")


def children_of(pid: int) -> set[int]:
    result = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    )
    return {int(line) for line in result.stdout.split()}


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_up_shows_alerts_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    out, err = tmp_path / "up.out", tmp_path / "up.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        up = subprocess.Popen(
            [VIGILMAR, "up", "--speed", "20", "--metrics-port", str(port)],
            stdout=stdout,
            stderr=stderr,
            cwd=tmp_path,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and "port_call" not in out.read_text():
                assert up.poll() is None, err.read_text()
                time.sleep(0.5)
            assert "port_call" in out.read_text(), err.read_text()
            children = children_of(up.pid)
            assert len(children) == 3, children  # broker, worker, feeder
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
                assert b"vigilmar_alerts_total" in page.read()
            up.send_signal(signal.SIGINT)
            assert up.wait(timeout=60) == 0
        finally:
            if up.poll() is None:
                up.kill()
    assert [pid for pid in children if running(pid)] == []
    messages = err.read_text()
    assert "alerts:  topic vigilmar.alerts" in messages
    assert messages.rstrip().endswith("stopped")
