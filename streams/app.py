"""The faust app factory: topics, the vessel table, two agents and an idle timer.

Nothing is created at import time: ``create_app(settings)`` builds everything. The agents only
convert Kafka events for ``streams.stages`` and send what comes back:

    ais.raw  --decode-->  ais.reports (key: MMSI)  --track-->  vigilmar.alerts (key: MMSI)
                  \\------------------------------------\\----->  ais.deadletter
                                                        \\--> vigilmar.encounter.cells
    vigilmar.encounter.cells (key: cell) --encounter-cells--> vigilmar.encounter.pairs
    vigilmar.encounter.pairs (key: pair) --encounter-pairs--> vigilmar.alerts

Per-vessel state lives in the changelog-backed table ``vessels`` (co-partitioned with
``ais.reports`` by MMSI), written once per vessel per batch, so a worker that takes over a
partition resumes where the last one stopped. Delivery is at least once: after a crash some
alerts come again, with the same ``alert_id``.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.types import TP

from metrics.telemetry import Telemetry
from models.alerts import Alert
from models.config import Config, load_config
from models.encounter import Mover
from models.encounter.pipeline import EncounterStats
from models.engine import Engine
from models.monitor import Step
from models.records import Failure, Outcome
from models.serialise import alert_from_dict, failure_to_dict, record_to_wire
from models.vessel_risk import VesselRisk
from streams.coverage_stages import CoverageAnnouncer, is_announcement
from streams.encounter_stages import CellAgentStage, PairAgentStage, route, watermark_message
from streams.kafka import client_options
from streams.settings import Settings
from streams.stages import DecodeStage, RawProgress, RawRecord, TrackStage
from streams.state import VesselStore
from zones.catalogue import load_catalogue
from zones.index import ZoneIndex

log = logging.getLogger("vigilmar.worker")


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def create_app(
    settings: Settings,
    config: Config | None = None,
    zones: ZoneIndex | None = None,
    telemetry: Telemetry | None = None,
) -> faust.App:
    """A faust app wired to the engine. ``config``/``zones`` default to what ``settings`` names;
    metrics go to ``telemetry`` (the worker serves it on ``settings.metrics_port``)."""
    telemetry = telemetry or Telemetry()
    if config is None:
        config = load_config(settings.config) if settings.config else Config()
    if zones is None:
        zones = load_catalogue(settings.zones, include_default=settings.default_zones)
    engine = Engine(config, zones)
    app = faust.App(settings.app_id, **_faust_options(settings))
    names = settings.topics

    def topic(name: str) -> Any:
        return app.topic(
            name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
        )

    raw, reports, alerts_topic, deadletter, cells, pairs = (
        topic(names.raw),
        topic(names.reports),
        topic(names.alerts),
        topic(names.deadletter),
        topic(names.encounter_cells),
        topic(names.encounter_pairs),
    )
    vessel_alerts, vessels_topic = topic(names.vessel_alerts), topic(names.vessels)

    def keyed_table(name: str) -> Any:
        """A changelog-backed table co-partitioned with a topic: raw keys, the same bytes as
        the topic's, so the partitioner puts each key's state on the partition its messages
        arrive on, and a worker taking a partition over resumes it."""
        return app.Table(
            name,
            default=None,
            key_type=bytes,
            partitions=settings.partitions,
            use_partitioner=True,
        )

    # Per-vessel state (keys of ais.reports); per-vessel risk (``models.vessel_risk``, keys of
    # the alerts re-keyed by vessel); encounter state per cell and per pair (keys of the
    # encounter topics).
    table = keyed_table("vessels")
    risk_table = keyed_table("vessel-risk")
    cells_table, pairs_table = keyed_table("encounter-cells"), keyed_table("encounter-pairs")
    decode_stage = DecodeStage(engine)
    coverage_announcer = CoverageAnnouncer(config)  # who the decoder heard, for every worker
    store = VesselStore(table, engine)
    track_stage = TrackStage(engine, store)
    # Encounters: every cells partition hears the watermark of every reports partition, every
    # pairs partition that of every cells partition (all topics have ``settings.partitions``).
    cell_stage = CellAgentStage(config, settings.partitions)
    pair_stage = PairAgentStage(config, settings.partitions)
    announced = {"track": float("-inf")}
    raw_done: dict[int, int] = {}  # the offset of the last line decoded, per raw partition
    progress_seen: dict[int, RawProgress] = {}  # the last progress sent, per raw partition
    progress_sent = {"at": float("-inf")}
    # Wall clock at the end of each agent's last batch, and whether one is in a batch now.
    last_input = {"decode": time.monotonic(), "track": time.monotonic()}
    busy = {"decode": False, "track": False}
    inputs = {names.raw, names.reports}

    async def caught_up() -> bool:
        """This worker has read its raw and report partitions to their ends, and everything its
        decode agent produced is on the broker (so no report of its own is still on the way)."""
        if any(busy.values()):
            return False
        await app.producer.flush()
        consumer = app.consumer
        partitions = [tp for tp in consumer.assignment() if tp.topic in inputs]
        if not partitions:
            return False
        ends = await consumer.highwaters(*partitions)
        for tp in partitions:
            position = await consumer.position(tp)
            end = ends.get(tp)
            if position is None or end is None or position < end:
                return False
        return True

    async def send_alerts(alerts: list[Alert], reported: float | None = None) -> None:
        for alert in alerts:
            value = dumps(alert.to_dict())
            await alerts_topic.send(key=str(alert.mmsi).encode(), value=value)
            for mmsi in (alert.mmsi, alert.other_mmsi):
                if mmsi is not None:
                    await vessel_alerts.send(key=str(mmsi).encode(), value=value)
        telemetry.published(alerts)
        if reported is not None:
            now = time.time()
            for _ in alerts:
                telemetry.alert_latency.observe(max(0.0, now - reported))

    async def send_failures(failures: list[Failure]) -> None:
        for failure in failures:
            await deadletter.send(
                key=failure.source.encode(), value=dumps(failure_to_dict(failure))
            )
            telemetry.deadletter.labels(failure.reason.value).inc()

    async def broadcast(target: Any, source: int, watermark: float) -> None:
        """Tell every partition of ``target`` how far ``source`` has got in event time."""
        value = dumps(watermark_message(source, watermark))
        for partition in range(settings.partitions):
            await target.send(key=b"wm", value=value, partition=partition)

    async def send_movers(movers: list[Mover]) -> None:
        """Slow movers the monitor released go to their cells; then, if it moved, its
        watermark to every cells partition, for each reports partition of this worker. ``send``
        keeps them in order on each partition: a watermark never overtakes a mover."""
        if not config.encounter.enabled:
            return
        for key, wire in route(movers, config):
            await cells.send(key=key, value=dumps(wire))
        watermark = track_stage.monitor.watermark
        if watermark <= announced["track"]:
            return
        announced["track"] = watermark
        for source in assigned(names.reports):
            await broadcast(cells, source, watermark)

    def assigned(topic_name: str) -> list[int]:
        return sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == topic_name)

    async def send_progress(partitions: list[int], periodic: bool = False) -> None:
        """After the reports decoded from them, tell every reports partition how far this worker
        has read these raw partitions (see ``TrackStage.drained``). ``periodic``: only what
        changed, and everything again now and then (for a worker that takes a partition over)."""
        consumer = app.consumer
        now = time.monotonic()
        again = now - progress_sent["at"] >= 10 * settings.idle_tick_seconds
        if periodic and again:
            progress_sent["at"] = now
        for raw_partition in partitions:
            # Read to the end: the last line decoded is the last there is (the highwater from
            # fetch responses; the consumer's position may be ahead of what was decoded).
            highwater = consumer.highwater(TP(names.raw, raw_partition))
            done = raw_done.get(raw_partition, -1) + 1
            caught_up = highwater is not None and highwater >= 0 and done >= highwater
            progress = RawProgress(raw_partition, caught_up, decode_stage.latest.get(raw_partition))
            if periodic and not again and progress_seen.get(raw_partition) == progress:
                continue
            progress_seen[raw_partition] = progress
            value = dumps(progress.to_wire())
            for partition in range(settings.partitions):
                reports.send_soon(key=b"raw", value=value, partition=partition)

    def store_changes(table: Any, changes: list[tuple[bytes, Any]]) -> None:
        for key, state in changes:
            if state is None:
                table.pop(key, None)
            else:
                table[key] = state

    def restore_encounters(table: Any, stage: Any, topic_name: str) -> int:
        """Take the table's cells or pairs of this worker's partitions back into ``stage``."""
        mine = set(assigned(topic_name))
        restored = 0
        for key in list(table.keys()):
            partition = partition_of(key, settings.partitions)
            if partition in mine:
                stage.restore(partition, key, table[key])
                restored += 1
        return restored

    def record_encounters() -> None:
        cell, pair = cell_stage.stats(), pair_stage.stats()
        telemetry.encounter_stats(
            EncounterStats(
                movers=cell.movers,
                late=cell.late + pair.late,
                malformed=cell.malformed + pair.malformed,
            )
        )

    def record_track() -> None:
        monitor = track_stage.monitor
        telemetry.fleet_stats(monitor.stats, len(store), monitor.watermark, time.time())
        telemetry.coverage_stats(monitor.coverage_gaps)

    @app.agent(raw, name="decode")
    async def decode(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, settings.batch_seconds):
            busy["decode"] = True
            started = time.perf_counter()
            records = [_raw_record(event) for event in events]
            for record in records:
                raw_done[record.partition] = max(raw_done.get(record.partition, -1), record.offset)
            outcomes: list[Outcome] = decode_stage.decode(records)
            # Coverage before the reports: a worker reading one has heard what came before it.
            for message in coverage_announcer.announce(records, outcomes):
                value = dumps(message)
                for partition in range(settings.partitions):
                    reports.send_soon(key=b"cov", value=value, partition=partition)
            failures: list[Failure] = []
            for outcome in outcomes:
                if isinstance(outcome, Failure):
                    failures.append(outcome)
                else:
                    # Buffered: faust flushes the producer before it commits the input offsets,
                    # so a crash re-reads these lines rather than losing their reports.
                    reports.send_soon(
                        key=str(outcome.mmsi).encode(), value=dumps(record_to_wire(outcome))
                    )
            await send_failures(failures)
            await send_progress(sorted({record.partition for record in records}))
            telemetry.decode_stats(decode_stage.decoder.stats)
            telemetry.batch_duration.labels("decode").observe(time.perf_counter() - started)
            busy["decode"] = False
            last_input["decode"] = time.monotonic()

    @app.agent(reports, name="track")
    async def track(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, settings.batch_seconds):
            busy["track"] = True
            started = time.perf_counter()
            documents: list[tuple[int, Any]] = []
            for event in events:
                try:
                    document = json.loads(event.value)
                except (ValueError, TypeError):
                    document = None  # counted as malformed by the stage
                documents.append((event.message.partition, document))
            step, failures = track_stage.track(documents)
            reports_in = [
                d
                for _, d in documents
                if isinstance(d, dict) and "raw" not in d and not is_announcement(d)
            ]
            reported = max((d.get("t") or 0.0 for d in reports_in), default=None)
            # Alerts go out before the state is written: a crash repeats alerts, never loses.
            await send_alerts(step.alerts, reported)
            await send_movers(step.movers)
            store.flush()
            await send_failures(failures)
            record_track()
            telemetry.batch_duration.labels("track").observe(time.perf_counter() - started)
            busy["track"] = False
            if reports_in:
                last_input["track"] = time.monotonic()  # progress words alone are not input

    @app.timer(interval=settings.idle_tick_seconds, name="idle")
    async def idle() -> None:
        quiet = time.monotonic() - max(last_input.values())
        if quiet < settings.idle_tick_seconds or not await caught_up():
            return
        # Every input is read to its end and nothing came for a while: event time moves on
        # with the clock, so a vessel that fell silent is reported without waiting for data.
        step = Step()
        drained = track_stage.drained(assigned(names.reports), settings.partitions)
        if drained is not None:
            # Every decoder has read its raw partition to the end and all it decoded is here:
            # event time reaches the latest decoded anywhere, as at the end of a replay.
            step.extend(track_stage.advance_drained(drained))
        step.extend(track_stage.advance_idle(quiet))
        await send_alerts(step.alerts)
        await send_movers(step.movers)
        store.flush()
        record_track()

    @app.timer(interval=settings.idle_tick_seconds, name="raw-progress")
    async def raw_progress() -> None:
        if not busy["decode"]:
            await send_progress(assigned(names.raw), periodic=True)

    @app.agent(cells, name="encounter-cells")
    async def encounter_cells(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, settings.batch_seconds):
            started = time.perf_counter()
            for event in events:
                cell_stage.take(event.message.partition, event.key, _json(event.value))
            found, moved = cell_stage.advance()
            for key, wire in found:
                await pairs.send(key=key, value=dumps(wire))
            for source, watermark in moved.items():
                await broadcast(pairs, source, watermark)
            store_changes(cells_table, cell_stage.flush())
            record_encounters()
            elapsed = time.perf_counter() - started
            telemetry.batch_duration.labels("encounter-cells").observe(elapsed)

    @app.agent(pairs, name="encounter-pairs")
    async def encounter_pairs(stream: Any) -> None:
        async for events in stream.take_events(settings.batch_size, settings.batch_seconds):
            started = time.perf_counter()
            for event in events:
                pair_stage.take(event.message.partition, _json(event.value))
            await send_alerts(pair_stage.advance())
            store_changes(pairs_table, pair_stage.flush())
            record_encounters()
            elapsed = time.perf_counter() - started
            telemetry.batch_duration.labels("encounter-pairs").observe(elapsed)

    @app.agent(vessel_alerts, name="vessel-risk")
    async def vessel_risk(stream: Any) -> None:
        async for event in stream.events():
            key = event.key
            document = _json(event.value)
            try:
                mmsi = int(key)
                alert = alert_from_dict(document)
            except (KeyError, TypeError, ValueError, AttributeError):
                log.warning("not an alert on %s: %r", names.vessel_alerts, event.value[:200])
                continue
            risk = VesselRisk(config.vessel_risk)
            stored = risk_table.get(key)
            if stored is not None:
                risk.restore(stored)
            if risk.update_for(alert, mmsi):
                risk_table[key] = risk.snapshot(mmsi)
                await vessels_topic.send(key=key, value=dumps(risk.summary(mmsi)))

    @app.timer(interval=1.0, name="heartbeat")
    async def beat() -> None:
        telemetry.beat()

    @app.timer(interval=5.0, name="encounter-clocks")
    async def encounter_clocks() -> None:
        for name, stage in (("cells", cell_stage), ("pairs", pair_stage)):
            for partition, clock in sorted(stage.clocks.items()):
                log.debug("encounter %s partition %d: %s", name, partition, clock.describe())

    @app.timer(interval=5.0, name="lag")
    async def lag() -> None:
        consumer = app.consumer
        for tp in consumer.assignment():
            if tp.topic not in inputs:
                continue
            position = await consumer.position(tp)
            highwater = consumer.highwater(tp)
            if position is not None and highwater is not None and highwater >= 0:
                telemetry.consumer_lag.labels(tp.topic, str(tp.partition)).set(
                    max(0, highwater - position)
                )

    @table.on_recover
    async def recovered() -> None:
        adopted = 0
        for vessel in store.stored():
            track_stage.monitor.adopt(vessel)
            adopted += 1
        log.info("vessel table recovered: %d vessels", adopted)
        telemetry.set_ready(True)
        record_track()

    @cells_table.on_recover
    async def cells_recovered() -> None:
        count = restore_encounters(cells_table, cell_stage, names.encounter_cells)
        log.info("encounter cells recovered: %d", count)

    @pairs_table.on_recover
    async def pairs_recovered() -> None:
        count = restore_encounters(pairs_table, pair_stage, names.encounter_pairs)
        log.info("encounter pairs recovered: %d", count)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]
    async def revoked(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        telemetry.set_ready(False)
        telemetry.consumer_lag.clear()  # the partitions may be another worker's now
        for mmsi in store.evict():
            track_stage.monitor.forget(mmsi)
        track_stage.forget_partitions()
        announced["track"] = float("-inf")

    @app.on_partitions_assigned.connect  # type: ignore[arg-type]
    async def on_assigned(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        cell_stage.keep(set(assigned(names.encounter_cells)))
        pair_stage.keep(set(assigned(names.encounter_pairs)))

    app.vigilmar = {  # type: ignore[attr-defined]
        "engine": engine,
        "store": store,
        "decode": decode_stage,
        "track": track_stage,
        "agents": (decode, track, encounter_cells, encounter_pairs, vessel_risk),
        "encounters": (cell_stage, pair_stage),
        "telemetry": telemetry,
    }
    return app


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner (murmur2, as faust's producer) gives ``key``."""
    every = list(range(partitions))
    return int(_PARTITIONER(key, every, every))


_PARTITIONER = DefaultPartitioner()


def _json(value: Any) -> Any:
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return None  # counted as malformed by the stage


def _raw_record(event: Any) -> RawRecord:
    message = event.message
    key = event.key or b""
    source = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)
    value = event.value if isinstance(event.value, bytes) else str(event.value).encode()
    return RawRecord(source, value, message.timestamp, message.offset, message.partition)


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
