"""The faust app factory: topics, tables, agents, timers and rebalance handlers, declared.

Nothing is created at import time: ``create_app(settings)`` builds everything and reads as the
worker's declarations: which topic feeds which agent, which table backs which stage, which timer
runs how often. The bodies are thin async wrappers (``streams.agents``) that only convert Kafka
events for the faust-free stages (``streams.worker_state``) and send what comes back:

    ais.raw  --decode-->  ais.reports (by MMSI, packed)  --track-->  vigilmar.alerts (key: MMSI)
                  \\------------------------------------\\----->  ais.deadletter
                                                        \\--> vigilmar.encounter.cells
    vigilmar.encounter.cells (by cell, packed) --encounter-cells--> vigilmar.encounter.pairs
    vigilmar.encounter.pairs (key: pair) --encounter-pairs--> vigilmar.alerts
    vigilmar.lists (key: list name) --lists (every worker, whole topic)--> the sharing stage
    every alert, keyed by each vessel it concerns --> vigilmar.vessels.alerts
    vigilmar.vessels.alerts (key: MMSI) --vessel-risk--> vigilmar.vessels (key: MMSI)
                                                    \\--> vigilmar.voyages (key: MMSI:departure)

Per-vessel state lives in the changelog-backed table ``vessels`` (co-partitioned with
``ais.reports`` by MMSI), written once per vessel per batch, so a worker that takes over a
partition resumes where the last one stopped. Delivery is at least once: after a crash some
alerts come again, with the same ``alert_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import faust

from metrics.telemetry import Telemetry
from models.config import Config, load_config
from models.engine import Engine
from models.port_risk import PortRiskError, load_port_risks
from streams.agents import WorkerAgents
from streams.kafka import client_options, partition_of
from streams.lists_agent import ListsReader
from streams.outbox import Outbox, WorkerTopics
from streams.settings import Settings
from streams.sharing_stage import sharing_stage
from streams.tables import DurableTable
from streams.transport import Transport
from streams.worker_state import WorkerStages
from zones.catalogue import load_catalogue
from zones.index import ZoneIndex


def create_app(
    settings: Settings,
    config: Config | None = None,
    zones: ZoneIndex | None = None,
    telemetry: Telemetry | None = None,
) -> faust.App:
    """A faust app wired to the engine. ``config``/``zones`` default to what ``settings`` names;
    metrics go to ``telemetry`` (the worker serves it on ``settings.metrics_port``)."""
    telemetry = telemetry or Telemetry()
    zones = _zones(settings, zones)
    risks = None
    if settings.port_risk is not None:
        try:
            risks = load_port_risks(settings.port_risk, [zone.id for zone in zones.zones])
        except PortRiskError as err:
            raise PortRiskError(f"VIGILMAR_PORT_RISK: {err}") from err
    engine = Engine(_config(settings, config), zones, port_risks=risks)
    app = faust.App(settings.app_id, **_faust_options(settings))
    # Before the first topic asks for it: the transport with the fetch wait of the settings.
    app.transport = Transport(app.conf.broker_consumer, app, fetch_wait_ms=settings.fetch_wait_ms)
    names, partitions, tick = settings.topics, settings.partitions, settings.idle_tick_seconds
    topic = partial(_topic, app)
    topics = WorkerTopics(
        raw=topic(names.raw),
        reports=topic(names.reports),
        alerts=topic(names.alerts),
        deadletter=topic(names.deadletter),
        cells=topic(names.encounter_cells),
        pairs=topic(names.encounter_pairs),
        vessel_alerts=topic(names.vessel_alerts),
        vessels=topic(names.vessels),
        voyages=topic(names.voyages),
    )
    # Per-vessel state (keys of ais.reports); per-vessel risk (keys of the alerts re-keyed by
    # vessel); encounter state per cell and per pair (keys of the encounter topics).
    table = partial(_keyed_table, app, partitions)
    vessels_table, risk_table = table("vessels"), table("vessel-risk")
    cells_table, pairs_table = table("encounter-cells"), table("encounter-pairs")
    stages = WorkerStages.build(
        engine, vessels_table, risk_table, partitions, tick, voyages=table("voyages")
    )
    sharing = _sharing(settings, topic)
    worker = WorkerAgents(
        app,
        settings,
        stages,
        Outbox(topics, partitions, telemetry, **sharing),
        (cells_table, pairs_table),
        partial(partition_of, partitions=partitions),
        telemetry,
    )

    agents = (
        app.agent(topics.raw, name="decode")(worker.decode),
        app.agent(topics.reports, name="track")(worker.track),
        app.agent(topics.cells, name="encounter-cells")(worker.encounter_cells),
        app.agent(topics.pairs, name="encounter-pairs")(worker.encounter_pairs),
        app.agent(topics.vessel_alerts, name="vessel-risk")(worker.vessel_risk),
    )
    # Partners' lists: every worker reads the whole lists topic into its sharing stage.
    lists = ListsReader(settings, sharing["sharing"], partial(_dead_letter, topics.deadletter))
    app.task(lists.run)
    app.timer(interval=tick, name="idle")(worker.idle)
    app.timer(interval=tick, name="raw-progress")(worker.raw_progress)
    app.timer(interval=1.0, name="heartbeat")(worker.heartbeat)
    app.timer(interval=settings.probe_seconds, name="broker-check")(worker.broker_check)
    app.timer(interval=5.0, name="encounter-clocks")(worker.encounter_clocks)
    app.timer(interval=5.0, name="lag")(worker.lag)
    vessels_table.on_recover(worker.vessels_recovered)
    cells_table.on_recover(worker.cells_recovered)
    pairs_table.on_recover(worker.pairs_recovered)
    app.on_partitions_revoked.connect(worker.revoked)
    app.on_partitions_assigned.connect(worker.assigned)

    app.vigilmar = {  # type: ignore[attr-defined]
        "engine": engine,
        "store": stages.store,
        "decode": stages.decode,
        "track": stages.track,
        "agents": agents,
        "encounters": (stages.cells, stages.pairs),
        "telemetry": telemetry,
    }
    return app


def _config(settings: Settings, config: Config | None) -> Config:
    if config is not None:
        return config
    return load_config(settings.config) if settings.config else Config()


def _zones(settings: Settings, zones: ZoneIndex | None) -> ZoneIndex:
    if zones is not None:
        return zones
    return load_catalogue(settings.zones, include_default=settings.default_zones)


def _sharing(settings: Settings, topic: Callable[[str], Any]) -> dict[str, Any]:
    """The sharing stage (``VIGILMAR_SHARING``, ``VIGILMAR_LISTS``) and its topics by name, as
    the outbox's keyword arguments."""
    stage = sharing_stage(settings)
    topics = {} if stage is None else {name: topic(name) for name in stage.topics}
    return {"sharing": stage, "share_topics": topics}


