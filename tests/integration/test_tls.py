"""TLS to the broker, for real: Tansu behind Debian's stunnel4 with a certificate made here.

Tansu 0.6 cannot serve TLS itself (KAFKA-TESTING.md), so stunnel listens with a test CA's
certificate and forwards to Tansu's plaintext port, which advertises the stunnel port. The
feeder, a worker and a plain aiokafka client use the `VIGILMAR_SECURITY_PROTOCOL` and
`VIGILMAR_SSL_*` settings: with the right CA they work; with another CA, or in plaintext to the
TLS port, they stop at start with a message that says so (no traceback).

SASL/SCRAM cannot be shown working on Tansu (`tansu user create` fails against a broker with
`--authentication`), so the last test only checks that the `VIGILMAR_SASL_*` settings reach
the aiokafka and faust clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from streams.broker import free_port, tansu_binary
from streams.kafka import client_options
from streams.settings import Security, settings_from_env, suffixed_topics
from streams.wire import unpack_lines
from tests.integration.conftest import READY, VIGILMAR
from tests.nmea_tracks import pyseas_as_nmea

pytestmark = pytest.mark.integration

STUNNEL = shutil.which("stunnel4") or shutil.which("stunnel")
OPENSSL = shutil.which("openssl")
SAMPLE = Path(__file__).resolve().parents[2] / "replay" / "samples"
NMEA = SAMPLE / "2022-11-10-worldwide.gfw-ais-listener.nmea"
needs_tools = pytest.mark.skipif(
    STUNNEL is None or OPENSSL is None,
    reason="needs stunnel4 and openssl (apt-get install stunnel4)",
)


@dataclass(frozen=True)
class Certificates:
    ca: Path
    other_ca: Path  # a CA that did not sign the broker's certificate
    cert: Path
    key: Path


@dataclass(frozen=True)
class TlsBroker:
    tls: str  # host:port of the TLS listener (stunnel)
    plain: str  # host:port of Tansu's own plaintext listener
    certs: Certificates


def openssl(*args: str | Path) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *map(str, args)], check=True, capture_output=True)


def make_certificates(directory: Path) -> Certificates:
    """A CA, a certificate it signs for 127.0.0.1/localhost, and an unrelated CA."""
    for name in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-keyout", directory / f"{name}.key", "-out", directory / f"{name}.pem",
                "-subj", f"/CN=Vigilmar test {name}")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", directory / "broker.key", "-out", directory / "broker.csr")  # fmt: skip
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", directory / "broker.csr", "-days", "2",
            "-CA", directory / "ca.pem", "-CAkey", directory / "ca.key", "-CAcreateserial",
            "-extfile", directory / "san.ext", "-out", directory / "broker.pem")  # fmt: skip
    return Certificates(
        directory / "ca.pem",
        directory / "other-ca.pem",
        directory / "broker.pem",
        directory / "broker.key",
    )


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 15
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited at start:\n{log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"not listening on {port} after {timeout} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsBroker]:
    if STUNNEL is None or OPENSSL is None:
        pytest.skip("needs stunnel4 and openssl (apt-get install stunnel4)")
    directory = tmp_path_factory.mktemp("tls")
    certs = make_certificates(directory)
    plain, tls = free_port(), free_port()
    tansu_log, stunnel_log = directory / "tansu.log", directory / "stunnel.log"
    tansu = subprocess.Popen(
        [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            f"tcp://127.0.0.1:{plain}",
            "--advertised-listener-url",
            f"tcp://127.0.0.1:{tls}",
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=tansu_log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    config = directory / "stunnel.conf"
    config.write_text(
        f"foreground = yes\npid =\n[kafka]\naccept = 127.0.0.1:{tls}\n"
        f"connect = 127.0.0.1:{plain}\ncert = {certs.cert}\nkey = {certs.key}\n"
    )
    tunnel = subprocess.Popen(
        [STUNNEL, str(config)],
        stdout=stunnel_log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(plain, tansu, tansu_log)
        wait_for_port(tls, tunnel, stunnel_log)
        yield TlsBroker(f"127.0.0.1:{tls}", f"127.0.0.1:{plain}", certs)
    finally:
        stop(tunnel)
        stop(tansu)


def environment(broker: TlsBroker, tmp_path: Path, **overrides: str) -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    config = tmp_path / "vigilmar.toml"
    config.write_text("[tracking]\nlateness_seconds = 5\n")
    return {
        **os.environ,
        "VIGILMAR_BROKER": broker.tls,
        "VIGILMAR_SECURITY_PROTOCOL": "SSL",
        "VIGILMAR_SSL_CAFILE": str(broker.certs.ca),
        "VIGILMAR_APP_ID": f"vigilmar-{run}",
        **suffixed_topics(run),
        "VIGILMAR_PRODUCER_MAX_BATCH_SIZE": "1",
        "VIGILMAR_IDLE_TICK_SECONDS": "1",
        "VIGILMAR_BATCH_SECONDS": "0.2",
        "VIGILMAR_CONFIG": str(config),
        "VIGILMAR_WEB_PORT": str(free_port()),
        "VIGILMAR_METRICS_PORT": str(free_port()),
        "VIGILMAR_METRICS_HOST": "127.0.0.1",
        "VIGILMAR_DATA_DIR": str(tmp_path / "data"),
        **overrides,
    }


def vigilmar(
    env: dict[str, str], *args: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    if args[0] != "worker":  # the feeder serves metrics only when asked; the worker has the port
        env = {k: v for k, v in env.items() if k != "VIGILMAR_METRICS_PORT"}
    return subprocess.run(
        [VIGILMAR, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


async def read_over_tls(
    bootstrap: str,
    topic: str,
    security: Security,
    done: Callable[[list[bytes]], bool],
    timeout: float = 90,
) -> list[bytes]:
    """The topic's values from the start, until ``done(values)`` or ``timeout`` s."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        **client_options(security),
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + timeout
        while not done(values) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            values.extend(m.value for msgs in batch.values() for m in msgs)
    finally:
        await consumer.stop()
    return values


