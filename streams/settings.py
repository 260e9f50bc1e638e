"""Worker and feeder settings: one frozen object, read from the environment only here.

- `VIGILMAR_BROKER` (`localhost:9092`): Kafka bootstrap servers, comma-separated; `kafka://`
  optional.
- `VIGILMAR_ZONES`: extra zone packs, comma-separated paths; `VIGILMAR_DEFAULT_ZONES=0` drops
  the shipped pack.
- `VIGILMAR_CONFIG`: TOML file of detector thresholds, as `replay --config`.
- `VIGILMAR_APP_ID` (`vigilmar`): consumer group and prefix of the table's changelog topic.
- `VIGILMAR_TOPIC_RAW` (`ais.raw`), `VIGILMAR_TOPIC_REPORTS` (`ais.reports`),
  `VIGILMAR_TOPIC_ALERTS` (`vigilmar.alerts`), `VIGILMAR_TOPIC_DEADLETTER` (`ais.deadletter`),
  `VIGILMAR_TOPIC_ENCOUNTER_CELLS` (`vigilmar.encounter.cells`), `VIGILMAR_TOPIC_ENCOUNTER_PAIRS`
  (`vigilmar.encounter.pairs`): internal, slow movers by spatial cell and close pairs by pair;
  `VIGILMAR_TOPIC_VESSELS` (`vigilmar.vessels`, compacted): per-vessel risk summaries, kept
  from `VIGILMAR_TOPIC_VESSEL_ALERTS` (`vigilmar.vessels.alerts`, internal: alerts by vessel),
  as are the voyages, `VIGILMAR_TOPIC_VOYAGES` (`vigilmar.voyages`, compacted: by MMSI and
  departure).
- `VIGILMAR_PARTITIONS` (`4`), `VIGILMAR_REPLICATION` (`1`): for the topics the worker creates.
- `VIGILMAR_BATCH_SIZE` (`2000`), `VIGILMAR_BATCH_SECONDS` (`0.1`): events taken per batch and
  the longest wait for a full one.
- `VIGILMAR_FETCH_WAIT_MS` (`100`): how long the broker may hold a worker's fetch while there
  is nothing to read (faust's own 1500 ms makes every hop wait that long on Tansu, which does
  not answer a held fetch when data arrives; `streams/transport.py`).
- `VIGILMAR_IDLE_TICK_SECONDS` (`5`): how often an idle worker moves event time on by the clock.
- `VIGILMAR_WEB_HOST` (`127.0.0.1`), `VIGILMAR_WEB_PORT` (`6066`): faust's web server.
- `VIGILMAR_DATA_DIR` (`vigilmar-data`): faust's local directory.
- `VIGILMAR_METRICS_PORT` (`9464`), `VIGILMAR_METRICS_HOST` (`0.0.0.0`): Prometheus `/metrics`,
  `/healthz` and `/readyz` (a worker always serves them; the feeder when the port is set).
- `VIGILMAR_SECURITY_PROTOCOL` (`PLAINTEXT`; or `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`),
  `VIGILMAR_SSL_CAFILE`, `VIGILMAR_SSL_CERTFILE`, `VIGILMAR_SSL_KEYFILE`,
  `VIGILMAR_SASL_MECHANISM` (`PLAIN`), `VIGILMAR_SASL_USERNAME`, `VIGILMAR_SASL_PASSWORD`.
- `VIGILMAR_PRODUCER_MAX_BATCH_SIZE`: tests against Tansu set `1` (see KAFKA-TESTING.md).
- `VIGILMAR_SHARING`: sharing policy (TOML, as `replay --sharing`); each partner's view goes to
  `VIGILMAR_SHARE_PREFIX.<partner>` and the audit to `VIGILMAR_SHARE_PREFIX.audit`
  (`VIGILMAR_SHARE_PREFIX`: `vigilmar.share`). `VIGILMAR_LISTS`: partners' vessel lists (CSV,
  comma-separated paths, as `replay --lists`), read at start; `VIGILMAR_TOPIC_LISTS`
  (`vigilmar.lists`, compacted, keyed by list name): lists published while workers run
  (`vigilmar lists push`), read whole by every worker.
- `VIGILMAR_PORT_RISK`: ports to watch (CSV `port,risk,reason`, as `replay --port-risk`), read
  at start.
- `VIGILMAR_PROBE_SECONDS` (`2`): how often the worker checks that the broker answers
  (`vigilmar_ready` is 0 while it does not).
- `VIGILMAR_LOG_EVERY_SECONDS` (`10`): warnings and errors of one kind (a broker's connection
  errors) are logged at most once in this many seconds, with a count of those held back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """An environment variable with a value that cannot be used; the message names it."""


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


@dataclass(frozen=True, slots=True)
class Topics:
    raw: str = "ais.raw"
    reports: str = "ais.reports"
    alerts: str = "vigilmar.alerts"
    deadletter: str = "ais.deadletter"
    #: Slow movers re-keyed by spatial cell, and close pairs re-keyed by pair (encounters).
    encounter_cells: str = "vigilmar.encounter.cells"
    encounter_pairs: str = "vigilmar.encounter.pairs"
    #: Per-vessel risk summaries, compacted: the latest summary of each MMSI ...
    vessels: str = "vigilmar.vessels"
    #: ... kept from every alert re-keyed by each vessel it concerns (internal) ...
    vessel_alerts: str = "vigilmar.vessels.alerts"
    #: ... as are the voyages between port calls, compacted: keyed by MMSI and departure.
    voyages: str = "vigilmar.voyages"
    #: Partners' vessel lists (``vigilmar lists push``), compacted: keyed by list name.
    lists: str = "vigilmar.lists"


@dataclass(frozen=True, slots=True)
class Security:
    protocol: str = "PLAINTEXT"
    cafile: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    sasl_mechanism: str = "PLAIN"
    sasl_username: str | None = None
    sasl_password: str | None = None

    def __post_init__(self) -> None:
        if self.protocol not in SECURITY_PROTOCOLS:
            raise SettingsError(
                f"VIGILMAR_SECURITY_PROTOCOL={self.protocol!r}; "
                f"choose one of {', '.join(SECURITY_PROTOCOLS)}"
            )


@dataclass(frozen=True, slots=True)
class Settings:
    broker: str = "localhost:9092"
    zones: tuple[Path, ...] = ()
    default_zones: bool = True
    config: Path | None = None
    app_id: str = "vigilmar"
    topics: Topics = field(default_factory=Topics)
    partitions: int = 4
    replication: int = 1
    batch_size: int = 2000
    batch_seconds: float = 0.1
    fetch_wait_ms: int = 100
    idle_tick_seconds: float = 5.0
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    data_dir: Path = Path("vigilmar-data")
    metrics_host: str = "0.0.0.0"
    metrics_port: int = 9464
    metrics_port_set: bool = False  # given explicitly (the feeder serves metrics only then)
    security: Security = field(default_factory=Security)
    producer_max_batch_size: int | None = None
    # Group timeouts: Kafka's defaults make a join take 30-60 s; these keep takeover quick.
    rebalance_timeout: float = 5.0
    session_timeout: float = 6.0
    heartbeat_interval: float = 1.0
    #: Sharing with partner centres (``streams.sharing_stage``).
    sharing: Path | None = None
    share_prefix: str = "vigilmar.share"
    lists: tuple[Path, ...] = ()
    #: Ports to watch (``models.port_risk``, as ``replay --port-risk``).
    port_risk: Path | None = None
    #: Seconds between two readiness probes of the broker (and the most one may take).
    probe_seconds: float = 2.0
    #: Seconds between two warnings of one kind in the log (``streams.logs.RateLimit``).
    log_every_seconds: float = 10.0

    @property
    def bootstrap(self) -> str:
        """Bootstrap servers as aiokafka wants them (no ``kafka://``)."""
        return ",".join(
            server.strip().removeprefix("kafka://") for server in self.broker.split(",")
        )

    @property
    def broker_url(self) -> str:
        """Bootstrap servers as faust wants them."""
        return ";".join(f"kafka://{server}" for server in self.bootstrap.split(","))


def suffixed_topics(suffix: str) -> dict[str, str]:
    """``VIGILMAR_TOPIC_*`` variables naming every topic with ``.suffix``: for stacks that share
    one broker (tests, benchmarks) and must not read each other's messages."""
    return {
        f"VIGILMAR_TOPIC_{name.upper()}": f"{default}.{suffix}"
        for name, default in asdict(Topics()).items()
    }


def settings_from_env(environ: Mapping[str, str]) -> Settings:
    """Settings from ``environ`` (normally ``os.environ``); unset variables keep their default."""

    def get(name: str) -> str | None:
        value = environ.get(f"VIGILMAR_{name}")
        return value if value not in (None, "") else None

    def number(name: str, kind: type[int] | type[float], default: float) -> float:
        value = get(name)
        if value is None:
            return default
        try:
            return kind(value)
        except ValueError:
            raise SettingsError(f"VIGILMAR_{name}={value!r} is not a {kind.__name__}") from None

    defaults = Settings()
    topics = Topics(
        raw=get("TOPIC_RAW") or defaults.topics.raw,
        reports=get("TOPIC_REPORTS") or defaults.topics.reports,
        alerts=get("TOPIC_ALERTS") or defaults.topics.alerts,
        deadletter=get("TOPIC_DEADLETTER") or defaults.topics.deadletter,
        encounter_cells=get("TOPIC_ENCOUNTER_CELLS") or defaults.topics.encounter_cells,
        encounter_pairs=get("TOPIC_ENCOUNTER_PAIRS") or defaults.topics.encounter_pairs,
        vessels=get("TOPIC_VESSELS") or defaults.topics.vessels,
        voyages=get("TOPIC_VOYAGES") or defaults.topics.voyages,
        vessel_alerts=get("TOPIC_VESSEL_ALERTS") or defaults.topics.vessel_alerts,
        lists=get("TOPIC_LISTS") or defaults.topics.lists,
    )
    security = Security(
        protocol=(get("SECURITY_PROTOCOL") or "PLAINTEXT").upper(),
        cafile=_path(get("SSL_CAFILE")),
        certfile=_path(get("SSL_CERTFILE")),
        keyfile=_path(get("SSL_KEYFILE")),
        sasl_mechanism=get("SASL_MECHANISM") or "PLAIN",
        sasl_username=get("SASL_USERNAME"),
        sasl_password=get("SASL_PASSWORD"),
    )
    default_zones = get("DEFAULT_ZONES")
    if default_zones not in (None, "0", "1"):
        raise SettingsError(f"VIGILMAR_DEFAULT_ZONES={default_zones!r}; use 0 or 1")
    batch_limit = get("PRODUCER_MAX_BATCH_SIZE")
    fetch_wait_ms = int(number("FETCH_WAIT_MS", int, defaults.fetch_wait_ms))
    if not 1 <= fetch_wait_ms <= 60_000:
        raise SettingsError(f"VIGILMAR_FETCH_WAIT_MS={fetch_wait_ms}; use 1 to 60000 (ms)")
    return Settings(
        broker=get("BROKER") or defaults.broker,
        zones=tuple(Path(p.strip()) for p in (get("ZONES") or "").split(",") if p.strip()),
        default_zones=default_zones != "0",
        config=_path(get("CONFIG")),
        app_id=get("APP_ID") or defaults.app_id,
        topics=topics,
        partitions=int(number("PARTITIONS", int, defaults.partitions)),
        replication=int(number("REPLICATION", int, defaults.replication)),
        batch_size=int(number("BATCH_SIZE", int, defaults.batch_size)),
        batch_seconds=number("BATCH_SECONDS", float, defaults.batch_seconds),
        fetch_wait_ms=fetch_wait_ms,
        idle_tick_seconds=number("IDLE_TICK_SECONDS", float, defaults.idle_tick_seconds),
        web_host=get("WEB_HOST") or defaults.web_host,
        web_port=int(number("WEB_PORT", int, defaults.web_port)),
        data_dir=_path(get("DATA_DIR")) or defaults.data_dir,
        metrics_host=get("METRICS_HOST") or defaults.metrics_host,
        metrics_port=int(number("METRICS_PORT", int, defaults.metrics_port)),
        metrics_port_set=get("METRICS_PORT") is not None,
        security=security,
        producer_max_batch_size=None if batch_limit is None else int(batch_limit),
        sharing=_path(get("SHARING")),
        share_prefix=get("SHARE_PREFIX") or defaults.share_prefix,
        lists=_paths(get("LISTS")),
        port_risk=_path(get("PORT_RISK")),
        probe_seconds=number("PROBE_SECONDS", float, defaults.probe_seconds),
        log_every_seconds=number("LOG_EVERY_SECONDS", float, defaults.log_every_seconds),
    )


def _path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _paths(value: str | None) -> tuple[Path, ...]:
    return tuple(Path(p.strip()) for p in (value or "").split(",") if p.strip())