async def _dead_letter(topic: Any, key: bytes, value: bytes) -> None:
    await topic.send(key=key, value=value)


def _topic(app: faust.App, name: str) -> Any:
    """A topic of raw bytes: keys and values are encoded by the outbox."""
    return app.topic(
        name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


def _keyed_table(app: faust.App, partitions: int, name: str) -> Any:
    """A changelog-backed table co-partitioned with a topic: raw keys, the same bytes as the
    topic's, so the partitioner puts each key's state on the partition its messages arrive on,
    and a worker taking a partition over resumes it."""
    return app.Table(
        name,
        default=None,
        key_type=bytes,
        partitions=partitions,
        use_partitioner=True,
    )


def _faust_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "broker": settings.broker_url,
        "store": "memory://",
        "datadir": str(settings.data_dir),
        "autodiscover": False,
        "topic_partitions": settings.partitions,
        "topic_replication_factor": settings.replication,
        "processing_guarantee": "at_least_once",
        "consumer_auto_offset_reset": "earliest",
        "broker_session_timeout": settings.session_timeout,
        "broker_heartbeat_interval": settings.heartbeat_interval,
        "broker_rebalance_timeout": settings.rebalance_timeout,
        "table_standby_replicas": 0,
        "web_host": settings.web_host,
        "web_port": settings.web_port,
        "web_bind": settings.web_host,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "Table": DurableTable,  # changelog writes awaited per batch (streams/tables.py)
    }
    if settings.producer_max_batch_size is not None:
        options["producer_max_batch_size"] = settings.producer_max_batch_size
    security = client_options(settings.security)
    if "ssl_context" in security or security["security_protocol"] != "PLAINTEXT":
        options["broker_credentials"] = _credentials(settings, security)
    return options


def _credentials(settings: Settings, security: dict[str, Any]) -> Any:
    sec = settings.security
    if sec.protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=sec.sasl_username,
            password=sec.sasl_password,
            mechanism=sec.sasl_mechanism,
            ssl_context=security.get("ssl_context"),
        )
    return faust.SSLCredentials(security["ssl_context"])