@needs_tools
def test_the_feeder_and_a_client_work_over_tls_with_the_right_ca(
    tls_broker: TlsBroker, tmp_path: Path
) -> None:
    env = environment(tls_broker, tmp_path)
    done = vigilmar(env, "feed", str(NMEA))
    assert done.returncode == 0, done.stderr
    lines = sum(1 for line in NMEA.read_bytes().splitlines() if line.strip())
    assert f"{lines:,} sent" in done.stderr
    settings = settings_from_env(env)
    records = asyncio.run(
        read_over_tls(
            tls_broker.tls,
            settings.topics.raw,
            settings.security,
            lambda v: len(raw_lines(v)) >= lines,
        )
    )
    raw = raw_lines(records)
    assert len(raw) == lines
    assert set(raw) == {
        line.rstrip(b"\r\n") for line in NMEA.read_bytes().splitlines() if line.strip()
    }


@needs_tools
@pytest.mark.parametrize("command", ["feed", "worker"])
def test_a_wrong_ca_fails_at_start_with_a_clear_message(
    tls_broker: TlsBroker, tmp_path: Path, command: str
) -> None:
    env = environment(tls_broker, tmp_path, VIGILMAR_SSL_CAFILE=str(tls_broker.certs.other_ca))
    done = vigilmar(env, command, *([str(NMEA)] if command == "feed" else []))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (
        f"vigilmar {command}: error: cannot reach Kafka at {tls_broker.tls} (VIGILMAR_BROKER, "
        "VIGILMAR_SECURITY_PROTOCOL=SSL): the broker's TLS certificate is not trusted"
    ) in done.stderr
    assert f"VIGILMAR_SSL_CAFILE ({tls_broker.certs.other_ca}) must hold the CA" in done.stderr


