"""Prometheus metrics: names, values, the HTTP endpoints and `promtool check metrics`."""

from __future__ import annotations

import io
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from metrics.telemetry import MetricsServer, Telemetry
from models.config import Config
from models.engine import Engine
from replay.cli import main
from replay.readers import Reader
from replay.runner import ReplayRunner
from replay.sinks import JsonLinesSink
from zones.catalogue import load_catalogue

SAMPLES = Path(__file__).resolve().parents[2] / "replay" / "samples"


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def sample_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample, labels in any order."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    raise AssertionError(f"{name}{labels} not in the exposition")


@pytest.fixture(scope="module")
def replayed() -> tuple[Telemetry, object]:
    telemetry = Telemetry()
    runner = ReplayRunner(
        Engine(Config(), load_catalogue()), JsonLinesSink(io.StringIO()), telemetry=telemetry
    )
    summary = runner.run(iter(Reader([SAMPLES], sort_records=True)))
    return telemetry, summary


def test_metrics_agree_with_the_replay_summary(replayed: tuple[Telemetry, object]) -> None:
    telemetry, summary = replayed
    text = telemetry.exposition().decode()
    decoded = sample_value(text, "vigilmar_messages_total", stage="decode", outcome="decoded")
    failed = sample_value(text, "vigilmar_messages_total", stage="decode", outcome="failed")
    assert decoded == summary.decoded_total  # type: ignore[attr-defined]
    assert failed == summary.failed_total  # type: ignore[attr-defined]
    reasons = summary.failed  # type: ignore[attr-defined]
    for reason, count in reasons.items():
        assert sample_value(text, "vigilmar_decode_failures_total", reason=reason) == count
    alerts = sum(summary.alerts.values())  # type: ignore[attr-defined]
    published = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("vigilmar_alerts_total{")
    )
    assert published == alerts
    assert sample_value(text, "vigilmar_vessels_tracked") == summary.vessels  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian prometheus) absent")
def test_promtool_accepts_the_exposition(replayed: tuple[Telemetry, object]) -> None:
    telemetry, _ = replayed
    result = subprocess.run(
        ["promtool", "check", "metrics"],
        input=telemetry.exposition(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_the_server_answers_metrics_health_and_readiness() -> None:
    telemetry = Telemetry()
    server = MetricsServer(telemetry, 0, "127.0.0.1").start()
    try:
        status, body = get(server.port, "/metrics")
        assert status == 200
        assert "vigilmar_up 1.0" in body
        assert get(server.port, "/healthz")[0] == 200
        assert get(server.port, "/readyz")[0] == 503
        telemetry.set_ready(True)
        assert get(server.port, "/readyz")[0] == 200
        assert get(server.port, "/nope")[0] == 404
    finally:
        server.stop()


def test_replay_serves_metrics_while_it_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from streams.broker import free_port

    port = free_port()
    assert main(["replay", str(SAMPLES), "--metrics-port", str(port), "--out", "/dev/null"]) == 0
    assert f"metrics on http://127.0.0.1:{port}/metrics" in capsys.readouterr().err