@needs_tools
def test_plaintext_to_the_tls_port_fails_clearly(tls_broker: TlsBroker, tmp_path: Path) -> None:
    env = environment(tls_broker, tmp_path, VIGILMAR_SECURITY_PROTOCOL="PLAINTEXT")
    done = vigilmar(env, "feed", str(NMEA))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "the port speaks TLS; set VIGILMAR_SECURITY_PROTOCOL=SSL" in done.stderr


@needs_tools
def test_tls_to_a_plaintext_port_fails_clearly(tls_broker: TlsBroker, tmp_path: Path) -> None:
    env = environment(tls_broker, tmp_path, VIGILMAR_BROKER=tls_broker.plain)
    done = vigilmar(env, "feed", str(NMEA))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "no TLS answer" in done.stderr
    assert "is this a plaintext listener?" in done.stderr


@needs_tools
def test_a_missing_ca_file_is_named(tls_broker: TlsBroker, tmp_path: Path) -> None:
    env = environment(tls_broker, tmp_path, VIGILMAR_SSL_CAFILE=str(tmp_path / "none.pem"))
    done = vigilmar(env, "feed", str(NMEA))
    assert done.returncode == 2
    assert f"VIGILMAR_SSL_CAFILE={tmp_path / 'none.pem'}: cannot read it" in done.stderr
    assert "Traceback" not in done.stderr


@needs_tools
def test_a_worker_over_tls_publishes_alerts(tls_broker: TlsBroker, tmp_path: Path) -> None:
    env = environment(tls_broker, tmp_path)
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [VIGILMAR, "worker", "--loglevel", "info"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while READY not in log.read_bytes():
            assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        tracks = tmp_path / "north-pacific.nmea"
        pyseas_as_nmea(tracks)
        expected = vigilmar(env, "replay", str(tracks), "--config", env["VIGILMAR_CONFIG"])
        assert expected.returncode == 0, expected.stderr
        wanted = {
            (a["alert_id"], a["status"]) for a in map(json.loads, expected.stdout.splitlines())
        }
        assert wanted
        fed = vigilmar(env, "feed", str(tracks))
        assert fed.returncode == 0, fed.stderr
        settings = settings_from_env(env)

        def keys(values: list[bytes]) -> set[tuple[str, str]]:
            return {(a["alert_id"], a["status"]) for a in map(json.loads, values)}

        got = asyncio.run(
            read_over_tls(
                tls_broker.tls,
                settings.topics.alerts,
                settings.security,
                lambda values: wanted <= keys(values),
                timeout=240,
            )
        )
        streamed = keys(got)
        assert wanted <= streamed, log.read_text(errors="replace")[-3000:]
    finally:
        stop(worker)


def test_sasl_settings_reach_the_kafka_clients(tmp_path: Path) -> None:
    """What can be checked without a broker that speaks SCRAM: the settings become aiokafka's
    and faust's client options."""
    from faust.types.auth import SASLMechanism

    from streams.app import _faust_options

    (tmp_path / "ca.pem").write_text("")  # never loaded: SASL_PLAINTEXT has no TLS
    env = {
        "VIGILMAR_SECURITY_PROTOCOL": "sasl_plaintext",
        "VIGILMAR_SASL_MECHANISM": "SCRAM-SHA-512",
        "VIGILMAR_SASL_USERNAME": "centre-a",
        "VIGILMAR_SASL_PASSWORD": "s3cret",
    }
    settings = settings_from_env(env)
    options = client_options(settings.security)
    assert options == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "centre-a",
        "sasl_plain_password": "s3cret",
    }
    credentials = _faust_options(settings)["broker_credentials"]
    assert credentials.username == "centre-a"
    assert credentials.password == "s3cret"
    assert credentials.mechanism is SASLMechanism.SCRAM_SHA_512
    assert credentials.protocol.name == "SASL_PLAINTEXT"


def raw_lines(values: list[bytes]) -> list[bytes]:
    """The lines of raw records, packs opened (the feeder packs a source's lines)."""
    found: list[bytes] = []
    for value in values:
        packed = unpack_lines(value)
        found.extend([value] if packed is None else [line for _, line in packed])
    return found
